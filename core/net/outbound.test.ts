import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyHost } from '../../shared/net/address.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { makeTestContext } from '../../tests/support/coreContext.js';
import { INFOBIP_TEST, startSmsProviderServer, testSmsAccount, type SmsProviderServer } from '../../tests/support/smsProviderServer.js';
import { AppError } from '../errors.js';
import { SmsAccountService } from '../sms/accountService.js';
import { createSmsClient } from '../sms/providers/index.js';
import { resolveHost } from '../telephony/gateway/resolve.js';
import { checkOutboundUrl, outboundFetch, type LookupAll } from './outbound.js';

/** Every spelling of the cloud metadata address (and its neighbours) that URL parsers or getaddrinfo accept. */
const METADATA_SPELLINGS = [
  '169.254.169.254',
  '2852039166', // decimal
  '0xa9fea9fe', // hex
  '0xA9.0xFE.0xA9.0xFE',
  '0251.0376.0251.0376', // octal
  '169.254.43518', // inet_aton's short forms
  '169.16689662',
  '[::ffff:169.254.169.254]', // IPv4-mapped IPv6
  '[::ffff:a9fe:a9fe]',
  '[::169.254.169.254]', // IPv4-compatible
  '[64:ff9b::a9fe:a9fe]', // NAT64
  '[fd00:ec2::254]', // AWS IMDS over IPv6
  '[fe80::1]', // IPv6 link-local
  '169.254.0.1', // any link-local
  '100.100.100.200', // Alibaba
  'metadata.google.internal',
  'METADATA.GOOGLE.INTERNAL.',
  'metadata.goog',
  'instance-data',
  '0.0.0.0',
  '[::]',
];

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

