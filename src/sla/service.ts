/**
 * The working calendar and time-limit policies: the rules, with storage and audit in one
 * transaction per change, and the loaders the case loop uses.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { URGENCIES, URGENCY_ZH, type Urgency } from '../cases/model.ts';
import { isCalendarDate } from '../clock.ts';
import { Problem, notFound } from '../http/errors.ts';
import type { Principal } from '../org/model.ts';
import type { Queryable } from '../storage/db.ts';
import { OFFICIAL_YEARS, WorkingCalendar, addDays, type CalendarDay, type OverrideKind, type WorkingHours } from './calendar.ts';
import type { SlaBasis } from './deadline.ts';
import { policyProblem } from './policy.ts';
import * as store from './store.ts';
import type { PolicyVersion, StoredOverride } from './store.ts';

export type { PolicyVersion, StoredOverride } from './store.ts';

export interface Actor { principal: Principal; requestId: string }

/** The longest range one calendar request may list. */
export const MAX_CALENDAR_DAYS = 400;

/** The working calendar with every stored override. */
export async function loadWorkingCalendar(db: Queryable, options: { workingHours?: readonly WorkingHours[] } = {}): Promise<WorkingCalendar> {
  const overrides = await store.listOverrides(db);
  return new WorkingCalendar({ overrides: overrides.map(({ date, kind, name }) => ({ date, kind, name })), workingHours: options.workingHours });
}

/**
 * The active policies for new clocks: the current versions, or those in force at `at`.
 * A running clock keeps its (id, version); read it back with `getPolicyVersion`.
 */
export async function loadPolicies(db: Queryable, at?: Date): Promise<PolicyVersion[]> {
  return (await store.listPoliciesAt(db, at)).filter((p) => p.active);
}

/** One version of a policy (the one a running clock started under), or undefined. */
export function getPolicyVersion(db: Queryable, id: string, version: number): Promise<PolicyVersion | undefined> {
  return store.getPolicyVersion(db, id, version);
}

function checkDate(date: string, pointer: string): string {
  if (!isCalendarDate(date)) throw new Problem('CY_VALIDATION', `${date} is not a calendar date`, [{ pointer, message: 'must be a real YYYY-MM-DD date' }]);
  return date;
}

export interface CalendarView {
  from: string;
  to: string;
  /** Years in the range whose holidays are not known yet: every weekday counts as working there. */
  unknownYears: number[];
  officialYears: { first: number; last: number };
  items: CalendarDay[];
}

export async function calendarDays(ctx: AppContext, from: string, to: string): Promise<CalendarView> {
  checkDate(from, '/querystring/from');
  checkDate(to, '/querystring/to');
  if (to < from) throw new Problem('CY_VALIDATION', `to ${to} is before from ${from}`, [{ pointer: '/querystring/to', message: 'must not be before from' }]);
  if (to > addDays(from, MAX_CALENDAR_DAYS - 1)) {
    throw new Problem('CY_VALIDATION', `at most ${MAX_CALENDAR_DAYS} days per request`, [{ pointer: '/querystring/to', message: `must be within ${MAX_CALENDAR_DAYS} days of from` }]);
  }
  const cal = await loadWorkingCalendar(ctx.db);
  const years: number[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) if (!cal.knowsYear(y)) years.push(y);
  return { from, to, unknownYears: years, officialYears: { ...OFFICIAL_YEARS }, items: cal.days(from, to) };
}

/**
 * Days before today are settled: clocks that ran through them have already been counted,
 * and changing them would move deadlines that people were held to.
 */
function checkChangeable(ctx: AppContext, date: string): void {
  const today = ctx.today();
  if (date < today) throw new Problem('CY_UNPROCESSABLE', `${date} is in the past (today is ${today}); only today and later days can be changed`);
}

export async function setCalendarOverride(ctx: AppContext, actor: Actor, date: string, input: { kind: OverrideKind; name: string }): Promise<StoredOverride> {
  checkDate(date, '/params/date');
  checkChangeable(ctx, date);
  const name = input.name.trim();
  if (!name) throw new Problem('CY_VALIDATION', 'name must not be blank', [{ pointer: '/body/name', message: 'must not be blank' }]);
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const before = await store.lockOverride(tx, date);
    const after = await store.upsertOverride(tx, { date, kind: input.kind, name }, actor.principal.user.id, now);
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: before ? 'sla.calendar.update' : 'sla.calendar.create',
      entityType: 'sla_calendar', entityId: date, before: before ?? null, after, requestId: actor.requestId,
    });
    return after;
  });
}

export async function removeCalendarOverride(ctx: AppContext, actor: Actor, date: string): Promise<void> {
  checkDate(date, '/params/date');
  checkChangeable(ctx, date);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const before = await store.lockOverride(tx, date);
    if (!before) throw notFound('calendar override for', date);
    await store.deleteOverride(tx, date);
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: 'sla.calendar.delete', entityType: 'sla_calendar', entityId: date,
      before, requestId: actor.requestId,
    });
  });
}

