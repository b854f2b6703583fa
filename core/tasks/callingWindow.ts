import { DateTime } from 'luxon';
import { WIB_ZONE } from '../../shared/time/wib.js';

/**
 * Whether an instant falls inside a daily calling window given in WIB
 * ("08:00"-"20:00"). A window whose end is before its start runs over
 * midnight ("20:00"-"02:00").
 */
export function insideWindow(epochMs: number, window: { start: string; end: string } | null): boolean {
  if (!window) return true;
  const t = DateTime.fromMillis(epochMs, { zone: WIB_ZONE });
  const minute = t.hour * 60 + t.minute;
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The next instant the window opens after `epochMs` (for the scheduler to wake the engine). */
export function nextWindowOpening(epochMs: number, window: { start: string; end: string }): number {
  const t = DateTime.fromMillis(epochMs, { zone: WIB_ZONE });
  const [h, m] = window.start.split(':').map(Number) as [number, number];
  let open = t.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (open.toMillis() <= epochMs) open = open.plus({ days: 1 });
  return open.toMillis();
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
