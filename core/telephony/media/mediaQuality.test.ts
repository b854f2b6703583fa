import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtpSink } from '../../../tests/support/rtpSink.js';
import { makeTempDir } from '../../../tests/support/tmp.js';
import { alaw } from '../../recordings/prepare/g711.js';
import { RtpMediaSession } from './rtpMediaSession.js';

/**
 * The audio a gateway receives is the recording: a 1 kHz tone made and
 * encoded by sox goes through a real session over loopback UDP, is rebuilt
 * at the sink by sequence number and decoded; sox decodes the same bytes
 * independently and the two must agree sample for sample.
 */
describe('audio through RTP', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    tmp = makeTempDir('autocall-rtp-');
  });
  afterAll(() => tmp.cleanup());

  it('delivers a sox A-law tone bit-exact, with no loss and in order', async () => {
    const tone = join(tmp.dir, 'tone.al');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'a-law', '-t', 'raw', tone, 'synth', '2', 'sine', '1000']);
    const pcma = new Uint8Array(readFileSync(tone));
    expect(pcma.length).toBe(16000);

    const sink = await RtpSink.open();
    const session = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: [20000, 29998], codecs: ['PCMA'] });
    try {
      session.applyAnswer(
        ['v=0', 'o=gw 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${sink.port} RTP/AVP 8`, ''].join('\r\n'),
      );
      await new Promise<void>((resolve) => session.play({ pcma, pcmu: new Uint8Array(0) }, { times: 1, onEnd: resolve }));
      await sink.waitFor(100);
    } finally {
      session.close();
      await sink.close();
    }

    const received = sink.payload();
    expect(Buffer.compare(received, Buffer.from(pcma))).toBe(0);

    const ours = alaw.decode(new Uint8Array(received));
    const received_al = join(tmp.dir, 'received.al');
    const soxPcm = join(tmp.dir, 'received.s16');
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', received_al], { input: received });
    execFileSync('sox', ['-t', 'raw', '-r', '8000', '-c', '1', '-e', 'a-law', received_al, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', soxPcm]);
    const soxBytes = readFileSync(soxPcm);
    const soxSamples = new Int16Array(soxBytes.buffer, soxBytes.byteOffset, soxBytes.length / 2);
    expect(soxSamples.length).toBe(ours.length);
    let mismatches = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== soxSamples[i]) mismatches += 1;
    expect(mismatches).toBe(0);

    // The tone really is a tone: a 1 kHz sine at 8 kHz repeats every 8 samples.
    let energy = 0;
    let residual = 0;
    for (let i = 8; i < ours.length; i++) {
      energy += ours[i]! ** 2;
      residual += (ours[i]! - ours[i - 8]!) ** 2;
    }
    const snrDb = 10 * Math.log10(energy / Math.max(1, residual));
    expect(snrDb).toBeGreaterThan(20);

    const timing = sink.timing();
    expect(timing.packets).toBe(100);
    expect(timing.lost).toBe(0);
    expect(timing.reordered).toBe(0);
    expect(timing.duplicates).toBe(0);
    // Figures only (the machine is shared): no assertion on speed.
    console.log(
      `RTP tone over loopback: ${timing.packets} packets, inter-arrival error p50 ${timing.gapErrorP50Ms.toFixed(3)} ms, ` +
        `p99 ${timing.gapErrorP99Ms.toFixed(3)} ms, max gap ${timing.maxGapMs.toFixed(2)} ms, jitter ${timing.jitterMs.toFixed(3)} ms, ` +
        `drift ${timing.driftMs.toFixed(3)} ms over ${(timing.durationMs / 1000).toFixed(2)} s, tone SNR ${snrDb.toFixed(1)} dB`,
    );
  });
});
