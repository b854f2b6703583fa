/**
 * Resampling to the 8 kHz telephone rate (G.711, ITU-T G.712 channel:
 * 300-3400 Hz), as a chain of stages:
 *
 *   - halfband decimators (rate / 2) while the rate is even and the halved
 *     rate still leaves room above the stop edge: 44100 -> 22050 -> 11025,
 *     48000 -> 24000 -> 12000. A halfband filter has every other tap zero
 *     and symmetric taps, so a stage costs a handful of multiplies per
 *     output, and each stage only has to keep its own aliases out of the
 *     0-STOP_HZ band, which allows a very wide transition;
 *   - one rational (L/M) polyphase stage to 8000 Hz at the reduced rate
 *     (11025 -> 8000 is L=320, M=441), where the steep 3400-4300 Hz edge is
 *     cut with a quarter of the taps it would need at 44.1 kHz.
 * Ten minutes of 44.1 kHz take about 400 million multiplies this way
 * instead of a billion with one polyphase filter at the input rate.
 *
 * Every filter is a Kaiser-windowed sinc (Oppenheim & Schafer, 3rd ed.,
 * §7.6.1). The chain passes 0-3400 Hz (ripple well under 0.1 dB) and is at
 * least ATTENUATION_DB down from STOP_HZ up. The stop edge sits a little
 * above the 4 kHz Nyquist frequency on purpose: what leaks from 4000-STOP_HZ
 * folds back to (8000-STOP_HZ)-4000 Hz, above the 3400 Hz telephone band.
 *
 * Streaming: push() chunks as they are decoded, flush() at the end. Every
 * stage is zero-phase (its group delay compensated), so output n is the input
 * at time n/8000 s and the output has exactly ceil(inputSamples * 8000 / rate)
 * samples.
 */

export const TARGET_RATE = 8000;
export const PASS_HZ = 3400;
export const STOP_HZ = 4300;
export const ATTENUATION_DB = 70;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Kaiser's beta for the attenuation. */
function kaiserBeta(attenuationDb: number): number {
  const A = attenuationDb;
  return A > 50 ? 0.1102 * (A - 8.7) : A >= 21 ? 0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21) : 0;
}

/** Kaiser's estimate of the filter length for a transition from passHz to stopHz at rate. */
function kaiserLength(rate: number, passHz: number, stopHz: number, attenuationDb = ATTENUATION_DB): number {
  const transition = (2 * Math.PI * (stopHz - passHz)) / rate;
  return Math.ceil((attenuationDb - 7.95) / (2.285 * transition)) + 1;
}

/**
 * The estimate falls a few dB short for the short halfband filters (measured
 * 68 dB for 70 asked); they are designed for this much more, which costs one
 * or two multiplies per output.
 */
const HALFBAND_MARGIN_DB = 6;

/**
 * Taps h[-span..span] (index m + span) of a windowed-sinc low-pass with the
 * given cutoff (cycles per sample), sampled at offsets that are multiples of 1/step
 * of the window's span (step > 1 for a polyphase filter designed at the upsampled rate).
 */
function windowedSinc(span: number, cutoff: number, attenuationDb = ATTENUATION_DB): Float64Array {
  const beta = kaiserBeta(attenuationDb);
  const i0beta = besselI0(beta);
  const h = new Float64Array(2 * span + 1);
  for (let m = -span; m <= span; m++) {
    const x = 2 * cutoff * m;
    const sinc = m === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = m / span;
    h[m + span] = 2 * cutoff * sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta);
  }
  return h;
}

/** One link of the chain: samples in at its input rate, samples out at its output rate, no delay. */
interface Stage {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Input samples an output needs beyond its own time (the filter's half length). */
  readonly reach: number;
  readonly description: string;
  push(input: Float32Array): Float32Array;
  /** Ends the input (zeros beyond it) and returns the outputs still owed; `total` caps the stage's whole output count. */
  flush(total?: number): Float32Array;
}

/**
 * Input buffer shared by both stage kinds: buf[0] is input index base
 * (negative at the start: the zeros before the signal).
 */
class History {
  buf: Float32Array;
  len: number;
  base: number;

  constructor(before: number) {
    this.buf = new Float32Array(before + 8192);
    this.len = before;
    this.base = -before;
  }

  /** One past the last input index held. */
  get end(): number {
    return this.base + this.len;
  }

  /** Drops what is before input index `from`, makes room for `extra` more and appends `input` (or zeros). */
  append(from: number, extra: number, input?: Float32Array): void {
    const drop = from - this.base;
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.len);
      this.len -= drop;
      this.base += drop;
    }
    if (this.len + extra > this.buf.length) {
      const bigger = new Float32Array(Math.max(this.buf.length * 2, this.len + extra));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    if (input) this.buf.set(input.subarray(0, extra), this.len);
    else this.buf.fill(0, this.len, this.len + extra);
    this.len += extra;
  }
}

/**
 * Decimation by 2 with a halfband filter: cutoff at a quarter of the input
 * rate, so every even tap but the centre (0.5) is zero, and the taps are
 * symmetric. Pass edge STOP_HZ; stop edge inputRate/2 - STOP_HZ, the lowest
 * frequency that folds into 0-STOP_HZ at the halved rate.
 */
