/** The one clock: features take `Clock` as input so tests can drive time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The calendar date ('YYYY-MM-DD') of an instant in a time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * Dates already worked out, by time zone and minute: every modern offset is whole minutes, so
 * a minute never spans two dates. Asked for many times per request (today, deadlines), while
 * formatting costs microseconds each time.
 */
const dates = new Map<string, Map<number, string>>();
const DATES_KEPT = 4096;

export function calendarDate(instant: Date, timeZone: string): string {
  const minute = Math.floor(instant.getTime() / 60_000);
  let known = dates.get(timeZone);
  const hit = known?.get(minute);
  if (hit !== undefined) return hit;
  // Building a formatter costs far more than using one.
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  if (!known) dates.set(timeZone, (known = new Map()));
  if (known.size >= DATES_KEPT) known.clear();
  if (Number.isFinite(minute)) known.set(minute, date);
  return date;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in YYYY-MM-DD form (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
