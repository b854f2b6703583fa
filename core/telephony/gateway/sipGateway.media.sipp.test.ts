import { afterEach, describe, expect, it } from 'vitest';
import { RtpSink } from '../../../tests/support/rtpSink.js';
import { startSipp, type SippRun } from '../../../tests/support/sipp.js';
import { RtpMediaFactory } from '../media/rtpMediaSession.js';
import type { MediaFactory, MediaOpenOptions, MediaSession, PreparedPayloads } from '../media/types.js';
import type { GatewayConfig } from './config.js';
import { SipGateway } from './sipGateway.js';
import { localGatewayConfig } from './testing/localGateway.js';

/**
 * Issue 10 through the whole user agent: sipp answers with the address of an
 * RtpSink (which models the phone's jitter buffer) and an a=ptime; real RTP
 * goes there from a real media session. The moment the call flow is told
 * the recording has ended is the moment its BYE leaves, so that is when the
 * "phone" drops what it still buffers.
 */
const running: { sipp?: SippRun; gateway?: SipGateway; sink?: RtpSink }[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.gateway?.stop();
    await r.sipp?.kill();
    await r.sink?.close();
  }
});

/** Real media, noting when the call flow learns that playback ended (it sends its BYE right then). */
class TimedMediaFactory implements MediaFactory {
  endedAt: bigint | null = null;
  private readonly inner = new RtpMediaFactory();

  async open(options: MediaOpenOptions): Promise<MediaSession> {
    const session = await this.inner.open(options);
    const play = session.play.bind(session);
    session.play = (payloads, opts) =>
      play(payloads, {
        ...opts,
        onEnd: () => {
          this.endedAt = process.hrtime.bigint();
          opts.onEnd();
        },
      });
    return session;
  }
}

/** Speech-like bytes with no G.711 silence in them, so any cut shows. */
function speech(bytes: number): PreparedPayloads {
  const pcma = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) pcma[i] = 0x10 + ((i * 5) % 0x40);
  return { pcma, pcmu: pcma };
}

async function callThroughSipp(ptime: string, overrides: Partial<GatewayConfig> = {}) {
  const sink = await RtpSink.open();
  const sipp = await startSipp({ scenario: 'answer-media-to-sink.xml', args: ['-key', 'sink_port', String(sink.port), '-key', 'ptime', ptime] });
  const media = new TimedMediaFactory();
  const config = localGatewayConfig(sipp.port, { host: sipp.host, rtpPortRange: [33000, 33999], codecs: ['PCMA'], ...overrides });
  const gateway = new SipGateway(config, { media });
  running.push({ sipp, gateway, sink });
  await gateway.start();
  const input = speech(12_000); // 1.5 s
  const result = await gateway.call({ to: '+6281234567890', payloads: input });
  const exit = await sipp.exited;
  if (exit.code !== 0) throw new Error(`sipp failed (exit ${exit.code}):\n${exit.errors}\n${exit.output.slice(-2000)}`);
  return { sink, result, input, endedAt: media.endedAt! };
}

describe('playout tail and packet period against sipp (issue 10)', () => {
  it('the default tail lets a 200 ms jitter buffer play every sample of the recording before the BYE; a=ptime:30 gives 30 ms packets', async () => {
    const { sink, result, input, endedAt } = await callThroughSipp('30');
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    expect(result.playedToEnd).toBe(true);
    expect(result.errors).toEqual([]);
    const packets = sink.stream().map((p) => p.rtp!);
    expect(packets.every((p) => p.payload.length === 240)).toBe(true);
    expect(((packets[1]!.timestamp - packets[0]!.timestamp) >>> 0) % 240).toBe(0);
    // 12,000 bytes = 50 packets of 240, then at least 300 ms of silence (10 packets).
    expect(packets.length).toBeGreaterThanOrEqual(50 + 10);
    const heard = sink.heard({ delayMs: 200, endedAt });
    expect(heard.late).toBe(0);
    expect(Buffer.compare(heard.bytes.subarray(0, input.pcma.length), Buffer.from(input.pcma))).toBe(0);
    // The BYE left after the whole recording and the tail were sent.
    const bye = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('BYE '));
    expect(bye).toBeDefined();
  });

  it('with the tail set to 0 (the old behaviour) the phone loses the end of the recording', async () => {
    const { sink, input, endedAt } = await callThroughSipp('20', { playoutTailMs: 0 });
    const heard = sink.heard({ delayMs: 200, endedAt });
    expect(heard.bytes.length).toBeLessThan(input.pcma.length - 1000);
  });

  it('an a=ptime it cannot send (25) falls back to 20 ms and says why in the call problems', async () => {
    const { sink, result } = await callThroughSipp('25', { playoutTailMs: 0 });
    expect(result.outcome).toBe('answered');
    expect(result.errors).toEqual([expect.objectContaining({ code: 'media.ptimeUnsupported', params: expect.objectContaining({ asked: '25', ptime: 20 }) })]);
    expect(sink.stream().every((p) => p.rtp!.payload.length === 160)).toBe(true);
  });
});
