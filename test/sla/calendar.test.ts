import { describe, expect, it } from 'vitest';
import { OFFICIAL_YEARS, WorkingCalendar, addDays, cityDate } from '../../src/sla/calendar.ts';

const cal = new WorkingCalendar();
/** An instant given as Chongqing wall-clock time. */
const at = (local: string) => new Date(`${local}+08:00`);

/** The State Council's published 2026 schedule: days off and make-up working days. */
const HOLIDAYS_2026: Record<string, string[]> = {
  元旦: ['2026-01-01', '2026-01-02', '2026-01-03'],
  春节: ['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23'],
  清明: ['2026-04-04', '2026-04-05', '2026-04-06'],
  劳动节: ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'],
  端午: ['2026-06-19', '2026-06-20', '2026-06-21'],
  中秋: ['2026-09-25', '2026-09-26', '2026-09-27'],
  国庆节: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
};
const MAKEUP_2026: Record<string, string> = {
  '2026-01-04': '元旦', '2026-02-14': '春节', '2026-02-28': '春节', '2026-05-09': '劳动节', '2026-09-20': '国庆节', '2026-10-10': '国庆节',
};

describe('the 2026 schedule from chinese-days', () => {
  it('has every official day off with its name', () => {
    for (const [name, dates] of Object.entries(HOLIDAYS_2026)) {
      for (const date of dates) {
        expect(cal.day(date), date).toEqual({ date, working: false, kind: 'holiday', name, source: 'official' });
        expect(cal.workingPeriods(date), date).toEqual([]);
      }
    }
  });

  it('has every make-up working day (调休上班), all of them on a weekend', () => {
    for (const [date, name] of Object.entries(MAKEUP_2026)) {
      expect(cal.day(date), date).toEqual({ date, working: true, kind: 'makeup', name, source: 'official' });
      expect([0, 6]).toContain(new Date(`${date}T00:00:00Z`).getUTCDay());
    }
  });

  it('agrees with the official schedule on every day of 2026: 248 working days, nothing else off', () => {
    const holidays = new Set(Object.values(HOLIDAYS_2026).flat());
    const days = cal.days('2026-01-01', '2026-12-31');
    expect(days).toHaveLength(365);
    for (const d of days) {
      const weekday = new Date(`${d.date}T00:00:00Z`).getUTCDay();
      const expected = d.date in MAKEUP_2026 || (!holidays.has(d.date) && weekday !== 0 && weekday !== 6);
      expect(d.working, d.date).toBe(expected);
      if (!holidays.has(d.date) && !(d.date in MAKEUP_2026)) {
        expect(d, d.date).toMatchObject({ kind: weekday === 0 || weekday === 6 ? 'weekend' : 'workday', name: null, source: 'rule' });
      }
    }
    expect(days.filter((d) => d.working)).toHaveLength(248);
  });

  it('knows which years the package covers and says so for the others', () => {
    expect(OFFICIAL_YEARS).toEqual({ first: 2004, last: 2026 });
    expect(cal.knowsYear(2026)).toBe(true);
    expect(cal.knowsYear(2027)).toBe(false);
    // Without next year's schedule only weekends are off: 2027-10-01 is a Friday.
    expect(cal.day('2027-10-01')).toEqual({ date: '2027-10-01', working: true, kind: 'workday', name: null, source: 'rule' });
  });
});

