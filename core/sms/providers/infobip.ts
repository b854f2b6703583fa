import { checkMessage, endpoint, senderId, withoutPlus } from './message.js';
import { sendWithRetries, verdictFromStatus, type ProviderAnswer, type Verdict } from './request.js';
import { fetchStatus, type DeliveryCheck } from './status.js';
import type { SmsClient, SmsClientOptions } from './types.js';

export interface InfobipConfig {
  baseUrl: string;
  apiKey: string;
  /** Optional: the account's default sender is used when empty. */
  from?: string;
}

interface InfobipError {
  /** v3 error body. */
  errorCode?: string;
  description?: string;
  violations?: { property?: string; violation?: string }[];
  /** Older error body, still answered by some endpoints. */
  requestError?: { serviceException?: { messageId?: string; text?: string } };
}

interface InfobipAnswer {
  bulkId?: string;
  messages?: {
    messageId?: string;
    status?: { groupId?: number; groupName?: string; name?: string; description?: string };
  }[];
}

function errorDetail(answer: ProviderAnswer): string {
  const body = answer.json as InfobipError | undefined;
  if (!body || typeof body !== 'object') return `HTTP ${answer.status}`;
  const old = body.requestError?.serviceException;
  if (old?.text) return old.messageId ? `${old.text} (${old.messageId})` : old.text;
  const parts: string[] = [];
  if (body.description) parts.push(body.description);
  for (const v of body.violations ?? []) if (v.violation) parts.push(v.property ? `${v.property}: ${v.violation}` : v.violation);
  if (parts.length === 0) return body.errorCode ?? `HTTP ${answer.status}`;
  return body.errorCode ? `${parts.join('; ')} (${body.errorCode})` : parts.join('; ');
}

/** Infobip status groups a fresh message may be in: 1 PENDING, 3 DELIVERED. */
const ACCEPTED_GROUPS = new Set(['PENDING', 'DELIVERED']);

interface InfobipReports {
  results?: {
    messageId?: string;
    status?: { groupName?: string; name?: string; description?: string };
    error?: { groupName?: string; name?: string; description?: string; permanent?: boolean };
  }[];
}

/**
 * Infobip status groups: DELIVERED is final and good; UNDELIVERABLE,
 * EXPIRED and REJECTED are final and bad; PENDING is on its way.
 */
export function infobipDelivery(reports: InfobipReports, messageId: string): DeliveryCheck {
  const report = reports.results?.find((r) => r.messageId === messageId);
  // No report yet: the handset has not answered (a report is answered only once, docs/DOMAIN.md "SMS providers").
  if (!report?.status?.groupName) return { state: 'pending', detail: 'no report yet' };
  const group = report.status.groupName;
  const error = report.error?.name && report.error.name !== 'NO_ERROR' ? ` (${report.error.name})` : '';
  const detail = `${report.status.name ?? group}${error}`;
  if (group === 'DELIVERED') return { state: 'delivered', detail };
  if (group === 'UNDELIVERABLE' || group === 'EXPIRED' || group === 'REJECTED') return { state: 'undelivered', detail };
  return { state: 'pending', detail };
}

/**
 * Infobip SMS API v3: POST {base}/sms/3/messages with `Authorization: App {key}`
 * and {messages:[{sender, destinations:[{to}], content:{text}}]}, `to` in
 * international form without the plus sign. The answer lists each message
 * with messageId and status.groupName; errors carry errorCode (E401, E429, ...)
 * and a description.
 */
export function infobipClient(config: InfobipConfig, options: SmsClientOptions = {}): SmsClient {
  const url = endpoint(config.baseUrl, '/sms/3/messages');
  const sender = config.from?.trim() ? senderId(config.from) : undefined;

  const interpret = (answer: ProviderAnswer): Verdict => {
    const byStatus = verdictFromStatus(answer, errorDetail(answer));
    if (byStatus) return byStatus;
    const body = answer.json as InfobipAnswer | undefined;
    const first = body && typeof body === 'object' && Array.isArray(body.messages) ? body.messages[0] : undefined;
    if (!first || typeof first.messageId !== 'string' || typeof first.status?.groupName !== 'string') {
      return { kind: 'badAnswer', detail: 'the answer has no message with an ID and a status' };
    }
    if (!ACCEPTED_GROUPS.has(first.status.groupName)) {
      return { kind: 'rejected', detail: `${first.status.description ?? first.status.name ?? 'refused'} (${first.status.groupName})` };
    }
    return { kind: 'accepted', messageId: first.messageId };
  };

  return {
    provider: 'infobip',
    async status(messageId) {
      const url = endpoint(config.baseUrl, '/sms/3/reports');
      url.searchParams.set('messageId', messageId);
      const answer = await fetchStatus(
        { provider: 'infobip', label: 'Infobip', url, headers: { authorization: `App ${config.apiKey}`, accept: 'application/json' } },
        options,
        (a) => a.status === 200 && Array.isArray((a.json as InfobipReports | undefined)?.results),
      );
      return infobipDelivery(answer.json as InfobipReports, messageId);
    },
    async send(message) {
      checkMessage(message);
      const body = {
        messages: [{ ...(sender ? { sender } : {}), destinations: [{ to: withoutPlus(message.to) }], content: { text: message.text } }],
      };
      return sendWithRetries(
        {
          provider: 'infobip',
          label: 'Infobip',
          credentials: 'API key',
          url,
          method: 'POST',
          headers: { authorization: `App ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          interpret,
        },
        options,
      );
    },
  };
}
