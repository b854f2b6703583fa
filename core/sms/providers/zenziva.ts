import { AppError } from '../../errors.js';
import { checkMessage, endpoint } from './message.js';
import { formPost, sendWithRetries, verdictFromStatus, type ProviderAnswer, type Verdict } from './request.js';
import type { SmsClient, SmsClientOptions } from './types.js';

export interface ZenzivaConfig {
  /** https://console.zenziva.net/reguler (SMS Reguler) or the account's own SMS Center domain. */
  baseUrl: string;
  userkey: string;
  passkey: string;
}

interface ZenzivaAnswer {
  messageId?: string | number;
  to?: string;
  status?: string | number;
  text?: string;
}

/** Zenziva reports wrong keys in `text` with status 0 ("Userkey / Passkey Salah" and similar). */
const AUTH_TEXT = /userkey|passkey|salah|invalid (key|login|credential)|unauthori[sz]ed/i;

/**
 * +6281234567890 -> 081234567890. Zenziva's examples write Indonesian
 * numbers in local form (08...); it also takes 628..., but the local form is
 * what every Zenziva account accepts. Zenziva Reguler sends inside Indonesia only.
 */
export function zenzivaNumber(e164: string): string {
  if (!e164.startsWith('+62')) {
    throw new AppError('sms.badNumber', `Zenziva sends only to Indonesian numbers (+62); "${e164}" is not one. Use another provider for this number.`, { number: e164, provider: 'zenziva' });
  }
  return `0${e164.slice(3)}`;
}

/**
 * Zenziva: POST {base}/api/sendsms/ form-encoded with userkey, passkey, the
 * number and the text. The number and text go both under the names of the
 * console API (to, message) and of the older API that docs/DOMAIN.md cites (nohp,
 * pesan); each API ignores the other's names. The answer is JSON
 * {messageId, to, status, text}: status "1" sent, "0" refused with the reason in text.
 */
export function zenzivaClient(config: ZenzivaConfig, options: SmsClientOptions = {}): SmsClient {
  const url = endpoint(config.baseUrl, '/api/sendsms/');

  const interpret = (answer: ProviderAnswer): Verdict => {
    const body = answer.json as ZenzivaAnswer | undefined;
    const text = body && typeof body === 'object' && typeof body.text === 'string' ? body.text : undefined;
    const byStatus = verdictFromStatus(answer, text ?? `HTTP ${answer.status}`);
    if (byStatus) return byStatus;
    if (!body || typeof body !== 'object' || body.status === undefined) {
      return { kind: 'badAnswer', detail: 'the answer is not Zenziva JSON with a status' };
    }
    if (String(body.status) === '1') return { kind: 'accepted', messageId: body.messageId === undefined ? null : String(body.messageId) };
    const detail = text ?? `status ${String(body.status)}`;
    return AUTH_TEXT.test(detail) ? { kind: 'auth', detail } : { kind: 'rejected', detail };
  };

  return {
    provider: 'zenziva',
    async send(message) {
      checkMessage(message);
      const number = zenzivaNumber(message.to);
      const form = new URLSearchParams({
        userkey: config.userkey,
        passkey: config.passkey,
        to: number,
        message: message.text,
        nohp: number,
        pesan: message.text,
      });
      return sendWithRetries({ provider: 'zenziva', label: 'Zenziva', credentials: 'user key and pass key', url, ...formPost(form), interpret }, options);
    },
  };
}
