/**
 * The working calendar (工作日历) that time limits (时限) count on: which calendar dates in
 * Asia/Shanghai are working days, and which hours of a working day count.
 *
 * Weekends are off, statutory holidays (法定节假日) are off and make-up working days (调休上班)
 * are on. The holiday schedule comes from the State Council's yearly notice as packaged by
 * `chinese-days`; overrides entered by admins win over it, so next year's schedule can be
 * added the day it is announced (each November) without waiting for a package release.
 *
 * Pure: no clock, no storage. Asia/Shanghai has been UTC+8 all year since 1991, so instants
 * and local times convert with a fixed offset.
 */
import officialSchedule from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { isCalendarDate } from '../clock.ts';

/** What an admin override makes of a date: a day off (放假) or a working day (上班). */
export type OverrideKind = 'holiday' | 'workday';

export interface CalendarOverride {
  /** YYYY-MM-DD in Asia/Shanghai. */
  date: string;
  kind: OverrideKind;
  /** e.g. 元旦, 春节, 国庆节调休上班, 防汛应急值守. */
  name: string;
}

/**
 * workday 工作日 (Monday–Friday) · weekend 休息日 · holiday 节假日 (off by notice or override) ·
 * makeup 调休上班 (a Saturday or Sunday worked in exchange for a holiday).
 */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup';

/** Where a day's kind comes from: the weekday rule, the packaged official schedule, or an override. */
export type DaySource = 'rule' | 'official' | 'override';

export interface CalendarDay {
  date: string;
  working: boolean;
  kind: DayKind;
  /** The holiday the day belongs to (元旦, 春节 …) or the override's name; null for ordinary days. */
  name: string | null;
  source: DaySource;
}

/** Local wall-clock hours 'HH:MM'–'HH:MM' of one working period of a working day. */
export interface WorkingHours { start: string; end: string }

/** Office hours of Chongqing's centers: 09:00–12:00 and 14:00–18:00, 7 hours a day. */
export const DEFAULT_WORKING_HOURS: readonly WorkingHours[] = [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }];

/** A working period as instants: [start, end). */
export interface Period { start: Date; end: Date }

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Asia/Shanghai: UTC+8, no daylight saving time. */
export const CITY_OFFSET_MS = 8 * 3_600_000;

/** Working-time searches give up after this many consecutive days off: the calendar must be wrong. */
export const MAX_DAYS_OFF = 366;

