import { DateTime } from 'luxon';
import { coded, type CodedProblem } from '../validation/coded.js';

/**
 * Western Indonesia Time. Asia/Jakarta is UTC+7 all year: WIB has no
 * daylight saving, but the IANA zone is used anyway so history and any
 * future change come from the time-zone database, never from the
 * workstation's own zone.
 */
export const WIB_ZONE = 'Asia/Jakarta';

/** "2026-01-15 09:30 WIB" for an instant, whatever the machine's time zone. */
export function formatWib(epochMs: number, withSeconds = false): string {
  return DateTime.fromMillis(epochMs, { zone: WIB_ZONE }).toFormat(withSeconds ? 'yyyy-LL-dd HH:mm:ss' : 'yyyy-LL-dd HH:mm') + ' WIB';
}

/** Parses "YYYY-MM-DD HH:mm" as a WIB wall-clock time; null when it is not a real date and time (checkWib says why). */
export function parseWib(text: string): number | null {
  const check = checkWib(text);
  return check.ok ? check.at : null;
}

/** What is wrong with a start time, as a coded problem naming the field (translated as errors.<code>). */
export type WibProblem = CodedProblem<'task.badStartTime' | 'task.badStartDate' | 'task.badStartMonth' | 'task.badStartClock'>;

export type WibCheck = { ok: true; at: number } | { ok: false; problem: WibProblem };

const WIB_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;

/** "HH:mm" from 00:00 to 23:59: 24:00 is not a time of day (it would silently be the next day's 00:00). */
export function isTimeOfDay(text: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(text);
}

/**
 * Checks "YYYY-MM-DD HH:mm" as a WIB wall-clock time and says which field is
 * wrong: the shape, a date that does not exist (2026-02-30), or a time that
 * is not a time of day (24:00, 09:60). The renderer and the core run the
 * same check, so the wizard and `task create --at` say the same.
 */
export function checkWib(text: string): WibCheck {
  const m = WIB_TEXT.exec(text.trim());
  if (!m) return { ok: false, problem: coded('task.badStartTime') };
  const [, y, mo, d, h, mi] = m as unknown as [string, string, string, string, string, string];
  const date = `${y}-${mo}-${d}`;
  const time = `${h}:${mi}`;
  const month = DateTime.fromObject({ year: Number(y), month: Number(mo) }, { zone: WIB_ZONE });
  if (!month.isValid || Number(d) < 1 || Number(d) > month.daysInMonth!) {
    const days = month.isValid ? month.daysInMonth! : 0;
    return {
      ok: false,
      problem: month.isValid ? coded('task.badStartDate', { date, days }) : coded('task.badStartMonth', { date }),
    };
  }
  if (!isTimeOfDay(time)) {
    return {
      ok: false,
      problem: coded('task.badStartClock', { time }),
    };
  }
  const dt = DateTime.fromObject({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi) }, { zone: WIB_ZONE });
  return { ok: true, at: dt.toMillis() };
}

/** The WIB wall-clock date ("YYYY-MM-DD") and time ("HH:mm") of an instant, for date and time inputs. */
export function wibParts(epochMs: number): { date: string; time: string } {
  const dt = DateTime.fromMillis(epochMs, { zone: WIB_ZONE });
  return { date: dt.toFormat('yyyy-LL-dd'), time: dt.toFormat('HH:mm') };
}
