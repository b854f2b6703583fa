/**
 * `YYYY-MM-DD`, with ` HH:mm:ss` when there is a time. Built from the UTC
 * fields: formatting the whole ISO string and cutting it took about twice
 * as long (~100 ms for the 100,000 dates of bench/roster.ts). Years outside
 * 0000-9999 keep toISOString's shape (+010000-…); Excel has none of them.
 */
export function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '';
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return isoDateText(date, time);
  const day = `${String(year).padStart(4, '0')}-${twoDigits(date.getUTCMonth() + 1)}-${twoDigits(date.getUTCDate())}`;
  if (time % 86_400_000 === 0) return day;
  return `${day} ${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())}`;
}

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The same text cut from toISOString(), for the years dateText does not build itself. */
export function isoDateText(date: Date, time: number): string {
  const iso = date.toISOString();
  if (time % 86_400_000 === 0) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
