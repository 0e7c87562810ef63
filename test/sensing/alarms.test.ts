import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import type { DomainEvent } from '../../src/events/bus.ts';
import { startLifeline, type Lifeline } from '../../src/sensing/alarms/runtime.ts';
import { sensing } from '../../src/sensing/index.ts';
import { series } from './support/lifeline.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });
const JIEFANGBEI = '500103003';
type Headers = Record<string, string>;
let yuzhongAdmin: Headers, yuzhongOp: Headers, jiefangbeiOp: Headers, chaotianmenOp: Headers, citizen: Headers, admin: Headers;
let lifeline: Lifeline;
let sensorId: string;
const events: DomainEvent[] = [];

async function register(code: string, type: string, point: [number, number]): Promise<string> {
  const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin, payload: { code, type, lon: point[0], lat: point[1] } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().sensor.id as string;
}

async function feed(points: [number, number][], id = sensorId): Promise<void> {
  for (const r of series(id, points)) await lifeline.engine.evaluate([r], {});
  await lifeline.engine.idle();
}

const get = (url: string, headers: Headers) => app.server.inject({ url: `/api/v1${url}`, headers });
const post = (url: string, headers: Headers, payload: unknown) => app.server.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload: payload as object });

beforeAll(async () => {
  [admin, yuzhongAdmin, yuzhongOp, jiefangbeiOp, chaotianmenOp, citizen] = await Promise.all(
    ['admin', 'yuzhong.admin', 'yuzhong.operator', 'jiefangbei.operator', 'chaotianmen.operator', 'citizen'].map((u) => app.as(u)),
  );
  const spot = await pointIn(app, JIEFANGBEI, admin);
  sensorId = await register('GAS-ALM-1', 'gas_lel', spot);
  lifeline = await startLifeline(app.ctx);
  app.ctx.bus.subscribe((e) => { if (e.type.startsWith('alarm.')) events.push(e); });
});

describe('alarm → case → level changes → clear', () => {
  let alarmId: string;
  let caseId: string;

  it('raises yellow without a case; the street sees it, another street does not', async () => {
    await feed([[0, 12], [30, 12]]);
    const list = await get('/alarms?state=active', jiefangbeiOp);
    expect(list.statusCode).toBe(200);
    const [alarm] = list.json().items;
    expect(alarm).toMatchObject({ sensorId, level: 'yellow', state: 'active', kind: 'threshold', caseId: null, streetCode: JIEFANGBEI, acknowledgedAt: null });
    alarmId = alarm.id;
    expect((await get('/alarms', chaotianmenOp)).json().items).toEqual([]);
    expect((await get(`/alarms/${alarmId}`, chaotianmenOp)).statusCode).toBe(404);
    expect((await get('/alarms', citizen)).statusCode).toBe(403);
    const sensor = await get(`/sensors/${sensorId}`, jiefangbeiOp);
    expect(sensor.json()).toMatchObject({ status: 'alarm', alarmLevel: 'yellow' });
  });

  it('at orange opens an urgent case through intake (channel sensor, category from the rule) and links it', async () => {
    await feed([[40, 22], [70, 22]]);
    const alarm = (await get(`/alarms/${alarmId}`, jiefangbeiOp)).json();
    expect(alarm.level).toBe('orange');
    expect(alarm.caseId).toEqual(expect.any(String));
    caseId = alarm.caseId;
    expect(alarm.history.map((h: { action: string }) => h.action)).toEqual(['raise', 'escalate', 'case']);
    const c = (await get(`/cases/${caseId}`, yuzhongOp)).json();
    expect(c).toMatchObject({ channel: 'sensor', urgency: 'urgent', categoryCode: 'E0403', streetCode: JIEFANGBEI, status: 'reported', recommendedUnitId: 'D-500000-gas' });
  });

  it('red and the automatic clear are notes on the case timeline; the case stays open', async () => {
    await feed([[80, 26], [110, 26]]);
    expect((await get(`/alarms/${alarmId}`, jiefangbeiOp)).json()).toMatchObject({ level: 'red', peakLevel: 'red', caseId });
    await feed([[120, 3], [240, 3]]);
    expect((await get(`/alarms/${alarmId}`, jiefangbeiOp)).json()).toMatchObject({ state: 'cleared', level: 'red' });
    const timeline = (await get(`/cases/${caseId}/timeline`, yuzhongOp)).json();
    const notes = timeline.events.filter((e: { action: string }) => e.action === 'note').map((e: { note: string }) => e.note);
    expect(notes).toEqual(['告警升级: 橙色 → 红色', '告警已自动解除 (原红色)']);
    expect((await get(`/cases/${caseId}`, yuzhongOp)).json().status).toBe('reported');
    // One case per alarm: the red level did not open another.
    const cases = await app.ctx.db.query("select id from case_record where channel = 'sensor'");
    expect(cases).toHaveLength(1);
  });

  it('sent live events with level and location, scoped to where the sensor is', async () => {
    const mine = events.filter((e) => e.subject.id === alarmId);
    expect(mine.map((e) => `${e.type}:${(e.payload as { level: string }).level}`)).toEqual([
      'alarm.raised:yellow', 'alarm.escalated:orange', 'alarm.case-opened:orange', 'alarm.escalated:red', 'alarm.cleared:red',
    ]);
    expect(mine[0].payload).toMatchObject({ alarmId, sensorId, ruleKind: 'threshold', lon: expect.any(Number), lat: expect.any(Number) });
    expect(mine[0].scope.divisionCodes.slice(0, 3)).toEqual(['500000', '500103', JIEFANGBEI]);
  });
});

