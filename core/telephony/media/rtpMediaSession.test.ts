import { afterEach, describe, expect, it } from 'vitest';
import * as sdpTransform from 'sdp-transform';
import { RtpSink } from '../../../tests/support/rtpSink.js';
import { AppError } from '../../errors.js';
import { sharedRtpClock } from './rtpClock.js';
import { RtpMediaSession } from './rtpMediaSession.js';
import { writeRtpHeader, writeTelephoneEvent } from './rtpPacket.js';
import type { PreparedPayloads } from './types.js';

const sdp = (...lines: string[]) => [...lines, ''].join('\r\n');

/** An answer from a "gateway" at the sink's address and port. */
function answerFor(sink: RtpSink, opts: { payloads?: string; extra?: string[]; version?: number } = {}): string {
  return sdp(
    'v=0',
    `o=gw 7 ${opts.version ?? 1} IN IP4 ${sink.address}`,
    's=-',
    `c=IN IP4 ${sink.address}`,
    't=0 0',
    `m=audio ${sink.port} RTP/AVP ${opts.payloads ?? '8 101'}`,
    'a=rtpmap:101 telephone-event/8000',
    ...(opts.extra ?? []),
  );
}

/** Distinct recognisable bytes per position, one pattern per codec. */
function payloads(bytes: number): PreparedPayloads {
  const pcma = new Uint8Array(bytes);
  const pcmu = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) {
    pcma[i] = (i * 7 + 3) & 0xff;
    pcmu[i] = (i * 13 + 1) & 0xff;
  }
  return { pcma, pcmu };
}

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function setup(codecs: ('PCMA' | 'PCMU')[] = ['PCMA', 'PCMU']) {
  const sink = await RtpSink.open();
  const session = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: [20000, 29998], codecs });
  opened.push(sink, session);
  return { sink, session };
}

/**
 * The next packet's timestamp is one frame on, or whole frames more when the
 * test machine stalled the sender past its catch-up limit (rtpClock.test.ts:
 * the timestamp then follows real time, RFC 3550 §5.1). Exactly one frame
 * whenever the machine keeps up.
 */
