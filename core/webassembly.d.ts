/**
 * Node's WebAssembly global, as far as the core uses it (core/recordings/prepare/firKernel.ts).
 * The core is compiled without the DOM library (it never runs in a page),
 * and @types/node 20 declares no WebAssembly values: these are the few the
 * resampler's kernel needs, with the shapes of the WebAssembly JS API.
 */
declare namespace WebAssembly {
  interface Module {}
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
  type ImportValue = Memory | ((...args: never[]) => unknown) | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  var Module: { new (bytes: ArrayBufferView | ArrayBuffer): Module };
  var Memory: { new (descriptor: MemoryDescriptor): Memory };
  var Instance: { new (module: Module, imports?: Imports): Instance };
}
