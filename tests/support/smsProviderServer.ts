import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isGsm7, smsSegments } from '../../shared/sms/segments.js';
import type { SmsProvider } from '../../shared/types.js';

/**
 * A real HTTP server on 127.0.0.1 standing in for the SMS providers. Each
 * provider's API is answered at its documented path, with its documented
 * authentication and its documented success and error bodies, so the
 * clients are tested against the same bytes they will meet in production:
 *
 *   Twilio   POST /2010-04-01/Accounts/{Sid}/Messages.json   HTTP Basic Sid:AuthToken, form
 *   Vonage   POST /sms/json                                    api_key/api_secret in the form (or JSON)
 *   Infobip  POST /sms/3/messages                              Authorization: App {key}, JSON
 *   Zenziva  POST /api/sendsms/  (and /reguler/api/sendsms/)   userkey/passkey in the form (or JSON)
 *   GoIP     GET|POST /default/en_US/send.html?u=&p=&l=&n=&m=  answers "Sending,L1 Send SMS to:n; ID:k" or "ERROR..."
 *
 * Delivery status look-ups (issue 10), for messages this server accepted:
 *
 *   Twilio   GET /2010-04-01/Accounts/{Sid}/Messages/{MessageSid}.json   the Message resource; status "sent" until
 *                                                                      `deliver()` makes it "delivered" or "undelivered" (error 30003)
 *   Infobip  GET /sms/3/reports?messageId=                              {results:[...]}: a report once `deliver()` made one,
 *                                                                      answered only once (Infobip's rule), then {results:[]}
 *   generic  GET /gateway/status?u=&p=&id=                              "ID:n PENDING" | "ID:n DELIVERED" | "ID:n UNDELIVERED":
 *                                                                      a made-up gateway for the configurable status URL
 *   Vonage and Zenziva have no status look-up to answer.
 *
 * Every accepted message is recorded in `messages`, every request in
 * `requests`. `failNext` makes the next requests fail the way that provider
 * fails: 429 (Vonage: status "1" Throttled), 500, 503, 401 (each provider's
 * bad-credentials answer) or an unparseable answer ('garbage').
 */

export const TWILIO_TEST = {
  accountSid: 'AC0123456789abcdef0123456789abcdef',
  authToken: 'twilio-test-auth-token-5f2c',
  from: '+15005550006',
} as const;

export const VONAGE_TEST = { apiKey: 'a1b2c3d4', apiSecret: 'VonageTestSecret9', from: 'AutoCall' } as const;

export const INFOBIP_TEST = { apiKey: 'infobip-test-key-0d6e4079e2e74a', from: 'AutoCall' } as const;

export const ZENZIVA_TEST = { userkey: 'zz-test-user', passkey: 'zz-test-pass-71' } as const;

/** The password holds characters that must be URL-encoded, to catch a client that forgets. */
export const GOIP_TEST = { username: 'admin', password: 'goip p@ss&1' } as const;

export type ServedProvider = 'twilio' | 'vonage' | 'infobip' | 'zenziva' | 'goip';

export interface SentSms {
  provider: ServedProvider;
  /** As the provider received it: +62... (Twilio), 62... (Vonage, Infobip), 08... (Zenziva), as given (GoIP). */
  to: string;
  text: string;
  from: string | null;
  at: number;
  /** The message ID the server answered with. */
  id: string;
  /** Provider-specific request fields worth checking (Vonage type, the Zenziva field names, the GoIP line). */
  meta: Record<string, string>;
}

export interface ReceivedRequest {
  provider: ServedProvider | null;
  method: string;
  path: string;
  status: number;
}

export type ForcedFailure = 429 | 500 | 503 | 401 | 'garbage';

export interface SmsProviderServer {
  baseUrl: string;
  messages: SentSms[];
  requests: ReceivedRequest[];
  /** The next `count` requests to a provider path fail this way. */
  failNext(failure: ForcedFailure, count?: number, options?: { retryAfterSeconds?: number }): void;
  /** The handset's answer for a message this server accepted (by the ID it answered with). */
  deliver(messageId: string, outcome: 'delivered' | 'undelivered'): void;
  /** Forgets messages, requests, deliveries and pending failures; GoIP IDs start at 1 again. */
  reset(): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(value),
  contentType: 'application/json',
  ...(headers ? { headers } : {}),
});
const text = (status: number, body: string): Reply => ({ status, body, contentType: 'text/html' });

