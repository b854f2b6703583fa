import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import {
  GOIP_TEST,
  startSmsProviderServer,
  testSmsAccount,
  TWILIO_TEST,
  VONAGE_TEST,
  type SmsProviderServer,
} from '../../tests/support/smsProviderServer.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { SmsAccountService, TEST_SMS_TEXT } from './accountService.js';

async function refusal(work: () => unknown): Promise<AppError> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('SmsAccountService', () => {
  let server: SmsProviderServer;
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let sleeps: number[];
  let service: SmsAccountService;

  beforeAll(async () => {
    server = await startSmsProviderServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    tmp = makeTempDir('autocall-sms-account-');
    t = makeTestContext(tmp.dir, { clock: { now: () => 1_767_200_000_000 } });
    sleeps = [];
    service = new SmsAccountService(t.ctx, { sleep: async (ms) => void sleeps.push(ms) });
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  it('has no account at first', async () => {
    expect(service.get()).toBeNull();
    expect((await refusal(() => service.client())).code).toBe('smsAccount.notSet');
    expect((await refusal(() => service.test({ to: '+6281234567890' }))).code).toBe('smsAccount.notSet');
  });

  it('saves settings in the row and the secret encrypted, and shows only that the secret is set', () => {
    const view = service.save(testSmsAccount('twilio', server.baseUrl));
    expect(view).toEqual({
      provider: 'twilio',
      active: true,
      config: { baseUrl: server.baseUrl, accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from, allowInsecureHttp: 'false' },
      secretsSet: { authToken: true },
      updatedAt: 1_767_200_000_000,
    });
    expect(JSON.stringify(service.get())).not.toContain(TWILIO_TEST.authToken);
    expect(t.ctx.secrets.get('sms.twilio.authToken')).toBe(TWILIO_TEST.authToken);
    const stored = t.ctx.db.prepare("SELECT ciphertext FROM secrets WHERE name = 'sms.twilio.authToken'").get() as { ciphertext: Buffer };
    expect(stored.ciphertext.includes(Buffer.from(TWILIO_TEST.authToken))).toBe(false);
  });

  it('fills settings left out with the provider defaults', () => {
    const view = service.save({ provider: 'twilio', active: false, config: { accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from }, secrets: { authToken: 't' } });
    expect(view.config.baseUrl).toBe('https://api.twilio.com');
    expect(view.active).toBe(false);
  });

  it('keeps a stored secret that is left out, and clears one sent empty', () => {
    service.save(testSmsAccount('generic', server.baseUrl));
    const { config } = testSmsAccount('generic', server.baseUrl);
    expect(service.save({ provider: 'generic', active: true, config, secrets: {} }).secretsSet).toEqual({ password: true });
    expect(t.ctx.secrets.get('sms.generic.password')).toBe(GOIP_TEST.password);
    expect(service.save({ provider: 'generic', active: true, config, secrets: { password: '' } }).secretsSet).toEqual({ password: false });
    expect(t.ctx.secrets.has('sms.generic.password')).toBe(false);
  });

  it('refuses unknown fields, missing required fields, bad URLs and bad patterns, writing nothing', async () => {
    const good = testSmsAccount('twilio', server.baseUrl);
    const cases: [string, Parameters<SmsAccountService['save']>[0]][] = [
      ['smsAccount.unknownField', { ...good, config: { ...good.config, apiKey: 'x' } }],
      ['smsAccount.unknownField', { ...good, secrets: { apiSecret: 'x' } }],
      ['smsAccount.missingField', { ...good, secrets: {} }],
      ['smsAccount.missingField', { ...good, config: { ...good.config, from: '  ' } }],
      ['smsAccount.badUrl', { ...good, config: { ...good.config, baseUrl: 'api.twilio.com' } }],
      ['smsAccount.badUrl', { ...good, config: { ...good.config, baseUrl: 'ftp://api.twilio.com' } }],
      ['smsAccount.urlCredentials', { ...good, config: { ...good.config, baseUrl: 'https://user:pw@api.twilio.com' } }],
    ];
    const generic = testSmsAccount('generic', server.baseUrl);
    cases.push(
      ['smsAccount.badPattern', { ...generic, config: { ...generic.config, successPattern: 'Sending (' } }],
      ['smsAccount.badMethod', { ...generic, config: { ...generic.config, method: 'PUT' } }],
      ['smsAccount.badUrl', { ...generic, config: { ...generic.config, urlTemplate: '{to}/send?m={message}' } }],
      ['smsAccount.noMessagePlaceholder', { ...generic, config: { ...generic.config, urlTemplate: 'https://10.0.0.1/send?n={to}' } }],
      ['smsAccount.noNumberPlaceholder', { ...generic, config: { ...generic.config, urlTemplate: 'https://10.0.0.1/send?m={message}' } }],
      ['smsAccount.bodyWithGet', { ...generic, config: { ...generic.config, bodyTemplate: 'm={message}' } }],
      // The optional status look-up (issue 10): a web address naming the message, and patterns that compile.
      ['smsAccount.noMessageIdPlaceholder', { ...generic, config: { ...generic.config, statusUrlTemplate: 'https://10.0.0.1/status?u={username}' } }],
      ['smsAccount.badUrl', { ...generic, config: { ...generic.config, statusUrlTemplate: 'status?id={messageId}' } }],
      ['smsAccount.badPattern', { ...generic, config: { ...generic.config, statusUrlTemplate: 'https://10.0.0.1/s?id={messageId}', deliveredPattern: 'DELIVERED(' } }],
      ['smsAccount.missingField', { ...generic, config: { ...generic.config, statusUrlTemplate: 'https://10.0.0.1/s?id={messageId}', deliveredPattern: ' ' } }],
    );
    for (const [code, input] of cases) {
      const err = await refusal(() => service.save(input));
      expect(err.code, JSON.stringify(input)).toBe(code);
    }
    expect(service.get()).toBeNull();
    expect(t.ctx.db.prepare('SELECT COUNT(*) AS n FROM secrets').get()).toEqual({ n: 0 });
  });

  it('statusClient() asks only the provider that sent the message, active or not', () => {
    service.save({ ...testSmsAccount('twilio', server.baseUrl), active: false });
    expect(service.statusClient('twilio')?.status).toBeTypeOf('function');
    expect(service.statusClient('infobip')).toBeNull();
    service.save(testSmsAccount('vonage', server.baseUrl));
    expect(service.statusClient('vonage')?.status).toBeUndefined();
  });

  it('takes a lowercase generic method and stores it uppercase', () => {
    const generic = testSmsAccount('generic', server.baseUrl);
    expect(service.save({ ...generic, config: { ...generic.config, method: 'get' } }).config.method).toBe('GET');
  });

  it('deletes the previous provider’s secrets when switching provider', () => {
    service.save(testSmsAccount('twilio', server.baseUrl));
    const view = service.save(testSmsAccount('vonage', server.baseUrl));
    expect(view).toMatchObject({ provider: 'vonage', config: { apiKey: VONAGE_TEST.apiKey }, secretsSet: { apiSecret: true } });
    expect(t.ctx.secrets.has('sms.twilio.authToken')).toBe(false);
    // Back to Twilio: the token must be entered again.
    const back = testSmsAccount('twilio', server.baseUrl);
    expect((refusalNow(() => service.save({ ...back, secrets: {} }))).code).toBe('smsAccount.missingField');
  });

  it('client() sends through the active account, and refuses while it is switched off', async () => {
    service.save(testSmsAccount('vonage', server.baseUrl));
    const result = await service.client().send({ to: '+6281234567890', text: 'Halo' });
    expect(result).toMatchObject({ accepted: true, attempts: 1 });
    expect(server.messages).toHaveLength(1);
    service.save({ ...testSmsAccount('vonage', server.baseUrl), active: false, secrets: {} });
    expect((await refusal(() => service.client())).code).toBe('smsAccount.inactive');
  });

  it('test() normalises the number (default region ID) and sends the default text, also while inactive', async () => {
    service.save({ ...testSmsAccount('twilio', server.baseUrl), active: false });
    const result = await service.test({ to: '0812-3456-7890' });
    expect(result).toMatchObject({ accepted: true, httpStatus: 201, attempts: 1 });
    expect(server.messages).toEqual([expect.objectContaining({ to: '+6281234567890', text: TEST_SMS_TEXT })]);
    await service.test({ to: '+62 812 3456 7890', text: '  Tes dari AutoCall ' });
    expect(server.messages[1]).toMatchObject({ to: '+6281234567890', text: 'Tes dari AutoCall' });
  });

  it('test() refuses a number that is not valid, before any request', async () => {
    service.save(testSmsAccount('twilio', server.baseUrl));
    for (const to of ['12345', '0812', 'not a number']) {
      const err = await refusal(() => service.test({ to }));
      expect(err.code).toBe('sms.badNumber');
      expect(err.message).toContain(to);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('test() reports the provider’s refusal of a wrong credential as sms.auth', async () => {
    service.save({ ...testSmsAccount('twilio', server.baseUrl), secrets: { authToken: 'wrong-token' } });
    const err = await refusal(() => service.test({ to: '+6281234567890' }));
    expect(err.code).toBe('sms.auth');
    expect(server.messages).toHaveLength(0);
  });

  it('retries through the injected sleep, without waiting', async () => {
    service.save(testSmsAccount('infobip', server.baseUrl));
    server.failNext(429, 1, { retryAfterSeconds: 3 });
    expect(await service.test({ to: '081234567890' })).toMatchObject({ accepted: true, attempts: 2 });
    expect(sleeps).toEqual([3000]);
  });

  it('sends by every provider through the saved account', async () => {
    for (const provider of ['twilio', 'vonage', 'infobip', 'zenziva', 'generic'] as const) {
      service.save(testSmsAccount(provider, server.baseUrl));
      await service.test({ to: '081234567890', text: `via ${provider}` });
    }
    expect(server.messages.map((m) => [m.provider, m.text])).toEqual([
      ['twilio', 'via twilio'],
      ['vonage', 'via vonage'],
      ['infobip', 'via infobip'],
      ['zenziva', 'via zenziva'],
      ['goip', 'via generic'],
    ]);
  });
});

function refusalNow(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}
