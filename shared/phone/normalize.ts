import { parsePhoneNumberWithError, validatePhoneNumberLength, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Phone numbers as people type them into rosters (docs/DOMAIN.md "Phone numbers"):
 * `0812-3456-7890`, `+62 812 3456 7890`, `6281234567890`, `812 3456 7890`
 * (Excel dropped the leading zero), `'081234567890` (Excel's text marker),
 * with spaces, dots, dashes or parentheses. The answer is E.164 with
 * Indonesia (+62) as the default region.
 *
 * Validity comes from libphonenumber-js with its `max` metadata: `min` only
 * checks lengths (its isValid() is isPossible()), so `0800 1234` typos and
 * numbers in unassigned ranges would pass; `mobile` would refuse office
 * landlines, which a voice call can reach. `max` checks the digits against
 * every number type of the region.
 *
 * Speed: the library costs about 8 µs a number, too slow for a 1,000,000-row
 * roster at 200,000 rows/s. Nearly every row is an Indonesian mobile, so
 * `indonesianMobile` answers those shapes without the library; it only ever
 * answers "valid", with the same E.164 the library gives (checked over many
 * generated numbers in normalize.test.ts), and leaves everything else,
 * including every refusal, to the library.
 */

export type PhoneRejection = 'empty' | 'notANumber' | 'tooShort' | 'tooLong' | 'invalidForRegion';

export type NormalizedPhone = { ok: true; e164: string } | { ok: false; reason: PhoneRejection };

export const DEFAULT_REGION = 'ID';

/**
 * Indonesian mobile national numbers, the MOBILE pattern of the `max`
 * metadata for ID (`8[1-35-9]\d{7,10}`): 9 to 12 digits after the trunk 0.
 * A test compares it with the metadata, so a library update that changes it is noticed.
 */
export const INDONESIAN_MOBILE = /^8[1-35-9]\d{7,10}$/;

const refusals: Record<PhoneRejection, NormalizedPhone> = {
  empty: { ok: false, reason: 'empty' },
  notANumber: { ok: false, reason: 'notANumber' },
  tooShort: { ok: false, reason: 'tooShort' },
  tooLong: { ok: false, reason: 'tooLong' },
  invalidForRegion: { ok: false, reason: 'invalidForRegion' },
};

export function normalizePhone(raw: string): NormalizedPhone {
  const cleaned = cleanPhoneText(raw);
  if (cleaned === '') return refusals.empty;
  if (cleaned === null) return refusals.notANumber;
  return indonesianMobile(cleaned) ?? normalizeWithLibrary(cleaned);
}

/**
 * The digits of a typed number, with a leading '+' kept: '' when there is no
 * digit at all (blank, or a placeholder such as "-"), null when it holds
 * anything but digits and the usual separators. Letters are refused here
 * because the library would otherwise pick a number out of text
 * ("0812-3456-789O" would become a different, valid, number).
 */
export function cleanPhoneText(raw: string): string | null {
  let sawPlus = false;
  let sawDigit = false;
  let start = 0;
  const end = raw.length;
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  // Excel's text marker: a leading apostrophe (or a typographic one) before the number.
  const first = raw.charCodeAt(start);
  if (first === 0x27 || first === 0x2018 || first === 0x2019 || first === 0x60) start++;
  for (let i = start; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      sawDigit = true;
      continue;
    }
    if (c >= 0xff10 && c <= 0xff19) {
      // Full-width digits, as a Chinese input method types them.
      sawDigit = true;
      continue;
    }
    if (isSeparator(c) || isSpace(c)) continue;
    if ((c === 0x2b || c === 0xff0b) && !sawDigit && !sawPlus) {
      sawPlus = true;
      continue;
    }
    return null;
  }
  if (!sawDigit) return sawPlus ? null : '';
  const digits = digitsOf(raw, start, end);
  return sawPlus ? '+' + digits : digits;
}

/**
 * The digits of raw[start, end), full-width ones as ASCII, in runs: most
 * cells are a few groups of ASCII digits, and appending a character at a
 * time would copy the growing string once per digit.
 */
function digitsOf(raw: string, start: number, end: number): string {
  let out = '';
  let run = -1;
  for (let i = start; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (run < 0) run = i;
      continue;
    }
    if (run >= 0) {
      out += raw.slice(run, i);
      run = -1;
    }
    if (c >= 0xff10 && c <= 0xff19) out += String.fromCharCode(c - 0xff10 + 0x30);
  }
  return run >= 0 ? out + raw.slice(run, end) : out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xa0 || c === 0x3000 || c === 0x200b || c === 0xfeff || (c >= 0x2000 && c <= 0x200a);
}