function expectNextFrame(previous: number, next: number, frame: number): void {
  const step = (next - previous) >>> 0;
  expect(step % frame).toBe(0);
  expect(step).toBeGreaterThanOrEqual(frame);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RtpMediaSession sending', () => {
  it('sends RFC 3550 headers with continuous sequence and timestamp across repeats, pads the last frame, calls onEnd once', async () => {
    const { sink, session } = await setup();
    expect(session.localPort % 2).toBe(0);
    const media = session.applyAnswer(answerFor(sink));
    expect(media).toMatchObject({ codec: 'PCMA', payloadType: 8, remoteAddress: '127.0.0.1', remotePort: sink.port, telephoneEventPayloadType: 101 });
    const input = payloads(3 * 160 + 40);
    let ends = 0;
    const ended = deferred();
    session.play(input, {
      times: 2,
      onEnd: () => {
        ends += 1;
        ended.resolve();
      },
    });
    await ended.promise;
    await sink.waitFor(8);
    await new Promise((r) => setTimeout(r, 60));
    expect(ends).toBe(1);
    expect(sink.packets).toHaveLength(8);
    const rtp = sink.packets.map((p) => p.rtp!);
    for (const [i, p] of sink.packets.entries()) {
      expect(p.data.length).toBe(12 + 160);
      expect(p.data[0]).toBe(0x80); // V=2, no padding, no extension, no CSRC
      expect(p.from.port).toBe(session.localPort); // symmetric RTP: sent from the port we advertise
      expect(rtp[i]!.payloadType).toBe(8);
      expect(rtp[i]!.marker).toBe(i === 0);
      expect(rtp[i]!.ssrc).toBe(rtp[0]!.ssrc);
      expect(rtp[i]!.sequence).toBe((rtp[0]!.sequence + i) & 0xffff);
      if (i > 0) expectNextFrame(rtp[i - 1]!.timestamp, rtp[i]!.timestamp, 160);
    }
    const once = Buffer.concat([input.pcma, Buffer.alloc(120, 0xd5)]);
    expect(sink.payload()).toEqual(Buffer.concat([once, once]));
    expect(session.stats()).toEqual({ packetsSent: 8, packetsReceived: 0, playedMs: (2 * 520) / 8, playedToEnd: true, dtmf: '' });
  });

  it('sends the PCMU payload with PT 0 and the mu-law silence byte when the answer picks PCMU', async () => {
    const { sink, session } = await setup(['PCMA', 'PCMU']);
    expect(session.applyAnswer(answerFor(sink, { payloads: '0 8 101' })).codec).toBe('PCMU');
    const input = payloads(200);
    const ended = deferred();
    session.play(input, { times: 1, onEnd: ended.resolve });
    await ended.promise;
    await sink.waitFor(2);
    expect(sink.packets.map((p) => p.rtp!.payloadType)).toEqual([0, 0]);
    expect(sink.payload()).toEqual(Buffer.concat([input.pcmu, Buffer.alloc(120, 0xff)]));
  });

  it('delivers a one-second recording twice, byte for byte', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    const input = payloads(8000);
    const ended = deferred();
    session.play(input, { times: 2, onEnd: ended.resolve });
    await ended.promise;
    await sink.waitFor(100);
    const timing = sink.timing();
    expect(timing.lost).toBe(0);
    expect(timing.reordered).toBe(0);
    expect(sink.payload()).toEqual(Buffer.concat([input.pcma, input.pcma]));
  });

  it('stop() stops sending at once and never calls onEnd', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    let ends = 0;
    session.play(payloads(8000 * 10), { times: 1, onEnd: () => (ends += 1) });
    await sink.waitFor(5);
    session.stop();
    const sent = session.stats().packetsSent;
    await new Promise((r) => setTimeout(r, 120));
    expect(sink.packets.length).toBe(sent);
    expect(session.stats().packetsSent).toBe(sent);
    expect(session.stats().playedToEnd).toBe(false);
    expect(session.stats().playedMs).toBe(sent * 20);
    expect(ends).toBe(0);
  });

  it('refuses to play before an answer, and a bad answer leaves the negotiated media unchanged', async () => {
    const { sink, session } = await setup(['PCMA']);
    expect(() => session.play(payloads(160), { times: 1, onEnd: () => {} })).toThrow(AppError);
    expect(() => session.applyAnswer(answerFor(sink, { payloads: '0 101' }))).toThrow(expect.objectContaining({ code: 'media.noCommonCodec' }));
    expect(() => session.applyAnswer('garbage')).toThrow(expect.objectContaining({ code: 'media.badSdp' }));
    expect(session.negotiatedMedia).toBeNull();
  });
});

