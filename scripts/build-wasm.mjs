#!/usr/bin/env node
/**
 * Compiles core/recordings/prepare/fir.wat (the resampler's SIMD inner loop) with wabt
 * and writes the binary, base64, into core/recordings/prepare/firKernel.wasm.ts, so the
 * app needs no build step or file lookup at run time. A unit test
 * (firKernel.test.ts) compiles the .wat again and fails if the two differ.
 *
 *   node scripts/build-wasm.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat } from './wat.mjs';

const media = join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'media');
const bytes = await compileWat(readFileSync(join(media, 'fir.wat'), 'utf8'));
const out = join(media, 'firKernel.wasm.ts');
writeFileSync(
  out,
  `// Generated from fir.wat by scripts/build-wasm.mjs: do not edit.\nexport const FIR_WASM_BASE64 =\n  '${Buffer.from(bytes).toString('base64')}';\n`,
);
console.log(`wrote ${out} (${bytes.length} bytes of WebAssembly)`);
