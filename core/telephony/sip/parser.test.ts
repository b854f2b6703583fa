import { describe, expect, it } from 'vitest';
import { getHeader, getHeaderList, type SipRequest } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { TcpFramer } from './tcpFramer.js';
import { formatNameAddr, parseHostPort, parseNameAddr, parseSipUri } from './uri.js';
import { parseVia } from './via.js';
import { newBranch } from './ids.js';
import { INVITE, SAMPLE_MESSAGES } from './testing/samples.js';

describe('SIP parser (RFC 3261 §7)', () => {
  it('parses a request with its body, header values and Content-Length', () => {
    const parsed = parseMessage(INVITE);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const msg = parsed.message as SipRequest;
    expect(msg).toMatchObject({ kind: 'request', method: 'INVITE', uri: 'sip:+6281234567890@gw.example.com', body: 'v=0\r\ns=-' });
    expect(getHeader(msg, 'call-id')).toBe('a84b4c76e66710@192.0.2.10');
    expect(parseNameAddr(getHeader(msg, 'From')!)).toEqual({ displayName: 'Toko, Sinar', uri: 'sip:021555@gw.example.com', params: { tag: '1928301774' } });
  });

  it('expands compact forms and splits comma-separated Via (§7.3.3, §7.3.1)', () => {
    const parsed = parseMessage(SAMPLE_MESSAGES[1]!);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const msg = parsed.message;
    expect(msg.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Reason', 'Content-Length']);
    const vias = getHeaderList(msg, 'Via').map(parseVia);
    expect(vias).toHaveLength(2);
    expect(vias[1]).toMatchObject({ transport: 'UDP', host: '192.0.2.10', port: 5060, params: { rport: '5060', received: '203.0.113.5', branch: 'z9hG4bK776asdhds' } });
  });

  it('returns the transaction keys it checked: Call-ID, CSeq and the top Via (§17.1.3)', () => {
    const parsed = parseMessage(SAMPLE_MESSAGES[1]!);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.keys.callId).toBe(getHeader(parsed.message, 'Call-ID'));
    expect(parsed.keys.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(parsed.keys.topVia).toEqual(parseVia(getHeaderList(parsed.message, 'Via')[0]!));
  });

  it('finds header names case-insensitively and splits lists only outside quotes and <> (§7.3.1, §7.3.5)', () => {
    const msg: SipRequest = {
      kind: 'request',
      method: 'OPTIONS',
      uri: 'sip:gw',
      headers: [
        { name: 'x-trunk', value: 'a' },
        { name: 'Contact', value: '"Doe, \\"J\\"" <sip:a@b;x=1,2>;q=1 , <sip:c@d>,' },
      ],
      body: '',
    };
    expect(getHeader(msg, 'X-Trunk')).toBe('a');
    expect(getHeaderList(msg, 'contact')).toEqual(['"Doe, \\"J\\"" <sip:a@b;x=1,2>;q=1', '<sip:c@d>']);
  });

  it('joins folded header lines (§7.3.1 LWS)', () => {
    const folded = INVITE.replace('Max-Forwards: 70', 'Subject: long\r\n  subject line');
    const parsed = parseMessage(folded);
    expect(parsed.ok && getHeader(parsed.message, 'Subject')).toBe('long subject line');
  });

  it('drops truncated and malformed input with a reason (§18.3)', () => {
    const cases: [string, RegExp][] = [
      [INVITE.slice(0, INVITE.length - 3), /body shorter than Content-Length/],
      [INVITE.slice(0, 60), /no end of headers/],
      [INVITE.replace('CSeq: 314159 INVITE', 'CSeq: x INVITE'), /malformed CSeq/],
      [INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 1 BYE'), /CSeq method/],
      [INVITE.replace(/^Via: .*\r\n/m, ''), /missing Via/],
      [INVITE.replace('SIP/2.0\r\n', 'SIP/3.0\r\n'), /request line/],
      [INVITE.replace('Content-Length: 8', 'Content-Length: -1'), /Content-Length/],
      ['\r\n\r\n', /keep-alive/],
      ['', /empty/],
    ];
    for (const [text, error] of cases) {
      const parsed = parseMessage(text);
      expect(parsed.ok, text.slice(0, 40)).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(error);
    }
  });

  it('requires Content-Length on a stream transport', () => {
    const parsed = parseMessage(INVITE.replace('Content-Length: 8\r\n', ''), true);
    expect(parsed.ok).toBe(false);
  });

  it('serializes with a byte-exact Content-Length and parses back', () => {
    const parsed = parseMessage(INVITE);
    if (!parsed.ok) throw new Error(parsed.error);
    parsed.message.body = 'v=0\r\ns=Café\r\n';
    const wire = serializeMessage(parsed.message);
    expect(wire.toString()).toContain('Content-Length: 14\r\n'); // é is two bytes
    const again = parseMessage(wire);
    expect(again.ok && again.message.body).toBe('v=0\r\ns=Café\r\n');
  });
});

describe('URIs and name-addr (§19.1, §20.10)', () => {
  it('parses SIP URIs with port, params and IPv6', () => {
    expect(parseSipUri('sip:+62812@gw.example.com:5080;transport=tcp;lr')).toMatchObject({ user: '+62812', host: 'gw.example.com', port: 5080, params: { transport: 'tcp', lr: null } });
    expect(parseSipUri('sip:[2001:db8::1]:5060')).toMatchObject({ user: null, host: '[2001:db8::1]', port: 5060 });
    expect(parseSipUri('sip:alice:secret@host')?.user).toBe('alice');
    for (const bad of ['http://x', 'sip:', 'sip:a@', 'sip:host:99999', 'sip:host:abc', 'sip:[::1']) expect(parseSipUri(bad), bad).toBeNull();
  });

  it('reads a URI\'s hostport and a Via\'s sent-by by the same rule (§25.1)', () => {
    for (const hostport of ['gw.example.com', 'gw.example.com:5080', '192.0.2.1:5060', '[2001:db8::1]', '[2001:db8::1]:5062']) {
      const expected = parseHostPort(hostport);
      expect(expected, hostport).not.toBeNull();
      expect(parseSipUri(`sip:${hostport}`), hostport).toMatchObject(expected!);
      expect(parseVia(`SIP/2.0/UDP ${hostport};branch=z9hG4bK1`), hostport).toMatchObject(expected!);
    }
    for (const bad of ['host:0', 'host:65536', 'a:1:2', '[::1', '[::1]5060', ':5060']) {
      expect(parseHostPort(bad), bad).toBeNull();
      expect(parseSipUri(`sip:${bad}`), bad).toBeNull();
      expect(parseVia(`SIP/2.0/UDP ${bad};branch=z9hG4bK1`), bad).toBeNull();
    }
  });

  it('keeps addr-spec params on the header and quotes display names', () => {
    expect(parseNameAddr('sip:bob@b.example;tag=88')).toEqual({ displayName: null, uri: 'sip:bob@b.example', params: { tag: '88' } });
    expect(formatNameAddr({ displayName: 'A "B" \\ C', uri: 'sip:a@b', params: { tag: 'x' } })).toBe('"A \\"B\\" \\\\ C" <sip:a@b>;tag=x');
    expect(parseNameAddr(formatNameAddr({ displayName: 'A "B" \\ C', uri: 'sip:a@b', params: {} }))?.displayName).toBe('A "B" \\ C');
    expect(parseNameAddr('"unterminated <sip:a@b>')).toBeNull();
  });

  it('generates branches with the magic cookie (§8.1.1.7)', () => {
    const a = newBranch();
    expect(a).toMatch(/^z9hG4bK[0-9a-f]{18}$/);
    expect(newBranch()).not.toBe(a);
  });
});

describe('TCP framing by Content-Length (§18.3)', () => {
  it('splits a stream cut at arbitrary points, skips CRLF keep-alives', () => {
    const two = Buffer.from(`\r\n\r\n${INVITE}${SAMPLE_MESSAGES[1]}`);
    for (const step of [1, 7, 64, two.length]) {
      const messages: string[] = [];
      const framer = new TcpFramer((m) => messages.push(m.toString()), (e) => messages.push(`error ${e}`));
      for (let i = 0; i < two.length; i += step) framer.push(two.subarray(i, i + step));
      expect(messages, `step ${step}`).toEqual([INVITE, SAMPLE_MESSAGES[1]]);
    }
  });

  it('reports a message without Content-Length (lost framing)', () => {
    const errors: string[] = [];
    const framer = new TcpFramer(() => undefined, (e) => errors.push(e));
    framer.push(Buffer.from(INVITE.replace('Content-Length: 8\r\n', '')));
    expect(errors).toEqual(['message without Content-Length on a stream']);
  });
});
