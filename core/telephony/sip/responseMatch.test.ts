import { describe, expect, it } from 'vitest';
import type { SipRequest } from './message.js';
import { parseMessage } from './parser.js';
import { responseMismatch } from './stack.js';

function request(to: string): SipRequest {
  return {
    kind: 'request',
    method: 'BYE',
    uri: 'sip:callee@192.0.2.1',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKab' },
      { name: 'From', value: '<sip:us@192.0.2.9>;tag=ours' },
      { name: 'To', value: to },
      { name: 'Call-ID', value: 'call-1@192.0.2.9' },
      { name: 'CSeq', value: '2 BYE' },
    ],
    body: '',
  };
}

function mismatch(req: SipRequest, from: string, to: string, callId: string): string | null {
  const text = ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKab', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 2 BYE', 'Content-Length: 0', '', ''].join('\r\n');
  const parsed = parseMessage(text);
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.message.kind !== 'response') throw new Error('not a response');
  return responseMismatch(req, parsed.message, parsed.keys);
}

describe('a response is its request\'s only with the same Call-ID and tags (RFC 3261 §8.1.3.3, §12.2.1.2)', () => {
  const inDialog = request('<sip:callee@192.0.2.1>;tag=theirs');
  it('matches the request it answers', () => {
    expect(mismatch(inDialog, '<sip:us@192.0.2.9>;tag=ours', '<sip:callee@192.0.2.1>;tag=theirs', 'call-1@192.0.2.9')).toBeNull();
  });
  it('refuses another Call-ID, From tag, or (inside a dialog) To tag, saying which', () => {
    expect(mismatch(inDialog, '<sip:us@192.0.2.9>;tag=ours', '<sip:callee@192.0.2.1>;tag=theirs', 'call-2@192.0.2.9')).toContain('Call-ID call-2@192.0.2.9');
    expect(mismatch(inDialog, '<sip:us@192.0.2.9>;tag=other', '<sip:callee@192.0.2.1>;tag=theirs', 'call-1@192.0.2.9')).toContain('From tag');
    expect(mismatch(inDialog, '<sip:us@192.0.2.9>;tag=ours', '<sip:callee@192.0.2.1>;tag=fork', 'call-1@192.0.2.9')).toContain('To tag');
  });
  it('outside a dialog any To tag is taken (forks of an INVITE each have their own)', () => {
    expect(mismatch(request('<sip:callee@192.0.2.1>'), '<sip:us@192.0.2.9>;tag=ours', '<sip:callee@192.0.2.1>;tag=fork', 'call-1@192.0.2.9')).toBeNull();
  });
});
