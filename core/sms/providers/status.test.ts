import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { fetchStatus, type StatusRequest } from './status.js';

/** A status look-up carries the account's credentials: it obeys the same outbound rule as sending. */
describe('fetchStatus outbound rule', () => {
  const request = (url: string): StatusRequest => ({ provider: 'generic', label: 'Gateway', url: new URL(url), headers: { Authorization: 'Basic c2VjcmV0' } });
  const neverFetch = (() => {
    throw new Error('the request must not leave');
  }) as unknown as typeof fetch;
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof AppError) return err.code;
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it.each(['http://169.254.169.254/status?id=1', 'https://2852039166/status?id=1', 'https://[::ffff:169.254.169.254]/s', 'https://metadata.google.internal/s'])(
    'refuses %s before anything leaves',
    async (url) => {
      expect(await codeOf(fetchStatus(request(url), { fetch: neverFetch, outbound: { allowInsecureHttp: true } }, () => true))).toBe('sms.blockedAddress');
    },
  );

  it('refuses plain http off loopback unless insecure http is allowed, and then resolves the name first', async () => {
    expect(await codeOf(fetchStatus(request('http://10.0.0.5/status?id=1'), { fetch: neverFetch }, () => true))).toBe('sms.insecureHttp');
    const lookedUp: string[] = [];
    const lookupAll = async (host: string) => (lookedUp.push(host), [{ address: '169.254.169.254', family: 4 }]);
    expect(await codeOf(fetchStatus(request('https://status.example/s?id=1'), { fetch: neverFetch, lookupAll }, () => true))).toBe('sms.blockedAddress');
    expect(lookedUp).toEqual(['status.example']);
  });
});
