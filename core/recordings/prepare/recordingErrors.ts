import { AppError } from '../../errors.js';
import type { SniffedFormat } from './sniffFormat.js';

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
  empty: () => new AppError('recording.empty'),

  tooLarge: (sizeBytes: number, maxBytes: number) =>
    new AppError('recording.tooLarge', { sizeBytes, maxBytes, sizeMb: megabytes(sizeBytes), maxMb: megabytes(maxBytes) }),

  wavNotMp3: () =>
    new AppError('recording.wavNotMp3', { format: 'wav' }),

  notMp3: (format: SniffedFormat) =>
    new AppError('recording.notMp3', { format }),

  damaged: (atMs: number) =>
    new AppError('recording.damaged', { at: formatClock(atMs), atMs: Math.round(atMs) }),

  tooLong: (durationMs: number, maxDurationMs: number) =>
    new AppError('recording.tooLong', { duration: formatClock(durationMs), durationMs: Math.round(durationMs), max: formatClock(maxDurationMs), maxDurationMs }),

  noAudio: () =>
    new AppError('recording.noAudio'),
};
