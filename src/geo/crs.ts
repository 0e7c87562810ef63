/**
 * Coordinate reference systems used by map data in China.
 *
 * GCJ-02 ("Mars coordinates") is the obfuscated datum that Chinese web maps and
 * the ECharts province files use; everything stored by this project is WGS84.
 * The forward transform below is the widely published reverse-engineered
 * formula (Krasovsky 1940 ellipsoid constants); the backward one has no closed
 * form and is solved by fixed-point iteration.
 */
import type { Position } from '../divisions/model.ts';

export type Crs = 'wgs84' | 'gcj02';

// Krasovsky 1940 semi-major axis and eccentricity squared, as baked into GCJ-02.
const A = 6378245.0;
const EE = 0.00669342162296594323;

/**
 * GCJ-02 leaves coordinates outside this rough rectangle untouched; it is the
 * rectangle every public implementation uses, so matching it keeps round trips
 * with other tools exact.
 */
export function outOfChina(lon: number, lat: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offsetLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function offsetLon(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** The GCJ-02 shift (in degrees) applied at a WGS84 position. */
function shift(lon: number, lat: number): Position {
  const dLon = offsetLon(lon - 105.0, lat - 35.0);
  const dLat = offsetLat(lon - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  const s = Math.sin(radLat);
  const magic = 1 - EE * s * s;
  const sqrtMagic = Math.sqrt(magic);
  return [
    (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI),
    (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI),
  ];
}

export function wgs84ToGcj02(lon: number, lat: number): Position {
  if (outOfChina(lon, lat)) return [lon, lat];
  const [dLon, dLat] = shift(lon, lat);
  return [lon + dLon, lat + dLat];
}

/**
 * Inverse of {@link wgs84ToGcj02}. The shift varies by well under 1e-3 per
 * degree, so the fixed point wgs = gcj - shift(wgs) converges by a factor of
 * about a thousand per step; 1e-12 degrees is reached in three or four steps.
 */
export function gcj02ToWgs84(lon: number, lat: number): Position {
  if (outOfChina(lon, lat)) return [lon, lat];
  let wLon = lon;
  let wLat = lat;
  for (let i = 0; i < 30; i++) {
    const [dLon, dLat] = shift(wLon, wLat);
    const nLon = lon - dLon;
    const nLat = lat - dLat;
    const done = Math.abs(nLon - wLon) < 1e-12 && Math.abs(nLat - wLat) < 1e-12;
    wLon = nLon;
    wLat = nLat;
    if (done) break;
  }
  return [wLon, wLat];
}

export function toWgs84(lon: number, lat: number, crs: Crs): Position {
  return crs === 'gcj02' ? gcj02ToWgs84(lon, lat) : [lon, lat];
}
