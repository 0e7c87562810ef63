/**
 * Point-in-polygon lookup over many polygons (grids, communities, …).
 *
 * Polygons are split into their parts; every part's rings go into one flat
 * Float64Array, and a uniform bucket grid over the parts' bounding boxes gives
 * the few candidates to test. Lookups allocate nothing.
 */
import type { Geometry, PolygonCoords, Position } from '../divisions/model.ts';
import { polygonsOf } from './polygon.ts';

export interface PolygonIndexOptions {
  /** Buckets per polygon part; more buckets mean fewer candidates per lookup and more memory. */
  bucketsPerPart?: number;
}

export class PolygonIndex<T> {
  /** Number of items indexed (items with empty geometry included). */
  readonly size: number;
  private readonly values: T[];
  /** Item index of each part, ascending. */
  private readonly partItem: Int32Array;
  /** minX, minY, maxX, maxY of each part. */
  private readonly partBox: Float64Array;
  /** Rings of part p are ringStart[p] … ringStart[p + 1] - 1. */
  private readonly ringStart: Int32Array;
  /** Coordinates of ring r are coords[coordStart[r] … coordStart[r + 1] - 1], open, x/y interleaved. */
  private readonly coordStart: Int32Array;
  private readonly coords: Float64Array;
  private readonly minX: number;
  private readonly minY: number;
  private readonly maxX: number;
  private readonly maxY: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly scaleX: number;
  private readonly scaleY: number;
  /** Parts overlapping bucket b are bucketParts[bucketStart[b] … bucketStart[b + 1] - 1], ascending. */
  private readonly bucketStart: Int32Array;
  private readonly bucketParts: Int32Array;

