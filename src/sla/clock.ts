/**
 * A running time-limit clock (时限计时) and its escalation. The deadline follows from the
 * clock's history: time while suspended (挂起) does not count, an approved extension (延期)
 * adds minutes. Pure: the caller passes the history and "now", so a timer worker and a
 * request compute the same answer.
 */
import type { Tier } from '../org/model.ts';
import type { WorkingCalendar } from './calendar.ts';
import { addMinutes, minutesBetween, type SlaBasis } from './deadline.ts';

export interface ClockSpec {
  startedAt: Date;
  /** The allowance, in minutes of `basis`. */
  minutes: number;
  basis: SlaBasis;
  /** Share of the allowance after which to warn, in (0, 1). */
  warnShare: number;
}

/** suspend 挂起 and resume 恢复 at an instant; extend 延期 by approved minutes. */
export type ClockEvent = { type: 'suspend' | 'resume'; at: Date } | { type: 'extend'; minutes: number };

export interface ClockState {
  /**
   * When the allowance runs out. Null while suspended with allowance left (the clock is
   * stopped); a deadline already passed before the suspension stays in the past.
   */
  dueAt: Date | null;
  /** When `warnShare` of the allowance has been used, null likewise. */
  warnAt: Date | null;
  /** The allowance including extensions. */
  totalMinutes: number;
  /** True when the last suspend has not been resumed. */
  suspended: boolean;
  /** Minutes of the allowance used by `now` (suspended time excluded). */
  elapsedMinutes(now: Date): number;
  /** Minutes left at `now`; negative when overdue. */
  remainingMinutes(now: Date): number;
}

const MINUTE_MS = 60_000;

interface Segment { from: Date; to: Date | null }

/** The deadline of a clock given its history, in order. Throws RangeError on an impossible history. */
export function computeDeadline(spec: ClockSpec, events: readonly ClockEvent[], cal: WorkingCalendar): ClockState {
  if (Number.isNaN(spec.startedAt.getTime())) throw new RangeError('startedAt is not a valid instant');
  if (!Number.isFinite(spec.minutes) || spec.minutes <= 0) throw new RangeError(`minutes must be > 0, got ${spec.minutes}`);
  if (!(spec.warnShare > 0 && spec.warnShare < 1)) throw new RangeError(`warnShare must lie strictly between 0 and 1, got ${spec.warnShare}`);

  let total = spec.minutes;
  const segments: Segment[] = [];
  let running: Date | null = spec.startedAt;
  let last = spec.startedAt;
  for (const e of events) {
    if (e.type === 'extend') {
      if (!Number.isFinite(e.minutes) || e.minutes <= 0) throw new RangeError(`an extension must add minutes > 0, got ${e.minutes}`);
      total += e.minutes;
      continue;
    }
    if (Number.isNaN(e.at.getTime()) || e.at < last) throw new RangeError(`${e.type} at ${e.at.toISOString()} is out of order`);
    last = e.at;
    if (e.type === 'suspend') {
      if (!running) throw new RangeError(`suspend at ${e.at.toISOString()}: the clock is already suspended`);
      segments.push({ from: running, to: e.at });
      running = null;
    } else {
      if (running) throw new RangeError(`resume at ${e.at.toISOString()}: the clock is not suspended`);
      running = e.at;
    }
  }
  if (running) segments.push({ from: running, to: null });

  const basis = spec.basis;
  // Whole milliseconds, so repeated subtraction of segment lengths cannot drift.
  const lengthMs = (s: Segment, until: Date) => Math.round(minutesBetween(basis, s.from, until, cal) * MINUTE_MS);

  /** The instant `budget` minutes of running time are used up, or null if the clock stopped first. */
  const placeBudget = (budget: number): Date | null => {
    let remaining = Math.round(budget * MINUTE_MS);
    for (const s of segments) {
      if (s.to === null) return addMinutes(basis, s.from, remaining / MINUTE_MS, cal);
      const length = lengthMs(s, s.to);
      if (remaining <= length) return addMinutes(basis, s.from, remaining / MINUTE_MS, cal);
      remaining -= length;
    }
    return null;
  };

  const elapsedMinutes = (now: Date): number => {
    let used = 0;
    for (const s of segments) {
      const until = s.to === null || s.to > now ? now : s.to;
      if (until > s.from) used += lengthMs(s, until);
    }
    return used / MINUTE_MS;
  };

  return {
    dueAt: placeBudget(total),
    warnAt: placeBudget(total * spec.warnShare),
    totalMinutes: total,
    suspended: running === null,
    elapsedMinutes,
    remainingMinutes: (now) => total - elapsedMinutes(now),
  };
}

/** One rung of an escalation ladder (督办升级): notify `tier` once overdue by `afterMinutes`. */
export interface EscalationStep<T extends string = Tier> { afterMinutes: number; tier: T }

/** Overdue: the street center at once, the district after 2 hours, the city after 8. */
export const DEFAULT_ESCALATION_LADDER: readonly EscalationStep[] = [
  { afterMinutes: 0, tier: 'street' },
  { afterMinutes: 120, tier: 'district' },
  { afterMinutes: 480, tier: 'city' },
];

export interface Escalation<T extends string = Tier> {
  /** Minutes past the deadline in the clock's basis; 0 when not overdue. */
  overdueMinutes: number;
  /** How many rungs have been reached (0: none). */
  level: number;
  /** The tiers that should have been notified by now, in ladder order. */
  tiers: T[];
}

/**
 * Which rungs of the ladder a clock has reached at `now`. Overdue time is measured on the
 * clock's basis, so on working time a weekend does not push a case up to the city. A clock
 * is overdue from its deadline on (`now >= dueAt`); a stopped clock (dueAt null) is not.
 */
export function escalationLevel<T extends string = Tier>(
  dueAt: Date | null, now: Date, ladder: readonly EscalationStep<T>[], basis: SlaBasis = 'clock', cal?: WorkingCalendar,
): Escalation<T> {
  ladder.forEach((step, i) => {
    if (!Number.isFinite(step.afterMinutes) || step.afterMinutes < 0) throw new RangeError(`ladder step ${i}: afterMinutes must be ≥ 0`);
    if (i > 0 && step.afterMinutes < ladder[i - 1].afterMinutes) throw new RangeError('ladder steps must be in ascending order of afterMinutes');
  });
  if (basis === 'working' && !cal) throw new RangeError('a working-time ladder needs the working calendar');
  if (!dueAt || now < dueAt) return { overdueMinutes: 0, level: 0, tiers: [] };
  const overdueMinutes = basis === 'working' ? minutesBetween('working', dueAt, now, cal!) : (now.getTime() - dueAt.getTime()) / MINUTE_MS;
  const reached = ladder.filter((step) => overdueMinutes >= step.afterMinutes);
  return { overdueMinutes, level: reached.length, tiers: reached.map((s) => s.tier) };
}
