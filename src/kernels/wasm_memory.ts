// The kernels' memory. The module imports it (env.memory, scripts/build-wasm.mjs) and declares it shared,
// so that a second instance of the module in a worker can compute part of a matrix product in the same
// buffers (threads.ts). Shared memory is not everywhere: a browser page that is not cross-origin
// isolated has no SharedArrayBuffer, and an engine short of address space may refuse to reserve one.
// There the loader flips the one byte of the import that says "shared" and the module runs as before, on
// one thread, over an ordinary memory: same code, same numbers.
//
// A memory import's limits are one flag byte (bit 0: a maximum follows, bit 1: shared) and the sizes in
// pages, LEB128; the module is built with a maximum, so the flag is 3 (shared) or 1 (not), and flipping
// it changes no length anywhere in the module.

/** The import section's id in a WebAssembly binary, and an import's kind byte for a memory. */
const IMPORT_SECTION = 2;
const KIND_MEMORY = 2;
const FLAG_MAX = 1;
const FLAG_SHARED = 2;

/** Where the module's memory import is and what it declares. */
export interface MemoryImport {
  /** Byte offset of the limits' flag byte in the module. */
  readonly flagAt: number;
  /** Declared size in 64 KiB pages (the static data's), and the maximum. */
  readonly initial: number;
  readonly maximum: number;
  readonly shared: boolean;
}

/** The memory import of a module's bytes; throws if the module imports no memory with a maximum. */
export function memoryImport(bytes: Uint8Array): MemoryImport {
  let p = 8; // past the magic number and the version
  const uleb = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (p >= bytes.length) throw new Error("wasm module: truncated");
      const b = bytes[p++];
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return v;
    }
  };
  const skipName = (): void => {
    const n = uleb();
    p += n;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = uleb();
    const end = p + size;
    if (id === IMPORT_SECTION) {
      for (let count = uleb(); count > 0; count--) {
        skipName(); // module
        skipName(); // field
        const kind = bytes[p++];
        if (kind === KIND_MEMORY) {
          const flagAt = p;
          const flag = bytes[p++];
          const initial = uleb();
          if ((flag & FLAG_MAX) === 0) throw new Error("wasm module: its memory import declares no maximum");
          return { flagAt, initial, maximum: uleb(), shared: (flag & FLAG_SHARED) !== 0 };
        }
        if (kind === 0) uleb(); // a function: its type index
        else throw new Error(`wasm module: an import of kind ${kind} before the memory`);
      }
    }
    p = end;
  }
  throw new Error("wasm module: it imports no memory (rebuild with npm run build:wasm)");
}

/** Whether this runtime can create a shared WebAssembly memory (a browser page only when cross-origin isolated). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** A memory for one instance of the module, and the bytes to instantiate against it. */
export interface KernelMemory {
  readonly memory: WebAssembly.Memory;
  /** The module's bytes with the import's shared flag set as the memory is. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly shared: boolean;
}

/**
 * A new memory for the module in `bytes`: shared where `shared` is asked and the runtime allows it, else
 * an ordinary one (the bytes then a copy with the import's shared flag cleared).
 */
export function kernelMemory(bytes: Uint8Array<ArrayBuffer>, shared = sharedMemoryAvailable()): KernelMemory {
  const imp = memoryImport(bytes);
  if (shared) {
    try {
      const memory = new WebAssembly.Memory({ initial: imp.initial, maximum: imp.maximum, shared: true });
      return { memory, bytes: withShared(bytes, imp, true), shared: true };
    } catch {
      // an engine that cannot reserve the whole maximum up front: one thread, an ordinary memory
    }
  }
  const memory = new WebAssembly.Memory({ initial: imp.initial, maximum: imp.maximum });
  return { memory, bytes: withShared(bytes, imp, false), shared: false };
}

/** `bytes` with the memory import's shared flag set or cleared (the same array when it already is). */
function withShared(bytes: Uint8Array<ArrayBuffer>, imp: MemoryImport, shared: boolean): Uint8Array<ArrayBuffer> {
  if (imp.shared === shared) return bytes;
  const out = bytes.slice();
  out[imp.flagAt] = shared ? bytes[imp.flagAt] | FLAG_SHARED : bytes[imp.flagAt] & ~FLAG_SHARED;
  return out;
}
