import { afterEach, describe, expect, it } from 'vitest';
import { RtpClock } from './rtpClock.js';
import { MAX_CATCH_UP_FRAMES, RtpSender } from './rtpSender.js';
import { parseRtpPacket } from './rtpPacket.js';

interface Sent {
  at: number;
  packet: Buffer;
}

function sender(clock: RtpClock): { s: RtpSender; sent: Sent[] } {
  const sent: Sent[] = [];
  const s = new RtpSender(clock, (packet) => sent.push({ at: clock.now(), packet: Buffer.from(packet) }));
  s.setTarget({ address: '127.0.0.1', port: 9, payloadType: 8, codec: 'PCMA' });
  return { s, sent };
}

const busyWait = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // block the event loop, as a long synchronous job would
  }
};

const stoppers: (() => void)[] = [];
afterEach(() => stoppers.splice(0).forEach((f) => f()));

describe('RtpClock', () => {
  it('spreads streams over its phases and sends each one on its own exact 20 ms grid', async () => {
    const clock = new RtpClock({ slots: 4 });
    const streams = Array.from({ length: 8 }, () => sender(clock));
    for (const { s } of streams) {
      s.play({ pcma: new Uint8Array(160 * 10), pcmu: new Uint8Array(0) }, 1, () => {});
      stoppers.push(() => s.stop());
    }
    await new Promise((r) => setTimeout(r, 400));
    for (const { sent } of streams) expect(sent).toHaveLength(10);
    // Two streams per phase: the first packets fall in four distinct 5 ms phases of the grid.
    const phases = new Set(streams.map(({ sent }) => Math.floor((sent[0]!.at % 20_000_000) / 5_000_000)));
    expect(phases.size).toBeGreaterThanOrEqual(3);
    // The grid is computed, not accumulated: every packet's ideal time is first + k * 20 ms exactly,
    // so the timestamps (the sender's own view) step by exactly 160.
    for (const { sent } of streams) {
      const ts = sent.map((x) => parseRtpPacket(x.packet)!.timestamp);
      for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]!) >>> 0).toBe(160);
    }
  });

  it('after a stalled event loop sends at most a few late frames, then a new talkspurt with the timestamp of real time', async () => {
    const clock = new RtpClock({ slots: 1 });
    const { s, sent } = sender(clock);
    const ended = new Promise<void>((resolve) => s.play({ pcma: new Uint8Array(160 * 30), pcmu: new Uint8Array(0) }, 1, resolve));
    stoppers.push(() => s.stop());
    while (sent.length < 3) await new Promise((r) => setTimeout(r, 5));
    const before = sent.length;
    busyWait(210); // ten and a half frame periods with no chance to send
    // With one phase, tick t is due at t x 20 ms: everything sent before the first tick after the stall is catch-up.
    const nextDueAfterStall = Math.ceil(clock.now() / 20_000_000) * 20_000_000;
    while (sent.length < before + MAX_CATCH_UP_FRAMES + 1) await new Promise((r) => setTimeout(r, 5));
    const burst = sent.slice(before).filter((x) => x.at < nextDueAfterStall);
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThanOrEqual(MAX_CATCH_UP_FRAMES);
    const packets = sent.map((x) => parseRtpPacket(x.packet)!);
    const first = packets[before]!;
    const previous = packets[before - 1]!;
    expect(first.marker).toBe(true);
    expect(first.sequence).toBe((previous.sequence + 1) & 0xffff); // nothing was sent, so nothing is lost
    expect((first.timestamp - previous.timestamp) >>> 0).toBeGreaterThan(160 * MAX_CATCH_UP_FRAMES);
    await ended;
    // The whole recording was still sent: a stall delays audio, it does not cut it.
    expect(sent).toHaveLength(30);
    expect(s.playedToEnd).toBe(true);
  });

  it('stops waking up when no stream plays', async () => {
    const clock = new RtpClock();
    const { s } = sender(clock);
    s.play({ pcma: new Uint8Array(160), pcmu: new Uint8Array(0) }, 1, () => {});
    expect(clock.streamCount).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(clock.streamCount).toBe(0);
  });
});
