import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RtpSink } from '../../../tests/support/rtpSink.js';
import { writeRtpHeader, writeTelephoneEvent } from './rtpPacket.js';
import type { MediaSession, PreparedPayloads } from './types.js';
import { MediaThread, schedulingText, WorkerMediaFactory } from './workerMedia.js';

/** Issue 8: the RTP of each call runs on the media worker; these drive it through the MediaFactory seam. */
const thread = new MediaThread();
const factory = new WorkerMediaFactory({ thread });
afterAll(() => thread.terminate());

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

function answerFor(sink: RtpSink, extra: string[] = []): string {
  return ['v=0', 'o=gw 7 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${sink.port} RTP/AVP 8 101`, 'a=rtpmap:101 telephone-event/8000', ...extra, ''].join('\r\n');
}

function speech(bytes: number): PreparedPayloads {
  const pcma = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) pcma[i] = 0x10 + ((i * 3) % 0x40);
  return { pcma, pcmu: pcma };
}

async function setup(f: WorkerMediaFactory = factory): Promise<{ sink: RtpSink; session: MediaSession }> {
  const sink = await RtpSink.open();
  const session = await f.open({ localAddress: '127.0.0.1', portRange: [34000, 34999], codecs: ['PCMA'] });
  opened.push(sink, session);
  return { sink, session };
}

const ends = (session: MediaSession, payloads: PreparedPayloads, times: number, tailMs = 0) =>
  new Promise<bigint>((resolve) => session.play(payloads, { times, tailMs, onEnd: () => resolve(process.hrtime.bigint()) }));

