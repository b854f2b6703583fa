/** WebAssembly text to binary, with SIMD on (scripts/wat.mjs). */
export function compileWat(source: string, name?: string): Promise<Uint8Array>;
