/**
 * The wizard's estimate of how long a task calls (docs/DOMAIN.md "Duration
 * estimate"). Each number takes about half the ring timeout (calls are
 * answered or given up somewhere within it), then the recording played
 * `playTimes` times, plus a few seconds to set the call up and hang up. The
 * gateway's channels run that many at once, and no more than
 * `callsPerSecond` start each second. A calling window spreads the calling
 * time over days. An estimate to plan with, not a promise: unanswered calls
 * are shorter, retries add attempts.
 */
export interface EstimateInput {
  numbers: number;
  channels: number;
  callsPerSecond: number;
  ringTimeoutSeconds: number;
  recordingMs: number;
  playTimes: number;
  /** WIB "HH:mm" pair, may cross midnight; null for any time. */
  window: { start: string; end: string } | null;
}

export interface Estimate {
  perNumberSeconds: number;
  totalMs: number;
  /** Calendar days the calling window spreads it over (1 when it fits in one window); null without a window. */
  days: number | null;
}

const SETUP_SECONDS = 3;

export function estimateCallingTime(input: EstimateInput): Estimate {
  const perNumberSeconds = Math.round(input.ringTimeoutSeconds / 2 + (input.recordingMs / 1000) * Math.max(1, input.playTimes) + SETUP_SECONDS);
  const channels = Math.max(1, input.channels);
  const byChannels = Math.ceil(input.numbers / channels) * perNumberSeconds;
  const byRate = input.numbers / Math.max(1, input.callsPerSecond);
  const totalMs = Math.round(Math.max(byChannels, byRate) * 1000);
  if (!input.window) return { perNumberSeconds, totalMs, days: null };
  const windowMinutes = (minutes(input.window.end) - minutes(input.window.start) + 1440) % 1440 || 1440;
  return { perNumberSeconds, totalMs, days: Math.max(1, Math.ceil(totalMs / (windowMinutes * 60_000))) };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
