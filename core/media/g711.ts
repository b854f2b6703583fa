import * as alawmulawModule from 'alawmulaw';

/**
 * G.711 (ITU-T G.711) A-law (PCMA, RTP payload type 8) and mu-law (PCMU,
 * payload type 0) through the `alawmulaw` package. Under plain Node the
 * package loads as CommonJS (its exports under `default`); a bundler that
 * follows its "module" field gives named exports. Both are accepted.
 */
type Codec = typeof alawmulawModule.alaw;
const lib = ('alaw' in alawmulawModule ? alawmulawModule : (alawmulawModule as unknown as { default: typeof alawmulawModule }).default) as {
  alaw: Codec;
  mulaw: Codec;
};

export const alaw = lib.alaw;
export const mulaw = lib.mulaw;

/** Float samples (-1..1) to 16-bit linear PCM, rounded and clipped. */
export function toInt16(samples: Float32Array, out = new Int16Array(samples.length)): Int16Array {
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32767);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** A growing byte buffer for one codec's output (the final size is known only at the end of the decode). */
export class ByteSink {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(1024, initial));
  }

  append(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + bytes.length));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written, without copying when the estimate was exact. */
  bytes(): Uint8Array {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}
