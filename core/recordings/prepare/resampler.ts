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
 * instead of a billion with one polyphase filter at the input rate, and
 * they run four at a time in a WebAssembly SIMD kernel (firKernel.ts).
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

import { concatArrays } from './concatArrays.js';
import { FirMemory, quads } from './firKernel.js';

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

/**
 * One link of the chain: a filter of `taps` coefficients per phase and L
 * phases (L = 1 for a halfband), stepping M/L input samples per output.
 * Output n sits at input position floor(n*M/L) (zero delay: the window
 * reaches `half` samples to either side). The dot products run in the
 * WebAssembly kernel (firKernel.ts) over buffers in its memory.
 */
class FirStage {
  /** Input samples an output needs beyond its own time. */
  readonly reach: number;
  /** What it was made from, so another stage of the same design can be made (the coefficients are only read). */
  readonly args: StageArgs;
  private readonly taps: number;
  private memory!: FirMemory;
  private coefficientsAt = 0;
  private historyAt = 0;
  private capacity = 0;
  private outputAt = 0;
  private outputCapacity = 0;
  /** Input index of history[0] (negative at the start: the zeros before the signal), and samples held. */
  private base: number;
  private held: number;
  /** Next output's input position: floor(n*M/L) and (n*M) mod L. */
  private i = 0;
  private p = 0;
  private inputCount = 0;
  private outputCount = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    private readonly L: number,
    readonly M: number,
    private readonly half: number,
    /** L phases of `taps` each; phase p's coefficient j multiplies input i + half - taps + 1 + j. */
    private readonly coefficients: Float32Array,
    readonly description: string,
  ) {
    this.args = [inputRate, outputRate, L, M, half, coefficients, description];
    this.taps = coefficients.length / L;
    this.reach = half + 1;
    this.base = -(this.taps - 1);
    this.held = this.taps - 1;
  }

  /** Kernel memory for pushes of up to maxIn samples; the outputs of one push are at most `outputsFor(maxIn)`. */
  floatsFor(maxIn: number): number {
    return this.coefficients.length + this.historyFor(maxIn) + this.outputsFor(maxIn) + 12;
  }

  outputsFor(maxIn: number): number {
    return Math.ceil((this.historyFor(maxIn) * this.L) / this.M) + 2;
  }

  attach(memory: FirMemory, maxIn: number): void {
    this.memory = memory;
    this.coefficientsAt = memory.alloc(this.coefficients.length);
    memory.f32.set(this.coefficients, this.coefficientsAt);
    this.capacity = this.historyFor(maxIn);
    this.historyAt = memory.alloc(this.capacity);
    this.outputCapacity = this.outputsFor(maxIn);
    this.outputAt = memory.alloc(this.outputCapacity);
  }

  /** After every push the history keeps fewer than `taps` samples (the next output's window), then the new ones. */
  private historyFor(maxIn: number): number {
    return this.taps + Math.max(maxIn, this.half + 1) + 4;
  }

  /** Returns the new outputs as a view of kernel memory, valid until this stage runs again. */
  push(input: Float32Array): Float32Array {
    this.append(input.length, input);
    this.inputCount += input.length;
    return this.run(Number.POSITIVE_INFINITY);
  }

  /** Ends the input (zeros beyond it) and returns the outputs still owed; `total` caps the stage's whole output count. */
  flush(total = Math.ceil((this.inputCount * this.L) / this.M)): Float32Array {
    this.append(this.half + 1);
    return this.run(total - this.outputCount);
  }

  /** Drops what no future output needs (everything before the next output's window), then appends `input` or zeros. */
  private append(count: number, input?: Float32Array): void {
    const f32 = this.memory.f32;
    const drop = this.i + this.half - this.taps + 1 - this.base;
    if (drop > 0) {
      f32.copyWithin(this.historyAt, this.historyAt + drop, this.historyAt + this.held);
      this.held -= drop;
      this.base += drop;
    }
    if (this.held + count > this.capacity) throw new Error(`resampler stage: ${this.held + count} samples held, room for ${this.capacity}`);
    const at = this.historyAt + this.held;
    if (input) f32.set(input.subarray(0, count), at);
    else f32.fill(0, at, at + count);
    this.held += count;
  }

  private run(limit: number): Float32Array {
    const { L, M, half, taps } = this;
    // Output n is ready once its newest tap i_n + half is held: floor((p + n*M)/L) < room.
    const room = this.base + this.held - half - this.i;
    const ready = room > 0 ? Math.ceil((room * L - this.p) / M) : 0;
    const n = Math.max(0, Math.min(limit, ready, this.outputCapacity));
    const x = this.historyAt + (this.i + half - taps + 1 - this.base);
    this.memory.run(x, this.coefficientsAt, taps, this.outputAt, n, this.p, M % L, Math.floor(M / L), L);
    const advance = this.p + n * M;
    this.i += Math.floor(advance / L);
    this.p = advance % L;
    this.outputCount += n;
    return this.memory.f32.subarray(this.outputAt, this.outputAt + n);
  }
}

type StageArgs = ConstructorParameters<typeof FirStage>;
const designs = new Map<string, StageArgs>();

/**
 * A fresh stage (its own state) from a design made once per process: the
 * polyphase design alone evaluates the Kaiser window at some 17,000 points,
 * and every recording, and each half of a split one, builds a resampler.
 */
function designed(key: string, design: () => FirStage): FirStage {
  const args = designs.get(key);
  if (args) return new FirStage(...args);
  const stage = design();
  designs.set(key, stage.args);
  return stage;
}