describe('RtpMediaSession re-INVITE', () => {
  it('moves the stream to a new address and port mid-recording, keeping sequence and timestamp', async () => {
    const { sink, session } = await setup();
    const sinkB = await RtpSink.open();
    opened.push(sinkB);
    const firstOffer = session.offer();
    session.applyAnswer(answerFor(sink));
    const ended = deferred();
    session.play(payloads(8000), { times: 1, onEnd: ended.resolve });
    await sink.waitFor(10);
    const { answer, media } = session.answerReoffer(answerFor(sinkB, { version: 2 }));
    expect(media.remotePort).toBe(sinkB.port);
    const parsedAnswer = sdpTransform.parse(answer);
    expect(parsedAnswer.origin.sessionVersion).toBe(sdpTransform.parse(firstOffer).origin.sessionVersion + 1);
    expect(parsedAnswer.media[0]).toMatchObject({ port: session.localPort, payloads: '8 101', direction: 'sendrecv' });
    await ended.promise;
    await sinkB.waitFor(50 - sink.packets.length);
    const all = [...sink.stream(), ...sinkB.stream()].map((p) => p.rtp!);
    expect(all).toHaveLength(50);
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.sequence).toBe((all[i - 1]!.sequence + 1) & 0xffff);
      expectNextFrame(all[i - 1]!.timestamp, all[i]!.timestamp, 160);
    }
    expect(Buffer.concat([sink.payload(), sinkB.payload()])).toEqual(Buffer.from(payloads(8000).pcma));
  });

  it('holds on a=sendonly (answering recvonly, sending nothing) and resumes where it stopped with the marker bit', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    const input = payloads(8000);
    const ended = deferred();
    session.play(input, { times: 1, onEnd: ended.resolve });
    await sink.waitFor(5);
    const hold = session.answerReoffer(answerFor(sink, { version: 2, extra: ['a=sendonly'] }));
    expect(hold.media.direction).toBe('sendonly');
    expect(sdpTransform.parse(hold.answer).media[0]!.direction).toBe('recvonly');
    const atHold = sink.packets.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.packets.length - atHold).toBeLessThanOrEqual(1); // at most a frame already in flight
    const resumedAt = sink.packets.length;
    session.answerReoffer(answerFor(sink, { version: 3 }));
    await ended.promise;
    await sink.waitFor(50);
    expect(sink.packets[resumedAt]!.rtp!.marker).toBe(true);
    expect(sink.timing().lost).toBe(0);
    expect(sink.payload()).toEqual(Buffer.from(input.pcma));
  });
});

describe('RtpMediaSession receiving', () => {
  function eventPacket(seq: number, timestamp: number, marker: boolean, event: number, end: boolean, duration: number, pt = 101): Buffer {
    const buf = Buffer.alloc(16);
    writeRtpHeader(buf, { marker, payloadType: pt, sequence: seq, timestamp, ssrc: 0x1234 });
    buf.set(writeTelephoneEvent({ event, end, volume: 10, duration }), 12);
    return buf;
  }

  it('counts RTP, ignores junk, and reports each RFC 4733 key press once despite the three end packets', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink, { payloads: '8 96', extra: ['a=rtpmap:96 telephone-event/8000'] }));
    const send = (b: Buffer) => sink.send(b, session.localPort);
    let seq = 100;
    // Digit 5: start (marker), two updates, then the end packet three times (§2.5.1.4).
    await send(eventPacket(seq++, 8000, true, 5, false, 160));
    await send(eventPacket(seq++, 8000, false, 5, false, 320));
    await send(eventPacket(seq++, 8000, false, 5, false, 480));
    for (let i = 0; i < 3; i++) await send(eventPacket(seq++, 8000, false, 5, true, 800));
    // '#' (11) whose first packet was lost: no marker, but a new timestamp after an ended event.
    for (let i = 0; i < 3; i++) await send(eventPacket(seq++, 16000, false, 11, true, 640));
    // 'D' (15) with the payload type the peer announced (96).
    await send(eventPacket(seq++, 24000, true, 15, false, 160, 96));
    for (let i = 0; i < 3; i++) await send(eventPacket(seq++, 24000, false, 15, true, 400, 96));
    // Flash (16) is not a digit; an audio packet; a truncated packet; RTCP; random junk.
    await send(eventPacket(seq++, 32000, true, 16, true, 160));
    const audio = Buffer.alloc(172, 0xd5);
    writeRtpHeader(audio, { marker: false, payloadType: 8, sequence: seq++, timestamp: 40000, ssrc: 0x1234 });
    await send(audio);
    await send(Buffer.from([0x80, 0x08, 0x00]));
    await send(Buffer.from([0x80, 0xc8, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
    await send(Buffer.from('hello, not RTP at all'));
    const expected = 6 + 3 + 4 + 1 + 1;
    for (let i = 0; i < 50 && session.stats().packetsReceived < expected; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 30));
    expect(session.stats().packetsReceived).toBe(expected);
    expect(session.stats().dtmf).toBe('5#D');
    expect(session.dtmfEvents()).toEqual([
      { digit: '5', durationMs: 100, ended: true },
      { digit: '#', durationMs: 80, ended: true },
      { digit: 'D', durationMs: 50, ended: true },
    ]);
  });
});