class HalfbandStage implements Stage {
  readonly outputRate: number;
  readonly reach: number;
  readonly description: string;
  /** Taps at offsets +-1, +-3, ... +-(2Q-1) from the centre. */
  private readonly g: Float32Array;
  private readonly half: number;
  private readonly history: History;
  /** Input index of the next output's centre (always even). */
  private centre = 0;
  private inputCount = 0;
  private outputCount = 0;

  constructor(readonly inputRate: number) {
    this.outputRate = inputRate / 2;
    let length = kaiserLength(inputRate, STOP_HZ, this.outputRate - STOP_HZ, ATTENUATION_DB + HALFBAND_MARGIN_DB);
    // A halfband length is 4Q - 1 (half-length 2Q - 1 odd), so both outermost taps are non-zero.
    while (length % 4 !== 3) length++;
    this.half = (length - 1) / 2;
    this.reach = this.half;
    const h = windowedSinc(this.half, 0.25, ATTENUATION_DB + HALFBAND_MARGIN_DB);
    const Q = (this.half + 1) / 2;
    let sides = 0;
    for (let q = 0; q < Q; q++) sides += 2 * h[this.half + 2 * q + 1]!;
    this.g = new Float32Array(Q);
    // The centre tap is 0.5; the others are scaled to add up to 0.5 too, so the gain at DC is exactly 1.
    for (let q = 0; q < Q; q++) this.g[q] = (h[this.half + 2 * q + 1]! * 0.5) / sides;
    this.history = new History(this.half);
    this.description = `${inputRate}->${this.outputRate} halfband (${length} taps, ${Q + 1} multiplies/output)`;
  }

  push(input: Float32Array): Float32Array {
    this.history.append(this.centre - this.half, input.length, input);
    this.inputCount += input.length;
    return this.run(Number.POSITIVE_INFINITY);
  }

  flush(total = Math.ceil(this.inputCount / 2)): Float32Array {
    this.history.append(this.centre - this.half, this.half + 1);
    return this.run(total - this.outputCount);
  }

  private run(limit: number): Float32Array {
    const { g, half } = this;
    const { buf, base, end } = this.history;
    const possible = Math.max(0, Math.floor((end - half - 1 - this.centre) / 2) + 1);
    const out = new Float32Array(Math.min(limit, possible));
    const Q = g.length;
    let c = this.centre - base;
    for (let o = 0; o < out.length; o++, c += 2) {
      let acc = 0.5 * buf[c]!;
      for (let q = 0; q < Q; q++) acc += g[q]! * (buf[c - 2 * q - 1]! + buf[c + 2 * q + 1]!);
      out[o] = acc;
    }
    this.centre += 2 * out.length;
    this.outputCount += out.length;
    return out;
  }
}

/**
 * Rational L/M resampling with one windowed-sinc low-pass designed at the
 * upsampled rate inputRate*L and split into L phases; each output sample is
 * one dot product of K taps with the input.
 */
class PolyphaseStage implements Stage {
  readonly outputRate = TARGET_RATE;
  readonly reach: number;
  readonly description: string;
  private readonly L: number;
  readonly M: number;
  /** Taps per phase (odd). */
  private readonly K: number;
  /** (K-1)/2: the filter's centre, in input samples. */
  private readonly half: number;
  /** coefficients[p*K + j] = h[p + (K-1-j)*L]: each phase reversed so the dot product walks the input forwards. */
  private readonly coefficients: Float32Array;
  private readonly history: History;
  /** Next output's input position: floor(n*M/L) and (n*M) mod L. */
  private i = 0;
  private p = 0;
  private readonly iStep: number;
  private readonly pStep: number;
  private inputCount = 0;
  private outputCount = 0;

  constructor(readonly inputRate: number) {
    const g = gcd(inputRate, TARGET_RATE);
    const L = TARGET_RATE / g;
    const M = inputRate / g;
    const stop = Math.min(STOP_HZ, inputRate / 2);
    let K = kaiserLength(inputRate, PASS_HZ, stop);
    if (K % 2 === 0) K++;
    const half = (K - 1) / 2;
    // Designed at the upsampled rate: cutoff midway through the transition, in cycles per upsampled sample.
    const h = windowedSinc(half * L, (PASS_HZ + stop) / 2 / (inputRate * L));
    let sum = 0;
    for (const v of h) sum += v;
    // Zero-stuffing by L divides the level by L: scale so every phase has unity gain at DC.
    const scale = L / sum;
    // h has 2*half*L + 1 taps; the K*L grid below indexes it from 0 (one zero tap past the end).
    const coefficients = new Float32Array(K * L);
    for (let p = 0; p < L; p++) {
      for (let j = 0; j < K; j++) coefficients[p * K + j] = (h[p + (K - 1 - j) * L] ?? 0) * scale;
    }
    this.L = L;
    this.M = M;
    this.K = K;
    this.half = half;
    // An output between two input samples reaches half taps past the one before it.
    this.reach = half + 1;
    this.coefficients = coefficients;
    this.iStep = Math.floor(M / L);
    this.pStep = M % L;
    this.history = new History(K - 1);
    this.description = `${inputRate}->${TARGET_RATE} polyphase L=${L} M=${M} (${K} taps/output)`;
  }

