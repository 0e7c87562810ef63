import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { DEFAULT_SLA_POLICIES, pickPolicy } from '../../src/sla/policy.ts';
import { getPolicyVersion, loadPolicies, loadWorkingCalendar } from '../../src/sla/service.ts';
import { addWorkingMinutes } from '../../src/sla/deadline.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });

const inject = app.server.inject.bind(app.server);
const count = async (sql: string) => (await app.ctx.db.query<{ n: number }>(sql))[0].n;
const snapshot = async () => ({
  overrides: await count('select count(*)::int as n from sla_calendar_override'),
  policies: await count('select count(*)::int as n from sla_policy'),
  audit: await count('select count(*)::int as n from audit_log'),
});
const auditOf = async (entityType: string, entityId: string) =>
  (await inject({ url: `/api/v1/audit?entityType=${entityType}&entityId=${encodeURIComponent(entityId)}`, headers: await app.as('admin') })).json().items;

describe('GET /sla/calendar', () => {
  it('lists days with kind and name for any signed-in staff', async () => {
    const res = await inject({ url: '/api/v1/sla/calendar?from=2026-09-28&to=2026-10-11', headers: await app.as('jiefangbei.grid') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ from: '2026-09-28', to: '2026-10-11', unknownYears: [], officialYears: { first: 2004, last: 2026 } });
    expect(body.items).toHaveLength(14);
    const byDate = Object.fromEntries(body.items.map((d: { date: string }) => [d.date, d]));
    expect(byDate['2026-09-30']).toEqual({ date: '2026-09-30', working: true, kind: 'workday', name: null, source: 'rule' });
    expect(byDate['2026-10-01']).toEqual({ date: '2026-10-01', working: false, kind: 'holiday', name: '国庆节', source: 'official' });
    expect(byDate['2026-10-10']).toEqual({ date: '2026-10-10', working: true, kind: 'makeup', name: '国庆节', source: 'official' });
    expect(byDate['2026-10-11']).toMatchObject({ working: false, kind: 'weekend' });
    expect(body.items.filter((d: { working: boolean }) => d.working).map((d: { date: string }) => d.date))
      .toEqual(['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10']);
  });

  it('says which years have no holiday schedule yet', async () => {
    const res = await inject({ url: '/api/v1/sla/calendar?from=2026-12-28&to=2027-01-05', headers: await app.as('city.operator') });
    expect(res.json().unknownYears).toEqual([2027]);
  });

  it('is closed to citizens and strangers, and refuses bad ranges', async () => {
    expect((await inject({ url: '/api/v1/sla/calendar?from=2026-10-01&to=2026-10-02', headers: await app.as('citizen') })).statusCode).toBe(403);
    expect((await inject({ url: '/api/v1/sla/calendar?from=2026-10-01&to=2026-10-02' })).statusCode).toBe(401);
    const headers = await app.as('city.operator');
    for (const q of ['from=2026-02-30&to=2026-03-01', 'from=2026-10-01', 'from=2026-10-05&to=2026-10-01', 'from=2026-01-01&to=2027-12-31', 'from=2026/10/01&to=2026-10-02', 'from=2026-10-01&to=2026-10-02&x=1']) {
      const res = await inject({ url: `/api/v1/sla/calendar?${q}`, headers });
      expect(res.statusCode, q).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json(), q).toMatchObject({ status: 400, code: 'CY_VALIDATION' });
    }
  });
});

