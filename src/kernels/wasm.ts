// Loads the kernels' WebAssembly module (asm/, built by scripts/build-wasm.mjs) once, in Node or in a
// browser: the bytes are embedded in wasm-bytes.generated.ts, so there is no file path or fetch to get
// wrong. `wasmExports()` compiles synchronously (Node, workers); `loadWasm()` is the async path a browser
// main thread should use first, after which `wasmExports()` returns the same instance.

import { WASM_BASE64 } from "./wasm-bytes.generated.ts";
import type { WasmExports } from "./wasm-exports.generated.ts";

// WasmExports, the module's exports as TypeScript, is generated from asm/ by the build (with each
// kernel's asm signature and doc comment): nothing to keep in step by hand.
export type { WasmExports };

let instance: WasmExports | undefined;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== "undefined") {
    const b = Buffer.from(WASM_BASE64, "base64");
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const s = atob(WASM_BASE64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The module's exports, compiled and instantiated synchronously on first use. */
export function wasmExports(): WasmExports {
  if (instance === undefined) {
    const module = new WebAssembly.Module(wasmBytes());
    instance = new WebAssembly.Instance(module, {}).exports as unknown as WasmExports;
  }
  return instance;
}

/** Async compile (required on a browser's main thread for modules over a few KiB); idempotent. */
export async function loadWasm(): Promise<WasmExports> {
  if (instance === undefined) {
    const { instance: inst } = await WebAssembly.instantiate(wasmBytes(), {});
    instance ??= inst.exports as unknown as WasmExports;
  }
  return instance;
}
