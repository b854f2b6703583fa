import { afterEach, describe, expect, it, vi } from 'vitest';
import { RtpSink } from '../../../../tests/support/rtpSink.js';
import { COUNTER, COUNTER_SLOTS } from '../rtpTransport.js';
import { MediaEngine } from './mediaEngine.js';
import type { MediaEvent } from './protocol.js';

/** The worker's command handling, run on the test's own thread (the entry only wires it to the port). */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function engine(): { engine: MediaEngine; events: MediaEvent[]; next: (type: MediaEvent['type']) => Promise<MediaEvent> } {
  const events: MediaEvent[] = [];
  const waiters: { type: MediaEvent['type']; resolve: (e: MediaEvent) => void }[] = [];
  const e = new MediaEngine((event) => {
    events.push(event);
    const i = waiters.findIndex((w) => w.type === event.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(event);
  });
  cleanups.push(() => e.closeAll());
  const next = (type: MediaEvent['type']) => {
    const seen = events.find((ev) => ev.type === type && !taken.has(ev));
    if (seen) {
      taken.add(seen);
      return Promise.resolve(seen);
    }
    return new Promise<MediaEvent>((resolve) => waiters.push({ type, resolve: (ev) => (taken.add(ev), resolve(ev)) }));
  };
  const taken = new Set<MediaEvent>();
  return { engine: e, events, next };
}

describe('MediaEngine (the media worker’s logic)', () => {
  it('opens, plays a shared recording with its tail, counts into the shared counters and reports the end of that play', async () => {
    const sink = await RtpSink.open();
    cleanups.push(() => sink.close());
    const { engine: e, next } = engine();
    const counters = new Int32Array(new SharedArrayBuffer(COUNTER_SLOTS * 4));
    e.handle({ type: 'open', id: 1, localAddress: '127.0.0.1', portRange: [36000, 36999], counters });
    expect(await next('opened')).toMatchObject({ type: 'opened', id: 1, port: expect.any(Number) });
    const pcma = new Uint8Array(new SharedArrayBuffer(480)).fill(0x2a);
    e.handle({ type: 'recording', key: 5, pcma, pcmu: pcma });
    e.handle({ type: 'configure', id: 1, target: { address: '127.0.0.1', port: sink.port, payloadType: 8, codec: 'PCMA', ptimeMs: 20 }, held: false, receive: { audioPayloadType: 8, telephoneEventPayloadType: 101 } });
    e.handle({ type: 'play', id: 1, play: 3, key: 5, times: 1, tailMs: 40 });
    expect(await next('ended')).toEqual({ type: 'ended', id: 1, play: 3 });
    expect(Atomics.load(counters, COUNTER.packetsSent)).toBe(3 + 2);
    expect(Atomics.load(counters, COUNTER.recordingBytesSent)).toBe(480);
    expect(Atomics.load(counters, COUNTER.playedToEnd)).toBe(1);
    await sink.waitFor(5);
    expect(sink.payload()).toEqual(Buffer.concat([Buffer.alloc(480, 0x2a), Buffer.alloc(320, 0xd5)]));
  });

  it('reports a play of a recording it never got as an error event, and an open that fails with its code', async () => {
    const { engine: e, next } = engine();
    e.handle({ type: 'open', id: 2, localAddress: '127.0.0.1', portRange: [36000, 36999], counters: new Int32Array(COUNTER_SLOTS) });
    await next('opened');
    e.handle({ type: 'play', id: 2, play: 1, key: 99, times: 1, tailMs: 0 });
    expect(await next('error')).toMatchObject({ id: 2, error: { code: 'internal', params: { detail: expect.stringContaining('recording 99') } } });
    e.handle({ type: 'open', id: 3, localAddress: 'not-an-ip', portRange: [36000, 36999], counters: new Int32Array(COUNTER_SLOTS) });
    expect(await next('openFailed')).toMatchObject({ id: 3, error: { code: 'media.badAddress' } });
  });

  it('a close that overtakes its open releases the socket as soon as it is bound', async () => {
    const { engine: e, events } = engine();
    e.handle({ type: 'open', id: 4, localAddress: '127.0.0.1', portRange: [36000, 36999], counters: new Int32Array(COUNTER_SLOTS) });
    e.handle({ type: 'close', id: 4 });
    await vi.waitFor(() => expect(e.sessionCount).toBe(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(events.filter((ev) => ev.type === 'opened')).toEqual([]);
    expect(e.sessionCount).toBe(0);
  });
});
