import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { wgs84ToGcj02 } from '../../src/geo/crs.ts';
import { pointIn as pointInDivision } from '../support/geo.ts';

const app = await useTestApp();

const pointIn = (code: string, headers: Record<string, string>) => pointInDivision(app, code, headers);

describe('the stored city model', () => {
  it('has the exact 2023 division counts before the reform and 37 districts after it', () => {
    const { tree } = app.ctx.city;
    expect(tree.countByLevel('2025-06-01')).toEqual({ city: 1, district: 38, street: 1031, community: 11270 });
    expect(tree.countByLevel('2026-01-24')).toEqual({ city: 1, district: 38, street: 1031, community: 11270 });
    expect(tree.countByLevel('2026-01-25')).toEqual({ city: 1, district: 37, street: 1031, community: 11270 });
    expect(tree.countByLevel(app.ctx.today())).toEqual({ city: 1, district: 37, street: 1031, community: 11270 });
  });

  it('has about 62,000 unit grids with CJ/T 213 codes', async () => {
    expect(app.ctx.city.gridCount).toBeGreaterThan(60_000);
    expect(app.ctx.city.gridCount).toBeLessThan(64_000);
    const [row] = await app.ctx.db.query<{ n: number; bad: number }>(
      `select count(*)::int as n, count(*) filter (where code !~ '^[0-9]{14}$' or substr(code, 1, 12) <> community_code)::int as bad from grid`,
    );
    expect(row.bad).toBe(0);
  });

  it('resolves a point in former 江北区 to 江北区 in 2025 and to 两江新区 today', async () => {
    const headers = await app.as('city.operator');
    const [lon, lat] = await pointIn('500105001', headers); // 华新街街道
    const before = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}&date=2025-06-01`, headers });
    expect(before.statusCode).toBe(200);
    expect(before.json().district).toMatchObject({ code: '500105', name: '江北区' });
    expect(before.json().street.code).toBe('500105001');
    const today = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}`, headers });
    expect(today.json().district).toMatchObject({ code: '500199', name: '两江新区', provisional: true });
    expect(today.json().street.code).toBe('500105001');
  });

  it('resolves a point in 大湾镇 to 渝北区 before the reform and to 北碚区 after', async () => {
    const headers = await app.as('city.operator');
    const [lon, lat] = await pointIn('500112135', headers);
    const before = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}&date=2026-01-24`, headers });
    const after = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}&date=2026-01-25`, headers });
    expect(before.json().district.name).toBe('渝北区');
    expect(after.json().district.name).toBe('北碚区');
  });

  it('resolves real places in 渝中区 to 渝中区 and one of its 11 街道', async () => {
    const headers = await app.as('city.operator');
    const streets = await app.server.inject({ url: '/api/v1/divisions/500103/children', headers });
    const codes = streets.json().items.map((s: { code: string }) => s.code);
    expect(codes).toHaveLength(11);
    // 解放碑 (the Liberation Monument), 朝天门 and 大坪, WGS84.
    for (const [lon, lat] of [[106.5770, 29.5571], [106.5853, 29.5633], [106.5190, 29.5430]]) {
      const res = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}`, headers });
      expect(res.statusCode).toBe(200);
      expect(res.json().district).toMatchObject({ code: '500103', name: '渝中区' });
      expect(codes).toContain(res.json().street.code);
      expect(res.json().grid.code.startsWith(res.json().community.code)).toBe(true);
    }
  });

  it('accepts GCJ-02 input and answers with the WGS84 point', async () => {
    const headers = await app.as('city.operator');
    const [lon, lat] = [106.5770, 29.5571];
    const [glon, glat] = wgs84ToGcj02(lon, lat);
    const res = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${glon}&lat=${glat}&crs=gcj02`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().point.lon).toBeCloseTo(lon, 5);
    expect(res.json().point.lat).toBeCloseTo(lat, 5);
    const direct = await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}`, headers });
    expect(res.json().grid).toEqual(direct.json().grid);
  });

  it('refuses points outside Chongqing with 422 and bad coordinates with 400, as problem+json', async () => {
    const headers = await app.as('city.operator');
    const beijing = await app.server.inject({ url: '/api/v1/geo/lookup?lon=116.397&lat=39.909', headers });
    expect(beijing.statusCode).toBe(422);
    expect(beijing.headers['content-type']).toContain('application/problem+json');
    expect(beijing.json()).toMatchObject({ status: 422, code: 'CY_OUT_OF_AREA' });
    for (const query of ['lon=200&lat=29', 'lon=106&lat=-95', 'lon=abc&lat=29', 'lat=29', 'lon=106.5&lat=29.5&crs=bd09', 'lon=106.5&lat=29.5&date=2026-02-30', 'lon=106.5&lat=29.5&date=yesterday']) {
      const res = await app.server.inject({ url: `/api/v1/geo/lookup?${query}`, headers });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code, query).toBe('CY_VALIDATION');
    }
  });

  it('serves the hierarchy: path, children, versions, search and GeoJSON geometry', async () => {
    const headers = await app.as('city.operator');
    const guanyinqiao = await app.server.inject({ url: '/api/v1/divisions/500105006', headers });
    expect(guanyinqiao.json().path.map((d: { name: string }) => d.name)).toEqual(['重庆市', '两江新区']);
    const history = await app.server.inject({ url: '/api/v1/divisions/500105006/versions', headers });
    expect(history.json().items.map((v: { parentCode: string; validTo: string | null }) => [v.parentCode, v.validTo]))
      .toEqual([['500105', '2026-01-25'], ['500199', null]]);
    const lj = await app.server.inject({ url: '/api/v1/divisions/500199/children', headers });
    const names: string[] = lj.json().items.map((d: { name: string }) => d.name);
    expect(names.filter((n) => n.endsWith('街道'))).toHaveLength(31);
    expect(names.filter((n) => n.endsWith('镇'))).toHaveLength(11);
    const search = await app.server.inject({ url: `/api/v1/divisions?q=${encodeURIComponent('解放碑')}`, headers });
    expect(search.json().items[0]).toMatchObject({ code: '500103003', level: 'street' });
    const shape = await app.server.inject({ url: '/api/v1/divisions/500103/geometry?children=true', headers });
    expect(shape.headers['content-type']).toContain('application/geo+json');
    expect(shape.json().features).toHaveLength(11);
    expect(shape.json().features[0].properties).toMatchObject({ crs: 'wgs84', synthetic: true });
    const district = await app.server.inject({ url: '/api/v1/divisions/500103/geometry', headers });
    expect(district.json().properties).toMatchObject({ synthetic: false, crs: 'wgs84' });
  });

  it('serves the grids meeting a box for the map, within your jurisdiction, small and bounded', async () => {
    const city = await app.as('city.operator');
    const [lon, lat] = await pointIn('500103003', city);
    const here = (await app.server.inject({ url: `/api/v1/geo/lookup?lon=${lon}&lat=${lat}`, headers: city })).json();
    const box = (d: number) => `${lon - d},${lat - d},${lon + d},${lat + d}`;
    const res = await app.server.inject({ url: `/api/v1/grids?bbox=${box(0.01)}`, headers: city });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('application/geo+json');
    const fc = res.json();
    expect(fc).toMatchObject({ type: 'FeatureCollection', truncated: false });
    expect(fc.features.length).toBeGreaterThan(5);
    const mine = fc.features.find((f: { id: string }) => f.id === here.grid.code);
    expect(mine.properties).toEqual({ code: here.grid.code, name: here.grid.name, communityCode: here.community.code });
    expect(mine.geometry.type).toMatch(/Polygon/);
    const ring = mine.geometry.type === 'Polygon' ? mine.geometry.coordinates[0] : mine.geometry.coordinates[0][0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring.flat().every((v: number) => Math.round(v * 1e5) / 1e5 === v)).toBe(true);
    // 解放碑's operator sees its own street's grids only.
    const street = (await app.server.inject({ url: `/api/v1/grids?bbox=${box(0.01)}`, headers: await app.as('jiefangbei.operator') })).json();
    expect(street.features.length).toBeGreaterThan(0);
    expect(street.features.length).toBeLessThan(fc.features.length);
    expect(street.features.every((f: { properties: { communityCode: string } }) => f.properties.communityCode.startsWith(here.street.code))).toBe(true);
    // Bounded: a limit marks the answer truncated; a box over 0.5° or a bad one is refused.
    expect((await app.server.inject({ url: `/api/v1/grids?bbox=${box(0.01)}&limit=3`, headers: city })).json()).toMatchObject({ truncated: true, features: { length: 3 } });
    expect((await app.server.inject({ url: `/api/v1/grids?bbox=${box(0.3)}`, headers: city })).json().code).toBe('CY_VALIDATION');
    expect((await app.server.inject({ url: '/api/v1/grids?bbox=106.6,29.5,106.5,29.6', headers: city })).statusCode).toBe(400);
    expect((await app.server.inject({ url: '/api/v1/grids?bbox=1..2,3,4,5', headers: city })).statusCode).toBe(400);
    expect((await app.server.inject({ url: '/api/v1/grids?bbox=0,0,0.1,0.1', headers: city })).json()).toMatchObject({ features: [], truncated: false });
  });

  it('answers unknown and malformed codes with 404 and 400', async () => {
    const headers = await app.as('city.operator');
    expect((await app.server.inject({ url: '/api/v1/divisions/500199?date=2025-01-01', headers })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/api/v1/divisions/999999', headers })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/api/v1/divisions/12ab', headers })).json().code).toBe('CY_VALIDATION');
    expect((await app.server.inject({ url: '/api/v1/grids/99999999999999', headers })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/api/v1/divisions/500103/grids', headers })).statusCode).toBe(422);
  });
});
