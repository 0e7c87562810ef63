import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });

const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
type Headers = Record<string, string>;
let admin: Headers, yuzhongAdmin: Headers, jiefangbeiOp: Headers, chaotianmenOp: Headers, citizen: Headers;
let inJiefangbei: [number, number], inChaotianmen: [number, number];

beforeAll(async () => {
  [admin, yuzhongAdmin, jiefangbeiOp, chaotianmenOp, citizen] = await Promise.all(
    ['admin', 'yuzhong.admin', 'jiefangbei.operator', 'chaotianmen.operator', 'citizen'].map((u) => app.as(u)),
  );
  inJiefangbei = await pointIn(app, JIEFANGBEI, admin);
  inChaotianmen = await pointIn(app, CHAOTIANMEN, admin);
});

describe('sensor registry', () => {
  it('registers a sensor located to its grid, with a default owner and a secret shown once, and audits it', async () => {
    const res = await app.server.inject({
      method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin,
      payload: { code: 'GAS-JFB-001', type: 'gas_lel', lon: inJiefangbei[0], lat: inJiefangbei[1], assetId: 'PIPE-JFB-1', assetType: 'pipe_segment', assetName: '解放碑中压管段1' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { sensor, secret } = res.json();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(sensor).toMatchObject({ code: 'GAS-JFB-001', unit: '%LEL', typeName: '可燃气体浓度', ownerUnitId: 'D-500000-gas', assetId: 'PIPE-JFB-1', assetType: 'pipe_segment', streetCode: JIEFANGBEI, status: 'offline', hasSecret: true });
    expect(sensor.divisionCodes.slice(0, 3)).toEqual(['500000', '500103', JIEFANGBEI]);
    expect(sensor.divisionCodes).toHaveLength(5);
    const audit = await app.ctx.db.query<{ action: string }>("select action from audit_log where entity_id = $1", [sensor.id]);
    expect(audit.map((a) => a.action)).toEqual(['sensor.register']);
    const again = await app.server.inject({ url: `/api/v1/sensors/${sensor.id}`, headers: jiefangbeiOp });
    expect(again.statusCode).toBe(200);
    expect(again.json()).not.toHaveProperty('secret');
  });

  it('refuses bad registrations with a clear 4xx and changes nothing', async () => {
    const base = { code: 'X-1', type: 'gas_lel', lon: inJiefangbei[0], lat: inJiefangbei[1] };
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ ...base, type: 'teapot' }, 400, /type/],
      [{ ...base, unit: 'ppm' }, 422, /unit of gas_lel is %LEL/],
      [{ ...base, lon: 90, lat: 10 }, 422, /outside the city/],
      [{ ...base, code: 'GAS-JFB-001' }, 422, /already registered/],
      [{ ...base, assetId: 'NEW-ASSET' }, 422, /asset_type/],
      [{ ...base, gateway: 'nope' }, 422, /unknown gateway/],
      [{ ...base, ownerUnitId: 'D-999999-gas' }, 422, /owner unit/],
    ];
    for (const [payload, status, detail] of cases) {
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin, payload });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().detail + JSON.stringify(res.json().errors ?? [])).toMatch(detail);
    }
    const operator = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: jiefangbeiOp, payload: base });
    expect(operator.statusCode).toBe(403);
    const list = await app.server.inject({ url: '/api/v1/sensors?limit=1000', headers: admin });
    expect(list.json().items.map((s: { code: string }) => s.code)).not.toContain('X-1');
  });

  it('imports CSV and GeoJSON all or nothing, and scopes reads to the jurisdiction', async () => {
    const csv = [
      'code,type,lon,lat,name,asset_id,asset_type,interval_seconds',
      `CTM-SLOPE-1,slope_displacement,${inChaotianmen[0]},${inChaotianmen[1]},朝天门边坡1号,SLOPE-CTM-1,slope,600`,
      `CTM-SLOPE-2,crack_width,${inChaotianmen[0]},${inChaotianmen[1]},,SLOPE-CTM-1,,`,
      `JFB-WL-1,waterlogging_depth,${inJiefangbei[0]},${inJiefangbei[1]},,,,`,
    ].join('\n');
    const bad = await app.server.inject({ method: 'POST', url: '/api/v1/sensors/import', headers: { ...yuzhongAdmin, 'content-type': 'text/csv' }, payload: `${csv}\nBAD-1,gas_lel,abc,29.5,,,,` });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(JSON.stringify(bad.json().errors)).toMatch(/line 5.*lon must be a number/);
    const ok = await app.server.inject({ method: 'POST', url: '/api/v1/sensors/import', headers: { ...yuzhongAdmin, 'content-type': 'text/csv' }, payload: csv });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toEqual({ imported: 3, assetsCreated: 1 });

    const geojson = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: inChaotianmen }, properties: { code: 'CTM-FIRE-1', type: 'fire_water_pressure', unit: 'MPa' } }],
    };
    const geo = await app.server.inject({ method: 'POST', url: '/api/v1/sensors/import', headers: { ...admin, 'content-type': 'application/geo+json' }, payload: JSON.stringify(geojson) });
    expect(geo.statusCode, geo.body).toBe(201);

    const codes = async (headers: Headers, query = '') => (await app.server.inject({ url: `/api/v1/sensors?limit=1000${query}`, headers })).json().items.map((s: { code: string }) => s.code).sort();
    expect(await codes(chaotianmenOp)).toEqual(['CTM-FIRE-1', 'CTM-SLOPE-1', 'CTM-SLOPE-2']);
    expect(await codes(jiefangbeiOp)).toEqual(['GAS-JFB-001', 'JFB-WL-1']);
    expect(await codes(admin, `&division=${CHAOTIANMEN}&type=crack_width`)).toEqual(['CTM-SLOPE-2']);
    expect(await codes(admin, '&asset=SLOPE-CTM-1')).toEqual(['CTM-SLOPE-1', 'CTM-SLOPE-2']);
    const citizenList = await app.server.inject({ url: '/api/v1/sensors', headers: citizen });
    expect(citizenList.statusCode).toBe(403);
    const hidden = (await app.server.inject({ url: '/api/v1/sensors?limit=1000', headers: admin })).json().items.find((s: { code: string }) => s.code === 'JFB-WL-1');
    expect((await app.server.inject({ url: `/api/v1/sensors/${hidden.id}`, headers: chaotianmenOp })).statusCode).toBe(404);
    const assets = await app.server.inject({ url: '/api/v1/assets', headers: chaotianmenOp });
    expect(assets.json().items.map((a: { id: string }) => a.id)).toEqual(['SLOPE-CTM-1']);
  });

  it('registers gateways with a secret shown once', async () => {
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/gateways', headers: admin, payload: { code: 'GW-YZ-1', name: '渝中燃气网关1', ownerUnitId: 'D-500000-gas' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const dup = await app.server.inject({ method: 'POST', url: '/api/v1/gateways', headers: admin, payload: { code: 'GW-YZ-1', name: 'x', ownerUnitId: 'D-500000-gas' } });
    expect(dup.statusCode).toBe(409);
    const list = await app.server.inject({ url: '/api/v1/gateways', headers: admin });
    expect(list.json().items.map((g: { code: string }) => g.code)).toEqual(['GW-YZ-1']);
  });
});
