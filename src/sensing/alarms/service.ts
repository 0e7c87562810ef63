/**
 * Alarms for people: reads scoped to the caller's jurisdiction (the same reach as sensors:
 * centers see their area, units what they own or were assigned), and the hand actions —
 * acknowledge (确认), comment, assign (指派) and clear (人工解除). Each is one transaction with
 * its history entry and audit entry; the event goes out after the commit.
 */
import type { AppContext } from '../../app.ts';
import { appendAudit } from '../../audit/index.ts';
import { Problem, notFound } from '../../http/errors.ts';
import { unitDirectory } from '../../org/directory.ts';
import { jurisdictionOf } from '../../org/jurisdiction.ts';
import type { Principal } from '../../org/model.ts';
import { getUser } from '../../org/store.ts';
import type { Queryable } from '../../storage/db.ts';
import { reachOf } from '../registry-service.ts';
import { levelNote, noteOnCase } from './case-link.ts';
import { alarmEvent, type AlarmEventType } from './events.ts';
import { lifelineOf } from './runtime.ts';
import * as store from './store.ts';
import type { Alarm, AlarmEvent, AlarmFilter } from './store.ts';

export type AlarmQuery = Omit<AlarmFilter, 'streets' | 'unitId'>;

async function reach(ctx: AppContext, principal: Principal): Promise<{ streets: string[] | null; unitId: string }> {
  const r = reachOf(principal, await unitDirectory(ctx));
  if (!r) return { streets: [], unitId: '' };
  return { streets: r.streets ? [...r.streets] : null, unitId: r.ownerUnitId };
}

const sees = (r: { streets: string[] | null; unitId: string }, a: Alarm) =>
  r.unitId !== '' && (r.streets === null || (a.streetCode !== null && r.streets.includes(a.streetCode)) || a.ownerUnitId === r.unitId || a.assigneeUnitId === r.unitId);

export async function listAlarmsFor(ctx: AppContext, principal: Principal, query: AlarmQuery): Promise<Alarm[]> {
  const r = await reach(ctx, principal);
  if (!r.unitId) return [];
  return store.listAlarms(ctx.db, { ...query, ...r });
}

/** The alarm if the caller may see it, else 404 (the same as a missing id). */
export async function visibleAlarm(ctx: AppContext, principal: Principal, id: string): Promise<Alarm> {
  const a = await store.getAlarm(ctx.db, id);
  if (!a || !sees(await reach(ctx, principal), a)) throw notFound('alarm', id);
  return a;
}

export async function alarmWithHistory(ctx: AppContext, principal: Principal, id: string): Promise<Alarm & { history: AlarmEvent[] }> {
  const a = await visibleAlarm(ctx, principal, id);
  return { ...a, history: await store.alarmHistory(ctx.db, id) };
}

export type AlarmCommand =
  | { action: 'acknowledge'; note?: string }
  | { action: 'comment'; note: string }
  | { action: 'assign'; userId?: string; unitId?: string; note?: string }
  | { action: 'clear'; note: string };

const EVENT_OF: Readonly<Record<AlarmCommand['action'], AlarmEventType>> = {
  acknowledge: 'alarm.acknowledged', comment: 'alarm.commented', assign: 'alarm.assigned', clear: 'alarm.cleared',
};

/** Applies a hand action; returns the alarm after it. */
export async function actOnAlarm(ctx: AppContext, principal: Principal, requestId: string, id: string, cmd: AlarmCommand): Promise<Alarm> {
  const lifeline = lifelineOf(ctx);
  // A clear must not interleave with the engine writing a level change of the same alarm.
  const run = () => apply(ctx, principal, requestId, id, cmd);
  const saved = cmd.action === 'clear' && lifeline ? await lifeline.engine.exclusive(run) : await run();
  return saved;
}