const GARBAGE = text(200, '<html><head><title>Welcome</title></head><body>It works!</body></html>');

/** An SMS body arrives form-encoded or as JSON; both become a flat record of strings. */
function parseFields(req: IncomingMessage, raw: string): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      const value = JSON.parse(raw) as unknown;
      if (!value || typeof value !== 'object') return {};
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function messageId(prefix: string, hexChars: number): string {
  return prefix + randomBytes(Math.ceil(hexChars / 2)).toString('hex').slice(0, hexChars);
}

/** What a phone shows when Vonage sends a non-GSM text as plain GSM: each unknown character becomes "?". */
function asGsm(text: string): string {
  return [...text].map((c) => (isGsm7(c) ? c : '?')).join('');
}

export async function startSmsProviderServer(): Promise<SmsProviderServer> {
  const messages: SentSms[] = [];
  const requests: ReceivedRequest[] = [];
  let failures: { failure: ForcedFailure; retryAfterSeconds?: number }[] = [];
  let goipNextId = 1;
  const deliveries = new Map<string, 'delivered' | 'undelivered'>();
  /** Infobip answers each delivery report once: the IDs whose report was already fetched. */
  const reportsTaken = new Set<string>();

  const record = (m: Omit<SentSms, 'at'>) => messages.push({ ...m, at: Date.now() });

  // ---- each provider's documented answers to a forced failure ----

  function forced(provider: ServedProvider, f: ForcedFailure, retryAfterSeconds?: number): Reply {
    const retryHeaders = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : undefined;
    if (f === 'garbage') return GARBAGE;
    if (f === 500 || f === 503) {
      const reason = f === 500 ? 'Internal Server Error' : 'Service Unavailable';
      if (provider === 'twilio') return json(f, { code: 20500, message: reason, more_info: 'https://www.twilio.com/docs/errors/20500', status: f });
      if (provider === 'infobip') return json(f, { errorCode: `E${f}`, description: reason, action: 'Try again later.', violations: [], resources: [] });
      return text(f, `<html><body><h1>${f} ${reason}</h1></body></html>`);
    }
    if (f === 429) {
      switch (provider) {
        case 'twilio':
          return json(429, { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 }, retryHeaders);
        case 'vonage':
          return json(200, { 'message-count': '1', messages: [{ status: '1', 'error-text': 'Throttled' }] }, retryHeaders);
        case 'infobip':
          return json(429, { errorCode: 'E429', description: 'Too many requests', action: 'Slow down the request rate.', violations: [], resources: [] }, retryHeaders);
        default:
          return { ...text(429, 'Too Many Requests'), ...(retryHeaders ? { headers: retryHeaders } : {}) };
      }
    }
    return unauthorized(provider);
  }

  function unauthorized(provider: ServedProvider): Reply {
    switch (provider) {
      case 'twilio':
        return json(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      case 'vonage':
        return json(200, { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] });
      case 'infobip':
        return json(401, { errorCode: 'E401', description: 'Invalid login details', action: 'Check the API key.', violations: [], resources: [] });
      case 'zenziva':
        return json(200, { status: '0', text: 'Userkey / Passkey Salah' });
      case 'goip':
        return text(200, 'ERROR,username or password error');
    }
  }

  // ---- the providers ----

  function twilio(req: IncomingMessage, accountSid: string, raw: string): Reply {
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${TWILIO_TEST.accountSid}:${TWILIO_TEST.authToken}`).toString('base64')}`;
    if (auth !== expected || accountSid !== TWILIO_TEST.accountSid) return unauthorized('twilio');
    const f = parseFields(req, raw);
    const to = f.To ?? '';
    const from = f.From ?? f.MessagingServiceSid ?? '';
    const body = f.Body ?? '';
    const error = (code: number, message: string) => json(400, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
    if (!to) return error(21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return error(21211, `Invalid 'To' Phone Number: ${to}`);
    if (!from) return error(21603, "A 'From' phone number is required.");
    if (from !== TWILIO_TEST.from) return error(21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    if (!body) return error(21602, 'Message body is required.');
    if (body.length > 1600) return error(21617, 'The concatenated message body exceeds the 1600 character limit.');
    const sid = messageId('SM', 32);
    record({ provider: 'twilio', to, text: body, from, id: sid, meta: {} });
    const now = new Date().toUTCString();
    return json(201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      num_media: '0',
      num_segments: String(Math.max(1, smsSegments(body).parts)),
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  }

  function vonage(req: IncomingMessage, raw: string): Reply {
    const f = parseFields(req, raw);
    const fail = (status: string, errorText: string) => json(200, { 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
    if (!f.api_key) return fail('2', 'Missing api_key');
    if (!f.api_secret) return fail('2', 'Missing api_secret');
    if (f.api_key !== VONAGE_TEST.apiKey || f.api_secret !== VONAGE_TEST.apiSecret) return unauthorized('vonage');
    if (!f.from) return fail('2', 'Missing from param');
    if (!f.to) return fail('2', 'Missing to param');
    if (!/^[1-9]\d{6,14}$/.test(f.to)) return fail('3', 'Invalid to address');
    if (!f.text) return fail('2', 'Missing text param');
    const type = f.type ?? 'text';
    const delivered = type === 'unicode' ? f.text : asGsm(f.text);
    const parts = Math.max(1, smsSegments(delivered).parts);
    const ids = Array.from({ length: parts }, () => messageId('', 16).toUpperCase());
    record({ provider: 'vonage', to: f.to, text: delivered, from: f.from, id: ids[0] ?? '', meta: { type } });
    return json(200, {
      'message-count': String(parts),
      messages: ids.map((id) => ({ to: f.to, 'message-id': id, status: '0', 'remaining-balance': '3.14159265', 'message-price': '0.03330000', network: '51010' })),
    });
  }

  function infobip(req: IncomingMessage, raw: string): Reply {
    if (req.headers.authorization !== `App ${INFOBIP_TEST.apiKey}`) return unauthorized('infobip');
    const bad = (property: string, violation: string) =>
      json(400, { errorCode: 'E400', description: 'Request cannot be processed.', action: 'Check the syntax, violations and adjust the request.', violations: [{ property, violation }], resources: [] });
    let body: { messages?: { sender?: string; destinations?: { to?: string }[]; content?: { text?: string } }[] };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return bad('body', 'must be valid JSON');
    }
    if (!Array.isArray(body?.messages) || body.messages.length === 0) return bad('messages', 'must not be empty');
    const answered: unknown[] = [];
    const accepted: Omit<SentSms, 'at'>[] = [];
    for (const [i, m] of body.messages.entries()) {
      if (!m.content?.text) return bad(`messages[${i}].content.text`, 'must not be blank');
      if (!Array.isArray(m.destinations) || m.destinations.length === 0) return bad(`messages[${i}].destinations`, 'must not be empty');
      for (const [j, d] of m.destinations.entries()) {
        if (!d.to || !/^\+?[1-9]\d{6,14}$/.test(d.to)) return bad(`messages[${i}].destinations[${j}].to`, 'must be a valid phone number');
        const id = messageId('', 24);
        accepted.push({ provider: 'infobip', to: d.to, text: m.content.text, from: m.sender ?? null, id, meta: {} });
        answered.push({ messageId: id, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' }, destination: d.to });
      }
    }
    for (const a of accepted) record(a);
    return json(200, { bulkId: messageId('', 24), messages: answered });
  }

  function zenziva(req: IncomingMessage, raw: string): Reply {
    const f = parseFields(req, raw);
    if (f.userkey !== ZENZIVA_TEST.userkey || f.passkey !== ZENZIVA_TEST.passkey) return unauthorized('zenziva');
    const to = f.to ?? f.nohp ?? '';
    const pesan = f.message ?? f.pesan ?? '';
    if (!/^(08|628)\d{7,12}$/.test(to)) return json(200, { messageId: '', to, status: '0', text: 'Nomor tujuan tidak valid' });
    if (!pesan) return json(200, { messageId: '', to, status: '0', text: 'Pesan tidak boleh kosong' });
    const id = String(Math.floor(Math.random() * 9e8) + 1e8);
    const names = [f.to !== undefined ? 'to' : '', f.nohp !== undefined ? 'nohp' : ''].filter(Boolean).join(',');
    record({ provider: 'zenziva', to, text: pesan, from: null, id, meta: { numberFields: names } });
    return json(200, { messageId: id, to, status: '1', text: 'Success' });
  }

  function goip(req: IncomingMessage, url: URL, raw: string): Reply {
    const f = req.method === 'POST' ? { ...Object.fromEntries(url.searchParams), ...parseFields(req, raw) } : Object.fromEntries(url.searchParams);
    if (f.u !== GOIP_TEST.username || f.p !== GOIP_TEST.password) return unauthorized('goip');
    const line = f.l ?? '1';
    if (!f.n) return text(200, `ERROR,L${line} no number`);
    if (!f.m) return text(200, `ERROR,L${line} no message`);
    const id = String(goipNextId++);
    record({ provider: 'goip', to: f.n, text: f.m, from: null, id, meta: { line } });
    return text(200, `Sending,L${line} Send SMS to:${f.n}; ID:${id}`);
  }

  // ---- delivery status look-ups ----

  function twilioStatus(req: IncomingMessage, accountSid: string, sid: string): Reply {
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${TWILIO_TEST.accountSid}:${TWILIO_TEST.authToken}`).toString('base64')}`;
    if (auth !== expected || accountSid !== TWILIO_TEST.accountSid) return unauthorized('twilio');
    const sent = messages.find((m) => m.provider === 'twilio' && m.id === sid);
    if (!sent) {
      return json(404, { code: 20404, message: `The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${sid}.json was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
    }
    const outcome = deliveries.get(sid);
    const status = outcome ?? 'sent';
    return json(200, {
      account_sid: accountSid,
      sid,
      to: sent.to,
      from: sent.from,
      body: sent.text,
      status,
      error_code: outcome === 'undelivered' ? 30003 : null,
      error_message: outcome === 'undelivered' ? 'Unreachable destination handset' : null,
      direction: 'outbound-api',
    });
  }

  function infobipReports(req: IncomingMessage, url: URL): Reply {
    if (req.headers.authorization !== `App ${INFOBIP_TEST.apiKey}`) return unauthorized('infobip');
    const messageId = url.searchParams.get('messageId') ?? '';
    const sent = messages.find((m) => m.provider === 'infobip' && m.id === messageId);
    const outcome = deliveries.get(messageId);
    if (!sent || !outcome || reportsTaken.has(messageId)) return json(200, { results: [] });
    reportsTaken.add(messageId);
    const status =
      outcome === 'delivered'
        ? { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET', description: 'Message delivered to handset' }
        : { groupId: 2, groupName: 'UNDELIVERABLE', id: 9, name: 'UNDELIVERABLE_NOT_DELIVERED', description: 'Message sent not delivered' };
    const error =
      outcome === 'delivered'
        ? { groupId: 0, groupName: 'OK', id: 0, name: 'NO_ERROR', description: 'No Error', permanent: false }
        : { groupId: 1, groupName: 'HANDSET_ERRORS', id: 27, name: 'EC_ABSENT_SUBSCRIBER', description: 'Absent Subscriber', permanent: false };
    return json(200, { results: [{ messageId, to: sent.to, sender: sent.from, sentAt: new Date(sent.at).toISOString(), doneAt: new Date().toISOString(), status, error }] });
  }

  function genericStatus(url: URL): Reply {
    const f = Object.fromEntries(url.searchParams);
    if (f.u !== GOIP_TEST.username || f.p !== GOIP_TEST.password) return unauthorized('goip');
    const id = f.id ?? '';
    if (!messages.some((m) => m.provider === 'goip' && m.id === id)) return text(200, `ERROR,no message ID:${id}`);
    const outcome = deliveries.get(id);
    return text(200, `ID:${id} ${outcome === 'delivered' ? 'DELIVERED' : outcome === 'undelivered' ? 'UNDELIVERED' : 'PENDING'}`);
  }

  function route(req: IncomingMessage, url: URL): { provider: ServedProvider; handle: (raw: string) => Reply } | null {
    const path = url.pathname;
    const twilioStatusPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(path);
    if (twilioStatusPath && req.method === 'GET') {
      return { provider: 'twilio', handle: () => twilioStatus(req, decodeURIComponent(twilioStatusPath[1] ?? ''), decodeURIComponent(twilioStatusPath[2] ?? '')) };
    }
    if (path === '/sms/3/reports' && req.method === 'GET') return { provider: 'infobip', handle: () => infobipReports(req, url) };
    if (path === '/gateway/status' && req.method === 'GET') return { provider: 'goip', handle: () => genericStatus(url) };
    const twilioPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (twilioPath && req.method === 'POST') return { provider: 'twilio', handle: (raw) => twilio(req, decodeURIComponent(twilioPath[1] ?? ''), raw) };
    if (path === '/sms/json' && req.method === 'POST') return { provider: 'vonage', handle: (raw) => vonage(req, raw) };
    if (path === '/sms/3/messages' && req.method === 'POST') return { provider: 'infobip', handle: (raw) => infobip(req, raw) };
    if (/^(\/reguler)?\/api\/sendsms\/?$/.test(path) && req.method === 'POST') return { provider: 'zenziva', handle: (raw) => zenziva(req, raw) };
    if (path === '/default/en_US/send.html' && (req.method === 'GET' || req.method === 'POST')) return { provider: 'goip', handle: (raw) => goip(req, url, raw) };
    return null;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const target = route(req, url);
      let reply: Reply;
      if (!target) {
        reply = json(404, { message: `No SMS API at ${req.method} ${url.pathname}` });
      } else {
        const pending = failures.shift();
        reply = pending ? forced(target.provider, pending.failure, pending.retryAfterSeconds) : target.handle(raw);
      }
      requests.push({ provider: target?.provider ?? null, method: req.method ?? '', path: url.pathname, status: reply.status });
      res.writeHead(reply.status, { 'content-type': reply.contentType, ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    messages,
    requests,
    failNext(failure, count = 1, options = {}) {
      for (let i = 0; i < count; i++) failures.push({ failure, ...(options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : {}) });
    },
    deliver(messageId, outcome) {
      deliveries.set(messageId, outcome);
    },
    reset() {
      deliveries.clear();
      reportsTaken.clear();
      messages.length = 0;
      requests.length = 0;
      failures = [];
      goipNextId = 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An SMS account (the input of SmsAccountService.save) pointing `provider` at this server with the test credentials. */
export function testSmsAccount(
  provider: SmsProvider,
  baseUrl: string,
): { provider: SmsProvider; active: boolean; config: Record<string, string>; secrets: Record<string, string> } {
  switch (provider) {
    case 'twilio':
      return { provider, active: true, config: { baseUrl, accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from }, secrets: { authToken: TWILIO_TEST.authToken } };
    case 'vonage':
      return { provider, active: true, config: { baseUrl, apiKey: VONAGE_TEST.apiKey, from: VONAGE_TEST.from }, secrets: { apiSecret: VONAGE_TEST.apiSecret } };
    case 'infobip':
      return { provider, active: true, config: { baseUrl, from: INFOBIP_TEST.from }, secrets: { apiKey: INFOBIP_TEST.apiKey } };
    case 'zenziva':
      return { provider, active: true, config: { baseUrl, userkey: ZENZIVA_TEST.userkey }, secrets: { passkey: ZENZIVA_TEST.passkey } };
    case 'generic':
      return {
        provider,
        active: true,
        config: {
          method: 'GET',
          urlTemplate: `${baseUrl}/default/en_US/send.html?u={username}&p={password}&l=1&n={to}&m={message}`,
          bodyTemplate: '',
          contentType: 'application/x-www-form-urlencoded',
          username: GOIP_TEST.username,
          successPattern: 'Sending',
        },
        secrets: { password: GOIP_TEST.password },
      };
  }
}

/** A URL on 127.0.0.1 where nothing listens (a port just released): connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