/** - . ( ) and their typographic and full-width forms. */
function isSeparator(c: number): boolean {
  return (
    c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29 || c === 0x2010 || c === 0x2011 || c === 0x2012 || c === 0x2013 || c === 0x2014 ||
    c === 0xff0d || c === 0xff0e || c === 0xff08 || c === 0xff09 || c === 0x2212 || c === 0x30fc
  );
}

/**
 * The common shapes of an Indonesian mobile, answered without the library:
 * +62 8…, 08…, 8… (leading zero lost) and 628… without the plus. The last one
 * only from 12 digits on: a shorter 628… is also a valid landline number of
 * area 0628 without its trunk zero, and the library (like Google's) then
 * keeps it as that landline; those go to the library. Returns null for any
 * other shape or an invalid number.
 */
export function indonesianMobile(cleaned: string): NormalizedPhone | null {
  let national: string;
  const c0 = cleaned.charCodeAt(0);
  if (c0 === 0x2b) {
    if (!cleaned.startsWith('+628')) return null;
    national = cleaned.slice(3);
  } else if (c0 === 0x30) {
    if (cleaned.charCodeAt(1) !== 0x38) return null;
    national = cleaned.slice(1);
  } else if (c0 === 0x38) {
    national = cleaned;
  } else if (c0 === 0x36 && cleaned.length >= 12 && cleaned.startsWith('628')) {
    national = cleaned.slice(2);
  } else {
    return null;
  }
  if (!INDONESIAN_MOBILE.test(national)) return null;
  return { ok: true, e164: '+62' + national };
}

const LENGTH_REASONS: Record<string, PhoneRejection> = {
  NOT_A_NUMBER: 'notANumber',
  TOO_SHORT: 'tooShort',
  TOO_LONG: 'tooLong',
  INVALID_LENGTH: 'invalidForRegion',
  INVALID_COUNTRY: 'invalidForRegion',
};

/** The library's answer for a cleaned number (digits with an optional leading '+'). */
export function normalizeWithLibrary(cleaned: string): NormalizedPhone {
  const problem = validatePhoneNumberLength(cleaned, DEFAULT_REGION);
  if (problem) return refusals[LENGTH_REASONS[problem] ?? 'notANumber'];
  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(cleaned, { defaultCountry: DEFAULT_REGION, extract: false });
  } catch (err) {
    return refusals[LENGTH_REASONS[err instanceof Error ? err.message : ''] ?? 'notANumber'];
  }
  if (parsed.isValid()) return { ok: true, e164: parsed.number };
  // The metadata's possible lengths for ID run to 17 digits (IDD and toll-free shapes), so
  // a mobile with digits too many or too few is only "invalid"; say which, it is the usual typo.
  // The library keeps the trunk 0 in the national number when what follows it is too short
  // to be possible ("0812345" stays "0812345"), so look past it.
  const national = parsed.nationalNumber.startsWith('0') ? parsed.nationalNumber.slice(1) : parsed.nationalNumber;
  if (parsed.country === DEFAULT_REGION && /^8[1-35-9]/.test(national)) {
    if (national.length < 9) return refusals.tooShort;
    if (national.length > 12) return refusals.tooLong;
  }
  return refusals.invalidForRegion;
}
