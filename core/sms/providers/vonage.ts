import { isGsm7 } from '../../../shared/sms/segments.js';
import { checkMessage, endpoint, senderId, withoutPlus } from './message.js';
import { formPost, sendWithRetries, verdictFromStatus, type ProviderAnswer, type Verdict } from './request.js';
import type { SmsClient, SmsClientOptions } from './types.js';

export interface VonageConfig {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  from: string;
}

interface VonagePart {
  status?: string;
  'error-text'?: string;
  'message-id'?: string;
}

interface VonageAnswer {
  'message-count'?: string;
  messages?: VonagePart[];
}

/** Vonage SMS API status codes that mean the credentials are wrong (4 Invalid Credentials, 14 Invalid Signature). */
const AUTH_STATUSES = new Set(['4', '14']);

function partVerdict(part: VonagePart): Verdict | null {
  const status = part.status;
  if (status === '0') return null;
  const detail = part['error-text'] ? `${part['error-text']} (status ${status})` : `status ${status}`;
  if (status === '1') return { kind: 'throttled', detail };
  if (status === '5') return { kind: 'serverError', detail };
  if (status !== undefined && AUTH_STATUSES.has(status)) return { kind: 'auth', detail };
  return { kind: 'rejected', detail };
}

/**
 * Vonage (Nexmo) SMS API: POST {base}/sms/json with api_key, api_secret,
 * from, to (international, no plus sign), text and type=unicode when the
 * text is not GSM-7 (otherwise Vonage sends it as GSM and the characters are
 * lost). The answer is HTTP 200 even for errors: {"message-count",
 * "messages":[{"status","error-text","message-id"}]} with one entry per part
 * of a long message; status "0" accepted, "1" throttled.
 */
export function vonageClient(config: VonageConfig, options: SmsClientOptions = {}): SmsClient {
  const url = endpoint(config.baseUrl, '/sms/json');

  const interpret = (answer: ProviderAnswer): Verdict => {
    const body = answer.json as VonageAnswer | undefined;
    const parts = body && typeof body === 'object' && Array.isArray(body.messages) ? body.messages : null;
    const byStatus = verdictFromStatus(answer, parts?.[0]?.['error-text'] ?? `HTTP ${answer.status}`);
    if (byStatus) return byStatus;
    if (!parts || parts.length === 0 || parts.some((p) => typeof p?.status !== 'string')) {
      return { kind: 'badAnswer', detail: 'the answer has no messages with a status' };
    }
    const failed = parts.map(partVerdict);
    const firstFailure = failed.find((v): v is Exclude<Verdict, { kind: 'accepted' }> => v !== null && v.kind !== 'accepted');
    if (!firstFailure) return { kind: 'accepted', messageId: parts[0]?.['message-id'] ?? null };
    // Some parts of a long message went out: trying again would send those twice.
    if (failed.some((v) => v === null)) {
      const n = failed.findIndex((v) => v !== null) + 1;
      return { kind: 'rejected', detail: `part ${n} of ${parts.length} was refused (${firstFailure.detail}); the other parts were sent` };
    }
    return firstFailure;
  };

  return {
    provider: 'vonage',
    async send(message) {
      checkMessage(message);
      const form = new URLSearchParams({
        api_key: config.apiKey,
        api_secret: config.apiSecret,
        from: senderId(config.from),
        to: withoutPlus(message.to),
        text: message.text,
      });
      if (!isGsm7(message.text)) form.set('type', 'unicode');
      return sendWithRetries({ provider: 'vonage', label: 'Vonage', credentials: 'API key and API secret', url, ...formPost(form), interpret }, options);
    },
  };
}
