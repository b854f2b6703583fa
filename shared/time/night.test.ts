import { describe, expect, it } from 'vitest';
import { isNightTime, windowTouchesNight } from './night.js';

describe('night (21:00-08:00 WIB)', () => {
  it('knows which times are at night, at both edges', () => {
    expect(isNightTime('07:59')).toBe(true);
    expect(isNightTime('08:00')).toBe(false);
    expect(isNightTime('20:59')).toBe(false);
    expect(isNightTime('21:00')).toBe(true);
    expect(isNightTime('03:00')).toBe(true);
  });

  it('finds a calling window that reaches into the night, also across midnight', () => {
    expect(windowTouchesNight('08:00', '20:00')).toBe(false);
    expect(windowTouchesNight('08:00', '21:00')).toBe(false); // the end is excluded
    expect(windowTouchesNight('08:00', '21:01')).toBe(true);
    expect(windowTouchesNight('07:59', '12:00')).toBe(true);
    expect(windowTouchesNight('22:00', '06:00')).toBe(true);
    expect(windowTouchesNight('20:00', '09:00')).toBe(true);
  });
});
