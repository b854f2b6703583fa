import { describe, expect, it } from 'vitest';
import * as sdpTransform from 'sdp-transform';
import { AppError } from '../../errors.js';
import { LocalDescription, answerDirection, chooseCodec, packetPeriod, parsePeerSdp } from './sdp.js';

const sdp = (...lines: string[]) => [...lines, ''].join('\r\n');

const ANSWER_PCMU_ONLY = sdp(
  'v=0',
  'o=gw 100 200 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 30000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
);

function expectAppError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    return;
  }
  throw new Error(`expected AppError ${code}`);
}

describe('our SDP offer', () => {
  it('lists PCMA and PCMU in the preference order, telephone-event 101 0-16, ptime 20, sendrecv', () => {
    const offer = new LocalDescription('198.51.100.7', 40000).offer(['PCMU', 'PCMA']);
    expect(offer).toMatch(/^v=0\r\n/);
    expect(offer.endsWith('\r\n')).toBe(true);
    const parsed = sdpTransform.parse(offer);
    expect(parsed.origin.address).toBe('198.51.100.7');
    expect(parsed.connection?.ip).toBe('198.51.100.7');
    expect(parsed.timing).toEqual({ start: 0, stop: 0 });
    const m = parsed.media[0]!;
    expect(m.type).toBe('audio');
    expect(m.port).toBe(40000);
    expect(m.protocol).toBe('RTP/AVP');
    expect(m.payloads).toBe('0 8 101');
    expect(m.rtp).toEqual([
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(m.ptime).toBe(20);
    expect(m.direction).toBe('sendrecv');
  });

  it('gives every call its own port and o= line from the shared offer template', () => {
    const a = sdpTransform.parse(new LocalDescription('198.51.100.7', 40000).offer(['PCMA']));
    const b = sdpTransform.parse(new LocalDescription('198.51.100.7', 40002).offer(['PCMA']));
    expect([a.media[0]!.port, b.media[0]!.port]).toEqual([40000, 40002]);
    expect(a.origin).toMatchObject({ username: 'autocall', sessionVersion: 1, netType: 'IN', ipVer: 4, address: '198.51.100.7' });
    expect(a.origin.sessionId).not.toBe(b.origin.sessionId);
    const v6 = sdpTransform.parse(new LocalDescription('2001:db8::7', 40004).offer(['PCMA']));
    expect(v6.origin).toMatchObject({ ipVer: 6, address: '2001:db8::7' });
    expect(v6.connection).toEqual({ version: 6, ip: '2001:db8::7' });
  });

  it('keeps the o= version while the description is unchanged and increments it when it changes (RFC 3264 §8)', () => {
    const local = new LocalDescription('198.51.100.7', 40000);
    const v = (text: string) => sdpTransform.parse(text).origin.sessionVersion;
    const first = local.offer(['PCMA', 'PCMU']);
    expect(v(local.offer(['PCMA', 'PCMU']))).toBe(v(first));
    const peer = parsePeerSdp(ANSWER_PCMU_ONLY);
    const answer = local.answer(peer, { codec: 'PCMU', payloadType: 0 }, 'sendrecv');
    expect(v(answer)).toBe(v(first) + 1);
    expect(sdpTransform.parse(answer).origin.sessionId).toBe(sdpTransform.parse(first).origin.sessionId);
  });
});

describe('reading the peer SDP', () => {
  it('takes a PCMU-only answer', () => {
    const peer = parsePeerSdp(ANSWER_PCMU_ONLY, 0);
    expect(peer.audio).toMatchObject({ address: '192.0.2.10', port: 30000, direction: 'sendrecv', telephoneEventPayloadType: 101 });
    expect(chooseCodec(peer.audio, ['PCMA', 'PCMU'])).toEqual({ codec: 'PCMU', payloadType: 0 });
  });

  it('honours the answer order: PCMA first wins even if we prefer PCMU', () => {
    const peer = parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 8 0'), 0);
    expect(chooseCodec(peer.audio, ['PCMU', 'PCMA'])).toEqual({ codec: 'PCMA', payloadType: 8 });
    // A codec we did not enable is skipped, even when the peer lists it first.
    expect(chooseCodec(peer.audio, ['PCMU'])).toEqual({ codec: 'PCMU', payloadType: 0 });
  });

  it('uses the media-level c= over the session-level one, and the session-level one alone', () => {
    const both = parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 8', 'c=IN IP4 203.0.113.5'), 0);
    expect(both.audio.address).toBe('203.0.113.5');
    const sessionOnly = parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.9', 't=0 0', 'm=audio 4002 RTP/AVP 0'), 0);
    expect(sessionOnly.audio).toMatchObject({ address: '192.0.2.9', port: 4002 });
    const ip6 = parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP6 ::1', 's=-', 't=0 0', 'm=audio 4004 RTP/AVP 0', 'c=IN IP6 2001:db8::5'), 0);
    expect(ip6.audio.address).toBe('2001:db8::5');
  });

  it('maps a dynamic payload type by its rtpmap', () => {
    const peer = parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 96 100', 'a=rtpmap:96 pcma/8000', 'a=rtpmap:100 telephone-event/8000'), 0);
    expect(chooseCodec(peer.audio, ['PCMA'])).toEqual({ codec: 'PCMA', payloadType: 96 });
    expect(peer.audio.telephoneEventPayloadType).toBe(100);
  });

  it('notes sendonly, inactive and the RFC 2543 hold address', () => {
    const base = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0'];
    expect(parsePeerSdp(sdp(...base, 'c=IN IP4 192.0.2.1', 'a=sendonly', 'm=audio 4000 RTP/AVP 8')).audio.direction).toBe('sendonly');
    expect(parsePeerSdp(sdp(...base, 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 8', 'a=inactive')).audio.direction).toBe('inactive');
    expect(parsePeerSdp(sdp(...base, 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 8')).audio.direction).toBe('inactive');
    expect(answerDirection('sendonly')).toBe('recvonly');
    expect(answerDirection('recvonly')).toBe('sendonly');
    expect(answerDirection('inactive')).toBe('inactive');
  });

  it('rejects port 0, no common codec, SRTP and a host name', () => {
    const head = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
    expectAppError(() => parsePeerSdp(sdp(...head, 'm=audio 0 RTP/AVP 8'), 0), 'media.rejected');
    const g729 = parsePeerSdp(sdp(...head, 'm=audio 4000 RTP/AVP 18 101', 'a=rtpmap:18 G729/8000', 'a=rtpmap:101 telephone-event/8000'), 0);
    expectAppError(() => chooseCodec(g729.audio, ['PCMA', 'PCMU']), 'media.noCommonCodec');
    const pcmuOnly = parsePeerSdp(ANSWER_PCMU_ONLY, 0);
    expectAppError(() => chooseCodec(pcmuOnly.audio, ['PCMA']), 'media.noCommonCodec');
    expectAppError(() => parsePeerSdp(sdp(...head, 'm=audio 4000 RTP/SAVP 8'), 0), 'media.unsupportedTransport');
    expectAppError(() => parsePeerSdp(sdp('v=0', 'o=- 1 1 IN IP4 gw.example', 's=-', 'c=IN IP4 gw.example', 't=0 0', 'm=audio 4000 RTP/AVP 8'), 0), 'media.badAddress');
    expectAppError(() => parsePeerSdp(sdp(...head, 'm=video 4000 RTP/AVP 96'), 0), 'media.rejected');
  });

  it('throws nothing but AppError on garbage, truncated and mutated SDP', () => {
    const samples = ['', 'garbage', 'v=0', 'v=0\r\nm=audio', 'v=0\r\nm=audio x RTP/AVP 8\r\n', '\u0000\u0001\u0002', ANSWER_PCMU_ONLY.slice(0, 60)];
    // Mutations of a real answer: every line dropped in turn, and random byte flips (seeded, so a failure repeats).
    const lines = ANSWER_PCMU_ONLY.split('\r\n');
    for (let i = 0; i < lines.length; i++) samples.push(lines.filter((_, j) => j !== i).join('\r\n'));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 500; n++) {
      const chars = [...ANSWER_PCMU_ONLY];
      for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(Math.floor(rand() * 128));
      samples.push(chars.join(''));
    }
    let parsed = 0;
    for (const text of samples) {
      try {
        const peer = parsePeerSdp(text, 0);
        chooseCodec(peer.audio, ['PCMA', 'PCMU']);
        parsed += 1;
      } catch (err) {
        if (!(err instanceof AppError)) throw new Error(`non-AppError for ${JSON.stringify(text)}: ${String(err)}`);
      }
    }
    expect(parsed).toBeGreaterThan(0); // some mutations stay valid: the fuzz is not rejecting everything
  });
});

describe('packetPeriod (a=ptime, RFC 4566 §6)', () => {
  const period = (ptime: number | string | null, maxptime: number | string | null = null) => packetPeriod({ ptime, maxptime });

  it('honours 10-60 ms in steps of 10 and defaults to 20 without a=ptime', () => {
    for (const ms of [10, 20, 30, 40, 50, 60]) expect(period(ms)).toEqual({ ptimeMs: ms, ignored: null });
    expect(period(null)).toEqual({ ptimeMs: 20, ignored: null });
  });

  it('falls back to 20 ms with the reason for anything else', () => {
    expect(period(25)).toEqual({ ptimeMs: 20, ignored: { asked: '25', reason: 'not a multiple of 10 ms' } });
    expect(period(5)).toEqual({ ptimeMs: 20, ignored: { asked: '5', reason: 'outside 10-60 ms' } });
    expect(period(80)).toEqual({ ptimeMs: 20, ignored: { asked: '80', reason: 'outside 10-60 ms' } });
    expect(period(20.5).ignored?.reason).toBe('not a multiple of 10 ms');
    expect(period('').ignored?.reason).toBe('not a number');
  });

  it('keeps under a=maxptime', () => {
    expect(period(40, 30)).toEqual({ ptimeMs: 30, ignored: null });
    expect(period(null, 10)).toEqual({ ptimeMs: 10, ignored: null });
    expect(period(30, 60)).toEqual({ ptimeMs: 30, ignored: null });
  });

  it('reads a=ptime at media level, else at session level, as sdp-transform parses it', () => {
    const base = ['v=0', 'o=gw 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];
    const media = parsePeerSdp([...base, 'm=audio 4000 RTP/AVP 8', 'a=ptime:30', ''].join('\r\n')).audio;
    expect(media.ptime).toBe(30);
    const session = parsePeerSdp([...base, 'a=ptime:40', 'm=audio 4000 RTP/AVP 8', ''].join('\r\n')).audio;
    expect(session.ptime).toBe(40);
    const junk = parsePeerSdp([...base, 'm=audio 4000 RTP/AVP 8', 'a=ptime:abc', ''].join('\r\n')).audio;
    expect(packetPeriod(junk)).toMatchObject({ ptimeMs: 20, ignored: { reason: 'not a number' } });
  });
});
