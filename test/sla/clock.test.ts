import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/sla/calendar.ts';
import { DEFAULT_ESCALATION_LADDER, computeDeadline, escalationLevel, type ClockEvent } from '../../src/sla/clock.ts';
import { DEFAULT_SLA_POLICIES, stageClock } from '../../src/sla/policy.ts';

const cal = new WorkingCalendar();
const at = (local: string) => new Date(`${local}+08:00`);
const H = 60;
const DAY = 7 * H;
const normal = DEFAULT_SLA_POLICIES.find((p) => p.urgency === 'normal')!;
const critical = DEFAULT_SLA_POLICIES.find((p) => p.urgency === 'critical')!;

describe('a running clock', () => {
  it('is due after its allowance and warns at its share', () => {
    // 一般 handling from Monday 11/23 09:00: five working days, warning after four.
    const clock = computeDeadline(stageClock(normal, 'handle', at('2026-11-23T09:00')), [], cal);
    expect(clock.dueAt).toEqual(at('2026-11-27T18:00'));
    expect(clock.warnAt).toEqual(at('2026-11-26T18:00'));
    expect(clock).toMatchObject({ totalMinutes: 5 * DAY, suspended: false });
    expect(clock.elapsedMinutes(at('2026-11-23T08:00'))).toBe(0);
    expect(clock.elapsedMinutes(at('2026-11-24T12:30'))).toBe(DAY + 3 * H);
    expect(clock.remainingMinutes(at('2026-11-30T10:00'))).toBe(-H);
  });

  it('runs a 特急 clock day and night, holidays included', () => {
    const clock = computeDeadline(stageClock(critical, 'accept', at('2026-10-01T02:10')), [], cal);
    expect(clock.dueAt).toEqual(at('2026-10-01T03:10'));
    expect(clock.warnAt).toEqual(at('2026-10-01T02:58'));
    const handle = computeDeadline(stageClock(critical, 'handle', at('2026-10-01T03:00')), [], cal);
    expect(handle.dueAt).toEqual(at('2026-10-02T03:00'));
  });

  it('stops while suspended and shifts the deadline by the suspended working time', () => {
    const spec = stageClock(normal, 'accept', at('2026-11-23T09:00'));
    const suspended: ClockEvent[] = [{ type: 'suspend', at: at('2026-11-23T10:00') }];
    const stopped = computeDeadline(spec, suspended, cal);
    // 60 of 120 minutes used; the warning (96 minutes) has not been reached either.
    expect(stopped).toMatchObject({ dueAt: null, warnAt: null, suspended: true });
    expect(stopped.elapsedMinutes(at('2026-11-30T10:00'))).toBe(60);

    const resumed = computeDeadline(spec, [...suspended, { type: 'resume', at: at('2026-11-24T15:00') }], cal);
    expect(resumed.dueAt).toEqual(at('2026-11-24T16:00'));
    expect(resumed.warnAt).toEqual(at('2026-11-24T15:36'));
    expect(resumed.suspended).toBe(false);
    expect(resumed.elapsedMinutes(at('2026-11-24T15:30'))).toBe(90);
    // Querying a moment inside the suspension counts only the time before it.
    expect(resumed.elapsedMinutes(at('2026-11-23T17:00'))).toBe(60);
  });

  it('counts suspensions over a weekend by the working time they cover', () => {
    // Suspended Friday 17:00, resumed Monday 10:00: only Fri 17–18 and Mon 9–10 were working time.
    const plain = computeDeadline(stageClock(normal, 'handle', at('2026-11-16T09:00')), [], cal);
    const paused = computeDeadline(stageClock(normal, 'handle', at('2026-11-16T09:00')), [
      { type: 'suspend', at: at('2026-11-20T17:00') }, { type: 'resume', at: at('2026-11-23T10:00') },
    ], cal);
    expect(plain.dueAt).toEqual(at('2026-11-20T18:00'));
    expect(paused.dueAt).toEqual(at('2026-11-23T11:00'));
  });

  it('stops a clock-basis clock by clock time', () => {
    const clock = computeDeadline(stageClock(critical, 'accept', at('2026-11-21T22:00')), [
      { type: 'suspend', at: at('2026-11-21T22:30') }, { type: 'resume', at: at('2026-11-22T08:00') },
    ], cal);
    expect(clock.dueAt).toEqual(at('2026-11-22T08:30'));
    expect(clock.warnAt).toEqual(at('2026-11-22T08:18'));
  });

  it('keeps a warning or deadline already passed before the suspension', () => {
    const warned = computeDeadline(stageClock(normal, 'accept', at('2026-11-23T09:00')), [{ type: 'suspend', at: at('2026-11-23T10:50') }], cal);
    expect(warned).toMatchObject({ dueAt: null, warnAt: at('2026-11-23T10:36'), suspended: true });
    const overdue = computeDeadline(stageClock(critical, 'accept', at('2026-11-23T10:00')), [{ type: 'suspend', at: at('2026-11-23T12:00') }], cal);
    expect(overdue).toMatchObject({ dueAt: at('2026-11-23T11:00'), warnAt: at('2026-11-23T10:48'), suspended: true });
  });

  it('adds approved extensions (延期), also after a suspension', () => {
    const spec = stageClock(normal, 'handle', at('2026-11-23T09:00'));
    const extended = computeDeadline(spec, [{ type: 'extend', minutes: 2 * DAY }], cal);
    expect(extended.totalMinutes).toBe(7 * DAY);
    expect(extended.dueAt).toEqual(at('2026-12-01T18:00'));
    // The warning moves with the allowance: 80 % of 7 days = 5.6 days.
    expect(extended.warnAt).toEqual(at('2026-11-30T15:12'));
    const both = computeDeadline(spec, [
      { type: 'suspend', at: at('2026-11-24T09:00') }, { type: 'extend', minutes: DAY }, { type: 'resume', at: at('2026-11-25T09:00') }, { type: 'extend', minutes: 3 * H },
    ], cal);
    // Tuesday 11/24 suspended; 6 days 3 h run Mon 11/23, Wed–Fri, Mon 11/30, Tue 12/1 and 3 h of Wed 12/2.
    expect(both.dueAt).toEqual(at('2026-12-02T12:00'));
  });

  it('refuses an impossible history', () => {
    const spec = stageClock(normal, 'accept', at('2026-11-23T09:00'));
    const bad: ClockEvent[][] = [
      [{ type: 'resume', at: at('2026-11-23T10:00') }],
      [{ type: 'suspend', at: at('2026-11-23T10:00') }, { type: 'suspend', at: at('2026-11-23T11:00') }],
      [{ type: 'suspend', at: at('2026-11-23T10:00') }, { type: 'resume', at: at('2026-11-23T09:30') }],
      [{ type: 'suspend', at: at('2026-11-23T08:00') }],
      [{ type: 'extend', minutes: -60 }],
      [{ type: 'extend', minutes: 0 }],
    ];
    for (const events of bad) expect(() => computeDeadline(spec, events, cal), JSON.stringify(events)).toThrow(RangeError);
    expect(() => computeDeadline({ ...spec, minutes: -5 }, [], cal)).toThrow(RangeError);
    expect(() => computeDeadline({ ...spec, warnShare: 1 }, [], cal)).toThrow(RangeError);
    expect(() => computeDeadline({ ...spec, warnShare: 0 }, [], cal)).toThrow(RangeError);
  });
});

