import { AppError } from '../../errors.js';
import type { ProviderAnswer } from './request.js';
import { providerExchange, shorten } from './request.js';
import type { SmsClientOptions } from './types.js';

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

/**
 * One status look-up: a GET, so asking again can never send anything.
 * It is not retried here; the delivery poller asks again later with its own
 * backoff (core/sms/delivery.ts). A failure is an AppError
 * `sms.statusFailed`; the URL is never put in it (it may hold credentials).
 */
export async function fetchStatus(request: StatusRequest, options: SmsClientOptions, accept: (answer: ProviderAnswer) => boolean): Promise<ProviderAnswer> {
  // The same outbound rule as sending: a look-up carries the account's credentials too.
  const exchange = providerExchange(request.url, options, request.provider === 'generic' ? 'status URL template' : 'base URL');
  const timeoutMs = exchange.timeoutMs;
  const fail = (detail: string, httpStatus: number | '') =>
    new AppError('sms.statusFailed', `${request.label} (${request.url.host}) could not say whether the SMS was delivered: ${detail}. The app asks again later.`, {
      provider: request.provider,
      host: request.url.host,
      httpStatus,
      detail,
    });
  let answer: ProviderAnswer;
  try {
    answer = await exchange.send({ method: 'GET', headers: request.headers });
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