async function asyncRefusal(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('outbound policy: where credentials may go', () => {
  it.each(METADATA_SPELLINGS)('refuses %s over https and http, with or without "allow insecure http"', (host) => {
    for (const scheme of ['https', 'http']) {
      for (const allowInsecureHttp of [false, true]) {
        const url = new URL(`${scheme}://${host}/sms/json`);
        expect(refusal(() => checkOutboundUrl(url, { allowInsecureHttp }, 'smsAccount', 'base URL')).code).toBe('smsAccount.blockedAddress');
      }
    }
  });

  it('the same spellings as a gateway host (typed, not a URL) are link-local, metadata or unspecified', () => {
    for (const host of METADATA_SPELLINGS) expect(['linkLocal', 'metadata', 'unspecified']).toContain(classifyHost(host));
    expect(classifyHost('2852039166')).toBe('metadata');
    expect(classifyHost('::ffff:169.254.169.254')).toBe('metadata');
  });

  it('https goes to public and private hosts; plain http only to loopback unless allowed', () => {
    const ok = (href: string, allowInsecureHttp = false) => checkOutboundUrl(new URL(href), { allowInsecureHttp }, 'smsAccount', 'base URL');
    expect(() => ok('https://api.twilio.com')).not.toThrow();
    expect(() => ok('https://192.168.1.10/send')).not.toThrow();
    expect(() => ok('http://127.0.0.1:8080')).not.toThrow();
    expect(() => ok('http://[::1]:8080')).not.toThrow();
    expect(() => ok('http://localhost:8080')).not.toThrow();
    expect(refusal(() => ok('http://api.twilio.com')).code).toBe('smsAccount.insecureHttp');
    expect(refusal(() => ok('http://192.168.1.10/default/en_US/send.html')).code).toBe('smsAccount.insecureHttp');
    // A GoIP on the office LAN: only with the explicit setting.
    expect(() => ok('http://192.168.1.10/default/en_US/send.html', true)).not.toThrow();
    expect(() => ok('http://10.0.0.7', true)).not.toThrow();
  });
});

describe('outbound policy in the SMS account and at send time', () => {
  let server: SmsProviderServer;
  const tmp = makeTempDir('autocall-outbound-');
  beforeAll(async () => {
    server = await startSmsProviderServer();
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('Settings > SMS account refuses metadata hosts and plain http off loopback; the setting allows the LAN gateway', () => {
    const t = makeTestContext(tmp.dir);
    try {
      const service = new SmsAccountService(t.ctx);
      const twilio = testSmsAccount('twilio', server.baseUrl);
      expect(refusal(() => service.save({ ...twilio, config: { ...twilio.config, baseUrl: 'http://2852039166' } })).code).toBe('smsAccount.blockedAddress');
      expect(refusal(() => service.save({ ...twilio, config: { ...twilio.config, baseUrl: 'https://metadata.google.internal' } })).code).toBe('smsAccount.blockedAddress');
      expect(refusal(() => service.save({ ...twilio, config: { ...twilio.config, baseUrl: 'http://api.twilio.com' } })).params).toMatchObject({ host: 'api.twilio.com' });
      const generic = testSmsAccount('generic', 'http://192.168.1.10');
      expect(refusal(() => service.save(generic)).code).toBe('smsAccount.insecureHttp');
      expect(service.save({ ...generic, config: { ...generic.config, allowInsecureHttp: 'true' } }).config.allowInsecureHttp).toBe('true');
      expect(refusal(() => service.save({ ...generic, config: { ...generic.config, allowInsecureHttp: 'yes' } })).code).toBe('smsAccount.badFlag');
      expect(service.save(twilio).config.allowInsecureHttp).toBe('false'); // loopback test server, http allowed
    } finally {
      t.close();
    }
  });

  /** A name server that answers the first lookup with `first` and every later one with `then`. */
  function rebinding(first: string, then: string): { lookup: LookupAll; calls: number } {
    const state: { lookup: LookupAll; calls: number } = { calls: 0, lookup: async () => [{ address: state.calls++ === 0 ? first : then, family: 4 }] };
    return state;
  }

  it('refuses a name that resolves to the metadata address, before anything is sent', async () => {
    const dns = rebinding('169.254.169.254', '169.254.169.254');
    const client = createSmsClient('infobip', { baseUrl: 'https://sms.example.test', apiKey: 'k', from: 'X' }, { lookupAll: dns.lookup, sleep: async () => {} });
    const err = await asyncRefusal(() => client.send({ to: '+6281234567890', text: 'hi' }));
    expect(err.code).toBe('sms.blockedAddress');
    expect(err.params).toMatchObject({ host: 'sms.example.test', address: '169.254.169.254', kind: 'metadata' });
  });

  it('connects to the address it checked: a rebinding name server cannot switch it to the metadata address', async () => {
    // The name resolves to the test server first; any later lookup would say 169.254.169.254.
    const dns = rebinding('127.0.0.1', '169.254.169.254');
    const port = new URL(server.baseUrl).port;
    const client = createSmsClient(
      'infobip',
      { baseUrl: `http://rebind.example.test:${port}`, apiKey: INFOBIP_TEST.apiKey, from: INFOBIP_TEST.from },
      { lookupAll: dns.lookup, sleep: async () => {}, outbound: { allowInsecureHttp: true } },
    );
    const result = await client.send({ to: '+6281234567890', text: 'hi' }).catch((e: unknown) => e);
    expect(dns.calls).toBe(1); // resolved once, at connect time, and connected there
    expect(result).toMatchObject({ accepted: true });
  });

  it('refuses at connect time when the only lookup answers with the metadata address (no earlier check to rely on)', async () => {
    const dns = rebinding('169.254.169.254', '127.0.0.1');
    const send = outboundFetch({ allowInsecureHttp: true }, dns.lookup);
    const err = await send('http://rebind.example.test/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('sms.blockedAddress');
  });

  it('plain http to a name is refused without the setting, before any lookup', async () => {
    const dns = rebinding('127.0.0.1', '127.0.0.1');
    const send = outboundFetch({ allowInsecureHttp: false }, dns.lookup);
    const err = await send('http://goip.office.test/').catch((e: unknown) => e);
    expect((err as AppError).code).toBe('sms.insecureHttp');
    expect(dns.calls).toBe(0);
  });
});

describe('the SIP gateway host', () => {
  it.each(['169.254.169.254', '2852039166', '0xa9fea9fe', '0251.0376.0251.0376', '[::ffff:169.254.169.254]', 'fd00:ec2::254', 'metadata.google.internal', '0.0.0.0'])(
    'refuses %s when resolving it',
    async (host) => {
      expect((await asyncRefusal(() => resolveHost(host))).code).toBe('gateway.blockedAddress');
    },
  );

  it('resolves loopback and private gateways as before', async () => {
    expect(await resolveHost('127.0.0.1')).toBe('127.0.0.1');
    expect(await resolveHost('192.168.1.20')).toBe('192.168.1.20');
    expect(await resolveHost('localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
