import { describe, expect, it } from 'vitest';
import { estimateCallingTime } from './estimate.js';

const base = { channels: 10, callsPerSecond: 5, ringTimeoutSeconds: 30, recordingMs: 20_000, playTimes: 2, window: null };

describe('estimateCallingTime', () => {
  it('counts half the ring timeout, the recording times its plays and the set-up, per round of channels', () => {
    const e = estimateCallingTime({ ...base, numbers: 1500 });
    expect(e.perNumberSeconds).toBe(15 + 40 + 3);
    expect(e.totalMs).toBe(150 * 58 * 1000);
    expect(e.days).toBeNull();
  });

  it('is held back by the calls per second when calls are short and channels many', () => {
    expect(estimateCallingTime({ ...base, numbers: 1000, channels: 500, callsPerSecond: 1, recordingMs: 0, ringTimeoutSeconds: 2 }).totalMs).toBe(1000 * 1000);
  });

  it('spreads the calling time over the days of a calling window', () => {
    // 150 rounds of 58 s = 2 h 25 min; a 1-hour window needs 3 days, 08:00-20:00 needs 1.
    expect(estimateCallingTime({ ...base, numbers: 1500, window: { start: '09:00', end: '10:00' } }).days).toBe(3);
    expect(estimateCallingTime({ ...base, numbers: 1500, window: { start: '08:00', end: '20:00' } }).days).toBe(1);
    expect(estimateCallingTime({ ...base, numbers: 1500, window: { start: '22:00', end: '01:00' } }).days).toBe(1);
  });
});