describe('media on the worker thread', () => {
  it('delivers the recording bit-exact at the answer’s a=ptime:30, then the tail, before onEnd', async () => {
    const { sink, session } = await setup();
    expect(session.localPort % 2).toBe(0);
    expect(session.applyAnswer(answerFor(sink, ['a=ptime:30'])).ptimeMs).toBe(30);
    const input = speech(7200); // 30 frames of 240
    const endedAt = await ends(session, input, 2, 300);
    const heard = sink.heard({ delayMs: 200, endedAt });
    expect(heard.late).toBe(0);
    expect(Buffer.compare(heard.bytes.subarray(0, 14_400), Buffer.concat([input.pcma, input.pcma]))).toBe(0);
    expect(sink.stream().every((p) => p.rtp!.payload.length === 240)).toBe(true);
    expect(session.stats()).toMatchObject({ packetsReceived: 0, playedMs: 1800, playedToEnd: true, dtmf: '' });
    // 60 frames of the recording, then 300 ms of silence (10 frames; fewer only if a stalled machine skipped time).
    expect(session.stats().packetsSent).toBeGreaterThan(60);
    expect(session.stats().packetsSent).toBeLessThanOrEqual(70);
  });

  it('keeps sending while the core thread is blocked: the counters it shares go up during a synchronous 300 ms loop', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    session.play(speech(8000 * 5), { times: 1, onEnd: () => {} });
    await sink.waitFor(2);
    const before = session.stats().packetsSent;
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // an import or a page query holding the core's event loop
    }
    const during = session.stats().packetsSent - before;
    // In-thread media sends nothing while its thread is blocked; the worker sends ~15 frames in 300 ms.
    expect(during).toBeGreaterThanOrEqual(10);
    session.stop();
  });

  it('stop() ends the stream and onEnd never comes; a new play restarts it with the marker bit', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    const onEnd = vi.fn();
    session.play(speech(8000 * 10), { times: 1, onEnd });
    await sink.waitFor(5);
    session.stop();
    await new Promise((r) => setTimeout(r, 60));
    const sent = session.stats().packetsSent;
    await new Promise((r) => setTimeout(r, 100));
    expect(session.stats().packetsSent).toBe(sent);
    expect(onEnd).not.toHaveBeenCalled();
    await sink.waitFor(sent);
    const input = speech(800);
    await ends(session, input, 1);
    await sink.waitFor(sent + 5);
    expect(sink.packets[sent]!.rtp!.marker).toBe(true);
  });

  it('reports RFC 4733 digits and the packets received', async () => {
    const { sink, session } = await setup();
    session.applyAnswer(answerFor(sink));
    let seq = 1;
    const event = (ts: number, marker: boolean, digit: number, end: boolean, duration: number) => {
      const buf = Buffer.alloc(16);
      writeRtpHeader(buf, { marker, payloadType: 101, sequence: seq++, timestamp: ts, ssrc: 77 });
      buf.set(writeTelephoneEvent({ event: digit, end, volume: 10, duration }), 12);
      return sink.send(buf, session.localPort);
    };
    await event(8000, true, 7, false, 160);
    for (let i = 0; i < 3; i++) await event(8000, false, 7, true, 640);
    await event(16000, true, 11, false, 160);
    for (let i = 0; i < 3; i++) await event(16000, false, 11, true, 400);
    await vi.waitFor(() => expect(session.stats()).toMatchObject({ packetsReceived: 8, dtmf: '7#' }), { timeout: 2000 });
  });

  it('says once, in the log, how the OS schedules its thread, as the ready event reported it', async () => {
    const lines: string[] = [];
    const local = new MediaThread((line) => lines.push(line));
    try {
      await local.ready;
      expect(lines).toEqual([`media thread ready: ${schedulingText(local.scheduling)}`]);
      if (process.platform === 'linux') expect(lines[0]).toMatch(/real time \(SCHED_RR \d+\)|niceness -?\d+ \(not real time\)/);
    } finally {
      await local.terminate();
    }
  });

  it('sends a recording to the worker once however many calls play it', async () => {
    const local = new MediaThread();
    try {
      const posted = vi.spyOn(local, 'post');
      const f = new WorkerMediaFactory({ thread: local });
      const input = speech(1600);
      for (let i = 0; i < 3; i++) {
        const { sink, session } = await setup(f);
        session.applyAnswer(answerFor(sink));
        await ends(session, input, 1);
        await sink.waitFor(10);
        expect(Buffer.compare(sink.payload(), Buffer.from(input.pcma))).toBe(0);
      }
      const recordings = posted.mock.calls.filter(([c]) => c.type === 'recording');
      expect(recordings).toHaveLength(1);
      expect(recordings[0]![0]).toMatchObject({ pcma: expect.any(Uint8Array) });
      const sent = recordings[0]![0] as { pcma: Uint8Array };
      expect(sent.pcma.buffer).toBeInstanceOf(SharedArrayBuffer);
    } finally {
      await local.terminate();
    }
  });

  it('when the worker dies, the call it carried ends with media.workerFailed and the next session gets a new worker', async () => {
    const lines: string[] = [];
    const f = new WorkerMediaFactory({ log: (l) => lines.push(l) });
    const first = f.thread;
    const { sink, session } = await setup(f);
    session.applyAnswer(answerFor(sink));
    const ended = new Promise<void>((resolve) => session.play(speech(8000 * 10), { times: 1, onEnd: resolve }));
    await sink.waitFor(3);
    await first.terminate();
    await ended;
    expect(session.stats().playedToEnd).toBe(false);
    expect(session.stats().problems).toEqual([expect.objectContaining({ code: 'media.workerFailed' })]);
    expect(lines.join('\n')).toContain('media worker stopped');
    // A bench asking the dead thread for its probe figures gets the failure, not a wait for ever.
    await expect(first.probeReport()).rejects.toMatchObject({ code: 'media.workerFailed' });
    expect(f.thread).not.toBe(first);
    const again = await setup(f);
    again.session.applyAnswer(answerFor(again.sink));
    await ends(again.session, speech(800), 1);
    await again.sink.waitFor(5);
    await f.thread.terminate();
  });

  it('a port range with no free port is refused with the core’s coded error', async () => {
    await expect(factory.open({ localAddress: '127.0.0.1', portRange: [35001, 35001], codecs: ['PCMA'] })).rejects.toMatchObject({ code: 'media.badPortRange' });
  });
});
