import { describe, expect, it } from 'vitest';
import type { Geometry } from '../../src/divisions/model.ts';
import { loadChongqingOutlines } from '../../src/geo/echarts.ts';
import { partition, seededRandom } from '../../src/geo/partition.ts';
import { type BBox, bboxOf, pointInGeometry } from '../../src/geo/polygon.ts';
import { PolygonIndex } from '../../src/geo/point-index.ts';

function bruteForce<T>(items: { value: T; geometry: Geometry; box: BBox }[], lon: number, lat: number): T | undefined {
  return items.find(
    ({ box, geometry }) => lon >= box[0] && lat >= box[1] && lon <= box[2] && lat <= box[3] && pointInGeometry(geometry, lon, lat),
  )?.value;
}

describe('PolygonIndex', () => {
  it('agrees with brute force on 10,000 random points', () => {
    const districts = loadChongqingOutlines().filter((d) => ['500103', '500104', '500105', '500106', '500107', '500108'].includes(d.code));
    // Districts overlap slightly along shared borders, so ties exercise the first-item rule too.
    const items = districts.flatMap((d) =>
      partition(d.geometry, 150, `index:${d.code}`).map((geometry, i) => ({
        value: `${d.code}-${i}`,
        geometry,
        box: bboxOf(geometry),
      })),
    );
    const index = new PolygonIndex(items);
    expect(index.size).toBe(items.length);
    const [x0, y0, x1, y1] = items.map((i) => i.box).reduce((a, b) => [
      Math.min(a[0], b[0]),
      Math.min(a[1], b[1]),
      Math.max(a[2], b[2]),
      Math.max(a[3], b[3]),
    ]);
    const random = seededRandom('index');
    let hits = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      // A margin around the bbox checks misses outside it as well.
      const lon = x0 - 0.05 + random() * (x1 - x0 + 0.1);
      const lat = y0 - 0.05 + random() * (y1 - y0 + 0.1);
      const expected = bruteForce(items, lon, lat);
      const found = index.find(lon, lat);
      if (found !== expected) mismatches.push(`${lon},${lat}: ${found} != ${expected}`);
      if (expected !== undefined) hits++;
    }
    expect(mismatches).toEqual([]);
    expect(hits).toBeGreaterThan(2000);
    expect(hits).toBeLessThan(9000);
  });

  it('excludes holes, returns the first of overlapping items, and skips empty ones', () => {
    const items: { value: string; geometry: Geometry }[] = [
      { value: 'empty', geometry: { type: 'MultiPolygon', coordinates: [] } },
      {
        value: 'donut',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
            [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]],
          ],
        },
      },
      {
        value: 'under',
        geometry: {
          type: 'MultiPolygon',
          coordinates: [[[[0.5, 0.5], [3.5, 0.5], [3.5, 3.5], [0.5, 3.5], [0.5, 0.5]]], [[[10, 10], [11, 10], [11, 11], [10, 10]]]],
        },
      },
    ];
    const index = new PolygonIndex(items);
    expect(index.size).toBe(3);
    expect(index.find(0.25, 0.25)).toBe('donut');
    expect(index.find(0.75, 0.75)).toBe('donut');
    expect(index.find(2, 2)).toBe('under');
    expect(index.find(10.9, 10.5)).toBe('under');
    expect(index.find(10.1, 10.9)).toBeUndefined();
    expect(index.find(5, 5)).toBeUndefined();
    expect(index.find(-1, 2)).toBeUndefined();
    expect(new PolygonIndex<string>([]).find(0, 0)).toBeUndefined();
  });

  it('finds the items whose outline box meets a box, with their polygons, in order, within a limit and a filter', () => {
    const square = (x: number, y: number): Geometry => ({ type: 'Polygon', coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]] });
    const items = [
      { value: 'a', geometry: square(0, 0) },
      { value: 'b', geometry: square(2, 0) },
      { value: 'c', geometry: { type: 'MultiPolygon', coordinates: [square(0, 2).coordinates as never, square(5, 5).coordinates as never] } as Geometry },
      { value: 'd', geometry: square(8, 8) },
    ];
    for (const index of [new PolygonIndex(items), PolygonIndex.fromBuffer<string>(new PolygonIndex(items).toBuffer())]) {
      const all = index.search(-1, -1, 10, 10, 10);
      expect(all.items.map((i) => i.value)).toEqual(['a', 'b', 'c', 'd']);
      expect(all.truncated).toBe(false);
      // Rings come back closed, parts as they were given.
      expect(all.items[0].geometry).toEqual(items[0].geometry);
      expect(all.items[2].geometry).toEqual(items[2].geometry);
      // A box touching one part of a multipolygon finds its item once.
      expect(index.search(4.5, 4.5, 5.5, 5.5, 10).items.map((i) => i.value)).toEqual(['c']);
      expect(index.search(0.5, 0.5, 2.5, 0.6, 10).items.map((i) => i.value)).toEqual(['a', 'b']);
      expect(index.search(1.2, 1.2, 1.8, 1.8, 10).items).toEqual([]);
      expect(index.search(20, 20, 30, 30, 10)).toEqual({ items: [], truncated: false });
      expect(index.search(-1, -1, 10, 10, 2)).toMatchObject({ items: [{ value: 'a' }, { value: 'b' }], truncated: true });
      expect(index.search(-1, -1, 10, 10, 2, (v) => v !== 'a').items.map((i) => i.value)).toEqual(['b', 'c']);
      expect(index.search(-1, -1, 10, 10, 3, (v) => v !== 'a').truncated).toBe(false);
    }
  });
});
