import { describe, expect, it } from 'vitest';
import { insideWindow, nextWindowOpening } from './callingWindow.js';

// Instants built in UTC; WIB = UTC+7.
const wib = (h: number, m = 0) => Date.UTC(2026, 2, 10, h - 7, m);

describe('calling window in WIB', () => {
  it('uses WIB wall-clock time, not the machine zone', () => {
    const w = { start: '08:00', end: '20:00' };
    expect(insideWindow(wib(7, 59), w)).toBe(false);
    expect(insideWindow(wib(8, 0), w)).toBe(true);
    expect(insideWindow(wib(19, 59), w)).toBe(true);
    expect(insideWindow(wib(20, 0), w)).toBe(false);
    expect(insideWindow(wib(3), w)).toBe(false); // 3 am WIB: never call
  });

  it('supports windows over midnight and no window', () => {
    expect(insideWindow(wib(23), { start: '20:00', end: '02:00' })).toBe(true);
    expect(insideWindow(wib(12), { start: '20:00', end: '02:00' })).toBe(false);
    expect(insideWindow(wib(3), null)).toBe(true);
  });

  it('finds the next opening, tomorrow when today is past', () => {
    const w = { start: '08:00', end: '20:00' };
    expect(nextWindowOpening(wib(6), w)).toBe(wib(8));
    expect(nextWindowOpening(wib(21), w)).toBe(wib(8) + 24 * 3600_000);
  });
});
