import type { SmsSendResult } from '../../../shared/types.js';
import type { ErrorCode } from '../../../shared/messages/errorMessage.js';
import { AppError } from '../../errors.js';
import { checkOutboundUrl, outboundFetch, resolveChecked, systemLookupAll } from '../../net/outbound.js';
import { SMS_MAX_ATTEMPTS, SMS_MAX_WAIT_MS, SMS_REQUEST_TIMEOUT_MS, realSleep, type SmsClientOptions } from './types.js';

/** What came back over HTTP; `json` is the parsed body when it is JSON. */
export interface ProviderAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Why a provider did not take a message, as read from its answer. */
export type RefusalKind = 'throttled' | 'serverError' | 'auth' | 'rejected' | 'uncertain' | 'badAnswer';

/** A provider's reading of one answer. */
export type Verdict = { kind: 'accepted'; messageId: string | null } | { kind: RefusalKind; detail: string };

export interface ProviderCall {
  provider: string;
  /** The provider's name as users know it: "Twilio". */
  label: string;
  /** Which settings hold the credentials, for the sms.auth message: "Account SID and auth token". */
  credentials: string;
  url: URL;
  method: ProviderRequest['method'];
  headers: Record<string, string>;
  body?: string;
  interpret(answer: ProviderAnswer): Verdict;
}

const ANSWER_MAX = 500;

export function shorten(text: string, max = ANSWER_MAX): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The HTTP status alone, for answers a provider has no special reading of.
 * 504 is not retried: the gateway in front of the provider gave up waiting,
 * which says nothing about whether the provider queued the message.
 */
export function verdictFromStatus(answer: ProviderAnswer, detail: string): Verdict | null {
  const { status } = answer;
  if (status >= 200 && status < 300) return null;
  if (status === 401 || status === 403) return { kind: 'auth', detail };
  if (status === 429) return { kind: 'throttled', detail };
  if (status === 504) return { kind: 'uncertain', detail: `the gateway in front of it timed out (HTTP 504)` };
  if (status >= 500) return { kind: 'serverError', detail };
  if (status >= 300 && status < 400) {
    const location = answer.headers.get('location');
    return { kind: 'badAnswer', detail: `it redirects to ${location ?? 'another address'}; put that address in the base URL` };
  }
  return { kind: 'rejected', detail };
}

/** Connection failures before anything was sent: safe to try again (the SMS cannot have left). */
const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens at that address and port)',
  ENOTFOUND: 'the host name was not found (DNS)',
  EAI_AGAIN: 'the name server did not answer (DNS)',
  EHOSTUNREACH: 'there is no network route to it',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available',
  UND_ERR_CONNECT_TIMEOUT: 'the connection attempt timed out',
};

type NetworkFailure =
  | { kind: 'connect'; retryable: boolean; detail: string }
  | { kind: 'uncertain'; detail: string };

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
    visit(cause, depth + 1);
  };
  visit(err, 0);
  return codes;
}

/**
 * A failed fetch, sorted by whether the request may have reached the
 * provider. Only failures to connect are retried; a timeout or a broken
 * connection after the request was written may have sent the SMS, and
 * sending it again would be a duplicate (docs/DOMAIN.md: duplicate SMS is a known
 * complaint), so those are reported as uncertain.
 */