describe('overrides', () => {
  const overridden = new WorkingCalendar({
    overrides: [
      { date: '2027-01-01', kind: 'holiday', name: '元旦' },
      { date: '2027-02-20', kind: 'workday', name: '春节调休上班' },
      { date: '2026-10-08', kind: 'holiday', name: '防汛应急停工' },
      { date: '2026-10-10', kind: 'holiday', name: '取消调休' },
      { date: '2026-10-02', kind: 'workday', name: '应急值守' },
    ],
  });

  it('win over the package in both directions', () => {
    expect(overridden.day('2026-10-08')).toEqual({ date: '2026-10-08', working: false, kind: 'holiday', name: '防汛应急停工', source: 'override' });
    expect(overridden.day('2026-10-10')).toMatchObject({ working: false, kind: 'holiday', source: 'override' });
    expect(overridden.day('2026-10-02')).toEqual({ date: '2026-10-02', working: true, kind: 'workday', name: '应急值守', source: 'override' });
    expect(overridden.day('2026-10-01')).toMatchObject({ working: false, source: 'official' });
  });

  it('carry next year\'s schedule before the package has it', () => {
    expect(overridden.knowsYear(2027)).toBe(true);
    expect(overridden.day('2027-01-01')).toMatchObject({ working: false, kind: 'holiday', name: '元旦' });
    expect(overridden.day('2027-02-20')).toMatchObject({ working: true, kind: 'makeup', name: '春节调休上班' });
    expect(overridden.overrides.map((o) => o.date)).toEqual(['2026-10-02', '2026-10-08', '2026-10-10', '2027-01-01', '2027-02-20']);
  });

  it('are refused when malformed', () => {
    expect(() => new WorkingCalendar({ overrides: [{ date: '2026-02-30', kind: 'holiday', name: 'x' }] })).toThrow(RangeError);
    expect(() => new WorkingCalendar({ overrides: [{ date: '2026-10-08', kind: 'party' as 'holiday', name: 'x' }] })).toThrow(RangeError);
    expect(() => new WorkingCalendar({ overrides: [{ date: '2026-10-08', kind: 'holiday', name: 'a' }, { date: '2026-10-08', kind: 'workday', name: 'b' }] })).toThrow(RangeError);
  });
});

describe('working periods', () => {
  it('are 09:00–12:00 and 14:00–18:00 Chongqing time by default (7 hours)', () => {
    expect(cal.minutesPerDay).toBe(420);
    expect(cal.workingPeriods('2026-01-04')).toEqual([
      { start: at('2026-01-04T09:00'), end: at('2026-01-04T12:00') },
      { start: at('2026-01-04T14:00'), end: at('2026-01-04T18:00') },
    ]);
    expect(cal.workingPeriods('2026-01-04')[0].start.toISOString()).toBe('2026-01-04T01:00:00.000Z');
  });

  it('are configurable', () => {
    const summer = new WorkingCalendar({ workingHours: [{ start: '08:30', end: '12:00' }, { start: '14:30', end: '18:00' }] });
    expect(summer.minutesPerDay).toBe(420);
    expect(summer.workingPeriods('2026-07-01')[1]).toEqual({ start: at('2026-07-01T14:30'), end: at('2026-07-01T18:00') });
    const allDay = new WorkingCalendar({ workingHours: [{ start: '00:00', end: '24:00' }] });
    expect(allDay.minutesPerDay).toBe(1440);
    for (const bad of [[], [{ start: '9:00', end: '12:00' }], [{ start: '12:00', end: '09:00' }], [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }], [{ start: '24:30', end: '25:00' }]]) {
      expect(() => new WorkingCalendar({ workingHours: bad }), JSON.stringify(bad)).toThrow(RangeError);
    }
  });

  it('take an instant as its date in Asia/Shanghai', () => {
    // 2026-10-09T16:30Z is already Saturday 10/10 in Chongqing, a make-up working day.
    expect(cityDate(new Date('2026-10-09T16:30:00Z'))).toBe('2026-10-10');
    expect(cal.isWorkingDay(new Date('2026-10-09T16:30:00Z'))).toBe(true);
    expect(cal.isWorkingDay(new Date('2026-10-09T15:59:00Z'))).toBe(true);
    expect(cal.isWorkingDay(new Date('2026-10-10T16:00:00Z'))).toBe(false);
  });

  it('lead to the next working day across long holidays', () => {
    expect(cal.nextWorkingDay('2026-09-30')).toBe('2026-10-08');
    expect(cal.nextWorkingDay('2026-10-09')).toBe('2026-10-10');
    expect(cal.nextWorkingDay('2026-02-14')).toBe('2026-02-24');
    expect(cal.nextWorkingDay('2025-12-31')).toBe('2026-01-04');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  });

  it('refuse impossible dates', () => {
    for (const bad of ['2026-02-30', '2026-2-3', '20260203', '2026-13-01', '']) {
      expect(() => cal.day(bad), bad).toThrow(RangeError);
    }
    expect(() => cal.days('2026-01-01', '2026-02-29')).toThrow(RangeError);
  });
});
