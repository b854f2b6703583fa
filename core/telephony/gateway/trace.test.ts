import { describe, expect, it } from 'vitest';
import { dialledNumber } from './numberFormat.js';
import { maskSecrets, TraceRecorder } from './trace.js';

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
    expect(() => dialledNumber('0812', 'e164')).toThrow('cannot be written in the number format chosen');
  });
});

describe('trace recorder', () => {
  it('keeps the first and the last messages of a long call, with a marker saying how many were left out', () => {
    let now = 0;
    const trace = new TraceRecorder(() => ++now, 3, 2);
    for (let i = 1; i <= 9; i++) trace.record(i % 2 ? 'out' : 'in', 'udp:192.0.2.1:5060', `MESSAGE ${i}`);
    const taken = trace.take();
    expect(taken.map((t) => t.text)).toEqual(['MESSAGE 1', 'MESSAGE 2', 'MESSAGE 3', '… 4 SIP messages left out …', 'MESSAGE 8', 'MESSAGE 9']);
    expect(taken[3]).toMatchObject({ direction: 'omitted', omitted: 4, remote: '', at: 8 });
    expect(trace.take()).toEqual([]);
  });

  it('a short trace has every message and no marker', () => {
    const trace = new TraceRecorder(() => 1, 3, 2);
    for (let i = 1; i <= 5; i++) trace.record('out', 'udp:192.0.2.1:5060', `MESSAGE ${i}`);
    expect(trace.take().map((t) => t.text)).toEqual(['MESSAGE 1', 'MESSAGE 2', 'MESSAGE 3', 'MESSAGE 4', 'MESSAGE 5']);
  });

  it('by default 250 messages keep the first 100 and the last 100 (the 200, ACK and BYE of a call are at its end)', () => {
    const trace = new TraceRecorder(() => 1);
    for (let i = 1; i <= 250; i++) trace.record('in', 'udp:192.0.2.1:5060', `MESSAGE ${i}`);
    const taken = trace.take();
    expect(taken).toHaveLength(201);
    expect(taken[99]?.text).toBe('MESSAGE 100');
    expect(taken[100]).toMatchObject({ direction: 'omitted', omitted: 50 });
    expect(taken[200]?.text).toBe('MESSAGE 250');
  });
});
