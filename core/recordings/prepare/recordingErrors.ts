import { AppError } from '../../errors.js';
import { FORMAT_LABELS, type SniffedFormat } from './sniffFormat.js';

/**
 * Why an uploaded file cannot be a recording. Each code is stable (the UI
 * translates it with the params); the English message says what is wrong
 * and what to do about it.
 */

export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

export const recordingErrors = {
  empty: () => new AppError('recording.empty', 'The file is empty (0 bytes). Choose the MP3 file again; if it is also empty where it came from, export or download it again.'),

  tooLarge: (sizeBytes: number, maxBytes: number) =>
    new AppError(
      'recording.tooLarge',
      `The file is ${megabytes(sizeBytes)} MB; recordings can be at most ${megabytes(maxBytes)} MB. Export it again at a lower bitrate (64 kbps mono is plenty for a phone call) or shorten it.`,
      { sizeBytes, maxBytes, sizeMb: megabytes(sizeBytes), maxMb: megabytes(maxBytes) },
    ),

  wavNotMp3: () =>
    new AppError(
      'recording.wavNotMp3',
      'This is a WAV file, not an MP3 (its extension does not change what is inside). Convert it to MP3 with an audio editor or converter, then upload the MP3.',
      { format: 'wav' },
    ),

  notMp3: (format: SniffedFormat) =>
    new AppError(
      'recording.notMp3',
      format === 'unknown' || format === 'text'
        ? `This file is not an MP3 audio file (it is ${FORMAT_LABELS[format]}). Choose an MP3 recording, or convert your recording to MP3 first.`
        : `This file is not an MP3: it is ${FORMAT_LABELS[format]}. Convert it to MP3 with an audio editor or converter, then upload the MP3.`,
      { format },
    ),

  damaged: (atMs: number) =>
    new AppError(
      'recording.damaged',
      `The file is damaged or incomplete (it stops at ${formatClock(atMs)}). Copy, export or download the recording again and upload the complete file.`,
      { at: formatClock(atMs), atMs: Math.round(atMs) },
    ),

  tooLong: (durationMs: number, maxDurationMs: number) =>
    new AppError(
      'recording.tooLong',
      `The recording is ${formatClock(durationMs)} long; a call recording can be at most ${formatClock(maxDurationMs)}. Shorten it with an audio editor and upload it again.`,
      { duration: formatClock(durationMs), durationMs: Math.round(durationMs), max: formatClock(maxDurationMs), maxDurationMs },
    ),

  noAudio: () =>
    new AppError(
      'recording.noAudio',
      'The MP3 file contains no audio (only tags or headers could be read). Export the recording again and check that it plays before uploading it.',
    ),
};
