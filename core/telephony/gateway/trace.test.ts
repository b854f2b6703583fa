import { describe, expect, it } from 'vitest';
import { dialledNumber } from './numberFormat.js';
import { maskSecrets } from './trace.js';

describe('trace masking', () => {
  it('masks the digest response and cnonce, keeps what support needs', () => {
    const text = [
      'INVITE sip:1@gw SIP/2.0',
      'Proxy-Authorization: Digest username="trunk7", realm="gw", nonce="abc", uri="sip:1@gw", response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="c0ffee", qop=auth, nc=00000001',
      'authorization: Basic dHJ1bms3OnMzY3IzdA==',
      'From: <sip:a@b>;tag=1',
      '',
    ].join('\r\n');
    const masked = maskSecrets(text);
    expect(masked).toContain('username="trunk7"');
    expect(masked).toContain('response="***"');
    expect(masked).toContain('cnonce="***"');
    expect(masked).not.toContain('0123456789abcdef');
    expect(masked).not.toContain('c0ffee');
    expect(masked).toContain('authorization: Basic ***');
    expect(masked).not.toContain('dHJ1bms3');
    expect(masked).toContain('From: <sip:a@b>;tag=1');
  });
});

describe('dialled number formats', () => {
  it('writes E.164, E.164 without plus, or national with the trunk prefix', () => {
    expect(dialledNumber('+6281234567890', 'e164')).toBe('+6281234567890');
    expect(dialledNumber('+6281234567890', 'e164NoPlus')).toBe('6281234567890');
    expect(dialledNumber('+6281234567890', 'national')).toBe('081234567890');
    expect(dialledNumber('+622150001234', 'national')).toBe('02150001234');
    expect(() => dialledNumber('0812', 'e164')).toThrow(/E\.164/);
  });
});
