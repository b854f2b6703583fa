import { describe, expect, it } from 'vitest';
import { DigestSession, digestAuthorization, parseAuthParams, parseChallenge } from './digest.js';

describe('Digest (RFC 2617 §3.5, RFC 3261 §22.4)', () => {
  it('reproduces the RFC 2617 §3.5 example response', () => {
    const challenge = parseChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    const value = digestAuthorization({ challenge, method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', nc: 1, cnonce: '0a4f113b' });
    expect(value).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(value).toContain('nc=00000001');
    expect(value).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('answers without qop as RFC 2069 (MD5(HA1:nonce:HA2))', () => {
    const challenge = parseChallenge('Digest realm="r", nonce="n"')!;
    const value = digestAuthorization({ challenge, method: 'INVITE', uri: 'sip:a@b', username: 'u', password: 'p', nc: 1 });
    expect(value).not.toContain('qop=');
    expect(value).not.toContain('cnonce');
  });

  it('parses quoted values with commas and escapes, stale and algorithm', () => {
    expect(parseAuthParams('realm="a, b", nonce=xyz, opaque="q\\"t"')).toEqual({ realm: 'a, b', nonce: 'xyz', opaque: 'q"t' });
    expect(parseChallenge('Digest realm="r", nonce="n", stale=TRUE, algorithm=md5')).toMatchObject({ stale: true, algorithm: 'MD5' });
    expect(parseChallenge('Basic realm="r"')).toBeNull();
    expect(parseChallenge('Digest realm="r", nonce="n", qop="auth-int"')).toBeNull();
    expect(parseChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5')).toBeNull();
  });

  it('counts nonce uses, retries stale once, refuses a second plain challenge', () => {
    const session = new DigestSession('u', 'p');
    const first = session.answer(401, ['Digest realm="r", nonce="n1", qop="auth"'], 'INVITE', 'sip:x@y');
    expect(first.ok).toBe(true);
    const stale = session.answer(401, ['Digest realm="r", nonce="n2", qop="auth", stale=true'], 'INVITE', 'sip:x@y');
    expect(stale.ok).toBe(true);
    const staleAgain = session.answer(401, ['Digest realm="r", nonce="n3", qop="auth", stale=true'], 'INVITE', 'sip:x@y');
    expect(staleAgain).toMatchObject({ ok: false, problem: { code: 'sip.authFailed', params: { realm: 'r' } } });
    const other = new DigestSession('u', 'p');
    other.answer(407, ['Digest realm="r", nonce="n1"'], 'INVITE', 'sip:x@y');
    expect(other.answer(407, ['Digest realm="r", nonce="n9"'], 'INVITE', 'sip:x@y')).toMatchObject({ ok: false, problem: { code: 'sip.authFailed' } });
  });

  it('needs a password, and can refuse a realm it does not expect', () => {
    expect(new DigestSession('u', undefined).answer(401, ['Digest realm="r", nonce="n"'], 'INVITE', 'sip:x@y')).toMatchObject({ ok: false, problem: { code: 'sip.passwordMissing' } });
    expect(new DigestSession('u', 'p', 'office').answer(401, ['Digest realm="evil", nonce="n"'], 'INVITE', 'sip:x@y')).toMatchObject({
      ok: false,
      problem: { code: 'sip.wrongRealm', params: { realm: 'evil', expected: 'office' } },
    });
  });

  it('prefers SHA-256 when offered beside MD5 (RFC 8760)', () => {
    const session = new DigestSession('u', 'p');
    const answer = session.answer(401, ['Digest realm="r", nonce="n", algorithm=MD5', 'Digest realm="r", nonce="n", algorithm=SHA-256'], 'REGISTER', 'sip:y');
    expect(answer.ok && answer.header.value).toMatch(/algorithm=SHA-256/);
    expect(answer.ok && answer.header.value).toMatch(/response="[0-9a-f]{64}"/);
  });
});
