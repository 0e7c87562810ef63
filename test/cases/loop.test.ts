import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

// Tuesday 2026-09-29 09:00 in Chongqing.
const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });

const JIEFANGBEI = '500103003';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('chengyun test photo')]);

type Headers = Record<string, string>;
let citizen: Headers, streetOp: Headers, districtOp: Headers, grid: Headers, cg: Headers, cityOp: Headers, admin: Headers;
let spot: [number, number];
let photo: string;

async function userFor(username: string, unitId: string, role = 'handler'): Promise<Headers> {
  const res = await app.server.inject({
    method: 'POST', url: '/api/v1/users', headers: admin,
    payload: { username, displayName: username, password: 'Handler2026x', role, unitId },
  });
  expect(res.statusCode, res.body).toBe(201);
  const login = await app.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'Handler2026x' } });
  return { authorization: `Bearer ${login.json().token}` };
}

async function report(headers: Headers, body: Record<string, unknown> = {}) {
  const res = await app.server.inject({
    method: 'POST', url: '/api/v1/cases', headers,
    payload: { categoryCode: 'E0102', description: '解放碑步行街垃圾桶满了, 垃圾堆在地上', location: { lon: spot[0], lat: spot[1] }, photos: [photo], ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function act(headers: Headers, id: string, action: string, body: Record<string, unknown> = {}, status = 200) {
  const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body });
  expect(res.statusCode, `${action}: ${res.body}`).toBe(status);
  return res.json();
}

beforeAll(async () => {
  [citizen, streetOp, districtOp, grid, cg, cityOp, admin] = await Promise.all(
    ['citizen', 'jiefangbei.operator', 'yuzhong.operator', 'jiefangbei.grid', 'yuzhong.cg', 'city.operator', 'admin'].map((u) => app.as(u)),
  );
  spot = await pointIn(app, JIEFANGBEI, cityOp);
  const upload = await app.server.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...citizen, 'content-type': 'image/jpeg' }, payload: JPEG });
  expect(upload.statusCode, upload.body).toBe(201);
  photo = upload.json().hash;
});

