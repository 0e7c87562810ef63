import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84, outOfChina, toWgs84, wgs84ToGcj02 } from '../../src/geo/crs.ts';

// [wgsLon, wgsLat, gcjLon, gcjLat] from the test suite of googollee/eviltransform
// (Python and PHP ports alike), given there in lat/lon order.
const EVILTRANSFORM: [string, number, number, number, number][] = [
  ['shanghai', 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597],
  ['shenzhen', 113.912316, 22.543847, 113.9171764808363, 22.540796131694766],
  ['beijing', 116.377817, 39.911954, 116.38404722455657, 39.91334545536069],
];

describe('wgs84ToGcj02', () => {
  it.each(EVILTRANSFORM)('matches eviltransform for %s', (_, wLon, wLat, gLon, gLat) => {
    const [lon, lat] = wgs84ToGcj02(wLon, wLat);
    expect(Math.abs(lon - gLon)).toBeLessThan(1e-9);
    expect(Math.abs(lat - gLat)).toBeLessThan(1e-9);
  });

  it("matches gcoord's test value", () => {
    const [lon, lat] = wgs84ToGcj02(123, 45);
    expect(lon).toBeCloseTo(123.00607541, 7);
    expect(lat).toBeCloseTo(45.00197815, 7);
  });

  it('leaves points outside China alone', () => {
    expect(wgs84ToGcj02(183, 45)).toEqual([183, 45]);
    expect(wgs84ToGcj02(2.35, 48.85)).toEqual([2.35, 48.85]);
  });
});

describe('gcj02ToWgs84', () => {
  it.each(EVILTRANSFORM)('inverts eviltransform for %s', (_, wLon, wLat, gLon, gLat) => {
    const [lon, lat] = gcj02ToWgs84(gLon, gLat);
    expect(Math.abs(lon - wLon)).toBeLessThan(1e-9);
    expect(Math.abs(lat - wLat)).toBeLessThan(1e-9);
  });

  it("agrees with gcoord's test value to gcoord's own 1e-6 stopping tolerance", () => {
    const [lon, lat] = gcj02ToWgs84(123, 45);
    expect(Math.abs(lon - 122.99395597)).toBeLessThan(1e-6);
    expect(Math.abs(lat - 44.99804071)).toBeLessThan(1e-6);
  });

  it('round-trips across China to far below 1e-6 degrees', () => {
    let worst = 0;
    for (let lon = 73; lon <= 135; lon += 0.73) {
      for (let lat = 3; lat <= 53; lat += 0.61) {
        const [gLon, gLat] = wgs84ToGcj02(lon, lat);
        const [wLon, wLat] = gcj02ToWgs84(gLon, gLat);
        worst = Math.max(worst, Math.abs(wLon - lon), Math.abs(wLat - lat));
        const [g2Lon, g2Lat] = wgs84ToGcj02(...gcj02ToWgs84(lon, lat));
        worst = Math.max(worst, Math.abs(g2Lon - lon), Math.abs(g2Lat - lat));
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('shifts Chongqing by a few hundred metres', () => {
    const [lon, lat] = gcj02ToWgs84(106.56288, 29.556742);
    expect(lon - 106.56288).toBeLessThan(-0.002);
    expect(lat - 29.556742).toBeGreaterThan(0.002);
  });
});

describe('outOfChina / toWgs84', () => {
  it('uses the conventional rough rectangle', () => {
    expect(outOfChina(106.5, 29.5)).toBe(false);
    expect(outOfChina(72.0, 30)).toBe(true);
    expect(outOfChina(138, 30)).toBe(true);
    expect(outOfChina(100, 0.5)).toBe(true);
    expect(outOfChina(100, 56)).toBe(true);
  });

  it('dispatches on the CRS', () => {
    expect(toWgs84(106.5, 29.5, 'wgs84')).toEqual([106.5, 29.5]);
    expect(toWgs84(106.5, 29.5, 'gcj02')).toEqual(gcj02ToWgs84(106.5, 29.5));
  });
});
