import { DateTime } from 'luxon';

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

/** Parses "YYYY-MM-DD HH:mm" as a WIB wall-clock time; null when it is not a real date and time. */
export function parseWib(text: string): number | null {
  const dt = DateTime.fromFormat(text.trim(), 'yyyy-LL-dd HH:mm', { zone: WIB_ZONE });
  return dt.isValid ? dt.toMillis() : null;
}

/** The WIB wall-clock date ("YYYY-MM-DD") and time ("HH:mm") of an instant, for date and time inputs. */
export function wibParts(epochMs: number): { date: string; time: string } {
  const dt = DateTime.fromMillis(epochMs, { zone: WIB_ZONE });
  return { date: dt.toFormat('yyyy-LL-dd'), time: dt.toFormat('HH:mm') };
}
