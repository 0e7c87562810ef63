/**
 * Deterministic subdivision of a polygon into `count` Voronoi cells.
 *
 * Used to synthesise plausible boundaries for divisions whose real outlines we
 * do not have: the same (parent, count, seed) always gives the same cells, on
 * any machine, because the only randomness is a PRNG seeded from the string.
 */
import { Delaunay } from 'd3-delaunay';
import polygonClipping from 'polygon-clipping';
import type { Geometry, PolygonCoords, Position } from '../divisions/model.ts';
import { bboxOf, geometryOf, pointInGeometry, polygonsOf } from './polygon.ts';
import { mulberry32 } from '../random.ts';

/** 32-bit string hash (Murmur3-style mixing over UTF-16 code units). */
export function hashString(s: string): number {
  let h = 0x9e3779b9 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform floats in [0, 1) from a string seed (mulberry32). */
export function seededRandom(seed: string): () => number {
  return mulberry32(hashString(seed));
}

/**
 * Relaxation steps, each costing one extra clip of every cell. On Chongqing's
 * grids two bring the coefficient of variation of cell areas within a parent
 * from about 0.5 (plain random sites) to about 0.25.
 */
const LLOYD_ITERATIONS = 2;
const MAX_RESEEDS = 8;

/** A parent polygon's rings as flat [x0, y0, x1, y1, …] arrays, open (no repeated first vertex). */
interface FlatPolygon {
  rings: number[][];
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  source: PolygonCoords;
}

function flatten(parent: Geometry): FlatPolygon[] {
  const out: FlatPolygon[] = [];
  for (const polygon of polygonsOf(parent)) {
    if (!polygon[0] || polygon[0].length < 3) continue;
    const rings = polygon.map((ring) => {
      const flat: number[] = [];
      const n = ring.length;
      const closed = n > 1 && ring[0][0] === ring[n - 1][0] && ring[0][1] === ring[n - 1][1];
      for (let i = 0; i < (closed ? n - 1 : n); i++) flat.push(ring[i][0], ring[i][1]);
      return flat;
    });
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    const ext = rings[0];
    for (let i = 0; i < ext.length; i += 2) {
      if (ext[i] < minX) minX = ext[i];
      if (ext[i] > maxX) maxX = ext[i];
      if (ext[i + 1] < minY) minY = ext[i + 1];
      if (ext[i + 1] > maxY) maxY = ext[i + 1];
    }
    out.push({ rings, minX, minY, maxX, maxY, source: polygon });
  }
  return out;
}

/**
 * Clips a ring against the half-plane left of a→b (Sutherland–Hodgman step).
 * Returns null when the result would contain a zero-width bridge: a concave
 * ring whose intersection with the half-plane falls apart is joined by edges
 * running back and forth along the clip line, which SH cannot avoid.
 */
function clipHalfPlane(ring: number[], ax: number, ay: number, bx: number, by: number): number[] | null {
  const n = ring.length;
  if (n === 0) return ring;
  const dx = bx - ax;
  const dy = by - ay;
  const out: number[] = [];
  // Positions along the clip line of the points where the ring crosses it, in ring order.
  let crossings: number[] | null = null;
  let crossingsFirstIsExit = false;
  let px = ring[n - 2];
  let py = ring[n - 1];
  let ps = dx * (py - ay) - dy * (px - ax);
  for (let i = 0; i < n; i += 2) {
    const cx = ring[i];
    const cy = ring[i + 1];
    const cs = dx * (cy - ay) - dy * (cx - ax);
    if (cs >= 0) {
      if (ps < 0) {
        const t = ps / (ps - cs);
        const ix = px + t * (cx - px);
        const iy = py + t * (cy - py);
        out.push(ix, iy);
        (crossings ??= []).push((ix - ax) * dx + (iy - ay) * dy);
      }
      out.push(cx, cy);
    } else if (ps >= 0) {
      const t = ps / (ps - cs);
      const ix = px + t * (cx - px);
      const iy = py + t * (cy - py);
      out.push(ix, iy);
      if (!crossings) {
        crossings = [];
        crossingsFirstIsExit = true;
      }
      crossings.push((ix - ax) * dx + (iy - ay) * dy);
    }
    px = cx;
    py = cy;
    ps = cs;
  }
  if (crossings && crossings.length > 2 && hasOverlappingRuns(crossings, crossingsFirstIsExit)) return null;
  return out;
}

/**
 * The output runs along the clip line from each exit to the next entry. If two
 * such runs overlap, the output retraces the line: the result is disconnected
 * (or wrongly linked) and SH has stitched it with a degenerate bridge.
 */
function hasOverlappingRuns(crossings: number[], firstIsExit: boolean): boolean {
  const m = crossings.length;
  const runs: [number, number][] = [];
  for (let k = firstIsExit ? 0 : 1; k < m; k += 2) {
    const a = crossings[k];
    const b = crossings[(k + 1) % m];
    runs.push(a < b ? [a, b] : [b, a]);
  }
  runs.sort((r, s) => r[0] - s[0]);
  for (let k = 1; k < runs.length; k++) if (runs[k][0] < runs[k - 1][1]) return true;
  return false;
}

/** Intersection of one parent polygon with a convex cell (flat, counter-clockwise, open). */
function clipPolygon(polygon: FlatPolygon, cell: number[]): PolygonCoords[] {
  const k = cell.length;
  let exterior: number[] | null = polygon.rings[0];
  for (let e = 0; e < k && exterior && exterior.length > 0; e += 2) {
    exterior = clipHalfPlane(exterior, cell[e], cell[e + 1], cell[(e + 2) % k], cell[(e + 3) % k]);
    if (!exterior) return clipGeneral(polygon, cell);
  }
  if (!exterior || exterior.length < 6) return [];
  const rings = [toRing(exterior)];
  for (let r = 1; r < polygon.rings.length; r++) {
    const where = holeVersusCell(polygon.rings[r], cell);
    // A hole cut by the cell boundary would share edges with the clipped
    // exterior; the general algorithm merges those into one valid ring.
    if (where === 'crossing') return clipGeneral(polygon, cell);
    if (where === 'inside') rings.push(toRing(polygon.rings[r]));
  }
  return [rings];
}

/** Whether a ring lies inside the convex cell, clear of it, or possibly crosses it. */
function holeVersusCell(ring: number[], cell: number[]): 'inside' | 'outside' | 'crossing' {
  const k = cell.length;
  let allInside = true;
  for (let e = 0; e < k; e += 2) {
    const ax = cell[e];
    const ay = cell[e + 1];
    const dx = cell[(e + 2) % k] - ax;
    const dy = cell[(e + 3) % k] - ay;
    let outside = 0;
    for (let i = 0; i < ring.length; i += 2) {
      if (dx * (ring[i + 1] - ay) - dy * (ring[i] - ax) < 0) outside++;
    }
    if (outside === ring.length / 2) return 'outside';
    if (outside > 0) allInside = false;
  }
  return allInside ? 'inside' : 'crossing';
}

function clipGeneral(polygon: FlatPolygon, cell: number[]): PolygonCoords[] {
  const cellRing: Position[] = toRing(cell);
  return polygonClipping.intersection(
    polygon.source as polygonClipping.Polygon,
    [cellRing] as polygonClipping.Polygon,
  ) as PolygonCoords[];
}

function toRing(flat: number[]): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < flat.length; i += 2) ring.push([flat[i], flat[i + 1]]);
  if (ring.length) ring.push([flat[0], flat[1]]);
  return ring;
}

