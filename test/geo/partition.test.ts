import { describe, expect, it } from 'vitest';
import type { Geometry, Position } from '../../src/divisions/model.ts';
import { loadChongqingOutlines } from '../../src/geo/echarts.ts';
import { hashString, partition, seededRandom } from '../../src/geo/partition.ts';
import { areaOf, bboxOf, centroidOf, pointInGeometry, polygonsOf, ringArea } from '../../src/geo/polygon.ts';

const districts = loadChongqingOutlines();
const district = (code: string): Geometry => districts.find((d) => d.code === code)!.geometry;

function distanceToSegment(px: number, py: number, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

function distanceToBoundary(g: Geometry, x: number, y: number): number {
  let best = Infinity;
  for (const polygon of polygonsOf(g)) {
    for (const ring of polygon) {
      for (let i = 1; i < ring.length; i++) best = Math.min(best, distanceToSegment(x, y, ring[i - 1], ring[i]));
    }
  }
  return best;
}

/**
 * Every sample point is claimed by at most one cell, and points of the parent
 * clear of its boundary (where 6-decimal rounding may move the outline) by
 * exactly one.
 */
function expectExactCover(parent: Geometry, cells: Geometry[], samples: number, seed: string): void {
  const random = seededRandom(seed);
  const [x0, y0, x1, y1] = bboxOf(parent);
  let inside = 0;
  const problems: string[] = [];
  for (let i = 0; i < samples; i++) {
    const x = x0 + random() * (x1 - x0);
    const y = y0 + random() * (y1 - y0);
    const claims = cells.filter((c) => pointInGeometry(c, x, y)).length;
    const inParent = pointInGeometry(parent, x, y);
    if (inParent) inside++;
    if (claims > 1) problems.push(`${x},${y}: in ${claims} cells`);
    else if (claims !== (inParent ? 1 : 0) && distanceToBoundary(parent, x, y) >= 2e-6) {
      problems.push(`${x},${y}: in ${claims} cells, ${inParent ? 'inside' : 'outside'} the parent`);
    }
  }
  expect(problems).toEqual([]);
  expect(inside).toBeGreaterThan(samples / 10);
  const total = cells.reduce((sum, c) => sum + areaOf(c), 0);
  expect(Math.abs(total - areaOf(parent)) / areaOf(parent)).toBeLessThan(1e-4);
}

function expectWellFormed(cells: Geometry[]): void {
  const problems: string[] = [];
  cells.forEach((cell, c) => {
    if (!(areaOf(cell) > 0)) problems.push(`cell ${c} is empty`);
    for (const polygon of polygonsOf(cell)) {
      polygon.forEach((ring, k) => {
        const first = ring[0];
        const last = ring[ring.length - 1];
        if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) problems.push(`cell ${c}: open ring`);
        if (Math.sign(ringArea(ring)) !== (k === 0 ? 1 : -1)) problems.push(`cell ${c}: ring ${k} wound wrongly`);
        for (const [x, y] of ring) {
          if (Math.round(x * 1e6) / 1e6 !== x || Math.round(y * 1e6) / 1e6 !== y) problems.push(`cell ${c}: ${x},${y} not rounded`);
        }
      });
    }
  });
  expect(problems).toEqual([]);
}

describe('seededRandom', () => {
  it('is deterministic and spread over [0, 1)', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / 1000).toBeCloseTo(0.5, 1);
    expect(hashString('500103001001')).not.toBe(hashString('500103001002'));
  });
});

describe('partition', () => {
  it('covers a district exactly', () => {
    const parent = district('500104'); // 大渡口区: a MultiPolygon
    const cells = partition(parent, 8, 'test:500104');
    expect(cells).toHaveLength(8);
    expectWellFormed(cells);
    expectExactCover(parent, cells, 3000, 'cover:500104');
  });

  it('covers a large district with many cells', () => {
    const parent = district('500101');
    const cells = partition(parent, 52, 'test:500101');
    expect(cells).toHaveLength(52);
    expectWellFormed(cells);
    expectExactCover(parent, cells, 3000, 'cover:500101');
  });

  it('handles concave parents whose cells fall apart, and holes', () => {
    // A comb: cells straddling the teeth intersect it in several pieces.
    const comb: Position[] = [[0, 0], [10, 0], [10, 1]];
    for (let x = 10; x > 0; x -= 2) comb.push([x, 6], [x - 1, 6], [x - 1, 1]);
    comb.push([0, 1], [0, 0]);
    const combGeometry: Geometry = { type: 'Polygon', coordinates: [comb] };
    const ring: Geometry = {
      type: 'Polygon',
      coordinates: [
        [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
        [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]],
      ],
    };
    const pinhole: Geometry = {
      type: 'Polygon',
      coordinates: [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4.5, 4.5], [4.5, 5.5], [5.5, 5.5], [5.5, 4.5], [4.5, 4.5]],
      ],
    };
    for (const [parent, count] of [[combGeometry, 7], [ring, 6], [pinhole, 3]] as const) {
      for (const seed of ['a', 'b', 'c']) {
        const cells = partition(parent, count, seed);
        expect(cells).toHaveLength(count);
        expectWellFormed(cells);
        expectExactCover(parent, cells, 1500, `cover:${seed}`);
      }
    }
  });

  it('is deterministic and depends on the seed', () => {
    const parent = district('500103');
    expect(partition(parent, 11, 'street:500103')).toEqual(partition(parent, 11, 'street:500103'));
    expect(partition(parent, 11, 'street:500103')).not.toEqual(partition(parent, 11, 'other'));
  });

  it('orders cells so that consecutive ones are close', () => {
    const cells = partition(district('500242'), 39, 'test:500242');
    const centres = cells.map(centroidOf);
    const dist = (a: Position, b: Position): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
    let consecutive = 0;
    for (let i = 1; i < centres.length; i++) consecutive += dist(centres[i - 1], centres[i]);
    consecutive /= centres.length - 1;
    let any = 0;
    let pairs = 0;
    for (let i = 0; i < centres.length; i++) {
      for (let j = i + 1; j < centres.length; j++) {
        any += dist(centres[i], centres[j]);
        pairs++;
      }
    }
    expect(consecutive).toBeLessThan((any / pairs) * 0.5);
  });

  it('handles trivial counts', () => {
    const parent = district('500103');
    expect(partition(parent, 0, 's')).toEqual([]);
    const [whole] = partition(parent, 1, 's');
    expect(areaOf(whole)).toBeCloseTo(areaOf(parent), 9);
    expect(() => partition(parent, 2.5, 's')).toThrow(RangeError);
  });
});
