import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from '../../errors.js';
import type { GatewayConfig } from './config.js';

/**
 * The user part of the Request-URI for an E.164 number (docs/DOMAIN.md: rosters
 * are normalised to E.164, +62 by default). SIP trunks take +6281..., some
 * PBXs 6281..., GSM gateways dial what a phone would: 0812... (national).
 */
export function dialledNumber(e164: string, format: GatewayConfig['numberFormat']): string {
  if (!/^\+[1-9]\d{5,14}$/.test(e164)) {
    throw new AppError('call.badNumber', { number: e164 });
  }
  if (format === 'e164') return e164;
  if (format === 'e164NoPlus') return e164.slice(1);
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) throw new AppError('call.badNumber', { number: e164 });
  // formatNational() carries the national trunk prefix (0 in Indonesia): "0812-3456-7890".
  return parsed.formatNational().replace(/[^\d]/g, '');
}