function cellContainsBox(cell: number[], minX: number, minY: number, maxX: number, maxY: number): boolean {
  const k = cell.length;
  for (let e = 0; e < k; e += 2) {
    const ax = cell[e];
    const ay = cell[e + 1];
    const dx = cell[(e + 2) % k] - ax;
    const dy = cell[(e + 3) % k] - ay;
    if (dx * (minY - ay) - dy * (minX - ax) < 0) return false;
    if (dx * (minY - ay) - dy * (maxX - ax) < 0) return false;
    if (dx * (maxY - ay) - dy * (minX - ax) < 0) return false;
    if (dx * (maxY - ay) - dy * (maxX - ax) < 0) return false;
  }
  return true;
}

/** Every Voronoi cell of `points` (flat) intersected with the parent, unrounded. */
function clipCells(parts: FlatPolygon[], points: Float64Array, bounds: [number, number, number, number]): PolygonCoords[][] | null {
  const voronoi = new Delaunay(points).voronoi(bounds);
  const count = points.length / 2;
  const result: PolygonCoords[][] = [];
  for (let i = 0; i < count; i++) {
    const polygon = voronoi.cellPolygon(i);
    if (!polygon) return null;
    const cell: number[] = [];
    let cMinX = Infinity;
    let cMinY = Infinity;
    let cMaxX = -Infinity;
    let cMaxY = -Infinity;
    for (let j = 0; j < polygon.length - 1; j++) {
      const [x, y] = polygon[j];
      cell.push(x, y);
      if (x < cMinX) cMinX = x;
      if (x > cMaxX) cMaxX = x;
      if (y < cMinY) cMinY = y;
      if (y > cMaxY) cMaxY = y;
    }
    if (flatSignedArea(cell) < 0) reverseFlat(cell);
    const pieces: PolygonCoords[] = [];
    for (const part of parts) {
      if (part.maxX < cMinX || part.minX > cMaxX || part.maxY < cMinY || part.minY > cMaxY) continue;
      if (cellContainsBox(cell, part.minX, part.minY, part.maxX, part.maxY)) {
        pieces.push(part.source);
        continue;
      }
      pieces.push(...clipPolygon(part, cell));
    }
    result.push(pieces);
  }
  return result;
}

