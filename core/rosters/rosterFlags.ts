import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DEFAULT_REGION, INDONESIAN_MOBILE } from '../../shared/phone/normalize.js';
import type { RosterFlag, RosterFlags } from '../../shared/types.js';
import type { Db } from '../db/database.js';

const FLAGS_KEPT = 100;
/** Number types that can receive an SMS (libphonenumber's types; FIXED_LINE_OR_MOBILE is where a region cannot tell them apart). */
const SMS_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * The usable numbers of a roster that deserve a warning before import
 * (docs/DOMAIN.md "Roster import preview"): landlines, which a call reaches
 * but an SMS does not, and numbers outside Indonesia, which are charged as
 * international calls. Nearly every row is an Indonesian mobile: SQL skips
 * those by prefix and INDONESIAN_MOBILE confirms them, so libphonenumber's
 * `max` metadata (~8 µs a number) only sees the few others.
 */
export function rosterFlags(db: Db, rosterId: number): RosterFlags {
  const candidates = db
    .prepare("SELECT row_number, phone_e164 FROM roster_entries WHERE roster_id = ? AND phone_e164 NOT GLOB '+628[1-35-9]*' ORDER BY row_number")
    .all(rosterId) as { row_number: number; phone_e164: string }[];
  const flags: RosterFlags = { landlineCount: 0, foreignCount: 0, items: [] };
  for (const { row_number: rowNumber, phone_e164: e164 } of candidates) {
    const flag = flagFor(e164);
    if (!flag) continue;
    if (flag.kind === 'landline') flags.landlineCount++;
    else flags.foreignCount++;
    if (flags.items.length < FLAGS_KEPT) flags.items.push({ rowNumber, phoneE164: e164, ...flag });
  }
  return flags;
}

export function flagFor(e164: string): Pick<RosterFlag, 'kind' | 'country'> | null {
  if (e164.startsWith('+62') && INDONESIAN_MOBILE.test(e164.slice(3))) return null;
  const parsed = parsePhoneNumberFromString(e164);
  const country = parsed?.country ?? null;
  if (country !== DEFAULT_REGION) return { kind: 'foreign', country };
  const type = parsed?.getType();
  return type && SMS_CAPABLE.has(type) ? null : { kind: 'landline', country };
}
