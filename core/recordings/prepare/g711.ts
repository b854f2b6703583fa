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

/** A float sample (-1..1) as 16-bit linear PCM, rounded and clipped. */
function toInt16(sample: number): number {
  const v = Math.round(sample * 32767);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

let tables: { pcma: Uint8Array; pcmu: Uint8Array } | undefined;

/** Every 16-bit value's A-law and mu-law byte, made once from the library's own encoder (64 KB each). */
function codeTables(): { pcma: Uint8Array; pcmu: Uint8Array } {
  if (!tables) {
    const pcm = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
    tables = { pcma: alaw.encode(pcm), pcmu: mulaw.encode(pcm) };
  }
  return tables;
}

/**
 * Float samples (-1..1) to both payloads at once: one table lookup per
 * sample and codec instead of the encoder's branches, and no Int16 copy.
 */
export function encodeBoth(samples: Float32Array, pcma: ByteSink, pcmu: ByteSink): void {
  const { pcma: aTable, pcmu: uTable } = codeTables();
  const a = pcma.reserve(samples.length);
  const u = pcmu.reserve(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const index = toInt16(samples[i]!) + 32768;
    a[i] = aTable[index]!;
    u[i] = uTable[index]!;
  }
}

/** A growing byte buffer for one codec's output (the final size is known only at the end of the decode). */
export class ByteSink {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(1024, initial));
  }

  /** The next `count` bytes, to be written by the caller; they count as written. */
  reserve(count: number): Uint8Array {
    if (this.len + count > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + count));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    const view = this.buf.subarray(this.len, this.len + count);
    this.len += count;
    return view;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written, without copying when the estimate was exact. */
  bytes(): Uint8Array {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}
