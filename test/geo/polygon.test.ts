import { describe, expect, it } from 'vitest';
import type { Geometry } from '../../src/divisions/model.ts';
import { areaOf, bboxOf, centroidOf, pointInGeometry, union } from '../../src/geo/polygon.ts';

const square = (x: number, y: number, s: number): [number, number][] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];
const donut: Geometry = { type: 'Polygon', coordinates: [square(0, 0, 4), square(1, 1, 2).reverse()] };
const pair: Geometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(2, 0, 1)]] };

describe('polygon helpers', () => {
  it('respects holes and parts', () => {
    expect(pointInGeometry(donut, 0.5, 0.5)).toBe(true);
    expect(pointInGeometry(donut, 2, 2)).toBe(false);
    expect(pointInGeometry(donut, 5, 2)).toBe(false);
    expect(pointInGeometry(pair, 2.5, 0.5)).toBe(true);
    expect(pointInGeometry(pair, 1.5, 0.5)).toBe(false);
  });

  it('measures', () => {
    expect(bboxOf(donut)).toEqual([0, 0, 4, 4]);
    expect(areaOf(donut)).toBe(12);
    expect(areaOf(pair)).toBe(2);
    expect(centroidOf(donut)).toEqual([2, 2]);
    const [cx, cy] = centroidOf(pair);
    expect(cx).toBeCloseTo(1.5, 12);
    expect(cy).toBeCloseTo(0.5, 12);
  });

  it('unions', () => {
    const u = union([
      { type: 'Polygon', coordinates: [square(0, 0, 2)] },
      { type: 'Polygon', coordinates: [square(1, 1, 2)] },
    ]);
    expect(u.type).toBe('Polygon');
    expect(areaOf(u)).toBeCloseTo(7, 12);
    expect(areaOf(union([donut, pair]))).toBeCloseTo(12, 12);
    expect(areaOf(union([donut, { type: 'Polygon', coordinates: [square(5, 0, 1)] }]))).toBeCloseTo(13, 12);
  });
});
