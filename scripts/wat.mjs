import wabtFactory from 'wabt';

/** WebAssembly text to binary, with the SIMD proposal (standard since 2021) on. */
export async function compileWat(source, name = 'fir.wat') {
  const wabt = await wabtFactory();
  const module = wabt.parseWat(name, source, { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
