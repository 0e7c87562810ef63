import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { fireDueTimers } from '../../src/cases/timers.ts';

// Tuesday 2026-09-29 09:00 in Chongqing; 国庆 (10/1–7) and the make-up Saturday 10/10 lie ahead.
const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });
const cst = (local: string) => new Date(`${local}+08:00`).toISOString();

describe('SLA escalation street → district → city', () => {
  it('warns, then escalates once per tier, counting working time across a public holiday and a weekend', async () => {
    const [citizen, districtOp, cg, cityOp] = await Promise.all(['citizen', 'yuzhong.operator', 'yuzhong.cg', 'city.operator'].map((u) => app.as(u)));
    const [lon, lat] = await pointIn(app, '500103003', cityOp);
    const created = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode: 'E0102', description: '垃圾无人清运', location: { lon, lat } } });
    const id = created.json().id;
    for (const [headers, action, body] of [[districtOp, 'accept', {}], [districtOp, 'dispatch', { unitId: 'D-500103-cg' }], [cg, 'sign', {}]] as const) {
      const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body });
      expect(res.statusCode, res.body).toBe(200);
    }
    const signed = (await app.server.inject({ url: `/api/v1/cases/${id}`, headers: districtOp })).json();
    // 5 working days of 7 h from Tue 09:00: 9/29, 9/30, (国庆), 10/8, 10/9, make-up Sat 10/10 until 18:00.
    expect(signed.dueAt).toBe(cst('2026-10-10T18:00:00'));

    const supervisions = async () => (await app.server.inject({ url: `/api/v1/cases/${id}/timeline`, headers: await app.as('yuzhong.operator') })).json().supervisions
      .map((s: { kind: string; tier: string; unitId: string }) => `${s.kind}:${s.tier}:${s.unitId}`);
    const at = async (local: string) => {
      app.setNow(cst(local));
      return fireDueTimers(app.ctx);
    };

    await at('2026-10-09T17:59:00');
    expect(await supervisions()).toEqual([]);
    await at('2026-10-09T18:01:00'); // 80 % of the allowance used
    expect(await supervisions()).toEqual(['warning:street:C-500103']);
    await at('2026-10-10T18:01:00'); // due on the make-up Saturday
    expect(await supervisions()).toEqual(['warning:street:C-500103', 'escalation:street:C-500103003']);
    await at('2026-10-11T23:00:00'); // Sunday: no working time passes
    expect((await supervisions())).toHaveLength(2);
    await at('2026-10-12T18:01:00'); // one working day overdue
    expect((await supervisions()).at(-1)).toBe('escalation:district:C-500103');
    await at('2026-10-13T18:01:00'); // two working days overdue
    expect((await supervisions()).at(-1)).toBe('escalation:city:C-500000');
    expect(await at('2026-10-20T12:00:00')).toBe(0);
    expect(await supervisions()).toHaveLength(4);

    const district = await app.as('yuzhong.operator');
    const view = (await app.server.inject({ url: `/api/v1/cases/${id}`, headers: district })).json();
    expect(view.overdue).toBe(true);
    const overdue = await app.server.inject({ url: '/api/v1/cases?overdue=true', headers: district });
    expect(overdue.json().items.map((c: { id: string }) => c.id)).toContain(id);
    const inbox = await app.server.inject({ url: '/api/v1/inbox', headers: await app.as('city.operator') });
    expect(JSON.stringify(inbox.json())).toContain('超期督办');
    const timeline = (await app.server.inject({ url: `/api/v1/cases/${id}/timeline`, headers: district })).json().events;
    expect(timeline.filter((e: { action: string }) => e.action === 'escalate')).toHaveLength(3);
  });

  it('pauses the clock while a case is suspended (挂起) and does not escalate a tier twice after resuming', async () => {
    app.setNow(cst('2026-11-02T09:00:00')); // Monday
    const [citizen, districtOp, cg, cityOp] = await Promise.all(['citizen', 'yuzhong.operator', 'yuzhong.cg', 'city.operator'].map((u) => app.as(u)));
    const [lon, lat] = await pointIn(app, '500103003', cityOp);
    const id = (await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode: 'E0102', description: '挂起测试', location: { lon, lat }, urgency: 'critical' } })).json().id;
    for (const [headers, action, body] of [[districtOp, 'accept', {}], [districtOp, 'dispatch', { unitId: 'D-500103-cg' }], [cg, 'sign', {}]] as const) {
      expect((await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body })).statusCode).toBe(200);
    }
    // 特急: 24 clock hours to handle.
    const signed = (await app.server.inject({ url: `/api/v1/cases/${id}`, headers: districtOp })).json();
    expect(signed.dueAt).toBe(cst('2026-11-03T09:00:00'));
    const step = async (local: string, action?: string, body: Record<string, unknown> = {}) => {
      app.setNow(cst(local));
      if (!action) return fireDueTimers(app.ctx);
      const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers: await app.as('yuzhong.operator'), payload: body });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    expect((await step('2026-11-02T20:00:00', 'suspend', { reason: '等待燃气公司停气' })).dueAt).toBeNull();
    // 11 h used, 13 h left: resuming at midnight moves the deadline to 13:00.
    expect((await step('2026-11-03T00:00:00', 'resume')).dueAt).toBe(cst('2026-11-03T13:00:00'));
    await step('2026-11-03T09:30:00');
    const tiers = async () => (await app.server.inject({ url: `/api/v1/cases/${id}/timeline`, headers: await app.as('yuzhong.operator') })).json()
      .supervisions.filter((s: { kind: string }) => s.kind === 'escalation').map((s: { tier: string }) => s.tier);
    expect(await tiers()).toEqual([]);
    await step('2026-11-03T13:01:00');
    expect(await tiers()).toEqual(['street']);
    // Suspending and resuming an overdue case recomputes its timers but never repeats a tier.
    await step('2026-11-03T13:30:00', 'suspend', { reason: '暂缓' });
    await step('2026-11-03T13:40:00', 'resume');
    await step('2026-11-03T16:30:00');
    expect((await tiers()).sort()).toEqual(['city', 'district', 'street']);
  });
});
