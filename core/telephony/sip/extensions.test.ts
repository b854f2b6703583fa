import { describe, expect, it } from 'vitest';
import { expiryGuardMs, minSeOf, optionTags, rseqOf, sessionExpiresOf } from './extensions.js';
import { parseMessage } from './parser.js';
import type { SipMessage } from './message.js';

function response(...headers: string[]): SipMessage {
  const text = ['SIP/2.0 183 Session Progress', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2', 'Call-ID: x', 'CSeq: 1 INVITE', ...headers, 'Content-Length: 0', '', ''].join('\r\n');
  const parsed = parseMessage(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.message;
}

describe('RFC 3262 / RFC 4028 header values', () => {
  it('reads option tags across lines, commas, case and the compact form k', () => {
    expect([...optionTags(response('Require: 100REL, timer', 'Require: precondition'), 'Require')]).toEqual(['100rel', 'timer', 'precondition']);
    expect(optionTags(response('k: timer'), 'Supported').has('timer')).toBe(true);
  });

  it('RSeq is 1 to 2^32-1; anything else is none', () => {
    expect(rseqOf(response('RSeq: 4711'))).toBe(4711);
    expect(rseqOf(response('RSeq: 0'))).toBeNull();
    expect(rseqOf(response('RSeq: 4294967296'))).toBeNull();
    expect(rseqOf(response('RSeq: x1'))).toBeNull();
    expect(rseqOf(response())).toBeNull();
  });

  it('Session-Expires (and its compact form x) with or without refresher; Min-SE', () => {
    expect(sessionExpiresOf(response('Session-Expires: 1800;refresher=UAS'))).toEqual({ seconds: 1800, refresher: 'uas' });
    expect(sessionExpiresOf(response('x: 90'))).toEqual({ seconds: 90, refresher: null });
    expect(sessionExpiresOf(response('Session-Expires: soon'))).toBeNull();
    expect(sessionExpiresOf(response('Session-Expires: 0;refresher=uac'))).toBeNull();
    expect(minSeOf(response('Min-SE: 120;x=1'))).toBe(120);
    expect(minSeOf(response())).toBeNull();
  });

  it('the non-refresher hangs up a third of the interval, at most 32 s, before it expires (§10)', () => {
    expect(expiryGuardMs(90)).toBe(60_000);
    expect(expiryGuardMs(1800)).toBe(1_768_000);
  });
});
