import type { MPEGDecodedAudio, MPEGDecoder } from 'mpg123-decoder';

/** Mono samples of a decoded chunk: the average of the channels (keeps full scale when both carry the same signal). Reuses the left channel's buffer. */
export function downmix(decoded: MPEGDecodedAudio, channels: 1 | 2): Float32Array {
  const n = decoded.samplesDecoded;
  const left = decoded.channelData[0]!;
  const right = decoded.channelData[1];
  if (channels === 1 || !right) return left.length === n ? left : left.subarray(0, n);
  for (let i = 0; i < n; i++) left[i] = (left[i]! + right[i]!) * 0.5;
  return left.subarray(0, n);
}

/**
 * The decoder prints each frame error with console.error as well as
 * returning it; the returned list is what counts, so the print is muted.
 * decode() is synchronous, so nothing else can log meanwhile.
 */
export function decodeQuietly(decoder: MPEGDecoder, chunk: Uint8Array): MPEGDecodedAudio {
  const original = console.error;
  console.error = () => {};
  try {
    return decoder.decode(chunk);
  } finally {
    console.error = original;
  }
}
