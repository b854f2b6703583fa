import { checkMessage, endpoint } from './message.js';
import { formPost, sendWithRetries, verdictFromStatus, type ProviderAnswer, type Verdict } from './request.js';
import { fetchStatus, type DeliveryCheck } from './status.js';
import type { SmsClient, SmsClientOptions } from './types.js';

export interface TwilioConfig {
  baseUrl: string;
  accountSid: string;
  /** A Twilio number in E.164, an alphanumeric sender ID, or a Messaging Service SID (MG...). */
  from: string;
  authToken: string;
}

interface TwilioError {
  code?: number;
  message?: string;
  status?: number;
}

interface TwilioMessage {
  sid?: string;
  status?: string;
  error_code?: number | null;
  error_message?: string | null;
}

function errorDetail(answer: ProviderAnswer): string {
  const body = answer.json as TwilioError | undefined;
  if (body && typeof body === 'object' && typeof body.message === 'string') {
    return body.code ? `${body.message} (Twilio error ${body.code})` : body.message;
  }
  return `HTTP ${answer.status}`;
}

/**
 * Twilio's Message resource status: delivered (and read, for channels that
 * report it) is final and good; undelivered, failed and canceled are final
 * and bad; accepted, scheduled, queued, sending and sent are on their way.
 * "sent" only means the next carrier took it: a carrier that returns no
 * receipt leaves it there, and the poller ends it as expired after 48 h.
 */
export function twilioDelivery(message: TwilioMessage): DeliveryCheck {
  const status = message.status ?? '';
  if (status === 'delivered' || status === 'read') return { state: 'delivered', detail: status };
  if (status === 'undelivered' || status === 'failed' || status === 'canceled') {
    const code = message.error_code ? ` (Twilio error ${message.error_code})` : '';
    return { state: 'undelivered', detail: `${status}${code}${message.error_message ? `: ${message.error_message}` : ''}` };
  }
  return { state: 'pending', detail: status };
}

/**
 * Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
 * form-encoded To, From (or MessagingServiceSid) and Body, HTTP Basic with
 * AccountSid:AuthToken. 201 answers the Message resource (sid SM..., status
 * queued); errors answer {code, message, more_info, status}.
 */
export function twilioClient(config: TwilioConfig, options: SmsClientOptions = {}): SmsClient {
  const url = endpoint(config.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`);
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  const from = config.from.trim();
  // A Messaging Service picks the sender itself; Twilio takes its SID in MessagingServiceSid, not From.
  const sender: Record<string, string> = /^MG[0-9a-f]{32}$/i.test(from) ? { MessagingServiceSid: from } : { From: from };

  const interpret = (answer: ProviderAnswer): Verdict => {
    const byStatus = verdictFromStatus(answer, errorDetail(answer));
    if (byStatus) return byStatus;
    const message = answer.json as TwilioMessage | undefined;
    if (!message || typeof message !== 'object' || typeof message.sid !== 'string' || message.sid === '') {
      return { kind: 'badAnswer', detail: 'the answer has no message SID' };
    }
    if (message.status === 'failed' || message.status === 'undelivered') {
      return { kind: 'rejected', detail: message.error_message ?? `the message is ${message.status}${message.error_code ? ` (Twilio error ${message.error_code})` : ''}` };
    }
    return { kind: 'accepted', messageId: message.sid };
  };

  return {
    provider: 'twilio',
    async status(sid) {
      const answer = await fetchStatus(
        {
          provider: 'twilio',
          label: 'Twilio',
          url: endpoint(config.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages/${encodeURIComponent(sid)}.json`),
          headers: { authorization, accept: 'application/json' },
        },
        options,
        (a) => a.status === 200 && typeof (a.json as TwilioMessage | undefined)?.status === 'string',
      );
      return twilioDelivery(answer.json as TwilioMessage);
    },
    async send(message) {
      checkMessage(message);
      return sendWithRetries(
        {
          provider: 'twilio',
          label: 'Twilio',
          credentials: 'Account SID and auth token',
          url,
          ...formPost({ To: message.to, ...sender, Body: message.text }, { authorization }),
          interpret,
        },
        options,
      );
    },
  };
}