describe('escalation', () => {
  const due = at('2026-11-20T17:00');
  const working = (local: string) => escalationLevel(due, at(local), DEFAULT_ESCALATION_LADDER, 'working', cal);

  it('climbs the ladder by overdue working time, pausing over the weekend', () => {
    expect(working('2026-11-20T16:59')).toEqual({ overdueMinutes: 0, level: 0, tiers: [] });
    expect(working('2026-11-20T17:00')).toEqual({ overdueMinutes: 0, level: 1, tiers: ['street'] });
    expect(working('2026-11-20T18:00')).toMatchObject({ overdueMinutes: 60, tiers: ['street'] });
    expect(working('2026-11-21T12:00')).toMatchObject({ overdueMinutes: 60, tiers: ['street'] });
    expect(working('2026-11-22T23:00')).toMatchObject({ overdueMinutes: 60, tiers: ['street'] });
    expect(working('2026-11-23T09:59')).toMatchObject({ overdueMinutes: 119, level: 1 });
    expect(working('2026-11-23T10:00')).toEqual({ overdueMinutes: 120, level: 2, tiers: ['street', 'district'] });
    expect(working('2026-11-23T17:59')).toMatchObject({ overdueMinutes: 479, level: 2 });
    expect(working('2026-11-23T18:00')).toEqual({ overdueMinutes: 480, level: 3, tiers: ['street', 'district', 'city'] });
  });

  it('climbs by clock time through the night on a clock basis', () => {
    expect(escalationLevel(due, at('2026-11-20T19:00'), DEFAULT_ESCALATION_LADDER)).toEqual({ overdueMinutes: 120, level: 2, tiers: ['street', 'district'] });
    expect(escalationLevel(due, at('2026-11-21T01:00'), DEFAULT_ESCALATION_LADDER, 'clock')).toMatchObject({ level: 3 });
  });

  it('does not escalate a stopped clock, and checks its ladder', () => {
    expect(escalationLevel(null, at('2026-12-31T00:00'), DEFAULT_ESCALATION_LADDER)).toEqual({ overdueMinutes: 0, level: 0, tiers: [] });
    expect(() => escalationLevel(due, at('2026-11-23T10:00'), DEFAULT_ESCALATION_LADDER, 'working')).toThrow(RangeError);
    expect(() => escalationLevel(due, due, [{ afterMinutes: 60, tier: 'district' }, { afterMinutes: 0, tier: 'street' }])).toThrow(RangeError);
    expect(() => escalationLevel(due, due, [{ afterMinutes: -1, tier: 'street' }])).toThrow(RangeError);
    expect(escalationLevel(due, at('2026-11-20T17:30'), [{ afterMinutes: 15, tier: '网格长' }, { afterMinutes: 30, tier: '街道主任' }]).tiers).toEqual(['网格长', '街道主任']);
  });
});