function flatSignedArea(flat: number[]): number {
  let sum = 0;
  const n = flat.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) sum += flat[j] * flat[i + 1] - flat[i] * flat[j + 1];
  return sum / 2;
}

function reverseFlat(flat: number[]): void {
  for (let i = 0, j = flat.length - 2; i < j; i += 2, j -= 2) {
    const x = flat[i];
    const y = flat[i + 1];
    flat[i] = flat[j];
    flat[i + 1] = flat[j + 1];
    flat[j] = x;
    flat[j + 1] = y;
  }
}

/** Area-weighted centroid; holes subtract whatever their winding. */
function centroidOfPieces(pieces: PolygonCoords[]): Position | null {
  let area = 0;
  let cx = 0;
  let cy = 0;
  const origin = pieces[0]?.[0]?.[0];
  if (!origin) return null;
  const [ox, oy] = origin;
  for (const polygon of pieces) {
    polygon.forEach((ring, r) => {
      let ra = 0;
      let rx = 0;
      let ry = 0;
      for (let i = 1; i < ring.length; i++) {
        const x0 = ring[i - 1][0] - ox;
        const y0 = ring[i - 1][1] - oy;
        const x1 = ring[i][0] - ox;
        const y1 = ring[i][1] - oy;
        const cross = x0 * y1 - x1 * y0;
        ra += cross;
        rx += (x0 + x1) * cross;
        ry += (y0 + y1) * cross;
      }
      const sign = (r === 0 ? 1 : -1) * (ra < 0 ? -1 : 1);
      area += sign * ra;
      cx += sign * rx;
      cy += sign * ry;
    });
  }
  if (area <= 0) return null;
  return [ox + cx / (3 * area), oy + cy / (3 * area)];
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/**
 * Rounds to 6 decimals, drops the vertices, rings and polygons that rounding
 * collapses, and winds exteriors counter-clockwise and holes clockwise.
 */
function roundPieces(pieces: PolygonCoords[]): PolygonCoords[] {
  const out: PolygonCoords[] = [];
  for (const polygon of pieces) {
    const rings: Position[][] = [];
    for (let r = 0; r < polygon.length; r++) {
      const ring: Position[] = [];
      for (const [x, y] of polygon[r]) {
        const rx = round6(x);
        const ry = round6(y);
        const last = ring[ring.length - 1];
        if (!last || last[0] !== rx || last[1] !== ry) ring.push([rx, ry]);
      }
      const first = ring[0];
      const last = ring[ring.length - 1];
      if (first && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
      let area = 0;
      for (let i = 1; i < ring.length; i++) area += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
      if (ring.length < 4 || area === 0) {
        if (r === 0) break;
        continue;
      }
      if (area > 0 !== (r === 0)) ring.reverse();
      rings.push(ring);
    }
    if (rings.length) out.push(rings);
  }
  return out;
}

/** Position along a Hilbert curve of order 16 over [0, 65535]². */
function hilbertIndex(x: number, y: number): number {
  let d = 0;
  for (let s = 1 << 15; s > 0; s >>>= 1) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = 65535 - x;
        y = 65535 - y;
      }
      const t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

function samplePoints(parent: Geometry, count: number, random: () => number, bbox: [number, number, number, number]): Position[] {
  const [minX, minY, maxX, maxY] = bbox;
  const w = maxX - minX;
  const h = maxY - minY;
  const points: Position[] = [];
  const maxAttempts = Math.max(100_000, count * 10_000);
  for (let attempt = 0; points.length < count && attempt < maxAttempts; attempt++) {
    const x = minX + random() * w;
    const y = minY + random() * h;
    if (pointInGeometry(parent, x, y)) points.push([x, y]);
  }
  if (points.length < count) throw new Error(`partition: could not place ${count} points inside the parent`);
  return points;
}

/**
 * Splits `parent` into `count` cells that cover it without gaps or overlaps
 * (shared edges are bit-identical after rounding; the outer boundary follows the
 * parent's to within the 1e-6 rounding). Every cell is non-empty; a cell that
 * takes in a detached part of the parent is a MultiPolygon. Cells are ordered
 * along a Hilbert curve through their sites, so consecutive cells tend to be
 * neighbours. Coordinates are rounded to 6 decimals.
 */
export function partition(parent: Geometry, count: number, seed: string): Geometry[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`partition: bad count ${count}`);
  if (count === 0) return [];
  const parts = flatten(parent);
  if (parts.length === 0) throw new Error('partition: empty parent');
  if (count === 1) {
    const whole = roundPieces(parts.map((p) => p.source));
    if (whole.length === 0) throw new Error('partition: parent vanishes when rounded');
    return [geometryOf(whole)];
  }
  const bbox = bboxOf(parent);
  const margin = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-6) * 0.01;
  const bounds: [number, number, number, number] = [bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin];

  for (let attempt = 0; attempt < MAX_RESEEDS; attempt++) {
    const random = seededRandom(attempt === 0 ? seed : `${seed}\u0000${attempt}`);
    let points = samplePoints(parent, count, random, bbox);

    for (let iteration = 0; iteration < LLOYD_ITERATIONS; iteration++) {
      const cells = clipCells(parts, flatPoints(points), bounds);
      if (!cells) break;
      points = points.map((p, i) => {
        const c = centroidOfPieces(cells[i]);
        return c && pointInGeometry(parent, c[0], c[1]) ? c : p;
      });
    }

    const sx = 65535 / Math.max(bbox[2] - bbox[0], 1e-12);
    const sy = 65535 / Math.max(bbox[3] - bbox[1], 1e-12);
    const keyed = points.map((p) => ({
      p,
      key: hilbertIndex(Math.round((p[0] - bbox[0]) * sx), Math.round((p[1] - bbox[1]) * sy)),
    }));
    keyed.sort((a, b) => a.key - b.key || a.p[0] - b.p[0] || a.p[1] - b.p[1]);
    points = keyed.map((k) => k.p);

    const cells = clipCells(parts, flatPoints(points), bounds);
    if (!cells) continue;
    const rounded = cells.map(roundPieces);
    if (rounded.some((pieces) => pieces.length === 0)) continue;
    return rounded.map(geometryOf);
  }
  throw new Error(`partition: no valid ${count}-cell partition found for seed ${JSON.stringify(seed)}`);
}

function flatPoints(points: Position[]): Float64Array {
  const flat = new Float64Array(points.length * 2);
  points.forEach(([x, y], i) => {
    flat[2 * i] = x;
    flat[2 * i + 1] = y;
  });
  return flat;
}
