import { describe, expect, it } from 'vitest';
import { WorkingCalendar, addDays } from '../../src/sla/calendar.ts';
import { addClockMinutes, addMinutes, addWorkingMinutes, clockMinutesBetween, minutesBetween, workingMinutesBetween } from '../../src/sla/deadline.ts';

const cal = new WorkingCalendar();
const at = (local: string) => new Date(`${local}+08:00`);
const H = 60;
const DAY = 7 * H;

describe('adding working time', () => {
  it('carries 2 working hours from Friday 17:00 over the weekend to Monday 10:00', () => {
    expect(addWorkingMinutes(at('2026-11-20T17:00'), 2 * H, cal)).toEqual(at('2026-11-23T10:00'));
  });

  it('skips the lunch break', () => {
    // Reported in the lunch break: counting starts at 14:00.
    expect(addWorkingMinutes(at('2026-11-24T12:30'), 1 * H, cal)).toEqual(at('2026-11-24T15:00'));
    expect(addWorkingMinutes(at('2026-11-24T12:30'), 2 * H, cal)).toEqual(at('2026-11-24T16:00'));
    // Before lunch: 11:00–12:00, then 14:00–15:00.
    expect(addWorkingMinutes(at('2026-11-24T11:00'), 2 * H, cal)).toEqual(at('2026-11-24T15:00'));
    expect(addWorkingMinutes(at('2026-11-24T11:59'), 1, cal)).toEqual(at('2026-11-24T12:00'));
    expect(addWorkingMinutes(at('2026-11-24T11:59'), 2, cal)).toEqual(at('2026-11-24T14:01'));
  });

  it('counts a start outside working hours from the next working period', () => {
    expect(addWorkingMinutes(at('2026-11-24T22:40'), 2 * H, cal)).toEqual(at('2026-11-25T11:00'));
    expect(addWorkingMinutes(at('2026-11-24T06:00'), 2 * H, cal)).toEqual(at('2026-11-24T11:00'));
    expect(addWorkingMinutes(at('2026-11-21T10:00'), 30, cal)).toEqual(at('2026-11-23T09:30'));
    // No time at all still waits for the office to open.
    expect(addWorkingMinutes(at('2026-11-21T10:00'), 0, cal)).toEqual(at('2026-11-23T09:00'));
    expect(addWorkingMinutes(at('2026-11-24T10:00'), 0, cal)).toEqual(at('2026-11-24T10:00'));
  });

  it('ends on a period\'s end when the time fits exactly, not at the next opening', () => {
    expect(addWorkingMinutes(at('2026-11-24T17:00'), 1 * H, cal)).toEqual(at('2026-11-24T18:00'));
    expect(addWorkingMinutes(at('2026-11-24T09:00'), DAY, cal)).toEqual(at('2026-11-24T18:00'));
    expect(addWorkingMinutes(at('2026-11-24T18:00'), 1, cal)).toEqual(at('2026-11-25T09:01'));
  });

  it('counts make-up working days, on a Saturday and on a Sunday', () => {
    // Friday 10/9 17:00: one hour that day, then Saturday 10/10 (国庆 调休上班).
    expect(addWorkingMinutes(at('2026-10-09T17:00'), 2 * H, cal)).toEqual(at('2026-10-10T10:00'));
    // Friday 9/18 17:00: Sunday 9/20 is worked for 国庆.
    expect(addWorkingMinutes(at('2026-09-18T17:00'), 2 * H, cal)).toEqual(at('2026-09-20T10:00'));
    // 2025-12-31 16:00 + one working day: 2 h that day, 元旦 1/1–1/3 off, Sunday 1/4 worked.
    expect(addWorkingMinutes(at('2025-12-31T16:00'), DAY, cal)).toEqual(at('2026-01-04T16:00'));
  });

  it('skips a holiday Monday', () => {
    // Friday 4/3 17:00: Saturday, Sunday and Monday 4/6 (清明) are off.
    expect(addWorkingMinutes(at('2026-04-03T17:00'), 2 * H, cal)).toEqual(at('2026-04-07T10:00'));
    // Friday 2/20 is off for 春节; Monday 2/23 too.
    expect(addWorkingMinutes(at('2026-02-20T10:00'), 1 * H, cal)).toEqual(at('2026-02-24T10:00'));
  });

  it('runs a normal case reported Wednesday 2026-09-30 22:40 across 国庆', () => {
    const reported = at('2026-09-30T22:40');
    // Nothing counts until Thursday 10/8 09:00 (10/1–10/7 off; 9/20 lies before the report).
    expect(addWorkingMinutes(reported, 2 * H, cal)).toEqual(at('2026-10-08T11:00'));
    // Five working days: Thu 10/8, Fri 10/9, Sat 10/10 (调休), Mon 10/12, Tue 10/13 — Sunday 10/11 off.
    expect(addWorkingMinutes(reported, 5 * DAY, cal)).toEqual(at('2026-10-13T18:00'));
    expect(addWorkingMinutes(reported, 5 * DAY + 1, cal)).toEqual(at('2026-10-14T09:01'));
    expect(addWorkingMinutes(reported, DAY, cal)).toEqual(at('2026-10-08T18:00'));
  });

  it('runs 5 working days across 春节 with both make-up Saturdays', () => {
    // Fri 2/13 17:00: 1 h, Sat 2/14 worked, 2/15–2/23 off, Tue 2/24 … Fri 2/27, where 6 h remain.
    expect(addWorkingMinutes(at('2026-02-13T17:00'), 5 * DAY, cal)).toEqual(at('2026-02-27T17:00'));
    // From Thursday 2/26 09:00: Thu, Fri, Sat 2/28 (调休), Mon 3/2, Tue 3/3.
    expect(addWorkingMinutes(at('2026-02-26T09:00'), 5 * DAY, cal)).toEqual(at('2026-03-03T18:00'));
  });

  it('honours overrides', () => {
    const flood = new WorkingCalendar({ overrides: [{ date: '2026-11-23', kind: 'holiday', name: '防汛' }, { date: '2026-11-21', kind: 'workday', name: '加班' }] });
    expect(addWorkingMinutes(at('2026-11-20T17:00'), 2 * H, flood)).toEqual(at('2026-11-21T10:00'));
    expect(addWorkingMinutes(at('2026-11-21T17:00'), 2 * H, flood)).toEqual(at('2026-11-24T10:00'));
  });

  it('refuses negative, infinite and NaN minutes and invalid instants', () => {
    for (const bad of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => addWorkingMinutes(at('2026-11-24T10:00'), bad, cal), String(bad)).toThrow(RangeError);
      expect(() => addClockMinutes(at('2026-11-24T10:00'), bad), String(bad)).toThrow(RangeError);
    }
    expect(() => addWorkingMinutes(new Date('nope'), 10, cal)).toThrow(RangeError);
  });

  it('gives up on a calendar without working days instead of looping for ever', () => {
    const overrides = Array.from({ length: 800 }, (_, i) => ({ date: addDays('2026-11-24', i), kind: 'holiday' as const, name: '停工' }));
    expect(() => addWorkingMinutes(at('2026-11-24T10:00'), 60, new WorkingCalendar({ overrides }))).toThrow(RangeError);
  });
});

