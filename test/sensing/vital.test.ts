import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { startLifeline, type Lifeline } from '../../src/sensing/alarms/runtime.ts';
import { sensing } from '../../src/sensing/index.ts';
import { compositeIndex, snapshotVitalSigns } from '../../src/sensing/vital-signs.ts';
import { series, T0 } from './support/lifeline.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });
const YUZHONG = '500103';
const JIEFANGBEI = '500103003';
type Headers = Record<string, string>;
let yuzhongOp: Headers, jiefangbeiOp: Headers, chaotianmenOp: Headers, yuzhongAdmin: Headers;
let lifeline: Lifeline;
let gas: string;

beforeAll(async () => {
  [yuzhongOp, jiefangbeiOp, chaotianmenOp, yuzhongAdmin] = await Promise.all(['yuzhong.operator', 'jiefangbei.operator', 'chaotianmen.operator', 'yuzhong.admin'].map((u) => app.as(u)));
  const spot = await pointIn(app, JIEFANGBEI, yuzhongAdmin);
  const ids: string[] = [];
  for (const [code, type] of [['VS-GAS-1', 'gas_lel'], ['VS-WL-1', 'waterlogging_depth']]) {
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin, payload: { code, type, lon: spot[0], lat: spot[1] } });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json().sensor.id);
  }
  gas = ids[0];
  lifeline = await startLifeline(app.ctx);
  // The gas sensor reports (red for 30 s, which opens a case); the waterlogging gauge never did.
  for (const r of series(gas, [[0, 30], [30, 30]])) await lifeline.engine.evaluate([r], {});
  await lifeline.engine.idle();
  const s = sensing(app.ctx);
  s.pipeline.seedLastSeen(s.registry.get(gas)!.num, T0 + 30_000);
});

describe('composite index', () => {
  it('follows the documented weights', () => {
    const calm = { sensorsTotal: 0, sensorsOnline: 0, alarms: { blue: 0, yellow: 0, orange: 0, red: 0 }, openCases: 0, overdueCases: 0 };
    expect(compositeIndex(calm)).toBe(100);
    // online 0.9, one red on 100 sensors: 1/(1 + 8/10), 2 of 10 cases overdue.
    expect(compositeIndex({ sensorsTotal: 100, sensorsOnline: 90, alarms: { blue: 0, yellow: 0, orange: 0, red: 1 }, openCases: 10, overdueCases: 2 })).toBe(73.2);
  });
});

describe('vital signs', () => {
  it('shows a district its sensors online, alarms by colour and cases, with its streets below', async () => {
    const res = await app.server.inject({ url: `/api/v1/vital-signs?division=${YUZHONG}`, headers: yuzhongOp });
    expect(res.statusCode, res.body).toBe(200);
    const { division, children } = res.json();
    expect(division).toMatchObject({ divisionCode: YUZHONG, sensorsTotal: 2, sensorsOnline: 1, alarms: { blue: 0, yellow: 0, orange: 0, red: 1 }, openCases: 1, overdueCases: 0 });
    expect(division.compositeIndex).toBe(compositeIndex(division));
    const street = children.find((c: { divisionCode: string }) => c.divisionCode === JIEFANGBEI);
    expect(street).toMatchObject({ sensorsTotal: 2, alarms: { red: 1 }, openCases: 1 });
    expect(children.length).toBeGreaterThan(5);
  });

  it('answers inside your jurisdiction only; a street defaults to its own', async () => {
    expect((await app.server.inject({ url: `/api/v1/vital-signs?division=${YUZHONG}`, headers: chaotianmenOp })).statusCode).toBe(404);
    const own = await app.server.inject({ url: '/api/v1/vital-signs', headers: jiefangbeiOp });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().division).toMatchObject({ divisionCode: JIEFANGBEI, sensorsTotal: 2 });
    expect((await app.server.inject({ url: '/api/v1/vital-signs?division=12', headers: yuzhongOp })).statusCode).toBe(400);
  });

  it('stores snapshots every interval and returns them as a series, one point per step', async () => {
    app.setNow('2026-11-20T02:01:00Z');
    expect(await snapshotVitalSigns(app.ctx)).toBeGreaterThan(30);
    // Five minutes later the alarm is cleared by hand.
    const [alarm] = (await app.server.inject({ url: '/api/v1/alarms?state=active', headers: await app.as('jiefangbei.operator') })).json().items;
    app.setNow('2026-11-20T02:06:00Z');
    const cleared = await app.server.inject({ method: 'POST', url: `/api/v1/alarms/${alarm.id}/clear`, headers: await app.as('jiefangbei.operator'), payload: { note: '已处置' } });
    expect(cleared.statusCode, cleared.body).toBe(200);
    await snapshotVitalSigns(app.ctx);
    // Twice in one interval is stored once.
    await snapshotVitalSigns(app.ctx);
    const headers = await app.as('yuzhong.operator');
    const url = (step: number) => `/api/v1/vital-signs/series?division=${YUZHONG}&from=2026-11-20T00:00:00Z&to=2026-11-20T03:00:00Z&step=${step}`;
    const fine = (await app.server.inject({ url: url(300), headers })).json().items;
    expect(fine.map((p: { at: string; alarms: { red: number } }) => `${p.at}:${p.alarms.red}`)).toEqual(['2026-11-20T02:00:00.000Z:1', '2026-11-20T02:05:00.000Z:0']);
    expect(fine[1].compositeIndex).toBeGreaterThan(fine[0].compositeIndex);
    const coarse = (await app.server.inject({ url: url(3600), headers })).json().items;
    expect(coarse.map((p: { at: string }) => p.at)).toEqual(['2026-11-20T02:05:00.000Z']);
    const backwards = await app.server.inject({ url: `/api/v1/vital-signs/series?division=${YUZHONG}&from=2026-11-20T03:00:00Z&to=2026-11-20T00:00:00Z`, headers });
    expect(backwards.statusCode).toBe(422);
  });
});