describe('RTP port range', () => {
  it('binds even ports in the range, skips ports in use and says when the range is full', async () => {
    const base = 50000 + 2 * Math.floor(Math.random() * 4900); // away from the 20000-29998 range the other tests share
    const range = [base, base + 3] as const; // holds two even ports
    const a = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: range, codecs: ['PCMA'] });
    opened.push(a);
    const b = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: range, codecs: ['PCMA'] });
    opened.push(b);
    expect(new Set([a.localPort, b.localPort])).toEqual(new Set([base, base + 2]));
    await expect(RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: range, codecs: ['PCMA'] })).rejects.toMatchObject({ code: 'media.noFreePort' });
    a.close();
    const c = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: range, codecs: ['PCMA'] });
    opened.push(c);
    expect(c.localPort).toBe(a.localPort);
  });
});

describe('RtpMediaSession packet period (a=ptime, RFC 4566 §6)', () => {
  it('sends 30 ms packets (240 bytes, timestamp +240) when the answer says a=ptime:30, bit-exact', async () => {
    const { sink, session } = await setup();
    const media = session.applyAnswer(answerFor(sink, { extra: ['a=ptime:30'] }));
    expect(media.ptimeMs).toBe(30);
    expect(media.warnings).toEqual([]);
    const input = payloads(8000); // 1 s = 33 full frames and one of 80 bytes
    const ended = deferred();
    session.play(input, { times: 1, onEnd: ended.resolve });
    await ended.promise;
    await sink.waitFor(34);
    const rtp = sink.packets.map((p) => p.rtp!);
    expect(rtp).toHaveLength(34);
    for (const [i, p] of rtp.entries()) {
      expect(p.payload.length).toBe(240);
      if (i === 0) continue;
      expect(p.sequence).toBe((rtp[i - 1]!.sequence + 1) & 0xffff);
      // One frame of 240 samples per packet; a stalled machine may skip whole frames of time (rtpClock.test.ts).
      const step = (p.timestamp - rtp[i - 1]!.timestamp) >>> 0;
      expect(step % 240).toBe(0);
      expect(step).toBeGreaterThanOrEqual(240);
    }
    expect(sink.payload()).toEqual(Buffer.concat([input.pcma, Buffer.alloc(240 - 80, 0xd5)]));
  });

  it('paces a 30 ms stream on the clock of that period', async () => {
    const sink = await RtpSink.open();
    const periods: number[] = [];
    const session = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: [20000, 29998], codecs: ['PCMA'] }, (period) => {
      periods.push(period);
      return sharedRtpClock(period);
    });
    opened.push(sink, session);
    session.applyAnswer(answerFor(sink, { extra: ['a=ptime:30'] }));
    const ended = deferred();
    session.play(payloads(480), { times: 1, onEnd: ended.resolve });
    await ended.promise;
    expect(periods).toEqual([30]);
    expect(sharedRtpClock(30).periodMs).toBe(30);
  });

  it('falls back to 20 ms for a=ptime:25 and says why in the negotiated warnings', async () => {
    const { sink, session } = await setup();
    const media = session.applyAnswer(answerFor(sink, { extra: ['a=ptime:25'] }));
    expect(media.ptimeMs).toBe(20);
    expect(media.warnings).toEqual([expect.objectContaining({ code: 'media.ptimeUnsupported', params: expect.objectContaining({ asked: '25', ptime: 20 }) })]);
    const ended = deferred();
    session.play(payloads(320), { times: 1, onEnd: ended.resolve });
    await ended.promise;
    await sink.waitFor(2);
    expect(sink.packets.map((p) => p.rtp!.payload.length)).toEqual([160, 160]);
  });
});