describe('measuring working time', () => {
  it('counts only working periods, signed', () => {
    expect(workingMinutesBetween(at('2026-11-20T17:00'), at('2026-11-23T10:00'), cal)).toBe(120);
    expect(workingMinutesBetween(at('2026-11-23T10:00'), at('2026-11-20T17:00'), cal)).toBe(-120);
    expect(workingMinutesBetween(at('2026-11-24T12:10'), at('2026-11-24T13:50'), cal)).toBe(0);
    expect(workingMinutesBetween(at('2026-11-24T11:30'), at('2026-11-24T14:30'), cal)).toBe(60);
    expect(workingMinutesBetween(at('2026-09-30T09:00'), at('2026-10-08T09:00'), cal)).toBe(DAY);
    expect(workingMinutesBetween(at('2026-11-24T10:00'), at('2026-11-24T10:00:30'), cal)).toBe(0.5);
    expect(workingMinutesBetween(at('2026-01-01T00:00'), at('2027-01-01T00:00'), cal)).toBe(248 * DAY);
  });

  it('is the inverse of adding, from every half hour of 2026 (and beyond into 2027)', () => {
    let checked = 0;
    const wrong: string[] = [];
    for (let t = at('2026-01-01T00:00').getTime(); t < at('2027-01-01T00:00').getTime(); t += 30 * 60_000) {
      const start = new Date(t);
      for (const minutes of [1, 2 * H, DAY, 5 * DAY]) {
        const due = addWorkingMinutes(start, minutes, cal);
        // The deadline is the earliest such instant: it lies inside a working period or on its end.
        const inOrAtEnd = cal.workingPeriods(due).some((p) => due > p.start && due <= p.end);
        if (workingMinutesBetween(start, due, cal) !== minutes || !inOrAtEnd) wrong.push(`${start.toISOString()} + ${minutes} = ${due.toISOString()}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(365 * 48 * 4);
  });
});

describe('clock time', () => {
  it('ignores the calendar', () => {
    expect(addClockMinutes(at('2026-09-30T22:40'), 24 * H)).toEqual(at('2026-10-01T22:40'));
    expect(addMinutes('clock', at('2026-10-01T23:30'), 60, cal)).toEqual(at('2026-10-02T00:30'));
    expect(clockMinutesBetween(at('2026-11-20T17:00'), at('2026-11-23T10:00'))).toBe(65 * H);
    expect(minutesBetween('clock', at('2026-11-23T10:00'), at('2026-11-20T17:00'), cal)).toBe(-65 * H);
    expect(minutesBetween('working', at('2026-11-20T17:00'), at('2026-11-23T10:00'), cal)).toBe(120);
    expect(addMinutes('working', at('2026-11-20T17:00'), 120, cal)).toEqual(at('2026-11-23T10:00'));
  });
});
