import { z } from 'zod';
import { addCoded, coded } from './coded.js';
import { safeText } from './text.js';

/** The names that follow this rule, each with its two codes (shared/messages/errorCatalog.ts). */
type NameCodes =
  | { empty: 'recording.nameEmpty'; tooLong: 'recording.nameTooLong' }
  | { empty: 'template.nameEmpty'; tooLong: 'template.nameTooLong' };

/**
 * A name a user types (a recording, an SMS template): trimmed, no control
 * characters (safeText), 1 to `max` characters as people count them (an emoji
 * or a Chinese character is one, not its UTF-16 units). One schema for the
 * form, the contract and the service, refused with the name's own codes.
 */
export function nameSchema(field: string, max: number, codes: NameCodes) {
  return safeText(z.string().trim(), field).superRefine((name, ctx) => {
    const length = [...name].length;
    if (length === 0) addCoded(ctx, coded(codes.empty, { max }));
    else if (length > max) addCoded(ctx, coded(codes.tooLong, { length, max }));
  });
}
