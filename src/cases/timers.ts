/**
 * The SLA timer worker: fires due warnings (临期预警) and escalations (超期升级督办) street →
 * district → city. Timers are rows claimed with `for update skip locked` in the transaction
 * that records their effect, so each fires exactly once across restarts and nodes.
 */
import type { AppContext } from '../app.ts';
import { appendAudit, chainOf } from '../audit/index.ts';
import { notifyUsers } from '../notify/index.ts';
import { districtCenterId } from './access.ts';
import * as store from './store.ts';

const TIER_ZH = { street: '镇街中心', district: '区县中心', city: '市中心' } as const;
type Tier = keyof typeof TIER_ZH;

export async function fireDueTimers(ctx: AppContext, batch = 100): Promise<number> {
  const now = ctx.clock();
  const published: { caseId: string; kind: string }[] = [];
  const fired = await ctx.db.transaction(async (tx) => {
    // Audit chain heads are taken in ascending order (a case's timers stay in due order), so two
    // workers firing batches that touch the same chains queue instead of deadlocking.
    const timers = (await store.claimDueTimers(tx, now, batch))
      .map((timer) => ({ timer, chain: chainOf('case', timer.caseId) }))
      .sort((a, b) => a.chain - b.chain)
      .map(({ timer }) => timer);
    for (const timer of timers) {
      const c = await store.getCase(tx, timer.caseId);
      if (!c) continue;
      const zone = ctx.city.zones.find((z) => z.streetCodes.includes(c.streetCode));
      if (timer.kind === 'warn') {
        await store.insertSupervision(tx, { id: ctx.newId('sup'), caseId: c.id, at: now.toISOString(), kind: 'warning', tier: 'street', unitId: c.ownerUnitId, byUserId: null, note: `${timer.payload.stage} 时限将至 (${timer.payload.dueAt})` });
        await store.appendEvent(tx, c.id, { at: now.toISOString(), action: 'warn', fromStatus: c.status, toStatus: c.status, actorUserId: null, actorUnitId: null, note: '临期预警', data: { stage: timer.payload.stage, dueAt: timer.payload.dueAt } });
        await notifyUsers(tx, { unitIds: [c.ownerUnitId, ...(c.assigneeUnitId ? [c.assigneeUnitId] : [])], at: now, kind: 'case.sla_warning', title: `临期预警: ${c.number}`, body: c.title, subject: { type: 'case', id: c.id } });
      } else {
        const tier = String(timer.payload.tier) as Tier;
        const unitId = tier === 'street' ? `C-${c.streetCode}` : tier === 'district' ? districtCenterId(c, zone?.code ?? null) : 'C-500000';
        const note = `超期未${timer.payload.stage === 'handle' ? '处置' : timer.payload.stage === 'verify' ? '核查' : timer.payload.stage === 'sign' ? '签收' : '派遣'}, ${TIER_ZH[tier]}督办`;
        await store.insertSupervision(tx, { id: ctx.newId('sup'), caseId: c.id, at: now.toISOString(), kind: 'escalation', tier, unitId, byUserId: null, note });
        await store.appendEvent(tx, c.id, { at: now.toISOString(), action: 'escalate', fromStatus: c.status, toStatus: c.status, actorUserId: null, actorUnitId: unitId, note, data: { tier, stage: timer.payload.stage, dueAt: timer.payload.dueAt } });
        await notifyUsers(tx, { unitIds: [unitId, c.ownerUnitId, ...(c.assigneeUnitId ? [c.assigneeUnitId] : [])], at: now, kind: 'case.overdue', title: `超期督办: ${c.number}`, body: note, subject: { type: 'case', id: c.id } });
        await appendAudit(tx, { at: now, actor: null, action: 'case.escalate', entityType: 'case', entityId: c.id, after: { tier, unitId, stage: timer.payload.stage, dueAt: timer.payload.dueAt } });
      }
      published.push({ caseId: c.id, kind: timer.kind });
    }
    return timers.length;
  });
  for (const p of published) {
    const c = await store.getCase(ctx.db, p.caseId);
    if (!c) continue;
    ctx.bus.publish({
      id: ctx.newId('evt'), type: p.kind === 'warn' ? 'case.sla_warning' : 'case.overdue', at: now.toISOString(), subject: { type: 'case', id: c.id },
      scope: { divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode], unitIds: [c.ownerUnitId, ...(c.assigneeUnitId ? [c.assigneeUnitId] : [])], userIds: [] },
      payload: { number: c.number, status: c.status, kind: p.kind, dueAt: c.dueAt, lon: c.lon, lat: c.lat, title: c.title },
    });
  }
  return fired;
}

/** Polls for due timers; returns a stop function. */
export function startCaseTimerWorker(ctx: AppContext, options: { intervalMs?: number } = {}): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = (async () => {
      while (!stopped && (await fireDueTimers(ctx)) === 100);
    })().catch((error) => ctx.log.error({ err: error }, 'case timer worker failed'));
  };
  const handle = setInterval(tick, options.intervalMs ?? 5_000);
  handle.unref();
  return async () => {
    stopped = true;
    clearInterval(handle);
    await running;
  };
}
