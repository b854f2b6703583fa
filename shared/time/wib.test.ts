import { describe, expect, it } from 'vitest';
import { checkWib, formatWib, isTimeOfDay, parseWib, wibParts } from './wib.js';

describe('WIB', () => {
  it('formats an instant in UTC+7 whatever the process time zone is', () => {
    // 2026-01-01T02:30:00Z is 09:30 in Jakarta.
    expect(formatWib(Date.UTC(2026, 0, 1, 2, 30))).toBe('2026-01-01 09:30 WIB');
    // Crossing midnight: 20:00Z is 03:00 the next day in WIB (the "campaign at 3 am" mistake).
    expect(formatWib(Date.UTC(2026, 5, 30, 20, 0))).toBe('2026-07-01 03:00 WIB');
  });

  it('parses a WIB wall-clock time to the right instant and refuses impossible dates', () => {
    expect(parseWib('2026-01-01 09:30')).toBe(Date.UTC(2026, 0, 1, 2, 30));
    expect(parseWib('2026-02-30 09:00')).toBeNull();
    expect(parseWib('tomorrow')).toBeNull();
  });

  it('splits an instant into the WIB date and time a date picker shows, across the UTC midnight', () => {
    expect(wibParts(Date.UTC(2026, 0, 31, 17, 5))).toEqual({ date: '2026-02-01', time: '00:05' });
    expect(parseWib(`${wibParts(Date.UTC(2026, 0, 31, 17, 5)).date} 00:05`)).toBe(Date.UTC(2026, 0, 31, 17, 5));
  });
});

describe('impossible dates and times name their field', () => {
  it('2026-02-30 is a date that does not exist, with the month length', () => {
    expect(checkWib('2026-02-30 10:00')).toEqual({
      ok: false,
      problem: { code: 'task.badStartDate', message: 'The start date 2026-02-30 does not exist: that month has 28 days. Correct the date.', params: { date: '2026-02-30', days: 28 } },
    });
    expect(checkWib('2028-02-29 10:00').ok).toBe(true); // a leap year
    expect(checkWib('2026-13-01 10:00')).toMatchObject({ ok: false, problem: { code: 'task.badStartMonth', message: 'The start date 2026-13-01 does not exist: months go from 01 to 12. Correct the date.' } });
    expect(checkWib('2026-04-31 10:00')).toMatchObject({ ok: false, problem: { params: { days: 30 } } });
  });

  it('24:00 is not a time of day (it used to become the next day silently), nor 09:60', () => {
    expect(checkWib('2026-03-01 24:00')).toMatchObject({ ok: false, problem: { code: 'task.badStartClock', params: { time: '24:00' } } });
    expect(checkWib('2026-03-01 09:60')).toMatchObject({ ok: false, problem: { code: 'task.badStartClock' } });
    expect(parseWib('2026-03-01 24:00')).toBeNull();
    expect(isTimeOfDay('23:59')).toBe(true);
    expect(isTimeOfDay('24:00')).toBe(false);
  });

  it('the wrong shape keeps the format message', () => {
    expect(checkWib('1/3/2026 9:00')).toMatchObject({ ok: false, problem: { code: 'task.badStartTime' } });
  });
});