export async function listPolicies(ctx: AppContext, options: { history: boolean }): Promise<PolicyVersion[]> {
  return options.history ? store.listPolicyHistory(ctx.db) : store.listPoliciesAt(ctx.db);
}

export interface PolicyInput {
  name: string; categoryPrefix: string | null; urgency: Urgency | null; basis: SlaBasis;
  acceptMinutes: number; handleMinutes: number; verifyMinutes: number; warnShare: number; active?: boolean;
}

export type PolicyPatch = Partial<PolicyInput>;

function checkPolicyNumbers(p: PolicyInput): void {
  const problem = policyProblem(p);
  if (problem) throw new Problem('CY_UNPROCESSABLE', problem);
}

/** Every urgency must keep a policy that matches any category, so every case gets a clock. */
async function checkCoverage(tx: Queryable): Promise<void> {
  const current = await loadPolicies(tx);
  for (const u of URGENCIES) {
    if (!current.some((p) => p.categoryPrefix === null && (p.urgency === null || p.urgency === u))) {
      throw new Problem('CY_CONFLICT', `this would leave ${URGENCY_ZH[u]} (${u}) cases of some categories without a time limit; keep a policy with no category prefix for them`);
    }
  }
}

const selectorLabel = (p: { categoryPrefix: string | null; urgency: Urgency | null }) =>
  `category prefix ${p.categoryPrefix ?? '(any)'} and urgency ${p.urgency ?? '(any)'}`;

async function checkSelectorFree(tx: Queryable, p: PolicyInput & { id?: string }): Promise<void> {
  if (p.active === false) return;
  const clash = (await loadPolicies(tx)).find((q) => q.id !== p.id && q.categoryPrefix === p.categoryPrefix && q.urgency === p.urgency);
  if (clash) throw new Problem('CY_CONFLICT', `policy ${clash.id} already covers ${selectorLabel(p)}`);
}

/** A unique-index violation from either backend: a concurrent change took the same selector. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

async function translatingConflicts<T>(fn: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) throw new Problem('CY_CONFLICT', detail);
    throw error;
  }
}

export async function createPolicy(ctx: AppContext, actor: Actor, input: PolicyInput): Promise<PolicyVersion> {
  checkPolicyNumbers(input);
  const now = ctx.clock();
  const id = ctx.newId('sla');
  return translatingConflicts(() => ctx.db.transaction(async (tx) => {
    await checkSelectorFree(tx, input);
    const created = await store.insertPolicyVersion(tx, {
      id, version: 1, name: input.name, categoryPrefix: input.categoryPrefix, urgency: input.urgency, basis: input.basis,
      acceptMinutes: input.acceptMinutes, handleMinutes: input.handleMinutes, verifyMinutes: input.verifyMinutes,
      warnShare: input.warnShare, active: input.active ?? true, validFrom: now, createdBy: actor.principal.user.id,
    });
    await appendAudit(tx, { at: now, actor: actor.principal.user.id, action: 'sla.policy.create', entityType: 'sla_policy', entityId: id, after: created, requestId: actor.requestId });
    return created;
  }), `another policy already covers ${selectorLabel(input)}`);
}

/** Changes a policy by closing its current version and adding the next; running clocks keep theirs. */
export async function updatePolicy(ctx: AppContext, actor: Actor, id: string, patch: PolicyPatch): Promise<PolicyVersion> {
  const now = ctx.clock();
  return translatingConflicts(() => ctx.db.transaction(async (tx) => {
    const before = await store.lockCurrentPolicy(tx, id);
    if (!before) throw notFound('policy', id);
    const next: PolicyInput = {
      name: patch.name ?? before.name,
      categoryPrefix: patch.categoryPrefix !== undefined ? patch.categoryPrefix : before.categoryPrefix,
      urgency: patch.urgency !== undefined ? patch.urgency : before.urgency,
      basis: patch.basis ?? before.basis,
      acceptMinutes: patch.acceptMinutes ?? before.acceptMinutes,
      handleMinutes: patch.handleMinutes ?? before.handleMinutes,
      verifyMinutes: patch.verifyMinutes ?? before.verifyMinutes,
      warnShare: patch.warnShare ?? before.warnShare,
      active: patch.active ?? before.active,
    };
    checkPolicyNumbers(next);
    await checkSelectorFree(tx, { ...next, id });
    await store.closePolicyVersion(tx, id, before.version, now);
    const after = await store.insertPolicyVersion(tx, { ...next, id, version: before.version + 1, active: next.active ?? true, validFrom: now, createdBy: actor.principal.user.id });
    await checkCoverage(tx);
    await appendAudit(tx, { at: now, actor: actor.principal.user.id, action: 'sla.policy.update', entityType: 'sla_policy', entityId: id, before, after, requestId: actor.requestId });
    return after;
  }), `another policy already covers that category prefix and urgency`);
}
