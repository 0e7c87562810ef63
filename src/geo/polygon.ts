/**
 * Planar geometry helpers over GeoJSON Polygon / MultiPolygon in lon/lat degrees.
 *
 * Areas and centroids are computed in the plate carrée plane: good enough for
 * comparing and placing divisions of one city, not for surveying.
 */
import polygonClipping from 'polygon-clipping';
import type { Geometry, PolygonCoords, Position } from '../divisions/model.ts';

/** [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

/** The polygons of a geometry, so callers need not branch on its type. */
export function polygonsOf(geometry: Geometry): PolygonCoords[] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** One polygon becomes a Polygon, several a MultiPolygon; none is an empty MultiPolygon. */
export function geometryOf(polygons: PolygonCoords[]): Geometry {
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] }
    : { type: 'MultiPolygon', coordinates: polygons };
}

/** Crossing-number test; a ring may be closed or not, the closing edge is implied. */
export function pointInRing(ring: Position[], lon: number, lat: number): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = ring[i][1];
    const yj = ring[j][1];
    if (yi > lat !== yj > lat) {
      const xi = ring[i][0];
      const xj = ring[j][0];
      if (lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Even-odd within each polygon (so holes exclude), any polygon of a MultiPolygon.
 * Points exactly on an edge fall on one side consistently, so polygons that share
 * an edge never both claim a point on it.
 */
export function pointInGeometry(geometry: Geometry, lon: number, lat: number): boolean {
  for (const polygon of polygonsOf(geometry)) {
    let inside = false;
    for (const ring of polygon) if (pointInRing(ring, lon, lat)) inside = !inside;
    if (inside) return true;
  }
  return false;
}

export function bboxOf(geometry: Geometry): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const polygon of polygonsOf(geometry)) {
    // Holes lie inside their exterior ring, so only exteriors matter.
    const ring = polygon[0];
    if (!ring) continue;
    for (const [x, y] of ring) {
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Signed shoelace area: positive for counter-clockwise rings. */
export function ringArea(ring: Position[]): number {
  let sum = 0;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

/** Area in square degrees: exteriors minus holes, whatever their winding. */
export function areaOf(geometry: Geometry): number {
  let total = 0;
  for (const polygon of polygonsOf(geometry)) {
    polygon.forEach((ring, k) => {
      const a = Math.abs(ringArea(ring));
      total += k === 0 ? a : -a;
    });
  }
  return total;
}

/**
 * Area-weighted centroid. It can fall outside a concave shape; callers that need
 * a point inside should test it with {@link pointInGeometry}.
 */
export function centroidOf(geometry: Geometry): Position {
  // Relative to a reference vertex: cancellation with raw degrees (~100) would
  // cost several digits on small polygons.
  const first = polygonsOf(geometry).find((p) => p[0]?.length)?.[0][0];
  if (!first) return [NaN, NaN];
  const [ox, oy] = first;
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (const polygon of polygonsOf(geometry)) {
    polygon.forEach((ring, k) => {
      const ringSign = Math.sign(ringArea(ring));
      const sign = (k === 0 ? 1 : -1) * (ringSign || 1);
      const n = ring.length;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const x0 = ring[j][0] - ox;
        const y0 = ring[j][1] - oy;
        const x1 = ring[i][0] - ox;
        const y1 = ring[i][1] - oy;
        const cross = (x0 * y1 - x1 * y0) * sign;
        area += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
      }
    });
  }
  if (area === 0) {
    const [minX, minY, maxX, maxY] = bboxOf(geometry);
    return [(minX + maxX) / 2, (minY + maxY) / 2];
  }
  return [ox + cx / (3 * area), oy + cy / (3 * area)];
}

/** Geometries per polygon-clipping call: the operands are passed as spread arguments. */
const UNION_CHUNK = 10_000;

/** Union of any number of geometries; exteriors come out counter-clockwise, holes clockwise. */
export function union(geometries: Geometry[]): Geometry {
  let parts = geometries.map((g) => g.coordinates as polygonClipping.Geom);
  if (parts.length === 0) return { type: 'MultiPolygon', coordinates: [] };
  do {
    const merged: polygonClipping.Geom[] = [];
    for (let i = 0; i < parts.length; i += UNION_CHUNK) {
      const chunk = parts.slice(i, i + UNION_CHUNK);
      merged.push(polygonClipping.union(chunk[0], ...chunk.slice(1)));
    }
    parts = merged;
  } while (parts.length > 1);
  return geometryOf(parts[0] as PolygonCoords[]);
}
