import { describe, expect, it } from 'vitest';
import { formatWib, parseWib, wibParts } from './wib.js';

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
