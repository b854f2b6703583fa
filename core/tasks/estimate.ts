import { DateTime } from 'luxon';
import type { FinishEstimateKind, TaskStatus } from '../../shared/types.js';
import { WIB_ZONE } from '../../shared/time/wib.js';
import { insideWindow, nextWindowOpening } from './callingWindow.js';

type Window = { start: string; end: string };

/** The instant the calling window that contains `epochMs` closes (WIB; a window may run over midnight). */
export function windowClosing(epochMs: number, window: Window): number {
  const t = DateTime.fromMillis(epochMs, { zone: WIB_ZONE });
  const [h, m] = window.end.split(':').map(Number) as [number, number];
  let close = t.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (close.toMillis() <= epochMs) close = close.plus({ days: 1 });
  return close.toMillis();
}

/**
 * When `workMs` of calling that starts at `from` ends, counting only the
 * time inside the daily calling window (new calls are held outside it,
 * docs/ARCHITECTURE.md "Limits and fairness"). Without a window, from + work.
 */
export function finishWithinWindow(from: number, workMs: number, window: Window | null): number {
  if (!window) return from + workMs;
  let t = from;
  let left = workMs;
  // A window is at least one minute a day, so a year of days bounds any real estimate.
  for (let i = 0; i < 800; i++) {
    if (!insideWindow(t, window)) t = nextWindowOpening(t, window);
    const close = windowClosing(t, window);
    if (left <= close - t) return t + left;
    left -= close - t;
    t = close;
  }
  return t + left;
}

export interface EstimateInput {
  now: number;
  status: TaskStatus;
  startAt: number;
  remaining: number;
  averageAttemptMs: number | null;
  /** Channels the task's calls use: its connected calls now, or its share of the gateway's when none is connected. */
  channels: number;
  window: Window | null;
}

/**
 * The estimated finish (issue 9): numbers left × average attempt time ÷
 * channels in use, placed on the calendar from now (or the scheduled start)
 * through the calling window. Retry intervals are not added: a number
 * waiting to retry counts as one more attempt.
 */
export function estimateFinish(input: EstimateInput): { kind: FinishEstimateKind; at: number | null } {
  if (input.status === 'completed' || input.status === 'cancelled') return { kind: 'finished', at: null };
  if (input.status === 'paused') return { kind: 'paused', at: null };
  if (input.averageAttemptMs === null) return { kind: input.status === 'scheduled' ? 'waitingForStart' : 'noCallsYet', at: null };
  const from = Math.max(input.now, input.startAt);
  const work = (input.remaining * input.averageAttemptMs) / Math.max(1, input.channels);
  return { kind: 'estimated', at: Math.round(finishWithinWindow(from, work, input.window)) };
}