/**
 * Decimation by 2 with a halfband filter: cutoff at a quarter of the input
 * rate, so every even tap but the centre (0.5) is zero. Pass edge STOP_HZ;
 * stop edge inputRate/2 - STOP_HZ, the lowest frequency that folds into
 * 0-STOP_HZ at the halved rate.
 */
function halfbandStage(inputRate: number): FirStage {
  return designed(`halfband ${inputRate}`, () => designHalfband(inputRate));
}

function designHalfband(inputRate: number): FirStage {
  const outputRate = inputRate / 2;
  let length = kaiserLength(inputRate, STOP_HZ, outputRate - STOP_HZ, ATTENUATION_DB + HALFBAND_MARGIN_DB);
  // A halfband length is 4Q - 1 (half-length 2Q - 1 odd), so both outermost taps are non-zero.
  while (length % 4 !== 3) length++;
  const half = (length - 1) / 2;
  const h = windowedSinc(half, 0.25, ATTENUATION_DB + HALFBAND_MARGIN_DB);
  let sides = 0;
  for (let m = 0; m < h.length; m++) if (m !== half) sides += h[m]!;
  const taps = quads(length);
  const coefficients = new Float32Array(taps);
  // The centre tap is 0.5; the others are scaled to add up to 0.5 too, so the gain at DC is exactly 1. Zeros pad the front.
  for (let m = 0; m < length; m++) coefficients[taps - length + m] = m === half ? 0.5 : (h[m]! * 0.5) / sides;
  return new FirStage(inputRate, outputRate, 1, 2, half, coefficients, `${inputRate}->${outputRate} halfband (${length} taps)`);
}

/**
 * Rational L/M resampling to 8000 Hz with one windowed-sinc low-pass
 * designed at the upsampled rate inputRate*L and split into L phases; each
 * output sample is one dot product of K taps with the input.
 */
function polyphaseStage(inputRate: number): FirStage {
  return designed(`polyphase ${inputRate}`, () => designPolyphase(inputRate));
}

function designPolyphase(inputRate: number): FirStage {
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
  const taps = quads(K);
  // Phase p, tap j (oldest input first) is h[p + (K-1-j)*L]; h has 2*half*L + 1 taps, one fewer than the K*L grid.
  const coefficients = new Float32Array(L * taps);
  for (let p = 0; p < L; p++) {
    for (let j = 0; j < K; j++) coefficients[p * taps + taps - K + j] = (h[p + (K - 1 - j) * L] ?? 0) * scale;
  }
  return new FirStage(inputRate, TARGET_RATE, L, M, half, coefficients, `${inputRate}->${TARGET_RATE} polyphase L=${L} M=${M} (${K} taps/output)`);
}

/** An input rate the chain accepts: whole Hz in the range MP3 and the other formats use. */
function checkRate(inputRate: number): void {
  if (!Number.isInteger(inputRate) || inputRate < 4000 || inputRate > 384000) throw new Error(`unsupported sample rate ${inputRate}`);
}

/** Input samples pushed through the chain at a time: bounds every stage's buffers in kernel memory. */
const PIECE = 16384;

export class Resampler {
  private readonly stages: FirStage[] = [];
  private readonly final: FirStage;
  private inputCount = 0;
  private flushed = false;

  constructor(readonly inputRate: number) {
    checkRate(inputRate);
    let rate = inputRate;
    // Halve while the halved rate keeps a halfband's stop edge (rate/2 - STOP_HZ) above STOP_HZ.
    while (rate % 2 === 0 && rate / 2 > 2 * STOP_HZ) {
      const stage = halfbandStage(rate);
      this.stages.push(stage);
      rate = stage.outputRate;
    }
    // The halfbands stop above 2*STOP_HZ, so a polyphase stage always ends the chain (at 8000 Hz in, it is the low-pass alone).
    this.final = polyphaseStage(rate);
    this.stages.push(this.final);
    // Each stage's largest push is the largest output of the one before.
    let floats = 0;
    let maxIn = PIECE;
    for (const stage of this.stages) {
      floats += stage.floatsFor(maxIn);
      maxIn = stage.outputsFor(maxIn);
    }
    const memory = new FirMemory(floats);
    maxIn = PIECE;
    for (const stage of this.stages) {
      stage.attach(memory, maxIn);
      maxIn = stage.outputsFor(maxIn);
    }
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
    const pieces: Float32Array[] = [];
    for (let at = 0; at < samples.length; at += PIECE) {
      let x = samples.subarray(at, Math.min(at + PIECE, samples.length));
      for (const stage of this.stages) x = stage.push(x);
      pieces.push(x.slice());
    }
    return concatArrays(Float32Array, pieces);
  }

  /** Pads the end with zeros and returns the remaining outputs, so the output covers the whole input. */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    const last = this.stages.length - 1;
    const pieces: Float32Array[] = [];
    // Each stage's tail goes through the later stages before they are flushed themselves.
    for (let s = 0; s <= last; s++) {
      const total = s === last ? Math.ceil((this.inputCount * TARGET_RATE) / this.inputRate) : undefined;
      let x = this.stages[s]!.flush(total);
      for (let t = s + 1; t <= last; t++) x = this.stages[t]!.push(x);
      pieces.push(x.slice());
    }
    return concatArrays(Float32Array, pieces);
  }
}

/** Whole-buffer convenience for tests and short clips. */
export function resampleTo8k(input: Float32Array, inputRate: number): Float32Array {
  const r = new Resampler(inputRate);
  return concatArrays(Float32Array, [r.push(input), r.flush()]);
}
