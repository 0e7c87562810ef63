/**
 * The SLA clocks of a case (案件时限): which stage's clock runs in which status, when it is
 * due, and the timers that warn and escalate (street → district → city) when it isn't met.
 * Pure: the service passes the calendar, policies, pause history and time.
 */
import type { WorkingCalendar } from '../sla/calendar.ts';
import { computeDeadline, type ClockEvent } from '../sla/clock.ts';
import { addMinutes, type SlaBasis } from '../sla/deadline.ts';
import { pickPolicy, type SlaPolicy } from '../sla/policy.ts';
import type { Urgency } from './model.ts';
import type { Case, StoredSla, Timer } from './store.ts';
import type { CaseStatus } from './workflow.ts';

export interface SlaKit {
  calendar: WorkingCalendar;
  policies: readonly SlaPolicy[];
}

/** Fallback when no policy matches (only with a misconfigured policy table). */
const FALLBACK: SlaPolicy = {
  id: 'sla-fallback', categoryPrefix: null, urgency: null, basis: 'working', acceptMinutes: 120, handleMinutes: 5 * 420, verifyMinutes: 420, warnShare: 0.8,
};

export function policyFor(kit: SlaKit, categoryCode: string | null, urgency: Urgency): SlaPolicy {
  return pickPolicy(kit.policies, categoryCode ?? '', urgency) ?? FALLBACK;
}

export type ClockStage = NonNullable<StoredSla['stage']>;

/** dispatch 派遣 (center triage) · sign 签收 · handle 处置 · verify 核查. */
export function stageOf(status: CaseStatus, suspendedFrom: CaseStatus | null): ClockStage | null {
  switch (status === 'suspended' ? suspendedFrom : status) {
    case 'reported': case 'verifying': case 'registered': return 'dispatch';
    case 'dispatched': return 'sign';
    case 'handling': return 'handle';
    case 'handled': case 'verified': return 'verify';
    default: return null;
  }
}

function stageAllowance(policy: SlaPolicy, stage: ClockStage, extensionMinutes: number): number {
  switch (stage) {
    case 'dispatch': case 'sign': return policy.acceptMinutes;
    case 'handle': return policy.handleMinutes + extensionMinutes;
    case 'verify': return policy.verifyMinutes;
  }
}

/**
 * The clock after a change: a new stage starts its clock now; the same stage keeps its start
 * and is recomputed (an extension, a pause). `pauses` are the suspend/resume events since
 * the stage started, including the one being made now.
 */
export function planSla(c: Case, previous: StoredSla | null, pauses: readonly ClockEvent[], now: Date, kit: SlaKit, repick = false): StoredSla | null {
  const stage = stageOf(c.status, c.suspendedFrom);
  // A case keeps the policy it started with, unless its category or urgency was corrected.
  const kept = previous && !repick ? kit.policies.find((p) => p.id === previous.policyId) : undefined;
  const policy = kept ?? policyFor(kit, c.categoryCode, c.urgency);
  if (!stage) return previous ? { ...previous, stage: null, startedAt: null, dueAt: null, warnAt: null } : null;
  const startedAt = previous && previous.stage === stage && previous.startedAt ? new Date(previous.startedAt) : now;
  const clock = computeDeadline(
    { startedAt, minutes: stageAllowance(policy, stage, c.extensionMinutes), basis: policy.basis, warnShare: policy.warnShare },
    pauses.filter((p) => p.type === 'extend' || p.at >= startedAt),
    kit.calendar,
  );
  const dueAt = clock.dueAt?.toISOString() ?? null;
  let handleDueAt = previous?.handleDueAt ?? null;
  if (stage === 'handle') handleDueAt = dueAt;
  else if ((stage === 'dispatch' || stage === 'sign') && clock.dueAt) {
    handleDueAt = addMinutes(policy.basis, clock.dueAt, policy.handleMinutes + c.extensionMinutes, kit.calendar).toISOString();
  }
  return { policyId: policy.id, basis: policy.basis, stage, startedAt: startedAt.toISOString(), dueAt, warnAt: clock.warnAt?.toISOString() ?? null, handleDueAt };
}

/** How long after the deadline each tier is escalated to, per basis (minutes of that basis). */
export const ESCALATION_LADDER: Readonly<Record<SlaBasis, readonly { tier: 'street' | 'district' | 'city'; afterMinutes: number }[]>> = {
  working: [{ tier: 'street', afterMinutes: 0 }, { tier: 'district', afterMinutes: 420 }, { tier: 'city', afterMinutes: 840 }],
  clock: [{ tier: 'street', afterMinutes: 0 }, { tier: 'district', afterMinutes: 60 }, { tier: 'city', afterMinutes: 180 }],
};

/** Identifies one run of a stage's clock, so a recomputed clock doesn't escalate twice to the same tier. */
export const clockRunOf = (sla: Pick<StoredSla, 'stage' | 'startedAt'>) => `${sla.stage}@${sla.startedAt}`;

/**
 * Timers of the running clock: a warning, then one escalation per tier. `fired` lists the
 * timer kinds already fired for this clock run (see clockRunOf).
 */
export function timersFor(c: Case, sla: StoredSla | null, now: Date, kit: SlaKit, newId: (prefix: string) => string, fired: ReadonlySet<string> = new Set()): Timer[] {
  if (!sla?.dueAt || !sla.stage) return [];
  const timers: Timer[] = [];
  const payload = { stage: sla.stage, run: clockRunOf(sla), dueAt: sla.dueAt };
  if (sla.warnAt && new Date(sla.warnAt) > now && !fired.has('warn')) {
    timers.push({ id: newId('tmr'), caseId: c.id, kind: 'warn', dueAt: sla.warnAt, payload });
  }
  for (const step of ESCALATION_LADDER[sla.basis]) {
    if (fired.has(`escalate:${step.tier}`)) continue;
    // The first step fires at the deadline itself, even when that is the end of a working day.
    const at = step.afterMinutes === 0 ? new Date(sla.dueAt) : addMinutes(sla.basis, new Date(sla.dueAt), step.afterMinutes, kit.calendar);
    timers.push({ id: newId('tmr'), caseId: c.id, kind: `escalate:${step.tier}`, dueAt: at.toISOString(), payload: { ...payload, tier: step.tier } });
  }
  return timers;
}
