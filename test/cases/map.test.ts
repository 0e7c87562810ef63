import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { trainAndPromote } from '../../src/triage/service.ts';
import { clusterCell, snapToCells } from '../../src/cases/map.ts';

const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });

const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
const NANAN = '500108';
type Headers = Record<string, string>;
let citizen: Headers, cityOp: Headers, streetOp: Headers, districtOp: Headers;
const ids: Record<string, string[]> = {};

async function report(code: string, n: number, body: Record<string, unknown> = {}) {
  ids[code] = [];
  for (let i = 0; i < n; i++) {
    const [lon, lat] = await pointIn(app, code, cityOp, i * 7);
    const res = await app.server.inject({
      method: 'POST', url: '/api/v1/cases', headers: citizen,
      payload: { categoryCode: 'E0102', description: `垃圾堆在路边 ${code} ${i}`, location: { lon, lat }, ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    ids[code].push(res.json().id);
  }
}

beforeAll(async () => {
  [citizen, cityOp, streetOp, districtOp] = await Promise.all(['citizen', 'city.operator', 'jiefangbei.operator', 'yuzhong.operator'].map((u) => app.as(u)));
  await report(JIEFANGBEI, 3);
  await report(CHAOTIANMEN, 2);
  await report(NANAN, 2);
  // One finished and rated case in 解放碑.
  const id = ids[JIEFANGBEI][0];
  const act = async (headers: Headers, action: string, body: Record<string, unknown> = {}) => {
    const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body });
    expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
  };
  await act(districtOp, 'accept');
  await act(districtOp, 'void', { reason: '重复上报' });
});

describe('cluster cells', () => {
  it('are 64 screen pixels at every zoom, as tall as wide on screen, and grow a box to whole cells', () => {
    expect(clusterCell(0, 0).lon).toBeCloseTo(45, 9);
    expect(clusterCell(10, 0).lon).toBeCloseTo(45 / 1024, 12);
    expect(clusterCell(10, 60).lat).toBeCloseTo(clusterCell(10, 60).lon / 2, 12);
    const cell = { lon: 0.5, lat: 0.25 };
    expect(snapToCells([106.6, 29.3, 107.1, 29.55], cell)).toEqual([106.5, 29.25, 107.5, 29.75]);
    expect(snapToCells([-1.2, -0.1, -0.6, 0.1], cell)).toEqual([-1.5, -0.25, -0.5, 0.25]);
  });
});

describe('map clusters (一图掌控)', () => {
  const CITY_BOX = '105.2,28.1,110.2,32.3';
  const clusters = (query: string, headers: Headers) => app.server.inject({ url: `/api/v1/cases/map-clusters?${query}`, headers });

  it('aggregates the open cases in the box per cell at a low zoom, and shows single cases with their id at a high one', async () => {
    const far = await clusters(`division=500000&zoom=6&bbox=${CITY_BOX}`, cityOp);
    expect(far.statusCode, far.body).toBe(200);
    const body = far.json();
    expect(body).toMatchObject({ division: '500000', zoom: 6, total: 6, truncated: false });
    // 解放碑 and 朝天门 are a few kilometres apart: one cell at zoom 6; 南岸区 may share it.
    expect(body.counts.length).toBeLessThan(3);
    expect(body.counts.reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(body.coords).toHaveLength(2 * body.counts.length);
    expect(body.ids[0]).toBeNull();
    const near = (await clusters(`division=500000&zoom=18&bbox=${CITY_BOX}`, cityOp)).json();
    expect(near.counts).toEqual([1, 1, 1, 1, 1, 1]);
    expect(near.ids.sort()).toEqual([...ids[JIEFANGBEI].slice(1), ...ids[CHAOTIANMEN], ...ids[NANAN]].sort());
    expect((await clusters(`division=500000&zoom=18&open=false&bbox=${CITY_BOX}`, cityOp)).json().total).toBe(7);
  });

  it('counts only what is in the box, the area and the caller\'s reach', async () => {
    const [lon, lat] = await pointIn(app, NANAN, cityOp, 0);
    const nanan = (await clusters(`division=500000&zoom=18&bbox=${lon - 0.001},${lat - 0.001},${lon + 0.001},${lat + 0.001}`, cityOp)).json();
    expect(nanan.ids).toEqual([ids[NANAN][0]]);
    expect((await clusters(`division=500103&zoom=10&bbox=${CITY_BOX}`, cityOp)).json().total).toBe(4);
    expect((await clusters(`division=500000&zoom=10&bbox=${CITY_BOX}`, streetOp)).json().total).toBe(2);
    expect((await clusters(`division=${NANAN}&zoom=10&bbox=${CITY_BOX}`, streetOp)).statusCode).toBe(404);
  });

  it('answers 400 for bad input and 401 without a token', async () => {
    for (const q of ['division=500000&zoom=23&bbox=1,1,2,2', 'division=500000&zoom=5&bbox=2,1,1,2', 'division=500000&zoom=5', 'division=500000&zoom=5&bbox=1,1,2,99']) {
      expect((await clusters(q, cityOp)).statusCode, q).toBe(400);
    }
    expect((await clusters(`division=500000&zoom=5&bbox=${CITY_BOX}`, {})).statusCode).toBe(401);
  });
});

describe('map points (一图掌控)', () => {
  it('gives the city operator every open case in the city, in compact columns', async () => {
    const res = await app.server.inject({ url: '/api/v1/cases/map-points?division=500000', headers: cityOp });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ division: '500000', count: 6, truncated: false });
    expect(body.ids).toHaveLength(6);
    expect(body.coords).toHaveLength(12);
    expect(body.statuses[body.status[0]].code).toBe('reported');
    const all = await app.server.inject({ url: '/api/v1/cases/map-points?division=500000&open=false', headers: cityOp });
    expect(all.json().count).toBe(7);
  });

  it('limits a street operator to their street, wherever they look', async () => {
    const street = await app.server.inject({ url: `/api/v1/cases/map-points?division=${JIEFANGBEI}`, headers: streetOp });
    expect(street.json().count).toBe(2);
    const city = await app.server.inject({ url: '/api/v1/cases/map-points?division=500000', headers: streetOp });
    expect(city.json().ids.sort()).toEqual(ids[JIEFANGBEI].slice(1).sort());
  });

  it('filters by area and truncates to the newest when asked for fewer', async () => {
    const district = await app.server.inject({ url: '/api/v1/cases/map-points?division=500103&limit=3', headers: cityOp });
    expect(district.json()).toMatchObject({ count: 3, truncated: true });
  });

  it('answers 404 outside the caller\'s reach and 400 for bad input', async () => {
    expect((await app.server.inject({ url: `/api/v1/cases/map-points?division=${NANAN}`, headers: streetOp })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/api/v1/cases/map-points?division=12', headers: cityOp })).statusCode).toBe(400);
    expect((await app.server.inject({ url: '/api/v1/cases/map-points?division=500000&limit=0', headers: cityOp })).statusCode).toBe(400);
    expect((await app.server.inject({ url: '/api/v1/cases/map-points?division=500000' })).statusCode).toBe(401);
  });
});

describe('area counts', () => {
  it('counts each district of the city and each street of a district', async () => {
    const city = (await app.server.inject({ url: '/api/v1/cases/stats?division=500000', headers: cityOp })).json();
    expect(city.totals).toMatchObject({ total: 7, open: 6 });
    expect(city.children.find((c: { code: string }) => c.code === '500103')).toMatchObject({ name: '渝中区', total: 5, open: 4 });
    expect(city.children.find((c: { code: string }) => c.code === NANAN)).toMatchObject({ total: 2 });
    const district = (await app.server.inject({ url: '/api/v1/cases/stats?division=500103', headers: cityOp })).json();
    expect(district.division).toMatchObject({ code: '500103', name: '渝中区', level: 'district' });
    expect(district.children.find((c: { code: string }) => c.code === CHAOTIANMEN)).toMatchObject({ total: 2, open: 2, overdue: 0 });
  });

  it('counts overdue cases once their deadline has passed, and only what the caller may see', async () => {
    app.setNow('2026-10-30T01:00:00Z');
    const [op, street] = await Promise.all([app.as('city.operator'), app.as('jiefangbei.operator')]);
    const city = (await app.server.inject({ url: '/api/v1/cases/stats?division=500000', headers: op })).json();
    expect(city.totals.overdue).toBe(6);
    const mine = (await app.server.inject({ url: '/api/v1/cases/stats?division=500103', headers: street })).json();
    expect(mine.totals).toMatchObject({ total: 3, open: 2 });
  });
});

describe('category suggestions for residents', () => {
  it('is 503 until a model is in service, then offers category names', async () => {
    const before = await app.server.inject({ method: 'POST', url: '/api/v1/triage/suggest', headers: await app.as('citizen'), payload: { text: '路灯不亮了' } });
    expect(before.statusCode).toBe(503);
    await trainAndPromote(app.ctx, { sample: 0.3, options: { epochs: 2, buckets: 1 << 12 }, by: 'test' });
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/triage/suggest', headers: await app.as('citizen'), payload: { text: '小区门口的路灯坏了好几天，晚上很黑' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().categories.length).toBeGreaterThan(0);
    expect(res.json().categories[0]).toEqual({ code: expect.any(String), name: expect.any(String), probability: expect.any(Number) });
    expect(JSON.stringify(res.json())).not.toContain('unitId');
    const empty = await app.server.inject({ method: 'POST', url: '/api/v1/triage/suggest', headers: await app.as('citizen'), payload: { text: '' } });
    expect(empty.statusCode).toBe(400);
  });
});
