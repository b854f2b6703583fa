/**
 * Recording preparation speed: a 10-minute 44.1 kHz stereo 128 kbps MP3
 * (made once with sox + lame, cached in bench/.work/) turned into both 8 kHz
 * G.711 payloads by our pipeline, beside ffmpeg doing the same conversion
 * (one codec) in the same run, three times each, taking turns. Prints the
 * medians and their ratio, then where the time goes; asserts nothing.
 *
 *   node bin/run-ts.mjs bench/recording.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { decodeChunks } from '../core/recordings/prepare/mp3Decoder.js';
import { scanFrames } from '../core/recordings/prepare/mpegFrames.js';
import { prepareRecording } from '../core/recordings/prepare/prepareRecording.js';
import { Resampler } from '../core/recordings/prepare/resampler.js';

const WORK = join(import.meta.dirname, '.work');
const INPUT = join(WORK, 'recording-10min-44k-stereo-128k.mp3');

function ensureInput(): void {
  if (existsSync(INPUT)) return;
  mkdirSync(WORK, { recursive: true });
  console.log('making the 10-minute test MP3 (once)...');
  // Left: pink noise (dense spectrum, like music); right: a sweeping tone. Then 128 kbps CBR.
  const tmp = `${INPUT}.part`;
  execFileSync('sh', ['-c', `sox -q -n -r 44100 -c 2 -b 16 -t wav - synth 600 pinknoise sine 200-3000 vol 0.5 | lame --quiet -b 128 - '${tmp}'`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  renameSync(tmp, INPUT);
}

const ROUNDS = 3;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function seconds(work: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

export async function main(): Promise<void> {
  ensureInput();
  const data = new Uint8Array(readFileSync(INPUT));
  console.log(`input: ${INPUT} (${(data.length / 1e6).toFixed(1)} MB, 10:00, 44.1 kHz stereo)`);

  // Three rounds, ffmpeg and ours taking turns, so a passing load on the machine hits both alike; medians are compared.
  const ffmpegRuns: number[] = [];
  const oursRuns: number[] = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    ffmpegRuns.push(
      await seconds(() =>
        execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', INPUT, '-ar', '8000', '-ac', '1', '-c:a', 'pcm_alaw', join(WORK, 'recording-ffmpeg.wav')]),
      ),
    );
    oursRuns.push(
      await seconds(async () => {
        const prepared = await prepareRecording(data);
        bytes = prepared.pcma.length + prepared.pcmu.length;
      }),
    );
  }
  const ffmpeg = median(ffmpegRuns);
  const ours = median(oursRuns);
  const oursWorker = await seconds(() => prepareRecording(data, { decodeIn: 'worker' }));
  const oursThread = await seconds(() => prepareRecording(data, { decodeIn: 'thread' }));

  // Where the time goes, each step alone on this thread.
  const bareDecode = await seconds(async () => {
    const decoder = new MPEGDecoder();
    await decoder.ready;
    for (let off = 0; off < data.length; off += 64 * 1024) decoder.decode(data.subarray(off, off + 64 * 1024));
    decoder.free();
  });
  const scan = scanFrames(data)!;
  const monoChunks: Float32Array[] = [];
  const decodeDownmix = await seconds(async () => {
    for await (const c of decodeChunks(data, scan.firstFrameOffset, scan.audioEnd, 2, 'thread')) monoChunks.push(c.mono);
  });
  const headerScan = await seconds(() => scanFrames(data));
  const resampler = new Resampler(44100);
  const resample = await seconds(() => {
    for (const c of monoChunks) resampler.push(c);
    resampler.flush();
  });

  const row = (label: string, s: number) => console.log(`${label.padEnd(52)} ${s.toFixed(2)} s`);
  const runs = (xs: number[]) => `(runs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
  row('ffmpeg -ar 8000 -ac 1 -c:a pcm_alaw (one codec)', ffmpeg);
  console.log(`    median ${runs(ffmpegRuns)}`);
  row('ours: check + decode + resample + A-law + mu-law', ours);
  console.log(`    median ${runs(oursRuns)}; two decoder workers, this thread resamples and encodes`);
  row('  the same, decoder on one worker (no split)', oursWorker);
  row('  the same, decoder on this thread (no worker)', oursThread);
  console.log(`ratio ours / ffmpeg: ${(ours / ffmpeg).toFixed(2)}x (target <= 1.5x); ${bytes} payload bytes`);
  console.log('breakdown (each alone, one thread):');
  row('  header scan (frame chain, Xing count)', headerScan);
  row('  bare mpg123 WASM decode', bareDecode);
  row('  decode + downmix to mono (chunks)', decodeDownmix);
  row(`  resample 44100 -> 8000`, resample);
  console.log(`    [${resampler.description}]`);
}
