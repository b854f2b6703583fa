/**
 * Rational (L/M) polyphase resampler to the 8 kHz telephone rate (G.711,
 * ITU-T G.712 channel: 300-3400 Hz).
 *
 * One windowed-sinc low-pass (Kaiser window) is designed at the upsampled
 * rate fin*L and split into L phases; each output sample is one dot product
 * of K taps with the input, so 44100 -> 8000 (L=80, M=441), 48000 -> 8000
 * (1/6), 22050 -> 8000 (160/441) and the rest all share the same code.
 *
 * The filter passes 0-3400 Hz (ripple well under 0.1 dB) and is at least
 * ATTENUATION_DB down from STOP_HZ up. The stop edge sits a little above the
 * 4 kHz Nyquist frequency on purpose: what leaks from 4000-STOP_HZ folds back
 * to (8000-STOP_HZ)-4000 Hz, above the 3400 Hz telephone band, and the
 * wider transition halves the taps (speed) compared with stopping at 4 kHz.
 *
 * Streaming: push() chunks as they are decoded, flush() at the end. The
 * group delay is compensated, so output n is the input at time n/8000 s and
 * the output has exactly ceil(inputSamples * L / M) samples.
 */

export const TARGET_RATE = 8000;
export const PASS_HZ = 3400;
export const STOP_HZ = 4300;
export const ATTENUATION_DB = 70;

interface Plan {
  L: number;
  M: number;
  /** Taps per phase (odd). */
  K: number;
  /** (K-1)/2: the filter's centre, in input samples. */
  half: number;
  /** coefficients[p*K + j] = h[p + (K-1-j)*L]: each phase reversed so the dot product walks the input forwards. */
  coefficients: Float32Array;
}

const plans = new Map<number, Plan>();

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

function planFor(inputRate: number): Plan {
  const cached = plans.get(inputRate);
  if (cached) return cached;
  if (!Number.isInteger(inputRate) || inputRate < 4000 || inputRate > 384000) throw new Error(`unsupported sample rate ${inputRate}`);
  const g = gcd(inputRate, TARGET_RATE);
  const L = TARGET_RATE / g;
  const M = inputRate / g;
  // Kaiser's formulas (Oppenheim & Schafer, 3rd ed., §7.6.1): beta from the attenuation, length from the transition width.
  const A = ATTENUATION_DB;
  const beta = A > 50 ? 0.1102 * (A - 8.7) : A >= 21 ? 0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21) : 0;
  const stop = Math.min(STOP_HZ, inputRate / 2);
  const transition = (2 * Math.PI * (stop - PASS_HZ)) / inputRate;
  let K = Math.ceil((A - 7.95) / (2.285 * transition)) + 1;
  if (K % 2 === 0) K++;
  const half = (K - 1) / 2;
  const cutoff = (PASS_HZ + stop) / 2 / (inputRate * L); // cycles per upsampled sample
  const centre = half * L;
  const span = half * L; // taps beyond +-span are zero
  const h = new Float64Array(K * L);
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let m = 0; m < h.length; m++) {
    const t = m - centre;
    if (Math.abs(t) > span) continue;
    const x = 2 * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = t / span;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
    h[m] = 2 * cutoff * sinc * w;
    sum += h[m]!;
  }
  // Zero-stuffing by L divides the level by L: scale so every phase has unity gain at DC.
  const scale = L / sum;
  const coefficients = new Float32Array(K * L);
  for (let p = 0; p < L; p++) {
    for (let j = 0; j < K; j++) coefficients[p * K + j] = h[p + (K - 1 - j) * L]! * scale;
  }
  const plan = { L, M, K, half, coefficients };
  plans.set(inputRate, plan);
  return plan;
}

export class Resampler {
  private readonly L: number;
  private readonly M: number;
  private readonly K: number;
  private readonly half: number;
  private readonly coefficients: Float32Array;
  /** Input samples; buf[0] is input index bufBase (negative at the start: the zeros before the signal). */
  private buf: Float32Array;
  private bufLen: number;
  private bufBase: number;
  /** Next output's input position: floor(n*M/L) and (n*M) mod L. */
  private i = 0;
  private p = 0;
  private readonly iStep: number;
  private readonly pStep: number;
  private inputCount = 0;
  private outputCount = 0;
  private flushed = false;

  constructor(readonly inputRate: number) {
    const plan = planFor(inputRate);
    this.L = plan.L;
    this.M = plan.M;
    this.K = plan.K;
    this.half = plan.half;
    this.coefficients = plan.coefficients;
    this.iStep = Math.floor(this.M / this.L);
    this.pStep = this.M % this.L;
    this.buf = new Float32Array(this.K + 8192);
    this.bufLen = this.K - 1; // zeros before the first input sample
    this.bufBase = -(this.K - 1);
  }

  get taps(): number {
    return this.K;
  }

  /** Downmixes to mono while buffering ((L+R)/2 keeps full scale for identical channels). Returns the new output samples. */
  push(left: Float32Array, right?: Float32Array, length = left.length): Float32Array {
    this.ensureRoom(length);
    const buf = this.buf;
    let w = this.bufLen;
    if (right && right !== left) {
      for (let s = 0; s < length; s++) buf[w++] = (left[s]! + right[s]!) * 0.5;
    } else {
      buf.set(left.subarray(0, length), w);
      w += length;
    }
    this.bufLen = w;
    this.inputCount += length;
    return this.run(Number.POSITIVE_INFINITY);
  }

  /** Pads the end with zeros and returns the remaining outputs, so the output covers the whole input. */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    const total = Math.ceil((this.inputCount * this.L) / this.M);
    const pad = this.half + 1;
    this.ensureRoom(pad);
    this.buf.fill(0, this.bufLen, this.bufLen + pad);
    this.bufLen += pad;
    return this.run(total - this.outputCount);
  }

  private ensureRoom(extra: number): void {
    // Drop what no future output needs: everything before the oldest tap of the next output.
    const keepFrom = this.i + this.half - (this.K - 1) - this.bufBase;
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.bufLen);
      this.bufLen -= keepFrom;
      this.bufBase += keepFrom;
    }
    if (this.bufLen + extra > this.buf.length) {
      const bigger = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + extra));
      bigger.set(this.buf.subarray(0, this.bufLen));
      this.buf = bigger;
    }
  }

  private run(limit: number): Float32Array {
    const { K, L, half, iStep, pStep, coefficients: c, buf } = this;
    const K4 = K - (K % 4);
    const available = this.bufBase + this.bufLen; // one past the last input index held
    // An upper bound; the loop stops at the first output whose newest tap is not there yet.
    const possible = Math.max(0, Math.ceil(((available - half - this.i) * L) / this.M) + 1);
    const out = new Float32Array(Math.min(limit, possible));
    let i = this.i;
    let p = this.p;
    let o = 0;
    const base = this.bufBase;
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

/** Whole-buffer convenience for tests and short clips. */
export function resampleTo8k(input: Float32Array, inputRate: number): Float32Array {
  const r = new Resampler(inputRate);
  const a = r.push(input);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