/** The calendar date (YYYY-MM-DD, Asia/Shanghai) of an instant. */
export function cityDate(instant: Date): string {
  return new Date(instant.getTime() + CITY_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant local midnight begins on a date (Asia/Shanghai), in epoch milliseconds. */
export function cityMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - CITY_OFFSET_MS;
}

/** The date `days` days after `date` (negative for before). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

interface ScheduleFile { holidays: Record<string, string>; workdays: Record<string, string> }

/** Entries look like "National Day,国庆节,3": English name, Chinese name, length in days. */
const chineseName = (entry: string) => entry.split(',')[1] ?? entry;

const schedule = officialSchedule as ScheduleFile;
const OFFICIAL_HOLIDAYS = new Map(Object.entries(schedule.holidays).map(([d, e]) => [d, chineseName(e)]));
const OFFICIAL_WORKDAYS = new Map(Object.entries(schedule.workdays).map(([d, e]) => [d, chineseName(e)]));
const officialYearList = [...OFFICIAL_HOLIDAYS.keys()].map((d) => Number(d.slice(0, 4)));

/** The years whose holiday schedule `chinese-days` carries (2004–2026 in version 1.5.7). */
export const OFFICIAL_YEARS: Readonly<{ first: number; last: number }> = {
  first: Math.min(...officialYearList),
  last: Math.max(...officialYearList),
};

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$/;

function minuteOfDay(value: string): number {
  if (!HHMM.test(value)) throw new RangeError(`working hours: ${value} is not HH:MM`);
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

function checkDate(date: string): string {
  if (!isCalendarDate(date)) throw new RangeError(`${date} is not a calendar date YYYY-MM-DD`);
  return date;
}

export class WorkingCalendar {
  readonly #overrides: ReadonlyMap<string, CalendarOverride>;
  readonly #overrideYears: ReadonlySet<number>;
  /** Working periods as [start, end) minutes after local midnight, ascending, disjoint. */
  readonly #periods: readonly (readonly [number, number])[];
  /** Days already worked out; a calendar never changes, and deadlines ask for the same days again and again. */
  readonly #days = new Map<string, Readonly<CalendarDay>>();
  /** Working minutes in one working day (420 by default). */
  readonly minutesPerDay: number;

  constructor(options: { overrides?: readonly CalendarOverride[]; workingHours?: readonly WorkingHours[] } = {}) {
    const overrides = new Map<string, CalendarOverride>();
    for (const o of options.overrides ?? []) {
      checkDate(o.date);
      if (o.kind !== 'holiday' && o.kind !== 'workday') throw new RangeError(`override ${o.date}: kind must be holiday or workday`);
      if (overrides.has(o.date)) throw new RangeError(`override ${o.date} is given twice`);
      overrides.set(o.date, { date: o.date, kind: o.kind, name: o.name });
    }
    this.#overrides = overrides;
    this.#overrideYears = new Set([...overrides.keys()].map((d) => Number(d.slice(0, 4))));

    const hours = options.workingHours ?? DEFAULT_WORKING_HOURS;
    if (hours.length === 0) throw new RangeError('working hours: at least one period is needed');
    const periods = hours.map((h) => [minuteOfDay(h.start), minuteOfDay(h.end)] as const);
    periods.forEach(([start, end], i) => {
      if (end <= start) throw new RangeError(`working hours: ${hours[i].start}–${hours[i].end} ends before it starts`);
      if (i > 0 && start < periods[i - 1][1]) throw new RangeError('working hours: periods must be in order and must not overlap');
    });
    this.#periods = periods;
    this.minutesPerDay = periods.reduce((sum, [start, end]) => sum + end - start, 0);
  }

  /** The overrides this calendar was built with, by date. */
  get overrides(): CalendarOverride[] {
    return [...this.#overrides.values()].sort((a, b) => a.date.localeCompare(b.date));
  }

  /**
   * Whether the holidays of `year` are known (packaged or entered as overrides). A year that
   * is not known counts every Monday–Friday as a working day, which is wrong around 春节 and
   * 国庆; the admin API reports it so next year's schedule gets entered in time.
   */
  knowsYear(year: number): boolean {
    return (year >= OFFICIAL_YEARS.first && year <= OFFICIAL_YEARS.last) || this.#overrideYears.has(year);
  }

  /** A date's kind and name. Accepts a calendar date or an instant (its date in Asia/Shanghai). */
  day(date: string | Date): Readonly<CalendarDay> {
    const key = typeof date === 'string' ? date : cityDate(date);
    let day = this.#days.get(key);
    if (!day) {
      day = Object.freeze(this.#classify(checkDate(key)));
      this.#days.set(key, day);
    }
    return day;
  }

  #classify(d: string): CalendarDay {
    const weekday = new Date(`${d}T00:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const override = this.#overrides.get(d);
    if (override) {
      const working = override.kind === 'workday';
      return { date: d, working, kind: working ? (weekend ? 'makeup' : 'workday') : 'holiday', name: override.name, source: 'override' };
    }
    const holiday = OFFICIAL_HOLIDAYS.get(d);
    if (holiday !== undefined) return { date: d, working: false, kind: 'holiday', name: holiday, source: 'official' };
    const workday = OFFICIAL_WORKDAYS.get(d);
    if (workday !== undefined) return { date: d, working: true, kind: weekend ? 'makeup' : 'workday', name: workday, source: 'official' };
    return { date: d, working: !weekend, kind: weekend ? 'weekend' : 'workday', name: null, source: 'rule' };
  }

  /** Every day from `from` to `to`, both included. */
  days(from: string, to: string): Readonly<CalendarDay>[] {
    checkDate(from);
    checkDate(to);
    const out: CalendarDay[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) out.push(this.day(d));
    return out;
  }

  isWorkingDay(date: string | Date): boolean {
    return this.day(date).working;
  }

  /** The working periods of a date as instants; none on a day off. */
  workingPeriods(date: string | Date): Period[] {
    const day = this.day(date);
    if (!day.working) return [];
    const midnight = cityMidnight(day.date);
    return this.#periods.map(([start, end]) => ({ start: new Date(midnight + start * MINUTE_MS), end: new Date(midnight + end * MINUTE_MS) }));
  }

  /** The first working day after `date` (not `date` itself). */
  nextWorkingDay(date: string | Date): string {
    let d = typeof date === 'string' ? checkDate(date) : cityDate(date);
    for (let i = 0; i < MAX_DAYS_OFF; i++) {
      d = addDays(d, 1);
      if (this.isWorkingDay(d)) return d;
    }
    throw new RangeError(`no working day within ${MAX_DAYS_OFF} days after ${date instanceof Date ? date.toISOString() : date}`);
  }
}
