/**
 * Resources on both sides of a jurisdiction line, made through the API: "own" ones in
 * 解放碑街道 (渝中区), "other" ones in 两江新区; shared by the fuzzing and access-matrix tests.
 */
import { startLifeline } from '../../src/sensing/alarms/runtime.ts';
import { triageSettled } from '../../src/triage/index.ts';
import type { TestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

export const OWN_STREET = '500103003';
export const OTHER_DISTRICT = '500199';
export const REPORTER_PHONE = '13912345678';

export interface Side {
  caseId: string;
  caseNumber: string;
  photo: string;
  unitId: string;
  userId: string;
  divisionCode: string;
  gridCode: string;
  point: [number, number];
  /** A gas sensor (owned by the side's handling unit) with its device secret, and the alarm it raised. */
  sensorId: string;
  sensorSecret: string;
  alarmId: string;
  /** A duplicate proposal (重复件) between two reports on the side, already decided: deciding again is a conflict past the guard. */
  duplicateId: string;
}

export interface Fixtures {
  own: Side;
  other: Side;
  webhookId: string;
  policyId: string;
  ruleId: string;
  /** An Open311 key to send as api_key, and the id of another one (for revocation routes). */
  apiKey: string;
  apiKeyId: string;
  calendarDate: string;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

async function ok(res: { statusCode: number; body: string }, what: string) {
  if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body || 'null');
}

export async function makeFixtures(app: TestApp): Promise<Fixtures> {
  const inject = app.server.inject.bind(app.server);
  const city = await app.as('city.operator');
  const admin = await app.as('admin');
  const citizen = await app.as('citizen');
  const users = (await ok(await inject({ url: '/api/v1/users?limit=500', headers: admin }), 'users')).items as { id: string; username: string }[];
  const userId = (name: string) => users.find((u) => u.username === name)!.id;

  async function side(reporter: Record<string, string>, division: string, salt: number, unitId: string, user: string, sensorOwner: string, handlerUnit?: string): Promise<Side> {
    const point = await pointIn(app, division, city, 3);
    const photo = (await ok(await inject({ method: 'POST', url: '/api/v1/photos', headers: { ...reporter, 'content-type': 'image/png' }, payload: Buffer.concat([PNG, Buffer.from([salt])]) }), 'photo')).hash as string;
    const created = await ok(await inject({
      method: 'POST', url: '/api/v1/cases', headers: reporter,
      payload: { categoryCode: 'E0102', description: `测试案件 ${division}`, location: { lon: point[0], lat: point[1] }, photos: [photo], reporter: { name: '李四', phone: REPORTER_PHONE } },
    }), 'case');
    const lifeline = await lifelineSide(point, salt, sensorOwner);
    const duplicateId = await duplicateOn(reporter, point, handlerUnit);
    return { caseId: created.id, caseNumber: created.number, photo, unitId, userId: userId(user), divisionCode: division, gridCode: created.gridCode, point, ...lifeline, duplicateId };
  }

  /** A sensor registered by the city administrator, and a yellow alarm from readings sent with its device secret. */
  async function lifelineSide(point: [number, number], salt: number, ownerUnitId: string) {
    const registered = await ok(await inject({
      method: 'POST', url: '/api/v1/sensors', headers: admin, payload: { code: `FIX-GAS-${salt}`, type: 'gas_lel', lon: point[0], lat: point[1], ownerUnitId },
    }), 'sensor');
    const sensorId = registered.sensor.id as string;
    const sensorSecret = registered.secret as string;
    const now = app.ctx.clock().getTime();
    await ok(await inject({
      method: 'POST', url: '/api/v1/ingest/readings', headers: { authorization: `Device ${sensorId}:${sensorSecret}` },
      payload: [{ ts: now - 90_000, value: 12 }, { ts: now - 50_000, value: 12 }, { ts: now - 10_000, value: 12 }],
    }), 'readings');
    await lifeline.engine.idle();
    const alarms = (await ok(await inject({ url: `/api/v1/alarms?sensor=${sensorId}`, headers: admin }), 'alarms')).items as { id: string }[];
    if (!alarms.length) throw new Error(`no alarm for ${sensorId}`);
    return { sensorId, sensorSecret, alarmId: alarms[0].id };
  }

  /**
   * Two tellings of one incident a few metres apart: the second is proposed as a duplicate of the first, dismissed,
   * then (with `handlerUnit`) dispatched to that department so its handlers see it.
   */
  async function duplicateOn(reporter: Record<string, string>, point: [number, number], handlerUnit?: string): Promise<string> {
    const texts = ['市民反映，此处路口自来水井盖不见了，请相关部门核实处理。', '【随手拍】此处路口自来水井盖没了，差点摔倒'];
    let caseId = '';
    for (const [i, description] of texts.entries()) {
      caseId = (await ok(await inject({ method: 'POST', url: '/api/v1/cases', headers: reporter, payload: { categoryCode: 'C0101', description, location: { lon: point[0], lat: point[1] + i * 0.0001 } } }), 'report')).id;
      await triageSettled(app.ctx);
    }
    const [row] = await app.ctx.db.query<{ id: string }>('select id from triage_duplicate where case_id = $1', [caseId]);
    if (!row) throw new Error(`no duplicate proposal for ${caseId}`);
    await ok(await inject({ method: 'POST', url: `/api/v1/triage/duplicates/${row.id}/dismiss`, headers: admin, payload: { reason: '测试: 已判定' } }), 'dismiss');
    if (handlerUnit) {
      const operator = await app.as('yuzhong.operator');
      await ok(await inject({ method: 'POST', url: `/api/v1/cases/${caseId}/accept`, headers: operator, payload: {} }), 'accept');
      await ok(await inject({ method: 'POST', url: `/api/v1/cases/${caseId}/dispatch`, headers: operator, payload: { unitId: handlerUnit } }), 'dispatch');
    }
    return row.id;
  }

  const lifeline = await startLifeline(app.ctx);
  const own = await side(citizen, OWN_STREET, 1, 'C-500103003', 'jiefangbei.grid', 'D-500103-cg', 'D-500103-cg');
  const other = await side(await app.as('liangjiang.operator'), OTHER_DISTRICT, 2, 'C-500199', 'liangjiang.operator', 'C-500199');
  // The 解放碑 case goes to the 渝中区 城管 department so its handlers have one of their own.
  await ok(await inject({ method: 'POST', url: `/api/v1/cases/${own.caseId}/accept`, headers: await app.as('yuzhong.operator'), payload: {} }), 'accept');
  const dispatched = await inject({ method: 'POST', url: `/api/v1/cases/${own.caseId}/dispatch`, headers: await app.as('yuzhong.operator'), payload: { unitId: 'D-500103-cg' } });
  await ok(dispatched, 'dispatch');

  const webhookId = (await ok(await inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['case.*'], secret: 'fixture-secret-0123456789' } }), 'webhook')).id;
  const policies = (await ok(await inject({ url: '/api/v1/sla/policies', headers: admin }), 'policies')).items as { id: string }[];
  const rules = (await ok(await inject({ url: '/api/v1/responsibility-rules', headers: admin }), 'rules')).items as { id: string }[];
  const apiKey = (await ok(await inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: 'fixture app' } }), 'key')).key;
  const apiKeyId = (await ok(await inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: 'spare app' } }), 'key')).id;
  return { own, other, webhookId, policyId: policies[0].id, ruleId: rules[0].id, apiKey, apiKeyId, calendarDate: '2026-12-24' };
}

/** Row counts of the main tables and the audit log (failed sign-ins excluded: counting them is their point). */
export async function stateFingerprint(app: TestApp): Promise<string> {
  const tables = ['case_record', 'case_event', 'case_timer', 'case_supervision', 'photo', 'app_user', 'auth_token', 'unit', 'webhook', 'sla_policy',
    'sla_calendar_override', 'responsibility_rule', 'notification', 'open311_api_key', 'open311_request', 'triage_model',
    'sensing_sensor', 'sensing_asset', 'sensing_gateway', 'alarm_rule', 'alarm_rule_version', 'triage_duplicate'];
  const sql = `select ${tables.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')},
    (select count(*) from audit_log where action <> 'auth.login_failed') as audit,
    (select count(*) from notification where read_at is not null) as read_notifications`;
  const [row] = await app.ctx.db.query<Record<string, unknown>>(sql);
  return JSON.stringify(row);
}
