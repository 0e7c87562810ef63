/**
 * Deadline arithmetic (时限计算) on two bases: working time (工作时间, only the working periods
 * of working days count) and clock time (自然时间, every minute counts). Pure: every instant is
 * an input. Minutes may be fractional; results are exact to the millisecond.
 */
import { MAX_DAYS_OFF, addDays, cityDate, type WorkingCalendar } from './calendar.ts';

/** working 工作时间 · clock 自然时间. */
export type SlaBasis = 'working' | 'clock';

const MINUTE_MS = 60_000;

function toMs(minutes: number, what: string): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`${what} must be a finite number of minutes ≥ 0, got ${minutes}`);
  return Math.round(minutes * MINUTE_MS);
}

function checkInstant(instant: Date, what: string): number {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${what} is not a valid instant`);
  return t;
}

/**
 * The instant at which `minutes` of working time have passed since `start`. A start outside
 * working hours counts from the next working period; a deadline that uses up a period exactly
 * falls on that period's end (18:00 that day, not 09:00 the next).
 */
export function addWorkingMinutes(start: Date, minutes: number, cal: WorkingCalendar): Date {
  const t = checkInstant(start, 'start');
  let remaining = toMs(minutes, 'minutes');
  let date = cityDate(start);
  let daysOff = 0;
  for (;;) {
    const periods = cal.workingPeriods(date);
    daysOff = periods.length === 0 ? daysOff + 1 : 0;
    if (daysOff > MAX_DAYS_OFF) throw new RangeError(`no working day within ${MAX_DAYS_OFF} days after ${date}`);
    for (const p of periods) {
      const end = p.end.getTime();
      if (end <= t) continue;
      const from = Math.max(t, p.start.getTime());
      if (remaining <= end - from) return new Date(from + remaining);
      remaining -= end - from;
    }
    date = addDays(date, 1);
  }
}

/**
 * Working minutes between two instants: how much of [a, b) lies in working periods.
 * Negative when b is before a, so "minutes overdue" reads naturally on either side of a deadline.
 */
export function workingMinutesBetween(a: Date, b: Date, cal: WorkingCalendar): number {
  const ta = checkInstant(a, 'a');
  const tb = checkInstant(b, 'b');
  if (tb < ta) return -workingMinutesBetween(b, a, cal);
  let total = 0;
  const last = cityDate(b);
  for (let date = cityDate(a); date <= last; date = addDays(date, 1)) {
    for (const p of cal.workingPeriods(date)) {
      const from = Math.max(ta, p.start.getTime());
      const to = Math.min(tb, p.end.getTime());
      if (to > from) total += to - from;
    }
  }
  return total / MINUTE_MS;
}

/** Clock time: the calendar plays no part (特急 and 紧急 cases run day and night). */
export function addClockMinutes(start: Date, minutes: number): Date {
  return new Date(checkInstant(start, 'start') + toMs(minutes, 'minutes'));
}

/** Clock minutes between two instants, negative when b is before a. */
export function clockMinutesBetween(a: Date, b: Date): number {
  return (checkInstant(b, 'b') - checkInstant(a, 'a')) / MINUTE_MS;
}

/** `minutes` after `start` on a basis. */
export function addMinutes(basis: SlaBasis, start: Date, minutes: number, cal: WorkingCalendar): Date {
  return basis === 'working' ? addWorkingMinutes(start, minutes, cal) : addClockMinutes(start, minutes);
}

/** Minutes from a to b on a basis, negative when b is before a. */
export function minutesBetween(basis: SlaBasis, a: Date, b: Date, cal: WorkingCalendar): number {
  return basis === 'working' ? workingMinutesBetween(a, b, cal) : clockMinutesBetween(a, b);
}