  constructor(items: readonly { value: T; geometry: Geometry }[], options: PolygonIndexOptions = {}) {
    this.size = items.length;
    this.values = items.map((item) => item.value);

    let partCount = 0;
    let ringCount = 0;
    let coordCount = 0;
    for (const item of items) {
      for (const polygon of polygonsOf(item.geometry)) {
        if (!polygon[0] || polygon[0].length < 3) continue;
        partCount++;
        for (const ring of polygon) {
          ringCount++;
          coordCount += 2 * ring.length;
        }
      }
    }

    const partItem = new Int32Array(partCount);
    const partBox = new Float64Array(4 * partCount);
    const ringStart = new Int32Array(partCount + 1);
    const coordStart = new Int32Array(ringCount + 1);
    const coords = new Float64Array(coordCount);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    let p = 0;
    let r = 0;
    let c = 0;
    items.forEach((item, index) => {
      for (const polygon of polygonsOf(item.geometry)) {
        if (!polygon[0] || polygon[0].length < 3) continue;
        partItem[p] = index;
        ringStart[p] = r;
        let bx0 = Infinity;
        let by0 = Infinity;
        let bx1 = -Infinity;
        let by1 = -Infinity;
        polygon.forEach((ring, k) => {
          coordStart[r++] = c;
          const n = ring.length;
          // The closing vertex is implied by the crossing test.
          const closed = n > 1 && ring[0][0] === ring[n - 1][0] && ring[0][1] === ring[n - 1][1];
          for (let i = 0; i < (closed ? n - 1 : n); i++) {
            const x = ring[i][0];
            const y = ring[i][1];
            coords[c++] = x;
            coords[c++] = y;
            if (k === 0) {
              if (x < bx0) bx0 = x;
              if (x > bx1) bx1 = x;
              if (y < by0) by0 = y;
              if (y > by1) by1 = y;
            }
          }
        });
        partBox[4 * p] = bx0;
        partBox[4 * p + 1] = by0;
        partBox[4 * p + 2] = bx1;
        partBox[4 * p + 3] = by1;
        if (bx0 < minX) minX = bx0;
        if (by0 < minY) minY = by0;
        if (bx1 > maxX) maxX = bx1;
        if (by1 > maxY) maxY = by1;
        p++;
      }
    });
    ringStart[partCount] = r;
    coordStart[ringCount] = c;
    this.partItem = partItem;
    this.partBox = partBox;
    this.ringStart = ringStart;
    this.coordStart = coordStart;
    this.coords = coords.subarray(0, c);

    if (partCount === 0) {
      minX = minY = maxX = maxY = 0;
    }
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;

    // Square-ish buckets sized so that there are about bucketsPerPart of them per part.
    const width = Math.max(maxX - minX, 1e-9);
    const height = Math.max(maxY - minY, 1e-9);
    const target = Math.max(1, Math.round(partCount * (options.bucketsPerPart ?? 4)));
    const side = Math.sqrt((width * height) / target);
    const nx = Math.min(Math.max(1, Math.ceil(width / side)), 1 << 14);
    const ny = Math.min(Math.max(1, Math.ceil(height / side)), 1 << 14);
    this.nx = nx;
    this.ny = ny;
    this.scaleX = nx / width;
    this.scaleY = ny / height;

    // Counting pass, then fill: a CSR layout keeps each bucket's parts contiguous.
    const bucketStart = new Int32Array(nx * ny + 1);
    for (let q = 0; q < partCount; q++) {
      const [x0, y0, x1, y1] = this.bucketRange(q);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) bucketStart[y * nx + x + 1]++;
    }
    for (let b = 0; b < nx * ny; b++) bucketStart[b + 1] += bucketStart[b];
    const fill = bucketStart.slice(0, nx * ny);
    const bucketParts = new Int32Array(bucketStart[nx * ny]);
    for (let q = 0; q < partCount; q++) {
      const [x0, y0, x1, y1] = this.bucketRange(q);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) bucketParts[fill[y * nx + x]++] = q;
    }
    this.bucketStart = bucketStart;
    this.bucketParts = bucketParts;
  }

  private bucketRange(part: number): [number, number, number, number] {
    const box = this.partBox;
    return [
      this.column(box[4 * part]),
      this.row(box[4 * part + 1]),
      this.column(box[4 * part + 2]),
      this.row(box[4 * part + 3]),
    ];
  }

  private column(x: number): number {
    const i = Math.floor((x - this.minX) * this.scaleX);
    return i < 0 ? 0 : i >= this.nx ? this.nx - 1 : i;
  }

  private row(y: number): number {
    const i = Math.floor((y - this.minY) * this.scaleY);
    return i < 0 ? 0 : i >= this.ny ? this.ny - 1 : i;
  }

  /**
   * The whole index as one buffer (values as JSON, arrays as raw bytes), so a process can
   * start from a stored snapshot instead of re-reading every polygon.
   */
  toBuffer(): Buffer {
    const arrays = [this.partItem, this.partBox, this.ringStart, this.coordStart, this.coords, this.bucketStart, this.bucketParts];
    const header = Buffer.from(JSON.stringify({
      v: 1, size: this.size, values: this.values, lengths: arrays.map((a) => a.length),
      box: [this.minX, this.minY, this.maxX, this.maxY], grid: [this.nx, this.ny, this.scaleX, this.scaleY],
    }));
    // Typed arrays are copied to 8-byte aligned offsets so they can be viewed in place when read.
    const pad = (n: number) => (8 - (n % 8)) % 8;
    let offset = 8 + header.length + pad(header.length);
    const offsets = arrays.map((a) => {
      const at = offset;
      offset += a.byteLength + pad(a.byteLength);
      return at;
    });
    const out = Buffer.alloc(offset);
    out.writeUInt32LE(header.length, 0);
    header.copy(out, 8);
    arrays.forEach((a, i) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offsets[i]));
    return out;
  }

  static fromBuffer<T>(data: Uint8Array): PolygonIndex<T> {
    // Copy once into a fresh, aligned buffer; the typed arrays then view it without copying.
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(data);
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(Buffer.from(bytes.buffer, 8, headerLength).toString('utf8')) as {
      v: number; size: number; values: T[]; lengths: number[]; box: number[]; grid: number[];
    };
    if (header.v !== 1) throw new Error(`unknown PolygonIndex snapshot version ${header.v}`);
    const kinds = [Int32Array, Float64Array, Int32Array, Int32Array, Float64Array, Int32Array, Int32Array] as const;
    const pad = (n: number) => (8 - (n % 8)) % 8;
    let offset = 8 + headerLength + pad(headerLength);
    const arrays = kinds.map((Kind, i) => {
      const array = new Kind(bytes.buffer, offset, header.lengths[i]);
      offset += array.byteLength + pad(array.byteLength);
      return array;
    });
    const index = Object.create(PolygonIndex.prototype) as PolygonIndex<T>;
    Object.assign(index, {
      size: header.size, values: header.values,
      partItem: arrays[0], partBox: arrays[1], ringStart: arrays[2], coordStart: arrays[3], coords: arrays[4], bucketStart: arrays[5], bucketParts: arrays[6],
      minX: header.box[0], minY: header.box[1], maxX: header.box[2], maxY: header.box[3],
      nx: header.grid[0], ny: header.grid[1], scaleX: header.grid[2], scaleY: header.grid[3],
    });
    return index;
  }

  /**
   * The value of the first item (in input order) whose geometry contains the
   * point, holes excluded; undefined if none does.
   */
  find(lon: number, lat: number): T | undefined {
    if (!(lon >= this.minX && lon <= this.maxX && lat >= this.minY && lat <= this.maxY)) return undefined;
    const b = this.row(lat) * this.nx + this.column(lon);
    const box = this.partBox;
    const parts = this.bucketParts;
    for (let k = this.bucketStart[b], end = this.bucketStart[b + 1]; k < end; k++) {
      const p = parts[k];
      const o = 4 * p;
      if (lon < box[o] || lat < box[o + 1] || lon > box[o + 2] || lat > box[o + 3]) continue;
      if (this.inPart(p, lon, lat)) return this.values[this.partItem[p]];
    }
    return undefined;
  }

  /**
   * Items whose outline's bounding box meets the box, in input order, at most `limit` of
   * those `accept` lets through: the map's grid layer for the area on screen.
   */
  search(minX: number, minY: number, maxX: number, maxY: number, limit: number, accept: (value: T) => boolean = () => true): { items: { value: T; geometry: Geometry }[]; truncated: boolean } {
    if (maxX < this.minX || minX > this.maxX || maxY < this.minY || minY > this.maxY) return { items: [], truncated: false };
    const [x0, x1, y0, y1] = [this.column(minX), this.column(maxX), this.row(minY), this.row(maxY)];
    const box = this.partBox;
    const found = new Set<number>();
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const b = y * this.nx + x;
        for (let k = this.bucketStart[b], end = this.bucketStart[b + 1]; k < end; k++) {
          const o = 4 * this.bucketParts[k];
          if (box[o] <= maxX && box[o + 2] >= minX && box[o + 1] <= maxY && box[o + 3] >= minY) found.add(this.partItem[this.bucketParts[k]]);
        }
      }
    }
    const items: { value: T; geometry: Geometry }[] = [];
    for (const item of [...found].sort((a, b) => a - b)) {
      if (!accept(this.values[item])) continue;
      if (items.length === limit) return { items, truncated: true };
      items.push({ value: this.values[item], geometry: this.geometryOf(item) });
    }
    return { items, truncated: false };
  }

  /** An item's polygons rebuilt from the flat arrays, rings closed again. */
  private geometryOf(item: number): Geometry {
    // Parts are stored in item order: find the first of this item's by bisection.
    let [lo, hi] = [0, this.partItem.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.partItem[mid] < item) lo = mid + 1;
      else hi = mid;
    }
    const polygons: PolygonCoords[] = [];
    for (let p = lo; p < this.partItem.length && this.partItem[p] === item; p++) {
      const rings: PolygonCoords = [];
      for (let r = this.ringStart[p]; r < this.ringStart[p + 1]; r++) {
        const ring: Position[] = [];
        for (let i = this.coordStart[r]; i < this.coordStart[r + 1]; i += 2) ring.push([this.coords[i], this.coords[i + 1]]);
        ring.push(ring[0]);
        rings.push(ring);
      }
      polygons.push(rings);
    }
    return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
  }

  /** Even-odd over all rings of the part, which is how holes are excluded. */
  private inPart(part: number, lon: number, lat: number): boolean {
    const coords = this.coords;
    const coordStart = this.coordStart;
    let inside = false;
    for (let r = this.ringStart[part], rEnd = this.ringStart[part + 1]; r < rEnd; r++) {
      const start = coordStart[r];
      const end = coordStart[r + 1];
      let xj = coords[end - 2];
      let yj = coords[end - 1];
      for (let i = start; i < end; i += 2) {
        const xi = coords[i];
        const yi = coords[i + 1];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
        xj = xi;
        yj = yi;
      }
    }
    return inside;
  }
}
