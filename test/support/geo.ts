/** Points inside divisions, found from their stored outlines through the API. */
import { pointInGeometry } from '../../src/geo/polygon.ts';
import type { TestApp } from './app.ts';

type Outline = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };

/** The `offset`-th point of a 40 × 40 lattice over the outline's bounding box that lies inside it. */
export function pointInside(geometry: Outline, offset = 0): [number, number] {
  const ring: [number, number][] = geometry.type === 'Polygon' ? (geometry.coordinates as [number, number][][])[0] : (geometry.coordinates as [number, number][][][])[0][0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let seen = 0;
  for (let i = 1; i < 40; i++) {
    for (let j = 1; j < 40; j++) {
      const x = x0 + ((x1 - x0) * i) / 40;
      const y = y0 + ((y1 - y0) * j) / 40;
      if (pointInGeometry(geometry as Parameters<typeof pointInGeometry>[0], x, y) && seen++ === offset) return [x, y];
    }
  }
  throw new Error(`no point ${offset} found inside the outline`);
}

/** A point inside a division's outline today (scanning a lattice over its bounding box). */
export async function pointIn(app: TestApp, code: string, headers: Record<string, string>, offset = 0): Promise<[number, number]> {
  const res = await app.server.inject({ url: `/api/v1/divisions/${code}/geometry`, headers });
  if (res.statusCode !== 200) throw new Error(`geometry of ${code}: ${res.statusCode}`);
  return pointInside(res.json().geometry, offset);
}
