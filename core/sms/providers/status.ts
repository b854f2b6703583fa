import { checkOutboundUrl, outboundFetch, resolveChecked, systemLookupAll } from '../../net/outbound.js';
import { AppError } from '../../errors.js';
import type { ProviderAnswer } from './request.js';
import { shorten } from './request.js';
import { SMS_REQUEST_TIMEOUT_MS, type SmsClientOptions } from './types.js';

/**
 * What a provider says about a message it accepted: still on its way, or
 * final. `detail` is the provider's own status words, for the task page and
 * the export ("delivered", "UNDELIVERABLE_NOT_DELIVERED (EC_ABSENT_SUBSCRIBER)").
 */
export interface DeliveryCheck {
  state: 'pending' | 'delivered' | 'undelivered';
  detail: string;
}

export interface StatusRequest {
  provider: string;
  label: string;
  url: URL;
  headers: Record<string, string>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One status look-up: a GET, so asking again can never send anything.
 * It is not retried here; the delivery poller asks again later with its own
 * backoff (core/sms/delivery.ts). A failure is an AppError
 * `sms.statusFailed`; the URL is never put in it (it may hold credentials).
 */
export async function fetchStatus(request: StatusRequest, options: SmsClientOptions, accept: (answer: ProviderAnswer) => boolean): Promise<ProviderAnswer> {
  // The same outbound rule as sending (core/net/outbound.ts, docs/DOMAIN.md "Where credentials may go"):
  // a look-up carries the account's credentials too.
  const policy = options.outbound ?? { allowInsecureHttp: false };
  const lookupAll = options.lookupAll ?? systemLookupAll;
  const field = request.provider === 'generic' ? 'status URL template' : 'base URL';
  checkOutboundUrl(request.url, policy, 'sms', field);
  const doFetch = options.fetch ?? outboundFetch(policy, lookupAll, field);
  const timeoutMs = options.timeoutMs ?? SMS_REQUEST_TIMEOUT_MS;
  const fail = (detail: string, httpStatus: number | '') =>
    new AppError('sms.statusFailed', {
      provider: request.provider,
      host: request.url.host,
      httpStatus,
      detail,
    });
  let answer: ProviderAnswer;
  try {
    // An injected client connects by itself: check the name's addresses first at least.
    if (options.fetch) await resolveChecked(request.url.hostname, request.url.protocol === 'https:', policy, 'sms', field, lookupAll);
    const response = await doFetch(request.url, { method: 'GET', headers: request.headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    answer = { status: response.status, headers: response.headers, text, json: parseJson(text) };
  } catch (err) {
    // A policy refusal at request time: nothing was sent.
    if (err instanceof AppError) throw err;
    const detail = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `the connection failed (${errorCode(err)})`;
    throw fail(detail, '');
  }
  if (!accept(answer)) throw fail(`HTTP ${answer.status}: ${shorten(answer.text, 200)}`, answer.status);
  return answer;
}

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message : String(err);
}