describe('the case closed loop', () => {
  it('runs the normal loop: report, accept, dispatch, sign, handle, verify, close, rate', async () => {
    const c = await report(citizen);
    expect(c).toMatchObject({ status: 'reported', channel: 'app', streetCode: JIEFANGBEI, districtCode: '500103', ownerUnitId: 'C-500103', recommendedUnitId: 'D-500103-cg' });
    expect(c.number).toMatch(/^20260929500103\d{5}$/);
    expect(c.reporterPhone).toBe('13800000000');
    expect(c.allowedActions).toEqual([]);
    const seen = await app.server.inject({ url: `/api/v1/cases/${c.id}`, headers: districtOp });
    expect(seen.json().allowedActions).toEqual(expect.arrayContaining(['accept', 'reject', 'merge']));
    expect(seen.json().reporterPhone).toBe('13800000000');
    const byGrid = await app.server.inject({ url: `/api/v1/cases/${c.id}`, headers: grid });
    expect(byGrid.json().reporterPhone).toBe('138****0000');

    await act(districtOp, c.id, 'accept');
    const dispatched = await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    expect(dispatched).toMatchObject({ status: 'dispatched', assigneeUnitId: 'D-500103-cg' });
    const signed = await act(cg, c.id, 'sign');
    expect(signed.sla.stage).toBe('handle');
    await act(cg, c.id, 'report-handled', { note: '已清运', photos: [photo] });
    await act(grid, c.id, 'verify-fix', { passed: true, note: '现场已清理', photos: [photo] });
    const closed = await act(districtOp, c.id, 'close');
    expect(closed.status).toBe('closed');
    const rated = await act(citizen, c.id, 'evaluate', { satisfaction: 5, comment: '很快, 巴适' });
    expect(rated.satisfaction).toBe(5);

    const timeline = await app.server.inject({ url: `/api/v1/cases/${c.id}/timeline`, headers: citizen });
    expect(timeline.json().events.map((e: { action: string }) => e.action))
      .toEqual(['report', 'accept', 'dispatch', 'sign', 'reportHandled', 'verifyFix', 'close', 'evaluate']);
    const inbox = await app.server.inject({ url: '/api/v1/inbox', headers: citizen });
    expect(JSON.stringify(inbox.json())).toContain('已办结');
    const audit = await app.ctx.db.query<{ action: string }>(`select action from audit_log where entity_id = $1 order by seq`, [c.id]);
    expect(audit.map((a) => a.action)).toEqual(['case.report', 'case.accept', 'case.dispatch', 'case.sign', 'case.reportHandled', 'case.verifyFix', 'case.close', 'case.evaluate']);
  });

  it('returns a wrongly dispatched case to the dispatcher, who dispatches it again', async () => {
    const zj = await userFor('zj.handler', 'D-500103-zj');
    const c = await report(citizen);
    await act(districtOp, c.id, 'accept');
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-zj' });
    await act(cg, c.id, 'sign', {}, 404);
    const back = await act(zj, c.id, 'return', { reason: '不属于住建职责, 应由城管处置' });
    expect(back).toMatchObject({ status: 'registered', assigneeUnitId: null });
    await act(zj, c.id, 'sign', {}, 404);
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    expect((await act(cg, c.id, 'sign')).status).toBe('handling');
  });

  it('sends a failed check back for rework (返工)', async () => {
    const c = await report(citizen);
    await act(districtOp, c.id, 'accept');
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    await act(cg, c.id, 'sign');
    await act(cg, c.id, 'report-handled', { note: '已处理' });
    const rework = await act(grid, c.id, 'verify-fix', { passed: false, note: '垃圾仍在' });
    expect(rework).toMatchObject({ status: 'handling', reworkCount: 1 });
    await act(cg, c.id, 'report-handled', { note: '已彻底清运', photos: [photo] });
    await act(grid, c.id, 'verify-fix', { passed: true });
    expect((await act(districtOp, c.id, 'close')).status).toBe('closed');
  });

  it('moves the handling deadline when an extension (延期) is approved', async () => {
    const c = await report(citizen);
    await act(districtOp, c.id, 'accept');
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    const signed = await act(cg, c.id, 'sign');
    const asked = await act(cg, c.id, 'request-extension', { minutes: 420, reason: '需协调环卫车辆' });
    expect(asked.pendingExtension).toMatchObject({ minutes: 420 });
    await act(cg, c.id, 'request-extension', { minutes: 60, reason: 'again' }, 409);
    await act(cg, c.id, 'decide-extension', { approve: true }, 403);
    const approved = await act(districtOp, c.id, 'decide-extension', { approve: true, note: '同意延期一个工作日' });
    expect(approved.extensionMinutes).toBe(420);
    expect(approved.pendingExtension).toBeNull();
    // 5 working days from Tue 9/29 09:00 skip 国庆 (10/1–7) and end on the make-up Saturday 10/10 at 18:00;
    // one more working day skips Sunday and ends Monday 10/12 at 18:00.
    expect(signed.dueAt).toBe('2026-10-10T10:00:00.000Z');
    expect(approved.dueAt).toBe('2026-10-12T10:00:00.000Z');
  });

  it('completes joint handling (联办) only when the lead and both assisting units are done', async () => {
    const zj = await userFor('zj.joint', 'D-500103-zj');
    const jt = await userFor('jt.joint', 'D-500103-jt');
    const c = await report(citizen, { categoryCode: 'E0401', description: '人行道塌陷一个大坑, 还在漏水' });
    await act(districtOp, c.id, 'accept');
    const d = await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-jt', assistingUnitIds: ['D-500103-zj', 'D-500103-cg'] });
    expect(d.tasks).toHaveLength(3);
    await act(jt, c.id, 'sign');
    await act(zj, c.id, 'sign');
    await act(cg, c.id, 'sign');
    expect((await act(jt, c.id, 'report-handled', { note: '路面已修复' })).status).toBe('handling');
    expect((await act(zj, c.id, 'report-handled', { note: '管线已排查' })).status).toBe('handling');
    const done = await act(cg, c.id, 'report-handled', { note: '现场已清理' });
    expect(done.status).toBe('handled');
    expect(done.tasks.every((t: { status: string }) => t.status === 'done')).toBe(true);
  });

  it('merges duplicates (合并) and closes them with the master, telling every reporter', async () => {
    const other = await userFor('resident.li', 'C-500103003', 'grid_worker');
    const master = await report(citizen);
    const dup = await report(other, { description: '解放碑这边又有一堆垃圾', channel: 'patrol' });
    expect(dup.ownerUnitId).toBe(`C-${JIEFANGBEI}`);
    await act(districtOp, dup.id, 'merge', { masterId: dup.id }, 422);
    const merged = await act(districtOp, dup.id, 'merge', { masterId: master.id });
    expect(merged).toMatchObject({ status: 'merged', masterId: master.id });
    await act(districtOp, master.id, 'accept');
    await act(districtOp, master.id, 'dispatch', { unitId: 'D-500103-cg' });
    await act(cg, master.id, 'sign');
    await act(cg, master.id, 'report-handled', { note: '已清运' });
    await act(grid, master.id, 'verify-fix', { passed: true });
    await act(districtOp, master.id, 'close');
    const after = await app.server.inject({ url: `/api/v1/cases/${dup.id}`, headers: other });
    expect(after.json().status).toBe('closed');
    const inbox = await app.server.inject({ url: '/api/v1/inbox', headers: other });
    expect(JSON.stringify(inbox.json())).toContain(master.number);
  });

  it('reopens (重开) a closed case the resident is not satisfied with', async () => {
    const c = await report(citizen);
    await act(districtOp, c.id, 'accept');
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    await act(cg, c.id, 'sign');
    await act(cg, c.id, 'report-handled', { note: '已清运' });
    await act(grid, c.id, 'verify-fix', { passed: true });
    await act(districtOp, c.id, 'close');
    await act(citizen, c.id, 'evaluate', { satisfaction: 1, comment: '根本没扫' });
    const reopened = await act(citizen, c.id, 'reopen', { reason: '垃圾还在' });
    expect(reopened).toMatchObject({ status: 'registered', reopenCount: 1, satisfaction: null });
    expect(reopened.allowedActions).toEqual([]);
  });

  it('lets a grid worker fix a small problem on the spot (自行处置)', async () => {
    const c = await report(grid, { channel: 'patrol', categoryCode: 'E0201', description: '电线杆上贴满小广告' });
    expect(c.ownerUnitId).toBe(`C-${JIEFANGBEI}`);
    const handled = await act(grid, c.id, 'self-handle', { note: '已清除小广告', photos: [photo] });
    expect(handled).toMatchObject({ status: 'handled', assigneeUnitId: `C-${JIEFANGBEI}` });
    await act(streetOp, c.id, 'verify-fix', { passed: true });
    expect((await act(streetOp, c.id, 'close')).status).toBe('closed');
  });

  it('refuses illegal transitions with 409 and the allowed actions, and stale versions with 409', async () => {
    const c = await report(citizen);
    const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/close`, headers: districtOp, payload: {} });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CY_CONFLICT', allowedActions: expect.arrayContaining(['accept']) });
    const stale = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/accept`, headers: { ...districtOp, 'if-match': '"7"' }, payload: {} });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().currentVersion).toBe(1);
    const [a, b] = await Promise.all([
      app.server.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/accept`, headers: districtOp, payload: {} }),
      app.server.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/reject`, headers: districtOp, payload: { reason: '重复' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const forbidden = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/supervise`, headers: citizen, payload: { note: 'x' } });
    expect(forbidden.statusCode).toBe(403);
  });

  it('lets the operator correct category and urgency at 受理, re-routing and re-timing the case', async () => {
    const c = await report(citizen, { categoryCode: 'E0102', description: '路边闻到好大一股天然气味道' });
    expect(c.recommendedUnitId).toBe('D-500103-cg');
    const accepted = await act(districtOp, c.id, 'accept', { categoryCode: 'E0403', urgency: 'critical', note: '实为燃气泄漏' });
    expect(accepted).toMatchObject({ categoryCode: 'E0403', urgency: 'critical', recommendedUnitId: 'D-500000-gas' });
    expect(accepted.sla.policyId).toBe('sla-critical');
    await act(districtOp, c.id, 'accept', {}, 409);
    const timeline = await app.server.inject({ url: `/api/v1/cases/${c.id}/timeline`, headers: districtOp });
    expect(timeline.json().events[1].data).toMatchObject({ categoryCode: 'E0403', urgency: 'critical' });
  });

  it('returns the same case for a retried report with the same Idempotency-Key', async () => {
    const body = { categoryCode: 'E0102', description: '重试测试', location: { lon: spot[0], lat: spot[1] } };
    const headers = { ...citizen, 'idempotency-key': 'retry-key-0001' };
    const first = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: body });
    const again = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: body });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const different = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: { ...body, description: '另一件事' } });
    expect(different.statusCode).toBe(409);
    const [{ n }] = await app.ctx.db.query<{ n: number }>(`select count(*)::int as n from case_record where description = '重试测试'`);
    expect(n).toBe(1);
  });
});