describe('RtpMediaSession playout tail (issue 10: the end of the recording was cut off)', () => {
  /** A recording with no silence in it, so a cut anywhere shows. */
  function speech(bytes: number): PreparedPayloads {
    const pcma = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) pcma[i] = 0x10 + (i % 0x40);
    return { pcma, pcmu: pcma };
  }

  async function playAndHangUp(tailMs: number | undefined): Promise<{ sink: RtpSink; session: RtpMediaSession; endedAt: bigint; input: PreparedPayloads }> {
    const { sink, session } = await setup(['PCMA']);
    session.applyAnswer(answerFor(sink));
    const input = speech(8000);
    const endedAt = await new Promise<bigint>((resolve) =>
      session.play(input, { times: 1, ...(tailMs === undefined ? {} : { tailMs }), onEnd: () => resolve(process.hrtime.bigint()) }),
    );
    return { sink, session, endedAt, input };
  }

  it('sends 300 ms of silence after the recording before onEnd: a 200 ms jitter buffer has played every sample when the BYE comes', async () => {
    const { sink, session, endedAt, input } = await playAndHangUp(300);
    const heard = sink.heard({ delayMs: 200, endedAt });
    expect(heard.late).toBe(0);
    expect(Buffer.compare(heard.bytes.subarray(0, input.pcma.length), Buffer.from(input.pcma))).toBe(0);
    // After the recording only silence was played.
    expect([...heard.bytes.subarray(input.pcma.length)].every((b) => b === 0xd5)).toBe(true);
    expect(session.stats()).toMatchObject({ playedMs: 1000, playedToEnd: true });
    // 50 frames of the recording, then 300 ms of silence (15 frames; fewer only if a stalled machine skipped time).
    expect(session.stats().packetsSent).toBeGreaterThan(50);
    expect(session.stats().packetsSent).toBeLessThanOrEqual(65);
  });

  it('without a tail (the old behaviour) the same buffer loses the last ~200 ms', async () => {
    const { sink, endedAt, input } = await playAndHangUp(undefined);
    const heard = sink.heard({ delayMs: 200, endedAt });
    expect(heard.bytes.length).toBeLessThan(input.pcma.length - 1000);
    expect(heard.cutSamples).toBeGreaterThan(1000);
  });
});

describe('RtpMediaSession period change and hold during the tail', () => {
  it('a re-INVITE with a=ptime:40 mid-recording moves to 320-byte packets with no byte lost or repeated', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    const input = payloads(8000);
    const ended = deferred();
    session.play(input, { times: 1, onEnd: ended.resolve });
    await sink.waitFor(10);
    session.answerReoffer(answerFor(sink, { version: 2, extra: ['a=ptime:40'] }));
    await ended.promise;
    await new Promise((r) => setTimeout(r, 60));
    const rtp = sink.stream().map((p) => p.rtp!);
    const switchAt = rtp.findIndex((p) => p.payload.length === 320);
    expect(switchAt).toBeGreaterThanOrEqual(10);
    expect(rtp.slice(0, switchAt).every((p) => p.payload.length === 160)).toBe(true);
    expect(rtp[switchAt]!.marker).toBe(true); // a new talkspurt (RFC 3551 §4.1)
    for (let i = 1; i < rtp.length; i++) expect(rtp[i]!.sequence).toBe((rtp[i - 1]!.sequence + 1) & 0xffff);
    const bytes = sink.payload();
    const pad = bytes.length - input.pcma.length;
    expect(pad).toBeGreaterThanOrEqual(0);
    expect(pad).toBeLessThan(320);
    expect(Buffer.compare(bytes.subarray(0, input.pcma.length), Buffer.from(input.pcma))).toBe(0);
  });

  it('the tail runs out while the callee holds the call, so onEnd still comes', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    const ended = deferred();
    session.play(payloads(800), { times: 1, tailMs: 2000, onEnd: ended.resolve });
    await sink.waitFor(6); // the recording (5 frames) and the first frame of the tail
    session.answerReoffer(answerFor(sink, { version: 2, extra: ['a=inactive'] }));
    const atHold = sink.packets.length;
    await ended.promise;
    expect(sink.packets.length - atHold).toBeLessThanOrEqual(1);
    expect(session.stats().playedToEnd).toBe(true);
  });
});
