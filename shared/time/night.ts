/**
 * Night, when no one should be called (docs/DOMAIN.md "Night"): from 21:00
 * to 08:00 WIB. Calls at 3 am are a known complaint of peer systems'
 * users, and Indonesian telemarketing practice keeps to daytime. The wizard
 * warns, it does not refuse: an office may have a reason.
 */
export const NIGHT = { start: '21:00', end: '08:00' } as const;

const NIGHT_START = minutesOf(NIGHT.start);
const NIGHT_END = minutesOf(NIGHT.end);

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Whether a WIB wall-clock time "HH:mm" is at night. */
export function isNightTime(hhmm: string): boolean {
  const minutes = minutesOf(hhmm);
  return minutes >= NIGHT_START || minutes < NIGHT_END;
}

/**
 * Whether a calling window (WIB, may cross midnight; its end is excluded, as
 * core/tasks/callingWindow.ts reads it) lets calls start at night.
 */
export function windowTouchesNight(start: string, end: string): boolean {
  const from = minutesOf(start);
  const to = minutesOf(end);
  const length = (to - from + 1440) % 1440;
  for (let i = 0; i < length; i++) {
    const minute = (from + i) % 1440;
    if (minute >= NIGHT_START || minute < NIGHT_END) return true;
  }
  return false;
}
