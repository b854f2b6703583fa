import { AppError } from '../../errors.js';
import { checkMessage, nationalDigits } from './message.js';
import { sendWithRetries, shorten, verdictFromStatus, type ProviderAnswer, type Verdict } from './request.js';
import { fetchStatus } from './status.js';
import type { SmsClient, SmsClientOptions } from './types.js';

export interface GenericConfig {
  method: 'GET' | 'POST';
  /** e.g. http://192.168.1.10/default/en_US/send.html?u={username}&p={password}&l=1&n={to}&m={message} */
  urlTemplate: string;
  /** Sent as the body of a POST; empty for none. */
  bodyTemplate: string;
  contentType: string;
  username: string;
  password: string;
  from: string;
  /** A regular expression (case-insensitive) the answer matches when the gateway took the message. */
  successPattern: string;
  /**
   * Optional status look-up: a GET URL with {messageId} (and {username},
   * {password}); the answer is read with the two patterns below. Empty: the
   * gateway has no status look-up and delivery is not tracked.
   */
  statusUrlTemplate?: string;
  deliveredPattern?: string;
  undeliveredPattern?: string;
}

export const GENERIC_STATUS_PLACEHOLDERS = ['messageId', 'username', 'password'] as const;

/** Fills {messageId}, {username} and {password} in the status URL template, URL-encoded. */
export function fillStatusUrl(template: string, values: Record<(typeof GENERIC_STATUS_PLACEHOLDERS)[number], string>): string {
  return template.replace(/\{(messageId|username|password)\}/g, (_, name: keyof typeof values) => encodeURIComponent(values[name]));
}

export const GENERIC_PLACEHOLDERS = ['to', 'toLocal', 'message', 'username', 'password', 'from'] as const;
type Placeholder = (typeof GENERIC_PLACEHOLDERS)[number];

const PLACEHOLDER = new RegExp(`\\{(${GENERIC_PLACEHOLDERS.join('|')})\\}`, 'g');

/** Fills the known placeholders; other braces (a JSON body's) stay as written. */
export function fillTemplate(template: string, values: Record<Placeholder, string>, encode: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_, name: Placeholder) => encode(values[name]));
}

/** How a value is written into the body, by its content type. */
function bodyEncoder(contentType: string): (v: string) => string {
  if (/json/i.test(contentType)) return (v) => JSON.stringify(v).slice(1, -1);
  if (/x-www-form-urlencoded/i.test(contentType)) return encodeURIComponent;
  return (v) => v;
}

/** GoIP answers "Sending,L1 Send SMS to:0812...; ID:5": the number after ID: names the message. */
const MESSAGE_ID = /\bID\s*:\s*([A-Za-z0-9_-]+)/i;
const AUTH_WORDS = /password|username|user name|auth|login/i;

export function compileSuccessPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new AppError('sms.badPattern', { pattern });
  }
}

/**
 * A gateway with a plain HTTP API, GoIP first (docs/DOMAIN.md: GET
 * /default/en_US/send.html?u=&p=&l=&n=&m=, answer "Sending ... ID:n" or
 * "error"). The URL template's values are URL-encoded; the body's are
 * encoded for its content type. {to} is E.164 (+62...), {toLocal} the
 * national form (0812...). The gateway took the message when its answer
 * matches the success pattern and does not say "error".
 */
export function genericClient(config: GenericConfig, options: SmsClientOptions = {}): SmsClient {
  const success = compileSuccessPattern(config.successPattern);
  const method = config.method.toUpperCase() === 'POST' ? 'POST' : 'GET';

  const interpret = (answer: ProviderAnswer): Verdict => {
    const said = shorten(answer.text, 200);
    const byStatus = verdictFromStatus(answer, said || `HTTP ${answer.status}`);
    if (byStatus) return byStatus;
    if (/error/i.test(answer.text)) return AUTH_WORDS.test(answer.text) ? { kind: 'auth', detail: said } : { kind: 'rejected', detail: said };
    if (!success.test(answer.text)) {
      return { kind: 'badAnswer', detail: `the answer "${said}" does not contain the success text "${config.successPattern}"` };
    }
    return { kind: 'accepted', messageId: MESSAGE_ID.exec(answer.text)?.[1] ?? null };
  };

  const statusTemplate = config.statusUrlTemplate?.trim() ?? '';
  const delivered = statusTemplate ? compileSuccessPattern(config.deliveredPattern ?? '') : null;
  const undelivered = statusTemplate && config.undeliveredPattern ? compileSuccessPattern(config.undeliveredPattern) : null;

  return {
    provider: 'generic',
    // Only when a status URL is configured: most plain HTTP gateways have no status look-up.
    ...(statusTemplate && delivered
      ? {
          async status(messageId: string) {
            let url: URL;
            try {
              url = new URL(fillStatusUrl(statusTemplate, { messageId, username: config.username, password: config.password }));
            } catch {
              throw new AppError('sms.badBaseUrl', { url: statusTemplate });
            }
            const answer = await fetchStatus({ provider: 'generic', label: 'SMS gateway', url, headers: {} }, options, (a) => a.status >= 200 && a.status < 300);
            const said = shorten(answer.text, 200);
            // The undelivered pattern first: "NOT DELIVERED" must not count as delivered.
            if (undelivered?.test(answer.text)) return { state: 'undelivered' as const, detail: said };
            if (delivered.test(answer.text)) return { state: 'delivered' as const, detail: said };
            return { state: 'pending' as const, detail: said };
          },
        }
      : {}),
    async send(message) {
      checkMessage(message);
      const values: Record<Placeholder, string> = {
        to: message.to,
        toLocal: nationalDigits(message.to),
        message: message.text,
        username: config.username,
        password: config.password,
        from: config.from,
      };
      let url: URL;
      try {
        url = new URL(fillTemplate(config.urlTemplate, values, encodeURIComponent));
      } catch {
        // The template, not the filled URL: that one holds the password.
        throw new AppError('sms.badBaseUrl', { url: config.urlTemplate });
      }
      const hasBody = method === 'POST' && config.bodyTemplate !== '';
      return sendWithRetries(
        {
          provider: 'generic',
          label: 'SMS gateway',
          credentials: 'user name and password',
          url,
          method,
          headers: hasBody ? { 'content-type': config.contentType || 'application/x-www-form-urlencoded' } : {},
          ...(hasBody ? { body: fillTemplate(config.bodyTemplate, values, bodyEncoder(config.contentType)) } : {}),
          interpret,
        },
        options,
      );
    },
  };
}
