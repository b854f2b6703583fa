/**
 * The text of an exceljs cell value, as the user would read it in Excel.
 *
 * - numbers: plain digits, never exponent notation for phone-sized integers
 *   (a phone typed into a Number cell lost its leading zero; the phone
 *   normaliser puts the country back),
 * - dates (numeric cells with a date format; exceljs gives a Date whose UTC
 *   fields are the wall-clock fields, since Excel dates have no zone):
 *   ISO 8601 `YYYY-MM-DD`, with ` HH:mm:ss` only when there is a time,
 * - rich text: the runs joined,
 * - formulas: their cached result (exceljs does not calculate),
 * - hyperlinks: the shown text, booleans: TRUE/FALSE, errors: `#N/A` and the like.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : '';
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value instanceof Date) return dateText(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['richText'])) {
    return (v['richText'] as { text?: unknown }[]).map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  }
  if ('formula' in v || 'sharedFormula' in v || 'result' in v) return cellText(v['result']);
  if ('hyperlink' in v || 'text' in v) return cellText(v['text']);
  if (typeof v['error'] === 'string') return v['error'];
  return '';
}

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