  push(input: Float32Array): Float32Array {
    this.history.append(this.oldestNeeded(), input.length, input);
    this.inputCount += input.length;
    return this.run(Number.POSITIVE_INFINITY);
  }

  flush(total = Math.ceil((this.inputCount * this.L) / this.M)): Float32Array {
    this.history.append(this.oldestNeeded(), this.half + 1);
    return this.run(total - this.outputCount);
  }

  /** The oldest tap of the next output: nothing before it is needed again. */
  private oldestNeeded(): number {
    return this.i + this.half - (this.K - 1);
  }

  private run(limit: number): Float32Array {
    const { K, L, half, iStep, pStep, coefficients: c } = this;
    const { buf, base, end: available } = this.history;
    const K4 = K - (K % 4);
    // An upper bound; the loop stops at the first output whose newest tap is not there yet.
    const possible = Math.max(0, Math.ceil(((available - half - this.i) * L) / this.M) + 1);
    const out = new Float32Array(Math.max(0, Math.min(limit, possible)));
    let i = this.i;
    let p = this.p;
    let o = 0;
    while (o < out.length) {
      const last = i + half;
      if (last >= available) break;
      const start = last - K + 1 - base;
      const off = p * K;
      // Four accumulators: one long chain of dependent adds would wait on the FPU's add latency each tap.
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let j = 0;
      for (; j < K4; j += 4) {
        a0 += c[off + j]! * buf[start + j]!;
        a1 += c[off + j + 1]! * buf[start + j + 1]!;
        a2 += c[off + j + 2]! * buf[start + j + 2]!;
        a3 += c[off + j + 3]! * buf[start + j + 3]!;
      }
      for (; j < K; j++) a0 += c[off + j]! * buf[start + j]!;
      out[o++] = a0 + a1 + (a2 + a3);
      i += iStep;
      p += pStep;
      if (p >= L) {
        p -= L;
        i++;
      }
    }
    this.i = i;
    this.p = p;
    this.outputCount += o;
    return o === out.length ? out : out.subarray(0, o);
  }
}

/** An input rate the chain accepts: whole Hz in the range MP3 and the other formats use. */
function checkRate(inputRate: number): void {
  if (!Number.isInteger(inputRate) || inputRate < 4000 || inputRate > 384000) throw new Error(`unsupported sample rate ${inputRate}`);
}

export class Resampler {
  private readonly stages: Stage[] = [];
  private readonly final: PolyphaseStage;
  private inputCount = 0;
  private flushed = false;

  constructor(readonly inputRate: number) {
    checkRate(inputRate);
    let rate = inputRate;
    // Halve while the halved rate keeps a halfband's stop edge (rate/2 - STOP_HZ) above STOP_HZ.
    while (rate % 2 === 0 && rate / 2 > 2 * STOP_HZ) {
      const stage = new HalfbandStage(rate);
      this.stages.push(stage);
      rate = stage.outputRate;
    }
    // The halfbands stop above 2*STOP_HZ, so a polyphase stage always ends the chain (at 8000 Hz in, it is the low-pass alone).
    this.final = new PolyphaseStage(rate);
    this.stages.push(this.final);
  }

  /**
   * Input samples after which the chain is back in the same state of phase:
   * a resampler started at a multiple of this gives the same outputs as one
   * started at 0 (once past its start-up), so a long input can be split
   * and resampled in parts (see prepareRecording).
   */
  get alignment(): number {
    return (this.inputRate / this.final.inputRate) * this.final.M;
  }

  /** Input samples on either side of an output's time that it depends on. */
  get lookaround(): number {
    return this.stages.reduce((sum, s) => sum + s.reach * (this.inputRate / s.inputRate), 0);
  }

  /** What the chain is made of, for benchmarks and logs. */
  get description(): string {
    return this.stages.map((s) => s.description).join(', then ');
  }

  /** Feeds mono samples; returns the new 8 kHz output samples. */
  push(samples: Float32Array): Float32Array {
    this.inputCount += samples.length;
    let x = samples;
    for (const stage of this.stages) x = stage.push(x);
    return x;
  }

  /** Pads the end with zeros and returns the remaining outputs, so the output covers the whole input. */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    const last = this.stages.length - 1;
    const chunks: Float32Array[] = [];
    // Each stage's tail goes through the later stages before they are flushed themselves.
    for (let s = 0; s <= last; s++) {
      const total = s === last ? Math.ceil((this.inputCount * TARGET_RATE) / this.inputRate) : undefined;
      let x = this.stages[s]!.flush(total);
      for (let t = s + 1; t <= last; t++) x = this.stages[t]!.push(x);
      chunks.push(x);
    }
    return concat(chunks);
  }
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Whole-buffer convenience for tests and short clips. */
export function resampleTo8k(input: Float32Array, inputRate: number): Float32Array {
  const r = new Resampler(inputRate);
  return concat([r.push(input), r.flush()]);
}
