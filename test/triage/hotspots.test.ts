import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import type { DomainEvent } from '../../src/events/bus.ts';
import { triageSettled } from '../../src/triage/index.ts';
import { baselinePerWindow, cellOf, HOTSPOT_RULE, isHotspot, stillActive } from '../../src/triage/hotspots.ts';

// No triage model is trained here: reports carry their category.
const app = await useTestApp({ now: '2026-09-20T02:00:00Z' });
type Headers = Record<string, string>;

const YUZHONG = '500103';
const JIEFANGBEI = '500103003';
const GARBAGE = 'E0102';
const M_PER_DEG = 111_195;
let citizen: Headers, districtOp: Headers;
let spot: [number, number];
const raised: DomainEvent[] = [];

async function signIn() {
  [citizen, districtOp] = await Promise.all(['citizen', 'yuzhong.operator'].map((u) => app.as(u)));
}

async function report(northM: number, categoryCode = GARBAGE, description = '路边堆了一大堆垃圾, 好几天没人清运') {
  const res = await app.server.inject({
    method: 'POST', url: '/api/v1/cases', headers: citizen,
    payload: { categoryCode, description, location: { lon: spot[0], lat: spot[1] + northM / M_PER_DEG } },
  });
  expect(res.statusCode, res.body).toBe(201);
  await triageSettled(app.ctx);
  return res.json() as { id: string };
}

async function get(url: string, headers: Headers = districtOp) {
  const res = await app.server.inject({ url, headers });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  await signIn();
  spot = await pointIn(app, JIEFANGBEI, districtOp, 100);
  app.ctx.bus.subscribe((e) => {
    if (e.type === 'triage.hotspot-raised') raised.push(e);
  });
});

describe('hotspot rule', () => {
  it('needs the floor count and a surge over the usual rate', () => {
    expect(isHotspot(HOTSPOT_RULE.minCount - 1, 0)).toBe(false);
    expect(isHotspot(HOTSPOT_RULE.minCount, 0)).toBe(true);
    expect(isHotspot(HOTSPOT_RULE.minCount, 2)).toBe(false);
    expect(isHotspot(9, 3)).toBe(true);
    // 14 reports over the 7 days before = 2 per 24-hour window.
    expect(baselinePerWindow(14)).toBe(2);
    expect(stillActive(new Date('2026-09-20T00:00:00Z'), new Date('2026-09-20T23:00:00Z'))).toBe(true);
    expect(stillActive(new Date('2026-09-20T00:00:00Z'), new Date('2026-09-21T01:00:00Z'))).toBe(false);
  });
});

describe('hotspots', () => {
  it('raises one hotspot when a category piles up in a cell, and tells the owning center once', async () => {
    // One report the week before (the demand map's previous period).
    await report(0);
    app.setNow('2026-09-29T01:00:00Z');
    await signIn();
    for (let i = 0; i < HOTSPOT_RULE.minCount - 1; i++) await report(i);
    await report(5, 'C0118', '路灯不亮');
    expect(raised).toHaveLength(0);
    await report(2);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ scope: { unitIds: ['C-500103'] }, payload: { categoryCode: GARBAGE, count: HOTSPOT_RULE.minCount, cell: cellOf(spot[0], spot[1]) } });
    app.setNow('2026-09-29T03:00:00Z');
    await signIn();
    await report(3);
    expect(raised).toHaveLength(1);
    const list = await get('/api/v1/hotspots');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ categoryCode: GARBAGE, categoryName: '暴露垃圾', count: HOTSPOT_RULE.minCount + 1, peak: HOTSPOT_RULE.minCount + 1, ownerUnitId: 'C-500103', streetCode: JIEFANGBEI });
    expect(list.body.items[0].boundary).toHaveLength(7);
    const inbox = await get('/api/v1/inbox');
    expect(inbox.body.items.filter((n: { kind: string }) => n.kind === 'triage.hotspot')).toHaveLength(1);
  });

  it('filters by division, category and period, inside the jurisdiction', async () => {
    expect((await get(`/api/v1/hotspots?division=${JIEFANGBEI}&category=${GARBAGE}`)).body.items).toHaveLength(1);
    expect((await get('/api/v1/hotspots?category=C0118')).body.items).toHaveLength(0);
    expect((await get('/api/v1/hotspots?to=2026-09-28T00:00:00Z')).body.items).toHaveLength(0);
    const city = await app.as('city.operator');
    expect((await get('/api/v1/hotspots?division=500000', city)).body.items).toHaveLength(1);
    const elsewhere = await app.as('liangjiang.operator');
    expect((await get('/api/v1/hotspots', elsewhere)).body.items).toHaveLength(0);
    expect((await get(`/api/v1/hotspots?division=${YUZHONG}`, elsewhere)).status).toBe(404);
    expect((await get('/api/v1/hotspots?division=999999')).status).toBe(404);
    expect((await get('/api/v1/hotspots?division=abc')).status).toBe(400);
    expect((await get('/api/v1/hotspots', citizen)).status).toBe(403);
  });
});

