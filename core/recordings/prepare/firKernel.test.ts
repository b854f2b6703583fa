import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWat } from '../../../scripts/wat.mjs';
import { FirMemory } from './firKernel.js';
import { FIR_WASM_BASE64 } from './firKernel.wasm.js';

describe('FIR kernel', () => {
  it('is the binary fir.wat compiles to (run `node scripts/build-wasm.mjs` after editing fir.wat)', async () => {
    const bytes = await compileWat(readFileSync(join(import.meta.dirname, 'fir.wat'), 'utf8'));
    expect(Buffer.from(bytes).toString('base64')).toBe(FIR_WASM_BASE64);
  });

  it('gives the dot products a plain loop gives, stepping phases and input as documented', () => {
    const L = 5;
    const M = 7;
    const taps = 12;
    const n = 300;
    const memory = new FirMemory(L * taps + 4000 + n);
    const c = memory.alloc(L * taps);
    const x = memory.alloc(4000);
    const out = memory.alloc(n);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let k = 0; k < L * taps; k++) memory.f32[c + k] = random();
    for (let k = 0; k < 4000; k++) memory.f32[x + k] = random();
    memory.run(x + 3, c, taps, out, n, 2, M % L, Math.floor(M / L), L);
    for (let o = 0, at = x + 3, p = 2; o < n; o++) {
      let expected = 0;
      for (let j = 0; j < taps; j++) expected += memory.f32[c + p * taps + j]! * memory.f32[at + j]!;
      expect(memory.f32[out + o]).toBeCloseTo(expected, 5);
      at += Math.floor(M / L);
      p += M % L;
      if (p >= L) {
        p -= L;
        at++;
      }
    }
  });
});