async function apply(ctx: AppContext, principal: Principal, requestId: string, id: string, cmd: AlarmCommand): Promise<Alarm> {
  const before = await visibleAlarm(ctx, principal, id);
  const next = await planned(ctx, principal, before, cmd);
  const now = ctx.clock();
  const saved = await ctx.db.transaction(async (tx) => {
    const row = await store.updateAlarm(tx, next);
    await store.appendAlarmEvent(tx, id, {
      at: now.toISOString(), action: cmd.action, fromLevel: before.level, toLevel: cmd.action === 'clear' ? null : before.level,
      actor: principal.user.id, note: cmd.note ?? null,
      data: cmd.action === 'assign' ? { userId: cmd.userId ?? null, unitId: cmd.unitId ?? null } : null,
    });
    if (cmd.action === 'clear') await store.deleteRuleState(tx, before.subjectId, before.ruleKey);
    await audit(tx, now, principal, requestId, cmd, before, row);
    return row;
  });
  const lifeline = lifelineOf(ctx);
  lifeline?.ledger.remember(saved);
  if (cmd.action === 'clear') {
    lifeline?.engine.forget(before.subjectId, before.ruleKey);
    await noteOnCase(ctx, saved, `${levelNote(before.level, null, 'hand')}: ${cmd.note}`, { by: principal.user.id })
      .catch((error: unknown) => ctx.log.error({ err: error, alarmId: id }, 'case note failed'));
  }
  ctx.bus.publish(alarmEvent(ctx, EVENT_OF[cmd.action], saved, { by: principal.user.id, ...(cmd.action === 'clear' ? { fromLevel: before.level, byHand: true } : {}) }));
  return saved;
}

/** The alarm after the command, or a refusal. */
async function planned(ctx: AppContext, principal: Principal, a: Alarm, cmd: AlarmCommand): Promise<Alarm> {
  const at = ctx.clock().toISOString();
  switch (cmd.action) {
    case 'acknowledge':
      if (a.acknowledgedAt) throw new Problem('CY_CONFLICT', `alarm ${a.id} was acknowledged at ${a.acknowledgedAt}`);
      return { ...a, acknowledgedAt: at, acknowledgedBy: principal.user.id, updatedAt: at };
    case 'comment':
      return { ...a, updatedAt: at };
    case 'clear':
      if (a.state !== 'active') throw new Problem('CY_CONFLICT', `alarm ${a.id} is already cleared`);
      return { ...a, state: 'cleared', clearedAt: at, updatedAt: at };
    case 'assign':
      return { ...a, ...(await assignee(ctx, principal, cmd)), updatedAt: at };
  }
}

async function assignee(ctx: AppContext, principal: Principal, cmd: { userId?: string; unitId?: string }): Promise<Pick<Alarm, 'assigneeUserId' | 'assigneeUnitId'>> {
  if (!cmd.userId && !cmd.unitId) throw new Problem('CY_VALIDATION', 'give userId or unitId', [{ pointer: '/body', message: 'userId or unitId required' }]);
  const units = await unitDirectory(ctx);
  const jurisdiction = jurisdictionOf(principal, ctx.city);
  let unitId = cmd.unitId ?? null;
  if (cmd.userId) {
    const user = await getUser(ctx.db, cmd.userId);
    if (!user || user.disabled || !user.unitId) throw new Problem('CY_UNPROCESSABLE', `unknown user ${cmd.userId}`, [{ pointer: '/body/userId', message: 'no such active staff user' }]);
    if (unitId && unitId !== user.unitId) throw new Problem('CY_UNPROCESSABLE', `user ${cmd.userId} is not in unit ${unitId}`);
    unitId = user.unitId;
  }
  const unit = unitId ? units.get(unitId) : undefined;
  if (!unit || !unit.active || !jurisdiction.seesUnit(unit, ctx.today())) {
    throw new Problem('CY_UNPROCESSABLE', `unknown unit ${unitId}`, [{ pointer: cmd.userId ? '/body/userId' : '/body/unitId', message: 'not a unit you work with' }]);
  }
  return { assigneeUserId: cmd.userId ?? null, assigneeUnitId: unit.id };
}

async function audit(tx: Queryable, at: Date, principal: Principal, requestId: string, cmd: AlarmCommand, before: Alarm, after: Alarm): Promise<void> {
  await appendAudit(tx, {
    at, actor: principal.user.id, action: `alarm.${cmd.action}`, entityType: 'alarm', entityId: before.id, requestId,
    before: { state: before.state, level: before.level, acknowledgedAt: before.acknowledgedAt, assigneeUserId: before.assigneeUserId, assigneeUnitId: before.assigneeUnitId },
    after: { state: after.state, level: after.level, acknowledgedAt: after.acknowledgedAt, assigneeUserId: after.assigneeUserId, assigneeUnitId: after.assigneeUnitId, note: cmd.note ?? null },
  });
}
