/**
 * Resources on both sides of a jurisdiction line, made through the API: "own" ones in
 * 解放碑街道 (渝中区), "other" ones in 两江新区; shared by the fuzzing and access-matrix tests.
 */
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

  async function side(reporter: Record<string, string>, division: string, salt: number, unitId: string, user: string): Promise<Side> {
    const point = await pointIn(app, division, city, 3);
    const photo = (await ok(await inject({ method: 'POST', url: '/api/v1/photos', headers: { ...reporter, 'content-type': 'image/png' }, payload: Buffer.concat([PNG, Buffer.from([salt])]) }), 'photo')).hash as string;
    const created = await ok(await inject({
      method: 'POST', url: '/api/v1/cases', headers: reporter,
      payload: { categoryCode: 'E0102', description: `测试案件 ${division}`, location: { lon: point[0], lat: point[1] }, photos: [photo], reporter: { name: '李四', phone: REPORTER_PHONE } },
    }), 'case');
    return { caseId: created.id, caseNumber: created.number, photo, unitId, userId: userId(user), divisionCode: division, gridCode: created.gridCode, point };
  }

  const own = await side(citizen, OWN_STREET, 1, 'C-500103003', 'jiefangbei.grid');
  const other = await side(await app.as('liangjiang.operator'), OTHER_DISTRICT, 2, 'C-500199', 'liangjiang.operator');
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
    'sla_calendar_override', 'responsibility_rule', 'notification', 'open311_api_key', 'open311_request', 'triage_model'];
  const sql = `select ${tables.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')},
    (select count(*) from audit_log where action <> 'auth.login_failed') as audit,
    (select count(*) from notification where read_at is not null) as read_notifications`;
  const [row] = await app.ctx.db.query<Record<string, unknown>>(sql);
  return JSON.stringify(row);
}
