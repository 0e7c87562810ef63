/**
 * Reader for the ECharts 4 map files (echarts/map/json/**), which store GeoJSON
 * rings as compact strings: every coordinate is quantised to 1/1024 degree,
 * delta-encoded from the previous vertex (the first from `encodeOffsets`),
 * zigzag-encoded and offset by 64 into one UTF-16 code unit per axis.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Geometry, PolygonCoords, Position } from '../divisions/model.ts';
import { gcj02ToWgs84 } from './crs.ts';
import { geometryOf, polygonsOf, ringArea } from './polygon.ts';

export interface EChartsFeature {
  id?: string;
  type: 'Feature';
  properties: { name: string; cp?: [number, number]; childNum?: number };
  geometry:
    | { type: 'Polygon'; coordinates: string[]; encodeOffsets: [number, number][] }
    | { type: 'MultiPolygon'; coordinates: string[][]; encodeOffsets: [number, number][][] };
}

export interface EChartsMap {
  type: 'FeatureCollection';
  UTF8Encoding?: boolean;
  UTF8Scale?: number;
  features: EChartsFeature[];
}

export interface DecodedFeature {
  id: string | undefined;
  name: string;
  cp: Position | undefined;
  geometry: Geometry;
}

export function decodeRing(encoded: string, offset: readonly [number, number], scale = 1024): Position[] {
  const ring: Position[] = [];
  let x = offset[0];
  let y = offset[1];
  for (let i = 0; i + 1 < encoded.length; i += 2) {
    const dx = encoded.charCodeAt(i) - 64;
    const dy = encoded.charCodeAt(i + 1) - 64;
    x += (dx >> 1) ^ -(dx & 1);
    y += (dy >> 1) ^ -(dy & 1);
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

/** Decodes every feature; files without `UTF8Encoding` are plain GeoJSON and pass through. */
export function decodeEChartsMap(map: EChartsMap): DecodedFeature[] {
  const scale = map.UTF8Scale ?? 1024;
  return map.features.map((feature) => {
    const g = feature.geometry;
    let geometry: Geometry;
    if (!map.UTF8Encoding) {
      geometry = g as unknown as Geometry;
    } else if (g.type === 'Polygon') {
      geometry = {
        type: 'Polygon',
        coordinates: g.coordinates.map((ring, k) => decodeRing(ring, g.encodeOffsets[k], scale)),
      };
    } else {
      geometry = {
        type: 'MultiPolygon',
        coordinates: g.coordinates.map((polygon, c) =>
          polygon.map((ring, k) => decodeRing(ring, g.encodeOffsets[c][k], scale)),
        ),
      };
    }
    const cp = feature.properties.cp;
    return { id: feature.id, name: feature.properties.name, cp: cp ? [cp[0], cp[1]] : undefined, geometry };
  });
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/**
 * Closes the ring, drops repeated vertices, and winds it counter-clockwise
 * (exterior) or clockwise (hole) as RFC 7946 asks. Returns null for rings that
 * enclose no area: the ECharts files carry a few a-b-a slivers.
 */
export function normalizeRing(ring: Position[], exterior: boolean): Position[] | null {
  const out: Position[] = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0], p[1]]);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  if (out.length < 3) return null;
  const area = ringArea(out);
  if (area === 0) return null;
  if (area > 0 !== exterior) out.reverse();
  out.push([out[0][0], out[0][1]]);
  return out;
}

/** Normalises every ring; polygons whose exterior vanishes are dropped, and with them their holes. */
export function normalizeGeometry(geometry: Geometry): Geometry {
  const polygons: PolygonCoords[] = [];
  for (const polygon of polygonsOf(geometry)) {
    const exterior = polygon[0] ? normalizeRing(polygon[0], true) : null;
    if (!exterior) continue;
    const rings = [exterior];
    for (const hole of polygon.slice(1)) {
      const h = normalizeRing(hole, false);
      if (h) rings.push(h);
    }
    polygons.push(rings);
  }
  return geometryOf(polygons);
}

function mapPositions(geometry: Geometry, f: (p: Position) => Position): Geometry {
  return geometryOf(polygonsOf(geometry).map((polygon) => polygon.map((ring) => ring.map(f))));
}

/**
 * Codes the ECharts 4.9 file predates: 梁平 and 武隆 became districts in 2016
 * with new codes; their outlines did not change.
 */
const RENAMED: Record<string, { code: string; name: string }> = {
  '500228': { code: '500155', name: '梁平区' },
  '500232': { code: '500156', name: '武隆区' },
};

/**
 * District outlines of Chongqing from the ECharts 4 province file, converted
 * from GCJ-02 to WGS84 and rounded to 6 decimals (0.1 m, far below the file's
 * own 1/1024-degree quantisation), ordered by code. Reads the file on every call.
 */
export function loadChongqingOutlines(): { code: string; name: string; geometry: Geometry }[] {
  const require = createRequire(import.meta.url);
  const path = require.resolve('echarts/map/json/province/chongqing.json');
  const map = JSON.parse(readFileSync(path, 'utf8')) as EChartsMap;
  const districts = decodeEChartsMap(map).map((f) => {
    const id = f.id ?? '';
    const renamed = RENAMED[id];
    const wgs = mapPositions(f.geometry, ([lon, lat]) => {
      const [x, y] = gcj02ToWgs84(lon, lat);
      return [round6(x), round6(y)];
    });
    return {
      code: renamed?.code ?? id,
      name: renamed?.name ?? f.name,
      geometry: normalizeGeometry(wgs),
    };
  });
  return districts.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
