import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Real MP3 files for tests, made with sox (signal) piped into lame (encoder),
 * both from Debian. `synth` is sox's synth effect arguments, one per channel
 * or one for all: 'sine 1000', 'pinknoise', 'sine 300-3000'.
 */
export interface Mp3Spec {
  seconds: number;
  rate: number;
  channels: 1 | 2;
  synth?: string;
  /** Constant bitrate in kbps (lame -b). */
  kbps?: number;
  /** lame options instead of `-b kbps`, e.g. '-V 9' (VBR) or '-t -b 64' (no Xing/LAME frame). */
  lameOptions?: string;
  /** Linear gain applied by sox (vol), 0..1. */
  volume?: number;
}

export function makeMp3(dir: string, name: string, spec: Mp3Spec): string {
  const out = join(dir, name);
  const synth = spec.synth ?? 'sine 1000';
  const sox = `sox -q -n -r ${spec.rate} -c ${spec.channels} -b 16 -t wav - synth ${spec.seconds} ${synth} vol ${spec.volume ?? 0.5}`;
  // --resample keeps the source rate (lame would otherwise pick its own for low bitrates).
  const lame = `lame --quiet --resample ${spec.rate / 1000} ${spec.lameOptions ?? `-b ${spec.kbps ?? 128}`} - '${out}'`;
  execFileSync('sh', ['-c', `set -e; ${sox} | ${lame}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/**
 * Another tool's 8 kHz mono G.711 conversion of the same file, as raw bytes, to compare against.
 * ffmpeg, not sox: ffmpeg reads LAME's delay and padding, as mpg123 does, so the two line up sample
 * for sample; sox's decoder keeps them and lands a fraction of an 8 kHz sample off).
 */
export function ffmpegG711(input: string, output: string, encoding: 'a-law' | 'u-law'): string {
  const format = encoding === 'a-law' ? 'alaw' : 'mulaw';
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', input, '-ar', '8000', '-ac', '1', '-f', format, output], { stdio: ['ignore', 'ignore', 'pipe'] });
  return output;
}

/** Any format sox can write (flac, ogg, wav), for files that are not MP3s. */
export function makeSoxFile(dir: string, name: string, type: string, seconds = 0.5): string {
  const out = join(dir, name);
  execFileSync('sox', ['-q', '-n', '-r', '8000', '-c', '1', '-t', type, out, 'synth', String(seconds), 'sine', '440'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}
