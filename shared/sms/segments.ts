/**
 * How many SMS a text takes (docs/DOMAIN.md "SMS follow-ups"). Pure: the renderer's live
 * counter and the core use the same function.
 *
 * GSM 03.38 (3GPP TS 23.038 §6.2.1): the basic character set costs one
 * septet per character; the extension table (reached through the escape
 * 0x1B) costs two. Any character outside both tables makes the whole
 * message UCS-2, counted in UTF-16 code units (an emoji outside the BMP is
 * a surrogate pair: two units).
 *
 * A concatenated message spends 7 septets (GSM-7) or 3 UCS-2 units on the
 * user data header (TS 23.040 §9.2.3.24.1), hence 153 and 67 per part.
 * Parts are computed by packing, because an escape pair and a surrogate pair
 * must not be split between two parts: a part with 152 septets used cannot
 * take a `€`, which then starts the next part.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** SMS the text is sent as; 0 for an empty text. */
  parts: number;
  /** Units one part holds: 160/70 while the text fits one SMS, 153/67 once it is split. */
  perPart: number;
  /** Units still free in the last part before another SMS is needed. */
  remainingInPart: number;
}

export const GSM7_SINGLE = 160;
export const GSM7_PER_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PER_PART = 67;

/**
 * TS 23.038 §6.2.1 default alphabet, in code order 0x00..0x7F. 0x1B is the
 * escape to the extension table, not a character of its own, so it is left
 * out: a raw U+001B in a text is not GSM-7.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ' + /* 0x1B escape */ 'ÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** TS 23.038 §6.2.1.1 extension table: form feed ^ { } \ [ ~ ] | €, two septets each. */
const GSM7_EXTENDED = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENDED = new Set(GSM7_EXTENDED);

/** Septets of one character in GSM-7, or null when the character is not in GSM 03.38. */
export function gsm7Septets(char: string): 1 | 2 | null {
  if (BASIC.has(char)) return 1;
  if (EXTENDED.has(char)) return 2;
  return null;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsm7Septets(char) === null) return false;
  return true;
}

export function smsSegments(text: string): SmsSegments {
  const gsm = isGsm7(text);
  const single = gsm ? GSM7_SINGLE : UCS2_SINGLE;
  const perPart = gsm ? GSM7_PER_PART : UCS2_PER_PART;
  // Costs per code point: a code point is never split, whatever the encoding.
  const costs: number[] = [];
  for (const char of text) costs.push(gsm ? (gsm7Septets(char) as number) : char.length);
  const units = costs.reduce((sum, c) => sum + c, 0);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';

  if (units === 0) return { encoding, units, parts: 0, perPart: single, remainingInPart: single };
  if (units <= single) return { encoding, units, parts: 1, perPart: single, remainingInPart: single - units };

  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, parts, perPart, remainingInPart: perPart - used };
}
