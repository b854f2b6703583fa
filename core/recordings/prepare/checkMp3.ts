import { scanFrames, type FrameScan } from './mpegFrames.js';
import { recordingErrors } from './recordingErrors.js';
import { sniffFormat } from './sniffFormat.js';

export interface RecordingLimits {
  maxBytes: number;
  maxDurationMs: number;
}

/** docs/DOMAIN.md: an uploaded MP3 is played to the callee; these bound the store and a call's length. */
export const DEFAULT_LIMITS: RecordingLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxDurationMs: 10 * 60 * 1000,
};

/**
 * Mistakes the header walk can rule on without decoding: size, format and a
 * frame chain that breaks. The decode itself (prepareRecording) then checks
 * the audio frame by frame. The extension is never consulted.
 */
export function checkMp3(data: Uint8Array, limits: RecordingLimits): FrameScan {
  if (data.length === 0) throw recordingErrors.empty();
  if (data.length > limits.maxBytes) throw recordingErrors.tooLarge(data.length, limits.maxBytes);
  const scan = scanFrames(data);
  if (!scan) {
    const format = sniffFormat(data);
    throw format === 'wav' ? recordingErrors.wavNotMp3() : recordingErrors.notMp3(format);
  }
  if (scan.tagOnly || scan.frames === 0) throw recordingErrors.noAudio();
  if (scan.damage) throw recordingErrors.damaged((scan.damage.atSamples / scan.sampleRate) * 1000);
  // The header count includes the encoder delay and padding (a few tens of ms) that the decoder trims,
  // so only a clear excess is refused here; the decoded length is checked again exactly.
  const headerMs = (scan.samples / scan.sampleRate) * 1000;
  if (headerMs > limits.maxDurationMs + 1000) throw recordingErrors.tooLong(headerMs, limits.maxDurationMs);
  return scan;
}