function classifyNetworkError(err: unknown, timeoutMs: number): NetworkFailure {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return { kind: 'uncertain', detail: `it did not answer within ${Math.round(timeoutMs / 1000)} s` };
  }
  const codes = errorCodes(err);
  for (const code of codes) {
    const reason = CONNECT_FAILURES[code];
    if (reason) return { kind: 'connect', retryable: true, detail: reason };
    if (/^(CERT_|ERR_TLS|ERR_SSL|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) {
      return { kind: 'connect', retryable: false, detail: `its TLS certificate was not accepted (${code})` };
    }
  }
  const code = codes[0] ?? (err instanceof Error ? err.message : String(err));
  return { kind: 'uncertain', detail: `the connection broke before the answer arrived (${code})` };
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

interface Failure {
  kind: RefusalKind | 'unreachable';
  detail: string;
  httpStatus: number | null;
  answer: string;
}

/**
 * The error code of each way a provider call fails. Typed against the
 * catalog, so a code without an English sentence (and, through the renderer's
 * typed catalogs, without a translation) fails the type check; the e2e i18n
 * check reads them from here too (tests/e2e/i18n.spec.ts).
 */
export const FAILURE_CODE = {
  auth: 'sms.auth',
  rejected: 'sms.rejected',
  throttled: 'sms.throttled',
  serverError: 'sms.providerError',
  unreachable: 'sms.unreachable',
  uncertain: 'sms.uncertain',
  badAnswer: 'sms.badAnswer',
} as const satisfies Record<Failure['kind'], ErrorCode>;

function toAppError(call: ProviderCall, failure: Failure, attempts: number): AppError {
  return new AppError(FAILURE_CODE[failure.kind], {
    provider: call.provider,
    host: call.url.host,
    attempts,
    httpStatus: failure.httpStatus ?? '',
    providerAnswer: failure.answer,
    detail: failure.detail,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface ProviderRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * One request to a provider under the outbound rule (core/net/outbound.ts,
 * docs/DOMAIN.md "Where credentials may go"), for sending and for status
 * look-ups alike: the URL is refused before anything leaves (a metadata or
 * link-local address in any spelling, plain http off loopback without the
 * setting), and the default client resolves, checks and connects to the
 * checked address in one step (no DNS rebinding in between). `field` names
 * the setting the URL comes from, for the refusal. Throws the client's own
 * error (connection, timeout) or an AppError for a refused address.
 */
export function providerExchange(url: URL, options: SmsClientOptions, field: string): { timeoutMs: number; send: (request: ProviderRequest) => Promise<ProviderAnswer> } {
  const policy = options.outbound ?? { allowInsecureHttp: false };
  const lookupAll = options.lookupAll ?? systemLookupAll;
  checkOutboundUrl(url, policy, 'sms', field);
  const doFetch = options.fetch ?? outboundFetch(policy, lookupAll, field);
  const timeoutMs = options.timeoutMs ?? SMS_REQUEST_TIMEOUT_MS;
  return {
    timeoutMs,
    async send(request) {
      // An injected client connects by itself: check the name's addresses first at least.
      if (options.fetch) await resolveChecked(url.hostname, url.protocol === 'https:', policy, 'sms', field, lookupAll);
      const response = await doFetch(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        // A POST that follows a redirect turns into a GET or is resent elsewhere: report it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    },
  };
}

/** A form-encoded POST that asks for JSON back (Twilio, Vonage and Zenziva take their parameters this way). */
export function formPost(form: URLSearchParams | Record<string, string>, headers: Record<string, string> = {}): ProviderRequest {
  return {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  };
}

/**
 * One SMS through one provider, with bounded retries: 429 and 5xx answers
 * (and a provider's own "throttled") and failures to connect are tried again
 * with exponential backoff and jitter, or after the provider's Retry-After;
 * at most `maxAttempts` attempts and `maxWaitMs` of waiting in all.
 * Nothing here logs a URL or a body: they hold credentials.
 */
export async function sendWithRetries(call: ProviderCall, options: SmsClientOptions = {}): Promise<SmsSendResult> {
  const exchange = providerExchange(call.url, options, call.provider === 'generic' ? 'URL template' : 'base URL');
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? SMS_MAX_ATTEMPTS;
  const maxWaitMs = options.maxWaitMs ?? SMS_MAX_WAIT_MS;
  const logFields = { provider: call.provider, host: call.url.host };

  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    let failure: Failure;
    let retryable = false;
    let retryAfter: number | null = null;
    try {
      const answer = await exchange.send(call);
      const verdict = call.interpret(answer);
      if (verdict.kind === 'accepted') {
        options.log?.info('sms accepted', { ...logFields, attempts: attempt, messageId: verdict.messageId });
        return { accepted: true, providerMessageId: verdict.messageId, httpStatus: answer.status, providerAnswer: shorten(answer.text), attempts: attempt };
      }
      failure = { kind: verdict.kind, detail: verdict.detail, httpStatus: answer.status, answer: shorten(answer.text) };
      retryable = verdict.kind === 'throttled' || verdict.kind === 'serverError';
      retryAfter = retryable ? retryAfterMs(answer.headers, now()) : null;
    } catch (err) {
      // A policy refusal at request time: nothing was sent, and trying again would be refused again.
      if (err instanceof AppError) throw err;
      const network = classifyNetworkError(err, exchange.timeoutMs);
      if (network.kind === 'connect') {
        failure = { kind: 'unreachable', detail: network.detail, httpStatus: null, answer: '' };
        retryable = network.retryable;
      } else {
        failure = { kind: 'uncertain', detail: network.detail, httpStatus: null, answer: '' };
      }
    }

    if (!retryable || attempt >= maxAttempts) throw toAppError(call, failure, attempt);
    const backoff = Math.min(8000, 1000 * 2 ** (attempt - 1));
    const delay = retryAfter ?? Math.round(backoff / 2 + (random() * backoff) / 2);
    if (waited + delay > maxWaitMs) {
      if (retryAfter !== null) failure.detail += `; it asked to wait ${Math.ceil(retryAfter / 1000)} s`;
      throw toAppError(call, failure, attempt);
    }
    options.log?.warn('sms attempt failed, retrying', { ...logFields, attempt, httpStatus: failure.httpStatus, kind: failure.kind, waitMs: delay });
    await sleep(delay);
    waited += delay;
  }
}