describe('demand map', () => {
  it('counts per child area and domain with the change against the previous period', async () => {
    const res = await get(`/api/v1/demand-map?division=${YUZHONG}&from=2026-09-25T00:00:00Z&to=2026-10-01T00:00:00Z&by=domain&granularity=day`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const m = res.body;
    expect(m).toMatchObject({ division: { code: YUZHONG, level: 'district' }, by: 'domain', previousFrom: '2026-09-19T00:00:00.000Z' });
    const street = m.areas.find((a: { code: string }) => a.code === JIEFANGBEI);
    expect(street).toMatchObject({ name: '解放碑街道', count: 7, previous: 1, change: 6, changeRate: 6 });
    expect(street.byKey).toEqual([expect.objectContaining({ key: 'urban_construction', name: '城乡建设', count: 7, previous: 1 })]);
    expect(m.areas.length).toBeGreaterThan(5);
    expect(m.areas.filter((a: { count: number }) => a.count === 0).length).toBe(m.areas.length - 1);
    expect(m.total).toMatchObject({ count: 7, previous: 1 });
    // The seven reports were made on 2026-09-29 (city time).
    expect(m.series).toEqual([expect.objectContaining({ period: '2026-09-29', key: 'urban_construction', count: 7 })]);
  });

  it('groups by category or appeal type, by week or month, for the city or a street', async () => {
    const byCategory = await get(`/api/v1/demand-map?division=${JIEFANGBEI}&from=2026-09-25T00:00:00Z&to=2026-10-01T00:00:00Z&by=category&granularity=week`);
    expect(byCategory.status).toBe(200);
    expect(byCategory.body.totals).toEqual([
      expect.objectContaining({ key: GARBAGE, name: '暴露垃圾', count: 6, previous: 1 }), expect.objectContaining({ key: 'C0118', name: '路灯', count: 1 }),
    ]);
    expect(byCategory.body.series.map((s: { period: string }) => s.period)).toEqual(['2026-09-28', '2026-09-28']);
    const city = await app.as('city.operator');
    const whole = await get('/api/v1/demand-map?division=500000&by=appealType&granularity=month&from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z', city);
    expect(whole.status).toBe(200);
    expect(whole.body.areas.find((a: { code: string }) => a.code === YUZHONG)).toMatchObject({ count: 8, byKey: [expect.objectContaining({ key: 'help', name: '求助' })] });
    expect(whole.body.series).toEqual([expect.objectContaining({ period: '2026-09-01', key: 'help', count: 8 })]);
  });

  it('stays inside the jurisdiction and refuses bad periods', async () => {
    expect((await get('/api/v1/demand-map?division=500000')).status).toBe(404);
    const elsewhere = await app.as('liangjiang.operator');
    expect((await get(`/api/v1/demand-map?division=${YUZHONG}`, elsewhere)).status).toBe(404);
    expect((await get(`/api/v1/demand-map?division=${YUZHONG}&from=2026-10-01T00:00:00Z&to=2026-09-01T00:00:00Z`)).status).toBe(400);
    expect((await get(`/api/v1/demand-map?division=${YUZHONG}&from=2020-01-01T00:00:00Z&to=2026-09-01T00:00:00Z`)).status).toBe(400);
    expect((await get(`/api/v1/demand-map?division=${YUZHONG}&by=colour`)).status).toBe(400);
    expect((await get(`/api/v1/demand-map?division=${YUZHONG}`, citizen)).status).toBe(403);
  });
});

describe('a burst of reports', () => {
  it('triaged together raises one hotspot with every report counted, and one notice', async () => {
    app.setNow('2026-10-02T01:00:00Z');
    await signIn();
    const other = await pointIn(app, '500103001', districtOp, 100);
    const before = raised.length;
    const burst = Array.from({ length: 12 }, (_, i) => app.server.inject({
      method: 'POST', url: '/api/v1/cases', headers: citizen,
      payload: { categoryCode: GARBAGE, description: `垃圾桶满溢无人清运 ${i}`, location: { lon: other[0], lat: other[1] + i / M_PER_DEG } },
    }));
    for (const res of await Promise.all(burst)) expect(res.statusCode, res.body).toBe(201);
    await triageSettled(app.ctx);
    const mine = raised.slice(before).filter((e) => (e.payload as { cell: string }).cell === cellOf(other[0], other[1]));
    expect(mine).toHaveLength(1);
    const list = await get('/api/v1/hotspots?division=500103001');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ count: 12, peak: 12, categoryCode: GARBAGE });
    const inbox = await get('/api/v1/inbox');
    expect(inbox.body.items.filter((n: { kind: string; subject?: { id: string } }) => n.kind === 'triage.hotspot' && n.subject?.id === list.body.items[0].id)).toHaveLength(1);
  });
});
