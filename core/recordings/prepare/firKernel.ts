import { FIR_WASM_BASE64 } from './firKernel.wasm.js';

/**
 * The resampler's inner loop in WebAssembly with 128-bit SIMD (fir.wat):
 * about fifteen times the speed of the same loop in JavaScript, which the
 * recording preparation benchmark is bound by once decoding runs on two
 * workers. Each resampler owns one FirMemory holding its coefficients,
 * input history and outputs; nothing is allocated per call.
 */

type FirExport = (x: number, c: number, taps: number, out: number, n: number, p: number, pStep: number, iStep: number, L: number) => void;

let compiled: WebAssembly.Module | undefined;

export class FirMemory {
  readonly f32: Float32Array;
  private readonly fir: FirExport;
  private used = 0;

  /** Room for `floats` 32-bit floats, allocated in 16-byte aligned blocks. */
  constructor(private readonly floats: number) {
    compiled ??= new WebAssembly.Module(Buffer.from(FIR_WASM_BASE64, 'base64'));
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    this.fir = instance.exports.fir as FirExport;
    this.f32 = new Float32Array(memory.buffer);
  }

  /** Float index of a block of `count` floats (zeroed, as the memory starts). */
  alloc(count: number): number {
    const at = this.used;
    this.used += Math.ceil(count / 4) * 4;
    if (this.used > this.floats) throw new Error(`FirMemory: ${this.used} floats asked, ${this.floats} planned`);
    return at;
  }

  /**
   * n outputs into f32[out...]: output o is the dot product of `taps`
   * coefficients (a multiple of 4) of phase p, from f32[c + p*taps], with
   * the input window starting at f32[x]; then x += iStep and p += pStep,
   * and past L phases p -= L and x += 1. All indices are float indices.
   */
  run(x: number, c: number, taps: number, out: number, n: number, p: number, pStep: number, iStep: number, L: number): void {
    if (n > 0) this.fir(x * 4, c * 4, taps, out * 4, n, p, pStep, iStep, L);
  }
}

/** Rounds a tap count up to the kernel's multiple of 4. */
export function quads(taps: number): number {
  return Math.ceil(taps / 4) * 4;
}
