import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GOIP_TEST,
  INFOBIP_TEST,
  refusedUrl,
  startSmsProviderServer,
  testSmsAccount,
  TWILIO_TEST,
  VONAGE_TEST,
  ZENZIVA_TEST,
  type SmsProviderServer,
} from '../../../tests/support/smsProviderServer.js';
import type { SmsProvider } from '../../../shared/types.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { genericClient } from './generic.js';
import { createSmsClient } from './index.js';
import { infobipClient } from './infobip.js';
import { twilioClient } from './twilio.js';
import type { SmsClientOptions } from './types.js';
import { vonageClient } from './vonage.js';
import { zenzivaClient } from './zenziva.js';

const TO = '+6281234567890';

async function refusal(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err;
  }
  throw new Error('expected an AppError, the send succeeded');
}

describe('SMS provider clients against the local provider server', () => {
  let server: SmsProviderServer;
  let sleeps: number[];
  let logged: string[];
  let options: SmsClientOptions;

  beforeAll(async () => {
    server = await startSmsProviderServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    sleeps = [];
    logged = [];
    const log: Logger = {
      info: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
      warn: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
      error: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
    };
    options = { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, log };
  });

  /** Every provider, configured the way the account service would, with the test credentials. */
  function clientFor(provider: SmsProvider, overrides: Record<string, string> = {}, opts: SmsClientOptions = options) {
    const account = testSmsAccount(provider, server.baseUrl);
    return createSmsClient(provider, { ...account.config, ...account.secrets, ...overrides }, opts);
  }

  describe('Twilio', () => {
    it('sends with HTTP Basic and the form fields To, From, Body', async () => {
      const result = await clientFor('twilio').send({ to: TO, text: 'Halo Budi & Ani, promo 50%!' });
      expect(result).toMatchObject({ accepted: true, httpStatus: 201, attempts: 1 });
      expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
      expect(server.messages).toEqual([
        expect.objectContaining({ provider: 'twilio', to: TO, from: TWILIO_TEST.from, text: 'Halo Budi & Ani, promo 50%!', id: result.providerMessageId }),
      ]);
      expect(JSON.parse(`{"a":${JSON.stringify(result.providerAnswer)}}`).a).toContain('"status":"queued"');
    });

    it('reports a wrong auth token as sms.auth with Twilio’s message, without retrying', async () => {
      const err = await refusal(() => clientFor('twilio', { authToken: 'wrong' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.auth');
      expect(err.message).toContain('Authenticate (Twilio error 20003)');
      expect(err.message).toContain('Check them in Settings > SMS account.');
      expect(err.params).toMatchObject({ provider: 'twilio', httpStatus: 401, attempts: 1 });
      expect(server.requests).toHaveLength(1);
      expect(server.messages).toHaveLength(0);
    });

    it('reports a 4xx refusal as sms.rejected with the provider’s message', async () => {
      const err = await refusal(() => clientFor('twilio', { from: '+15550000000' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.rejected');
      expect(err.message).toContain('is not a valid, SMS-capable inbound phone number');
      expect(err.message).toContain('21606');
      expect(server.requests).toHaveLength(1);
    });

    it('retries 429 with backoff and jitter, then succeeds, counting attempts', async () => {
      server.failNext(429, 2);
      const result = await clientFor('twilio').send({ to: TO, text: 'x' });
      expect(result).toMatchObject({ accepted: true, attempts: 3 });
      // random() = 0.5: half the backoff plus a quarter of it: 1000 -> 750, 2000 -> 1500.
      expect(sleeps).toEqual([750, 1500]);
      expect(server.requests.map((r) => r.status)).toEqual([429, 429, 201]);
      expect(server.messages).toHaveLength(1);
    });

    it('waits what Retry-After asks', async () => {
      server.failNext(429, 1, { retryAfterSeconds: 7 });
      expect((await clientFor('twilio').send({ to: TO, text: 'x' })).attempts).toBe(2);
      expect(sleeps).toEqual([7000]);
    });

    it('gives up as sms.throttled when Retry-After would pass the 30 s bound', async () => {
      server.failNext(429, 5, { retryAfterSeconds: 20 });
      const err = await refusal(() => clientFor('twilio').send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.throttled');
      expect(err.message).toContain('asked to wait 20 s');
      expect(err.params).toMatchObject({ attempts: 2, httpStatus: 429 });
      expect(sleeps).toEqual([20000]);
    });

    it('stops after 4 attempts when 500 persists: sms.providerError', async () => {
      server.failNext(500, 10);
      const err = await refusal(() => clientFor('twilio').send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.providerError');
      expect(err.params).toMatchObject({ attempts: 4, httpStatus: 500 });
      expect(err.message).toContain('Internal Server Error');
      expect(server.requests).toHaveLength(4);
      expect(sleeps).toEqual([750, 1500, 3000]);
      expect(server.messages).toHaveLength(0);
    });

    it('does not retry a 504: the provider may have queued the message', async () => {
      const gateway = createServer((_req, res) => res.writeHead(504).end('Gateway Timeout'));
      const url = await listen(gateway);
      try {
        const err = await refusal(() => clientFor('twilio', { baseUrl: url }).send({ to: TO, text: 'x' }));
        expect(err.code).toBe('sms.uncertain');
        expect(err.params).toMatchObject({ attempts: 1 });
      } finally {
        await close(gateway);
      }
    });

    it('names the host when the connection is refused, after retrying', async () => {
      const url = await refusedUrl();
      const err = await refusal(() => clientFor('twilio', { baseUrl: url }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.unreachable');
      expect(err.message).toContain(new URL(url).host);
      expect(err.message).toContain('refused');
      expect(err.params).toMatchObject({ attempts: 4 });
    });

    it('answers sms.badAnswer for an answer that is not Twilio’s', async () => {
      server.failNext('garbage');
      const err = await refusal(() => clientFor('twilio').send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.badAnswer');
      expect(err.params).toMatchObject({ attempts: 1, httpStatus: 200 });
      expect(String(err.params?.providerAnswer)).toContain('It works!');
    });

    it('never logs a secret, even while retrying', async () => {
      server.failNext(503, 1);
      await clientFor('twilio').send({ to: TO, text: 'x' });
      expect(logged.length).toBeGreaterThan(0);
      const all = logged.join('\n');
      expect(all).not.toContain(TWILIO_TEST.authToken);
      expect(all).not.toContain(Buffer.from(`${TWILIO_TEST.accountSid}:${TWILIO_TEST.authToken}`).toString('base64'));
    });
  });

  describe('requests that may have reached the provider are not retried', () => {
    it('a timeout is sms.uncertain after one attempt', async () => {
      const silent = createServer(() => {
        /* never answers */
      });
      const url = await listen(silent);
      try {
        const client = twilioClient({ baseUrl: url, accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from, authToken: TWILIO_TEST.authToken }, { ...options, timeoutMs: 300 });
        const err = await refusal(() => client.send({ to: TO, text: 'x' }));
        expect(err.code).toBe('sms.uncertain');
        expect(err.message).toContain('may or may not have been sent');
        expect(err.params).toMatchObject({ attempts: 1 });
        expect(sleeps).toEqual([]);
      } finally {
        silent.closeAllConnections();
        await close(silent);
      }
    });

    it('a connection closed after the request was written is sms.uncertain after one attempt', async () => {
      let received = 0;
      const dropper = createServer((req) => {
        received += 1;
        req.socket.destroy();
      });
      const url = await listen(dropper);
      try {
        const err = await refusal(() => clientFor('twilio', { baseUrl: url }).send({ to: TO, text: 'x' }));
        expect(err.code).toBe('sms.uncertain');
        expect(received).toBe(1);
      } finally {
        await close(dropper);
      }
    });
  });

  describe('Vonage', () => {
    it('sends GSM text with api_key/api_secret, the number without its plus sign', async () => {
      const result = await clientFor('vonage').send({ to: TO, text: 'Halo Budi' });
      expect(result).toMatchObject({ accepted: true, httpStatus: 200, attempts: 1 });
      expect(server.messages).toEqual([expect.objectContaining({ provider: 'vonage', to: '6281234567890', from: VONAGE_TEST.from, text: 'Halo Budi', meta: { type: 'text' } })]);
      expect(result.providerMessageId).toBe(server.messages[0]?.id);
    });

    it('sends a UCS-2 text with type=unicode, so Chinese arrives intact', async () => {
      await vonageClient({ baseUrl: server.baseUrl, ...VONAGE_TEST }, options).send({ to: TO, text: '您好 Budi，欢迎！' });
      expect(server.messages[0]).toMatchObject({ text: '您好 Budi，欢迎！', meta: { type: 'unicode' } });
    });

    it('accepts a long message answered as several parts', async () => {
      const result = await clientFor('vonage').send({ to: TO, text: 'a'.repeat(200) });
      expect(result.accepted).toBe(true);
      expect(result.providerAnswer).toContain('"message-count":"2"');
    });

    it('reads status "4" as sms.auth, inside an HTTP 200', async () => {
      const err = await refusal(() => clientFor('vonage', { apiSecret: 'wrong' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.auth');
      expect(err.message).toContain('Bad Credentials (status 4)');
      expect(err.params).toMatchObject({ httpStatus: 200, attempts: 1 });
    });

    it('retries status "1" (throttled) and then succeeds', async () => {
      server.failNext(429, 1);
      expect(await clientFor('vonage').send({ to: TO, text: 'x' })).toMatchObject({ accepted: true, attempts: 2 });
      expect(server.messages).toHaveLength(1);
    });

    it('answers sms.badAnswer for HTML', async () => {
      server.failNext('garbage');
      expect((await refusal(() => clientFor('vonage').send({ to: TO, text: 'x' }))).code).toBe('sms.badAnswer');
    });
  });

  describe('Infobip', () => {
    it('sends JSON with Authorization: App {key}', async () => {
      const result = await infobipClient({ baseUrl: server.baseUrl, ...INFOBIP_TEST }, options).send({ to: TO, text: 'Halo' });
      expect(result).toMatchObject({ accepted: true, httpStatus: 200, attempts: 1 });
      expect(server.messages).toEqual([expect.objectContaining({ provider: 'infobip', to: '6281234567890', from: 'AutoCall', text: 'Halo', id: result.providerMessageId })]);
    });

    it('reports a wrong key as sms.auth with the errorCode', async () => {
      const err = await refusal(() => clientFor('infobip', { apiKey: 'nope' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.auth');
      expect(err.message).toContain('Invalid login details (E401)');
    });

    it('retries E429 and then succeeds', async () => {
      server.failNext(429, 3);
      expect(await clientFor('infobip').send({ to: TO, text: 'x' })).toMatchObject({ accepted: true, attempts: 4 });
      expect(sleeps).toEqual([750, 1500, 3000]);
    });

    it('gives up with sms.throttled when 429 persists past 4 attempts', async () => {
      server.failNext(429, 4);
      const err = await refusal(() => clientFor('infobip').send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.throttled');
      expect(err.message).toContain('Too many requests (E429)');
      expect(err.params).toMatchObject({ attempts: 4 });
    });
  });

  describe('Zenziva', () => {
    it('sends the Indonesian number in local form 08..., under both field names', async () => {
      const result = await zenzivaClient({ baseUrl: server.baseUrl, ...ZENZIVA_TEST }, options).send({ to: TO, text: 'Halo' });
      expect(result).toMatchObject({ accepted: true, attempts: 1 });
      expect(server.messages).toEqual([expect.objectContaining({ provider: 'zenziva', to: '081234567890', text: 'Halo', meta: { numberFields: 'to,nohp' } })]);
      expect(result.providerMessageId).toBe(server.messages[0]?.id);
    });

    it('keeps a base URL path: .../reguler + /api/sendsms/', async () => {
      await clientFor('zenziva', { baseUrl: `${server.baseUrl}/reguler/` }).send({ to: TO, text: 'Halo' });
      expect(server.requests[0]?.path).toBe('/reguler/api/sendsms/');
    });

    it('refuses a number outside Indonesia before sending', async () => {
      const err = await refusal(() => clientFor('zenziva').send({ to: '+14155550100', text: 'x' }));
      expect(err.code).toBe('sms.badNumber');
      expect(server.requests).toHaveLength(0);
    });

    it('reads status "0" with "Userkey / Passkey Salah" as sms.auth', async () => {
      const err = await refusal(() => clientFor('zenziva', { passkey: 'bad' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.auth');
      expect(err.message).toContain('Userkey / Passkey Salah');
    });

    it('answers sms.badAnswer for HTML', async () => {
      server.failNext('garbage');
      expect((await refusal(() => clientFor('zenziva').send({ to: TO, text: 'x' }))).code).toBe('sms.badAnswer');
    });
  });

  describe('generic (GoIP)', () => {
    it('sends by GET with URL-encoded values and reads the message ID from "Sending ... ID:n"', async () => {
      const client = clientFor('generic');
      let last;
      for (let i = 1; i <= 5; i++) last = await client.send({ to: TO, text: `Promo #${i}: 50% & gratis ongkir 中文` });
      expect(last).toMatchObject({ accepted: true, providerMessageId: '5', httpStatus: 200, attempts: 1 });
      expect(last?.providerAnswer).toBe(`Sending,L1 Send SMS to:${TO}; ID:5`);
      expect(server.messages[4]).toMatchObject({ provider: 'goip', to: TO, text: 'Promo #5: 50% & gratis ongkir 中文' });
      expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
    });

    it('reads an "ERROR" answer about the password as sms.auth', async () => {
      const err = await refusal(() => clientFor('generic', { password: 'wrong' }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.auth');
      expect(err.message).toContain('ERROR,username or password error');
    });

    it('reads another "error" answer as sms.rejected, even though it does not say Sending', async () => {
      const urlTemplate = `${server.baseUrl}/default/en_US/send.html?u={username}&p={password}&l=1&m={message}`;
      const err = await refusal(() => clientFor('generic', { urlTemplate }).send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.rejected');
      expect(err.message).toContain('ERROR,L1 no number');
    });

    it('answers sms.badAnswer when the success text is missing', async () => {
      server.failNext('garbage');
      const err = await refusal(() => clientFor('generic').send({ to: TO, text: 'x' }));
      expect(err.code).toBe('sms.badAnswer');
      expect(err.message).toContain('does not contain the success text "Sending"');
    });

    it('sends by POST with a form body and {toLocal}', async () => {
      const client = genericClient(
        {
          method: 'POST',
          urlTemplate: `${server.baseUrl}/default/en_US/send.html`,
          bodyTemplate: 'u={username}&p={password}&l=2&n={toLocal}&m={message}',
          contentType: 'application/x-www-form-urlencoded',
          username: GOIP_TEST.username,
          password: GOIP_TEST.password,
          from: '',
          successPattern: '^Sending',
        },
        options,
      );
      const result = await client.send({ to: TO, text: 'a+b=c & d' });
      expect(result.providerMessageId).toBe('1');
      expect(server.messages[0]).toMatchObject({ to: '081234567890', text: 'a+b=c & d', meta: { line: '2' } });
    });

    it('escapes values for a JSON body', async () => {
      const client = genericClient(
        {
          method: 'POST',
          urlTemplate: `${server.baseUrl}/default/en_US/send.html`,
          bodyTemplate: '{"u":"{username}","p":"{password}","n":"{to}","m":"{message}"}',
          contentType: 'application/json',
          username: GOIP_TEST.username,
          password: GOIP_TEST.password,
          from: '',
          successPattern: 'Sending',
        },
        options,
      );
      await client.send({ to: TO, text: 'He said "hi"\nnew line \\ done' });
      expect(server.messages[0]?.text).toBe('He said "hi"\nnew line \\ done');
    });
  });

  describe('delivery status look-ups (issue 10)', () => {
    const GENERIC_STATUS = () => ({ statusUrlTemplate: `${server.baseUrl}/gateway/status?u={username}&p={password}&id={messageId}` });

    it('Twilio: GETs the Message resource with HTTP Basic; sent is pending, delivered and undelivered are final', async () => {
      const client = clientFor('twilio');
      const a = await client.send({ to: TO, text: 'a' });
      const b = await client.send({ to: TO, text: 'b' });
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'pending', detail: 'sent' });
      server.deliver(a.providerMessageId!, 'delivered');
      server.deliver(b.providerMessageId!, 'undelivered');
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'delivered', detail: 'delivered' });
      expect(await client.status!(b.providerMessageId!)).toEqual({ state: 'undelivered', detail: 'undelivered (Twilio error 30003): Unreachable destination handset' });
      const lookUp = server.requests.at(-1)!;
      expect(lookUp).toMatchObject({ provider: 'twilio', method: 'GET', path: `/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Messages/${b.providerMessageId}.json`, status: 200 });
    });

    it('Twilio: an unknown message or wrong credentials are sms.statusFailed, never a delivery state', async () => {
      const unknown = await refusal(() => clientFor('twilio').status!('SM00000000000000000000000000000000'));
      expect(unknown.code).toBe('sms.statusFailed');
      expect(unknown.params).toMatchObject({ provider: 'twilio', httpStatus: 404 });
      expect(unknown.message).toContain('was not found');
      const sent = await clientFor('twilio').send({ to: TO, text: 'a' });
      expect((await refusal(() => clientFor('twilio', { authToken: 'wrong' }).status!(sent.providerMessageId!))).params).toMatchObject({ httpStatus: 401 });
    });

    it('Infobip: GETs /sms/3/reports?messageId= with App key; no report yet is pending; a report is answered once', async () => {
      const client = clientFor('infobip');
      const a = await client.send({ to: TO, text: 'a' });
      const b = await client.send({ to: TO, text: 'b' });
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'pending', detail: 'no report yet' });
      server.deliver(a.providerMessageId!, 'delivered');
      server.deliver(b.providerMessageId!, 'undelivered');
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'delivered', detail: 'DELIVERED_TO_HANDSET' });
      expect(await client.status!(b.providerMessageId!)).toEqual({ state: 'undelivered', detail: 'UNDELIVERABLE_NOT_DELIVERED (EC_ABSENT_SUBSCRIBER)' });
      // Infobip answers a report only once: asked again, it has none.
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'pending', detail: 'no report yet' });
      expect(server.requests.at(-1)).toMatchObject({ provider: 'infobip', method: 'GET', path: '/sms/3/reports', status: 200 });
      expect((await refusal(() => clientFor('infobip', { apiKey: 'nope' }).status!(a.providerMessageId!))).code).toBe('sms.statusFailed');
    });

    it('generic: the configured status URL, read with the delivered and undelivered patterns', async () => {
      const client = clientFor('generic', { ...GENERIC_STATUS(), deliveredPattern: 'DELIVERED', undeliveredPattern: 'UNDELIVERED|FAILED' });
      const a = await client.send({ to: TO, text: 'a' });
      const b = await client.send({ to: TO, text: 'b' });
      expect(await client.status!(a.providerMessageId!)).toEqual({ state: 'pending', detail: `ID:${a.providerMessageId} PENDING` });
      server.deliver(a.providerMessageId!, 'delivered');
      server.deliver(b.providerMessageId!, 'undelivered');
      expect((await client.status!(a.providerMessageId!)).state).toBe('delivered');
      // "UNDELIVERED" contains "DELIVERED": the undelivered pattern is read first.
      expect((await client.status!(b.providerMessageId!)).state).toBe('undelivered');
    });

    it('generic without a status URL, Vonage and Zenziva have no status look-up', () => {
      expect(clientFor('generic').status).toBeUndefined();
      expect(clientFor('vonage').status).toBeUndefined();
      expect(clientFor('zenziva').status).toBeUndefined();
    });

    it('a provider that cannot be reached is sms.statusFailed after one attempt (the poller asks again later)', async () => {
      const url = await refusedUrl();
      const err = await refusal(() => clientFor('twilio', { baseUrl: url }).status!('SM1'));
      expect(err.code).toBe('sms.statusFailed');
      expect(err.message).toContain('ECONNREFUSED');
      expect(sleeps).toEqual([]);
    });
  });

  it('refuses a number that is not E.164 before any request', async () => {
    for (const provider of ['twilio', 'vonage', 'infobip', 'zenziva', 'generic'] as const) {
      expect((await refusal(() => clientFor(provider).send({ to: '081234567890', text: 'x' }))).code).toBe('sms.badNumber');
    }
    expect(server.requests).toHaveLength(0);
  });
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
