import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp3, makeSoxFile, ffmpegG711 } from '../../../tests/support/mp3Files.js';
import { makeTempDir } from '../../../tests/support/tmp.js';
import { AppError } from '../../errors.js';
import { alaw, mulaw } from './g711.js';
import { scanFrames } from './mpegFrames.js';
import { planParts, prepareRecording, trimmedLength, type PreparedRecording } from './prepareRecording.js';

const FIXTURES = join(import.meta.dirname, '../../../tests/fixtures/recordings');

function toFloat(pcm: Int16Array): Float64Array {
  return Float64Array.from(pcm, (v) => v / 32768);
}

/** Best SNR (dB) of `ours` against `ref` over lags of +-maxLag samples (a safety margin: ffmpeg and mpg123 both trim the encoder delay). */
function snrDb(ref: Float64Array, ours: Float64Array, maxLag = 20): { snr: number; lag: number } {
  let best = { snr: -Infinity, lag: 0 };
  const margin = 800;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let signal = 0;
    let noise = 0;
    for (let i = margin; i < Math.min(ref.length, ours.length) - margin; i++) {
      const j = i + lag;
      if (j < 0 || j >= ours.length) continue;
      signal += ref[i]! * ref[i]!;
      noise += (ref[i]! - ours[j]!) ** 2;
    }
    const snr = 10 * Math.log10(signal / noise);
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

function rms(x: Float64Array, skip = 800): number {
  let s = 0;
  for (let i = skip; i < x.length - skip; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (x.length - 2 * skip));
}

function zeroCrossings(x: Float64Array, skip = 800): number {
  let n = 0;
  for (let i = skip + 1; i < x.length - skip; i++) if (x[i - 1]! < 0 !== x[i]! < 0) n++;
  return n;
}

async function refusal(data: Uint8Array, options?: Parameters<typeof prepareRecording>[1]): Promise<AppError> {
  const err = await prepareRecording(data, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('prepareRecording', () => {
  const tmp = makeTempDir();
  let tone44stereo: string;
  let tone48mono: string;
  let tone5k: string;
  let chirp: string;
  let prepared44: PreparedRecording;

  beforeAll(async () => {
    tone44stereo = makeMp3(tmp.dir, 'tone-44k-stereo.mp3', { seconds: 3, rate: 44100, channels: 2, synth: 'sine 1000', kbps: 128 });
    tone48mono = makeMp3(tmp.dir, 'tone-48k-mono.mp3', { seconds: 3, rate: 48000, channels: 1, synth: 'sine 1000', kbps: 64 });
    tone5k = makeMp3(tmp.dir, 'tone-5k.mp3', { seconds: 3, rate: 44100, channels: 2, synth: 'sine 5000', kbps: 128 });
    chirp = makeMp3(tmp.dir, 'chirp.mp3', { seconds: 3, rate: 44100, channels: 2, synth: 'sine 300-3000', kbps: 128 });
    prepared44 = await prepareRecording(readFileSync(tone44stereo));
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['44.1 kHz stereo CBR', { rate: 44100, channels: 2, synth: 'pinknoise sine 200-3000' }],
    ['48 kHz mono', { rate: 48000, channels: 1, synth: 'pinknoise', kbps: 64 }],
    ['22.05 kHz VBR (MPEG-2, deep bit reservoir)', { rate: 22050, channels: 2, synth: 'pinknoise', lameOptions: '-V 9' }],
    ['8 kHz 8 kbps (MPEG-2.5)', { rate: 8000, channels: 1, synth: 'pinknoise', kbps: 8 }],
    ['32 kHz without a Xing/LAME frame', { rate: 32000, channels: 2, synth: 'pinknoise sine 500', lameOptions: '-t -b 96' }],
  ] as const)('gives the same payloads decoded in two halves at once as in one go: %s', async (_name, spec) => {
    const file = readFileSync(makeMp3(tmp.dir, `split-${spec.rate}-${spec.channels}.mp3`, { seconds: 7.3, ...spec }));
    const scan = scanFrames(file)!;
    const parts = planParts(scan, trimmedLength(scan), 2);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.keepTo).toBe(parts[1]!.keepFrom);
    const whole = await prepareRecording(file, { decodeIn: 'thread' });
    const halves = await prepareRecording(file, { decodeIn: 'workers' });
    expect(halves.durationMs).toBe(whole.durationMs);
    expect(halves.pcma.length).toBe(whole.pcma.length);
    expect(halves.pcmu.length).toBe(whole.pcmu.length);
    // The second half's decoder starts cold; after its priming frames it may differ from one decode in the last float bit,
    // which can move a sample across a G.711 step boundary: rarely, and one step (at most 1024 of 32768) at most.
    const a = alaw.decode(whole.pcma);
    const b = alaw.decode(halves.pcma);
    let differing = 0;
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) differing++;
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    expect(differing).toBeLessThanOrEqual(2);
    expect(worst).toBeLessThanOrEqual(1024);
  });

  it('makes 8 kHz payloads as long as the audio (3 s -> 24000 bytes, within one MP3 frame)', () => {
    const frame = Math.ceil((1152 * 8000) / 44100);
    expect(prepared44.sourceSampleRate).toBe(44100);
    expect(prepared44.sourceChannels).toBe(2);
    expect(Math.abs(prepared44.durationMs - 3000)).toBeLessThanOrEqual(27);
    expect(Math.abs(prepared44.pcma.length - 24000)).toBeLessThanOrEqual(frame);
    expect(prepared44.pcmu.length).toBe(prepared44.pcma.length);
    expect(Math.abs(prepared44.pcma.length - (prepared44.durationMs * 8000) / 1000)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['a-law', 'pcma'],
    ['u-law', 'pcmu'],
  ] as const)('matches ffmpeg converting the same file to %s (SNR over 20 dB), 1 kHz stays 1 kHz', (encoding, key) => {
    const codec = key === 'pcma' ? alaw : mulaw;
    for (const [file, ours] of [[tone44stereo, prepared44]] as const) {
      const ref = toFloat(codec.decode(readFileSync(ffmpegG711(file, join(tmp.dir, `ref-${key}.raw`), encoding))));
      const mine = toFloat(codec.decode(ours[key]));
      const { snr, lag } = snrDb(ref, mine);
      console.log(`SNR ${key} vs ffmpeg (1 kHz, 44.1 kHz stereo): ${snr.toFixed(1)} dB at lag ${lag}`);
      expect(snr).toBeGreaterThan(20);
      expect(Math.abs(zeroCrossings(mine) / ((mine.length - 1600) / 8000) - 2000)).toBeLessThan(10);
    }
  });

  it('matches ffmpeg on a 300-3000 Hz sweep and on a 48 kHz mono file', async () => {
    for (const [name, file] of [
      ['sweep', chirp],
      ['48 kHz mono', tone48mono],
    ] as const) {
      const ours = await prepareRecording(readFileSync(file));
      const ref = toFloat(alaw.decode(readFileSync(ffmpegG711(file, join(tmp.dir, 'ref.raw'), 'a-law'))));
      const { snr } = snrDb(ref, toFloat(alaw.decode(ours.pcma)));
      console.log(`SNR pcma vs ffmpeg (${name}): ${snr.toFixed(1)} dB`);
      expect(snr).toBeGreaterThan(20);
    }
  });

  it('reads the real channel count and rate from the frames (48 kHz mono)', async () => {
    const ours = await prepareRecording(readFileSync(tone48mono));
    expect(ours.sourceChannels).toBe(1);
    expect(ours.sourceSampleRate).toBe(48000);
    // Mono must not be halved by the downmix: a 0.5 sine has RMS 0.354 (G.711 and MP3 cost a little).
    expect(rms(toFloat(alaw.decode(ours.pcma)))).toBeGreaterThan(0.33);
  });

  it('attenuates a 5 kHz tone (it would fold to 3 kHz) by at least 30 dB against a 1 kHz tone of the same level', async () => {
    const ours = await prepareRecording(readFileSync(tone5k));
    const level5k = rms(toFloat(mulaw.decode(ours.pcmu)));
    const level1k = rms(toFloat(mulaw.decode(prepared44.pcmu)));
    const downDb = 20 * Math.log10(level1k / Math.max(level5k, 1e-9));
    console.log(`5 kHz tone: ${downDb.toFixed(1)} dB below the 1 kHz tone`);
    expect(downDb).toBeGreaterThan(30);
  });

  it('gives the same bytes when the decoder runs on a worker thread', async () => {
    const inWorker = await prepareRecording(readFileSync(tone44stereo), { decodeIn: 'worker' });
    expect(Buffer.from(inWorker.pcma).equals(Buffer.from(prepared44.pcma))).toBe(true);
    expect(Buffer.from(inWorker.pcmu).equals(Buffer.from(prepared44.pcmu))).toBe(true);
  });

  it('reports progress from checking to encoding, ending at 1', async () => {
    const seen: string[] = [];
    await prepareRecording(readFileSync(tone48mono), { onProgress: (stage, fraction) => seen.push(`${stage}:${fraction}`) });
    expect(seen[0]).toBe('checking:0');
    expect(seen).toContain('decoding:1');
    expect(seen.at(-1)).toBe('encoding:1');
  });

  describe('refuses, by content and never by extension', () => {
    it('an empty file', async () => {
      expect((await refusal(readFileSync(join(FIXTURES, 'empty.mp3')))).code).toBe('recording.empty');
    });

    it('a text file named .mp3', async () => {
      const err = await refusal(readFileSync(join(FIXTURES, 'notes-renamed.mp3')));
      expect(err.code).toBe('recording.notMp3');
      expect(err.params).toEqual({ format: 'text' });
    });

    it('a WAV named .mp3, saying it is a WAV to convert', async () => {
      const err = await refusal(readFileSync(join(FIXTURES, 'greeting-wav.mp3')));
      expect(err.code).toBe('recording.wavNotMp3');
      expect(err.message).toMatch(/WAV.*Convert it to MP3/);
    });

    it.each([
      ['flac', 'flac'],
      ['ogg', 'ogg'],
    ])('a %s file named .mp3, naming its format', async (type, format) => {
      const file = makeSoxFile(tmp.dir, `other.${type}`, type);
      const err = await refusal(readFileSync(file));
      expect(err.code).toBe('recording.notMp3');
      expect(err.params).toEqual({ format });
    });

    it('an MP3 cut in half (at a frame boundary: only the LAME frame count tells)', async () => {
      const err = await refusal(readFileSync(join(FIXTURES, 'truncated-half.mp3')));
      expect(err.code).toBe('recording.damaged');
      expect(err.params?.at).toBe('0:02');
      expect(err.message).toContain('damaged or incomplete (it stops at 0:02)');
    });

    it('an MP3 whose last frame is cut short', async () => {
      const full = readFileSync(tone48mono);
      const err = await refusal(full.subarray(0, Math.floor(full.length * 0.75) + 37));
      expect(err.code).toBe('recording.damaged');
      expect(err.params?.atMs).toBeGreaterThan(2000);
      expect(err.params?.atMs).toBeLessThan(2400);
    });

    it('an MP3 with garbage in the middle (the decoder alone would skip it silently)', async () => {
      const broken = new Uint8Array(readFileSync(tone44stereo));
      const middle = Math.floor(broken.length / 2);
      for (let i = middle; i < middle + 900; i++) broken[i] = (i * 7919) & 0x7f;
      const err = await refusal(broken);
      expect(err.code).toBe('recording.damaged');
      expect(err.params?.at).toBe('0:01');
    });

    it('a recording longer than the limit, by its decoded length', async () => {
      const err = await refusal(readFileSync(tone48mono), { limits: { maxBytes: 1e9, maxDurationMs: 2500 } });
      expect(err.code).toBe('recording.tooLong');
      expect(err.params).toMatchObject({ max: '0:02', maxDurationMs: 2500 });
    });

    it('a file over the size limit', async () => {
      const err = await refusal(readFileSync(tone48mono), { limits: { maxBytes: 1000, maxDurationMs: 600_000 } });
      expect(err.code).toBe('recording.tooLarge');
      expect(err.params).toMatchObject({ maxBytes: 1000 });
    });

    it('an ID3 tag with no audio frames after it', async () => {
      const tag = new Uint8Array(10 + 20);
      tag.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20]);
      writeFileSync(join(tmp.dir, 'tag-only.mp3'), tag);
      expect((await refusal(tag)).code).toBe('recording.noAudio');
    });
  });
});