describe('calendar overrides', () => {
  it('lets a city admin enter next year\'s schedule, audited, and the calendar follows', async () => {
    const admin = { ...(await app.as('admin')), 'x-request-id': 'req-sla-cal-1' };
    const put = await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2027-01-01', headers: admin, payload: { kind: 'holiday', name: '元旦' } });
    expect(put.statusCode).toBe(200);
    const adminId = (await inject({ url: '/api/v1/auth/me', headers: admin })).json().user.id;
    expect(put.json()).toEqual({ date: '2027-01-01', kind: 'holiday', name: '元旦', updatedAt: '2026-11-20T02:00:00.000Z', updatedBy: adminId });
    expect((await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2027-02-20', headers: admin, payload: { kind: 'workday', name: ' 春节调休上班 ' } })).json().name).toBe('春节调休上班');

    const listed = await inject({ url: '/api/v1/sla/calendar?from=2026-12-31&to=2027-01-01', headers: admin });
    expect(listed.json()).toMatchObject({ unknownYears: [], items: [{ date: '2026-12-31', working: true }, { date: '2027-01-01', working: false, kind: 'holiday', name: '元旦', source: 'override' }] });
    const cal = await loadWorkingCalendar(app.ctx.db);
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
    expect(cal.day('2027-02-20')).toMatchObject({ working: true, kind: 'makeup' });
    // A case reported on the last afternoon of 2026 now skips New Year's Day.
    expect(addWorkingMinutes(new Date('2026-12-31T17:00:00+08:00'), 120, cal)).toEqual(new Date('2027-01-04T10:00:00+08:00'));

    const change = await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2027-01-01', headers: admin, payload: { kind: 'holiday', name: '元旦节' } });
    expect(change.statusCode).toBe(200);
    const [update, create] = await auditOf('sla_calendar', '2027-01-01');
    expect(create).toMatchObject({ action: 'sla.calendar.create', actor: adminId, requestId: 'req-sla-cal-1', before: null, after: { date: '2027-01-01', kind: 'holiday', name: '元旦' } });
    expect(update).toMatchObject({ action: 'sla.calendar.update', before: { name: '元旦' }, after: { name: '元旦节' } });
  });

  it('removes an override, audited, so the packaged schedule applies again', async () => {
    const admin = await app.as('admin');
    await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2026-12-25', headers: admin, payload: { kind: 'holiday', name: '停电检修' } });
    expect((await loadWorkingCalendar(app.ctx.db)).isWorkingDay('2026-12-25')).toBe(false);
    const del = await inject({ method: 'DELETE', url: '/api/v1/sla/calendar/2026-12-25', headers: admin });
    expect(del.statusCode).toBe(204);
    expect((await loadWorkingCalendar(app.ctx.db)).isWorkingDay('2026-12-25')).toBe(true);
    const [removed] = await auditOf('sla_calendar', '2026-12-25');
    expect(removed).toMatchObject({ action: 'sla.calendar.delete', before: { kind: 'holiday', name: '停电检修' }, after: null });
    const again = await inject({ method: 'DELETE', url: '/api/v1/sla/calendar/2026-12-25', headers: admin });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('CY_NOT_FOUND');
  });

  it('is for admins of the city center only', async () => {
    const users = ['yuzhong.admin', 'city.operator', 'city.supervisor', 'jiefangbei.operator'];
    // Signing in is audited too: do it before taking the snapshot.
    for (const user of users) await app.as(user);
    const before = await snapshot();
    for (const user of users) {
      const headers = await app.as(user);
      const put = await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2027-01-01', headers, payload: { kind: 'workday', name: '上班' } });
      expect(put.statusCode, user).toBe(403);
      expect(put.json().code).toBe('CY_FORBIDDEN');
      expect((await inject({ method: 'DELETE', url: '/api/v1/sla/calendar/2027-01-01', headers })).statusCode, user).toBe(403);
    }
    expect((await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2027-01-01', payload: { kind: 'workday', name: '上班' } })).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('answers bad input with problem+json and changes nothing', async () => {
    const admin = await app.as('admin');
    const before = await snapshot();
    const cases: { url: string; method?: 'PUT' | 'DELETE'; payload?: unknown; status: number; code: string }[] = [
      { url: '2026-02-30', payload: { kind: 'holiday', name: 'x' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-13-01', payload: { kind: 'holiday', name: 'x' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-1-1', payload: { kind: 'holiday', name: 'x' }, status: 400, code: 'CY_VALIDATION' },
      { url: 'tomorrow', payload: { kind: 'holiday', name: 'x' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'party', name: 'x' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'holiday' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'holiday', name: '' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'holiday', name: '   ' }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'holiday', name: 'x'.repeat(51) }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: { kind: 'holiday', name: 'x', extra: 1 }, status: 400, code: 'CY_VALIDATION' },
      { url: '2027-01-04', payload: '{"kind":', status: 400, code: 'CY_MALFORMED_BODY' },
      // Days already lived through are settled: running clocks counted them.
      { url: '2026-10-08', payload: { kind: 'holiday', name: '补假' }, status: 422, code: 'CY_UNPROCESSABLE' },
      { url: '2026-11-19', method: 'DELETE', status: 422, code: 'CY_UNPROCESSABLE' },
      { url: '2026-02-30', method: 'DELETE', status: 400, code: 'CY_VALIDATION' },
      { url: '2027-03-03', method: 'DELETE', status: 404, code: 'CY_NOT_FOUND' },
    ];
    for (const c of cases) {
      const res = await inject({
        method: c.method ?? 'PUT', url: `/api/v1/sla/calendar/${c.url}`, headers: { ...admin, ...(c.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(c.payload !== undefined ? { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) } : {}),
      });
      const label = `${c.method ?? 'PUT'} ${c.url} ${JSON.stringify(c.payload)}`;
      expect(res.statusCode, label).toBe(c.status);
      expect(res.headers['content-type'], label).toContain('application/problem+json');
      expect(res.json(), label).toMatchObject({ status: c.status, code: c.code, detail: expect.any(String) });
    }
    expect(await snapshot()).toEqual(before);
    // Today itself may still change (e.g. a sudden day off for a storm).
    expect((await inject({ method: 'PUT', url: '/api/v1/sla/calendar/2026-11-20', headers: admin, payload: { kind: 'holiday', name: '暴雨停工' } })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: '/api/v1/sla/calendar/2026-11-20', headers: admin })).statusCode).toBe(204);
  });
});

describe('policies', () => {
  it('start with the documented defaults, readable by staff', async () => {
    const res = await inject({ url: '/api/v1/sla/policies', headers: await app.as('jiefangbei.operator') });
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items).toHaveLength(DEFAULT_SLA_POLICIES.length);
    for (const d of DEFAULT_SLA_POLICIES) {
      // Seeded by migration 0006 from the same numbers, valid from 2000-01-01 00:00 Chongqing time.
      expect(items.find((p: { id: string }) => p.id === d.id)).toEqual({ ...d, version: 1, active: true, validFrom: '1999-12-31T16:00:00.000Z', validTo: null, createdBy: null });
    }
    expect((await inject({ url: '/api/v1/sla/policies', headers: await app.as('citizen') })).statusCode).toBe(403);
  });

  it('adds a policy for a category, audited, and new clocks pick it', async () => {
    const admin = await app.as('admin');
    const res = await inject({
      method: 'POST', url: '/api/v1/sla/policies', headers: admin,
      payload: { name: '井盖缺失', categoryPrefix: '0102', basis: 'clock', acceptMinutes: 30, handleMinutes: 240, verifyMinutes: 60, warnShare: 0.75 },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ id: expect.stringMatching(/^sla_/), version: 1, categoryPrefix: '0102', urgency: null, active: true, validFrom: '2026-11-20T02:00:00.000Z', validTo: null });
    const [entry] = await auditOf('sla_policy', created.id);
    expect(entry).toMatchObject({ action: 'sla.policy.create', before: null, after: { name: '井盖缺失', handleMinutes: 240 } });
    const policies = await loadPolicies(app.ctx.db);
    expect(pickPolicy(policies, '010203', 'normal')?.id).toBe(created.id);
    expect(pickPolicy(policies, '010203', 'critical')?.id).toBe(created.id);
    expect(pickPolicy(policies, '0201', 'critical')?.id).toBe('sla-critical');

    const clash = await inject({
      method: 'POST', url: '/api/v1/sla/policies', headers: admin,
      payload: { name: '重复', categoryPrefix: '0102', urgency: null, basis: 'working', acceptMinutes: 30, handleMinutes: 240, verifyMinutes: 60, warnShare: 0.5 },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('CY_CONFLICT');
  });

  it('versions every change; clocks already running keep their version', async () => {
    const admin = await app.as('admin');
    app.setNow('2026-11-20T10:00:00Z');
    const patched = await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-normal', headers: admin, payload: { handleMinutes: 3 * 420, warnShare: 0.9 } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: 'sla-normal', version: 2, handleMinutes: 1260, warnShare: 0.9, acceptMinutes: 120, basis: 'working', validFrom: '2026-11-20T10:00:00.000Z', validTo: null });
    app.setNow('2026-11-20T02:00:00Z');

    const history = (await inject({ url: '/api/v1/sla/policies?history=true', headers: admin })).json().items.filter((p: { id: string }) => p.id === 'sla-normal');
    expect(history.map((p: { version: number; validTo: string | null }) => [p.version, p.validTo])).toEqual([[1, '2026-11-20T10:00:00.000Z'], [2, null]]);
    const current = (await inject({ url: '/api/v1/sla/policies', headers: admin })).json().items.filter((p: { id: string }) => p.id === 'sla-normal');
    expect(current).toHaveLength(1);
    expect(current[0].version).toBe(2);

    expect(await getPolicyVersion(app.ctx.db, 'sla-normal', 1)).toMatchObject({ handleMinutes: 2100, warnShare: 0.8 });
    expect(pickPolicy(await loadPolicies(app.ctx.db, new Date('2026-11-20T05:00:00Z')), '0301', 'normal')).toMatchObject({ version: 1, handleMinutes: 2100 });
    expect(pickPolicy(await loadPolicies(app.ctx.db), '0301', 'normal')).toMatchObject({ version: 2, handleMinutes: 1260 });

    const [entry] = await auditOf('sla_policy', 'sla-normal');
    expect(entry).toMatchObject({ action: 'sla.policy.update', before: { version: 1, handleMinutes: 2100 }, after: { version: 2, handleMinutes: 1260 } });
  });

  it('keeps a time limit for every urgency', async () => {
    const admin = await app.as('admin');
    const before = await snapshot();
    const off = await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-critical', headers: admin, payload: { active: false } });
    expect(off.statusCode).toBe(409);
    expect(off.json().detail).toContain('特急');
    const narrowed = await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-urgent', headers: admin, payload: { categoryPrefix: '05' } });
    expect(narrowed.statusCode).toBe(409);
    expect(await snapshot()).toEqual(before);
    // With a catch-all for any urgency in place, a default may be retired.
    const anyUrgency = await inject({
      method: 'POST', url: '/api/v1/sla/policies', headers: admin,
      payload: { name: '兜底', urgency: null, categoryPrefix: null, basis: 'clock', acceptMinutes: 60, handleMinutes: 1440, verifyMinutes: 120, warnShare: 0.8 },
    });
    expect(anyUrgency.statusCode).toBe(201);
    const retired = await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-critical', headers: admin, payload: { active: false } });
    expect(retired.statusCode).toBe(200);
    expect(retired.json()).toMatchObject({ version: 2, active: false });
    expect(pickPolicy(await loadPolicies(app.ctx.db), '0301', 'critical')?.id).toBe(anyUrgency.json().id);
    const back = await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-critical', headers: admin, payload: { active: true } });
    expect(back.json()).toMatchObject({ version: 3, active: true });
  });

  it('is changed by admins of the city center only', async () => {
    const users = ['yuzhong.admin', 'city.supervisor', 'city.operator'];
    for (const user of users) await app.as(user);
    const before = await snapshot();
    const payload = { name: 'x', basis: 'working', acceptMinutes: 30, handleMinutes: 240, verifyMinutes: 60, warnShare: 0.5, categoryPrefix: '09' };
    for (const user of users) {
      const headers = await app.as(user);
      expect((await inject({ method: 'POST', url: '/api/v1/sla/policies', headers, payload })).statusCode, user).toBe(403);
      expect((await inject({ method: 'PATCH', url: '/api/v1/sla/policies/sla-normal', headers, payload: { warnShare: 0.5 } })).statusCode, user).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers bad input with problem+json and changes nothing', async () => {
    const admin = await app.as('admin');
    const before = await snapshot();
    const good = { name: '测试', basis: 'working', acceptMinutes: 30, handleMinutes: 240, verifyMinutes: 60, warnShare: 0.5, categoryPrefix: '07' };
    const cases: { method: 'POST' | 'PATCH'; id?: string; payload: unknown; status: number; code: string }[] = [
      { method: 'POST', payload: { ...good, acceptMinutes: -30 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, handleMinutes: 0 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, verifyMinutes: 1.5 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, verifyMinutes: '60' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, warnShare: 0 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, warnShare: 1 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, warnShare: 1.5 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, basis: 'lunar' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, urgency: 'whenever' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, categoryPrefix: '' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, categoryPrefix: '01 02' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, extra: true }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { name: '缺字段', basis: 'working' }, status: 400, code: 'CY_VALIDATION' },
      { method: 'POST', payload: { ...good, categoryPrefix: null, urgency: 'critical' }, status: 409, code: 'CY_CONFLICT' },
      { method: 'PATCH', id: 'sla-nope', payload: { warnShare: 0.5 }, status: 404, code: 'CY_NOT_FOUND' },
      { method: 'PATCH', id: 'sla-normal', payload: {}, status: 400, code: 'CY_VALIDATION' },
      { method: 'PATCH', id: 'sla-normal', payload: { acceptMinutes: -1 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'PATCH', id: 'sla-normal', payload: { warnShare: 1 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'PATCH', id: 'sla-normal', payload: { version: 7 }, status: 400, code: 'CY_VALIDATION' },
      { method: 'PATCH', id: 'sla-normal', payload: { urgency: 'urgent' }, status: 409, code: 'CY_CONFLICT' },
    ];
    for (const c of cases) {
      const res = await inject({ method: c.method, url: `/api/v1/sla/policies${c.id ? `/${c.id}` : ''}`, headers: admin, payload: c.payload as object });
      const label = `${c.method} ${c.id ?? ''} ${JSON.stringify(c.payload)}`;
      expect(res.statusCode, label).toBe(c.status);
      expect(res.headers['content-type'], label).toContain('application/problem+json');
      expect(res.json(), label).toMatchObject({ status: c.status, code: c.code });
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('the API document and the audit chain', () => {
  it('documents every route under the sla tag with security and problems', async () => {
    const doc = (await inject({ url: '/docs/json' })).json();
    const ops = [['/api/v1/sla/calendar', 'get'], ['/api/v1/sla/calendar/{date}', 'put'], ['/api/v1/sla/calendar/{date}', 'delete'],
      ['/api/v1/sla/policies', 'get'], ['/api/v1/sla/policies', 'post'], ['/api/v1/sla/policies/{id}', 'patch']];
    for (const [path, method] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['sla']);
      expect(op.summary).toEqual(expect.any(String));
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('still verifies after every change above', async () => {
    const res = await inject({ url: '/api/v1/audit/verify', headers: await app.as('admin') });
    expect(res.json()).toMatchObject({ ok: true, faults: [] });
  });
});