describe('hand actions', () => {
  let alarmId: string;

  it('acknowledge, comment, assign and clear by hand, each in the history and the audit log', async () => {
    await feed([[1000, 12], [1030, 12]]);
    const [alarm] = (await get('/alarms?state=active&ack=false', jiefangbeiOp)).json().items;
    alarmId = alarm.id;
    const ack = await post(`/alarms/${alarmId}/acknowledge`, jiefangbeiOp, { note: '已通知燃气公司' });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json().acknowledgedAt).toEqual(expect.any(String));
    expect((await post(`/alarms/${alarmId}/acknowledge`, jiefangbeiOp, {})).statusCode).toBe(409);
    expect((await get('/alarms?state=active&ack=false', jiefangbeiOp)).json().items).toEqual([]);
    expect((await post(`/alarms/${alarmId}/comment`, jiefangbeiOp, { note: '现场无异味' })).statusCode).toBe(200);
    const assigned = await post(`/alarms/${alarmId}/assign`, jiefangbeiOp, { unitId: 'D-500000-gas' });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json()).toMatchObject({ assigneeUnitId: 'D-500000-gas', assigneeUserId: null });
    const cleared = await post(`/alarms/${alarmId}/clear`, jiefangbeiOp, { note: '传感器被施工误触' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ state: 'cleared' });
    const detail = (await get(`/alarms/${alarmId}`, jiefangbeiOp)).json();
    expect(detail.history.map((h: { action: string }) => h.action)).toEqual(['raise', 'acknowledge', 'comment', 'assign', 'clear']);
    const audit = await app.ctx.db.query<{ action: string }>('select action from audit_log where entity_id = $1 order by seq', [alarmId]);
    expect(audit.map((a) => a.action)).toEqual(['alarm.raise', 'alarm.acknowledge', 'alarm.comment', 'alarm.assign', 'alarm.clear']);
  });

  it('refuses bad actions with a clear 4xx and changes nothing', async () => {
    const checks: [string, Headers, unknown, number][] = [
      [`/alarms/${alarmId}/clear`, jiefangbeiOp, { note: 'again' }, 409],
      [`/alarms/${alarmId}/comment`, jiefangbeiOp, {}, 400],
      [`/alarms/${alarmId}/assign`, jiefangbeiOp, { unitId: 'no-such-unit' }, 422],
      [`/alarms/${alarmId}/assign`, jiefangbeiOp, {}, 400],
      [`/alarms/${alarmId}/assign`, jiefangbeiOp, { userId: 'nobody' }, 422],
      [`/alarms/${alarmId}/comment`, chaotianmenOp, { note: 'x' }, 404],
      ['/alarms/nope/comment', jiefangbeiOp, { note: 'x' }, 404],
      [`/alarms/${alarmId}/comment`, citizen, { note: 'x' }, 403],
    ];
    for (const [url, headers, payload, status] of checks) {
      const res = await post(url, headers, payload);
      expect(res.statusCode, `${url} ${res.body}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const detail = (await get(`/alarms/${alarmId}`, jiefangbeiOp)).json();
    expect(detail.history).toHaveLength(5);
  });

  it('after a hand clear the condition must be met anew: it raises a new alarm only once sustained again', async () => {
    await feed([[1040, 12], [1069, 12]]);
    expect((await get('/alarms?state=active', jiefangbeiOp)).json().items).toEqual([]);
    await feed([[1070, 12]]);
    const active = (await get('/alarms?state=active', jiefangbeiOp)).json().items;
    expect(active).toHaveLength(1);
    expect(active[0].id).not.toBe(alarmId);
  });
});

describe('alarm rules', () => {
  it('admins override per sensor inside their area; versions are kept and audited; the engine uses the new rule at once', async () => {
    const body = {
      sensorType: 'gas_lel', scope: 'sensor', targetId: sensorId, version: 0,
      params: { kind: 'threshold', direction: 'above', thresholds: { orange: 40, red: 60 }, hysteresis: 2, create: { mode: 'immediate' }, clearSeconds: 0 },
    };
    const put = await app.server.inject({ method: 'PUT', url: '/api/v1/alarm-rules', headers: yuzhongAdmin, payload: body });
    expect(put.statusCode, put.body).toBe(200);
    const rule = put.json();
    expect(rule).toMatchObject({ scope: 'sensor', targetId: sensorId, version: 1, categoryCode: 'E0403', updatedBy: expect.any(String) });
    const stale = await app.server.inject({ method: 'PUT', url: '/api/v1/alarm-rules', headers: yuzhongAdmin, payload: body });
    expect(stale.statusCode).toBe(409);
    const again = await app.server.inject({ method: 'PUT', url: '/api/v1/alarm-rules', headers: yuzhongAdmin, payload: { ...body, version: 1, params: { ...body.params, thresholds: { orange: 30, red: 60 } } } });
    expect(again.json().version).toBe(2);
    const versions = (await get(`/alarm-rules/${rule.id}/versions`, yuzhongOp)).json().items;
    expect(versions.map((v: { params: { thresholds: { orange: number } } }) => v.params.thresholds.orange)).toEqual([40, 30]);
    const audit = await app.ctx.db.query('select 1 from audit_log where entity_id = $1', [rule.id]);
    expect(audit).toHaveLength(2);
    // Another district's staff see the type defaults, not this district's overrides.
    const outsider = await app.as('liangjiang.operator');
    const theirs = (await get('/alarm-rules?sensorType=gas_lel', outsider)).json().items as { id: string; scope: string }[];
    expect(theirs.some((r) => r.scope === 'type')).toBe(true);
    expect(theirs.map((r) => r.id)).not.toContain(rule.id);
    expect((await get(`/alarm-rules/${rule.id}/versions`, outsider)).statusCode).toBe(404);
    // 12 %LEL no longer counts (the yellow alarm above clears), 35 raises orange at once.
    await feed([[2000, 12]]);
    await feed([[2001, 35]]);
    const active = (await get(`/alarms?state=active&sensor=${sensorId}`, jiefangbeiOp)).json().items;
    expect(active.map((a: { level: string }) => a.level)).toEqual(['orange']);
  });

  it('refuses rules that do not make sense, and type defaults from a district', async () => {
    const base = { sensorType: 'gas_lel', scope: 'sensor', targetId: sensorId, params: { kind: 'threshold', direction: 'above', thresholds: { yellow: 10, red: 5 }, create: { mode: 'immediate' }, clearSeconds: 0 } };
    const checks: [Headers, unknown, number][] = [
      [yuzhongAdmin, base, 422],
      [yuzhongAdmin, { ...base, params: { ...base.params, thresholds: { red: 5 }, clear: { red: 6 } } }, 422],
      [yuzhongAdmin, { ...base, params: { ...base.params, thresholds: { red: 5 } }, categoryCode: 'Z9999' }, 422],
      [yuzhongAdmin, { ...base, params: { kind: 'offline', intervals: 0, level: 'blue' } }, 400],
      [yuzhongAdmin, { ...base, targetId: 'nope', params: { kind: 'offline', intervals: 3, level: 'blue' } }, 404],
      [yuzhongAdmin, { ...base, scope: 'type', targetId: null, params: { kind: 'offline', intervals: 3, level: 'blue' } }, 403],
      [yuzhongOp, { ...base, params: { kind: 'offline', intervals: 3, level: 'blue' } }, 403],
    ];
    for (const [headers, payload, status] of checks) {
      const res = await app.server.inject({ method: 'PUT', url: '/api/v1/alarm-rules', headers, payload: payload as object });
      expect(res.statusCode, res.body).toBe(status);
    }
    const types = (await get('/alarm-rules?sensorType=gas_lel&scope=type', yuzhongOp)).json().items;
    expect(types.map((r: { kind: string }) => r.kind).sort()).toEqual(['flatline', 'offline', 'threshold']);
  });
});

describe('through ingest', () => {
  it('readings posted by a device are stored, evaluated and raise the alarm with its case', async () => {
    const spot = await pointIn(app, JIEFANGBEI, admin, 3);
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin, payload: { code: 'TILT-ALM-1', type: 'manhole_tilt', lon: spot[0], lat: spot[1] } });
    expect(res.statusCode, res.body).toBe(201);
    const { sensor, secret } = res.json();
    const now = app.ctx.clock().getTime();
    const pipeline = sensing(app.ctx).pipeline;
    const quiet = await app.server.inject({
      method: 'POST', url: '/api/v1/ingest/readings', headers: { authorization: `Device TILT-ALM-1:${secret}` }, payload: [{ ts: now - 120_000, value: 1 }],
    });
    expect(quiet.statusCode, quiet.body).toBe(200);
    const express = pipeline.expressRequests;
    const posted = await app.server.inject({
      method: 'POST', url: '/api/v1/ingest/readings', headers: { authorization: `Device TILT-ALM-1:${secret}` },
      payload: [{ ts: now - 60_000, value: 2 }, { ts: now, value: 16 }],
    });
    expect(posted.statusCode, posted.body).toBe(200);
    // A reading past a threshold above the current level goes ahead of the bulk queue.
    expect(pipeline.expressRequests).toBe(express + 1);
    await sensing(app.ctx).pipeline.drain();
    await lifeline.engine.idle();
    const [alarm] = (await get(`/alarms?sensor=${sensor.id}`, jiefangbeiOp)).json().items;
    expect(alarm).toMatchObject({ level: 'orange', state: 'active', kind: 'threshold', value: 16, caseId: expect.any(String) });
    expect((await get(`/sensors/${sensor.id}`, jiefangbeiOp)).json().alarmLevel).toBe('orange');
  });
});
