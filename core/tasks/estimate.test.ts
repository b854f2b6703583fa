import { describe, expect, it } from 'vitest';
import { parseWib } from '../../shared/time/wib.js';
import { estimateFinish, finishWithinWindow } from './estimate.js';

const at = (wib: string): number => parseWib(wib)!;
const HOUR = 3_600_000;

describe('finishWithinWindow', () => {
  it('adds the work straight on without a calling window', () => {
    expect(finishWithinWindow(at('2026-01-05 10:00'), 2 * HOUR, null)).toBe(at('2026-01-05 12:00'));
  });

  it('stops at the window close and goes on when it opens the next day (WIB)', () => {
    const window = { start: '08:00', end: '20:00' };
    // 19:00 + 3 h of calling: one hour today, two from 08:00 tomorrow.
    expect(finishWithinWindow(at('2026-01-05 19:00'), 3 * HOUR, window)).toBe(at('2026-01-06 10:00'));
    // Starting at night waits for the opening.
    expect(finishWithinWindow(at('2026-01-05 22:30'), HOUR, window)).toBe(at('2026-01-06 09:00'));
    // More than a day of work spans several windows.
    expect(finishWithinWindow(at('2026-01-05 08:00'), 30 * HOUR, window)).toBe(at('2026-01-07 14:00'));
  });

  it('handles a window that runs over midnight', () => {
    const window = { start: '20:00', end: '02:00' };
    expect(finishWithinWindow(at('2026-01-05 23:00'), 4 * HOUR, window)).toBe(at('2026-01-06 21:00'));
  });
});

describe('estimateFinish', () => {
  const base = { now: at('2026-01-05 10:00'), startAt: at('2026-01-05 09:00'), window: null };

  it('is numbers left × average attempt time ÷ channels in use', () => {
    // 1,200 numbers × 30 s ÷ 10 channels = 3,600 s.
    const e = estimateFinish({ ...base, status: 'running', remaining: 1200, averageAttemptMs: 30_000, channels: 10 });
    expect(e).toEqual({ kind: 'estimated', at: at('2026-01-05 11:00') });
  });

  it('counts from the scheduled start when it is still ahead', () => {
    const e = estimateFinish({ ...base, status: 'scheduled', startAt: at('2026-01-05 13:00'), remaining: 60, averageAttemptMs: 60_000, channels: 2 });
    expect(e).toEqual({ kind: 'estimated', at: at('2026-01-05 13:30') });
  });

  it('gives no time for a finished or paused task, nor before any call ended', () => {
    expect(estimateFinish({ ...base, status: 'completed', remaining: 0, averageAttemptMs: 1000, channels: 1 }).kind).toBe('finished');
    expect(estimateFinish({ ...base, status: 'paused', remaining: 5, averageAttemptMs: 1000, channels: 1 }).kind).toBe('paused');
    expect(estimateFinish({ ...base, status: 'running', remaining: 5, averageAttemptMs: null, channels: 1 })).toEqual({ kind: 'noCallsYet', at: null });
    expect(estimateFinish({ ...base, status: 'scheduled', remaining: 5, averageAttemptMs: null, channels: 1 }).kind).toBe('waitingForStart');
  });
});
