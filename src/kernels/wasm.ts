// Loads the kernels' WebAssembly module (asm/, built by scripts/build-wasm.mjs) once, in Node or in a
// browser: the bytes are embedded in wasm-bytes.generated.ts, so there is no file path or fetch to get
// wrong. `wasmExports()` compiles synchronously (Node, workers); `loadWasm()` is the async path a browser
// main thread should use first, after which `wasmExports()` returns the same instance.
//
// Two builds of the same kernels ship, and one is picked at load:
//
//   "relaxed"  relaxed SIMD: the matrix products' multiply-adds are f32x4.relaxed_madd, one FMA rounded
//              once (as PyTorch's AVX2 kernels round), a higher ceiling (bench/kernels.ts prints both);
//   "simd"     plain SIMD, a multiply then an add: every runtime with SIMD (Node 20, browsers without
//              relaxed SIMD).
//
// "relaxed" where WebAssembly.validate accepts it (Node ≥ 22, Node 20 with --experimental-wasm-relaxed-simd,
// Chrome ≥ 114), else "simd". MAKEMORE_WASM=simd|relaxed in the environment forces one (tests and
// benchmarks), as `loadWasm(variant)` does in a browser; auto or unset detects. A run resumes bit for bit
// under the build it was trained with (the two round the matrix products differently, in the last bits).

import { ConfigError } from "../errors.ts";
import { WASM_BASE64, WASM_RELAXED_LENGTH, WASM_RELAXED_PATCH_BASE64 } from "./wasm-bytes.generated.ts";
import type { WasmExports } from "./wasm-exports.generated.ts";
import { applyPatch } from "./wasm-patch.ts";
import { kernelMemory } from "./wasm_memory.ts";

// WasmExports, the module's exports as TypeScript, is generated from asm/ by the build (with each
// kernel's asm signature and doc comment): nothing to keep in step by hand.
export type { WasmExports };

/** The two builds of the kernels' module (see the top of this file). */
export type WasmVariant = "simd" | "relaxed";
export const WASM_VARIANTS: readonly WasmVariant[] = ["simd", "relaxed"];

/** The environment variable that forces a build. */
export const WASM_ENV = "MAKEMORE_WASM";

let instance: WasmExports | undefined;
let chosen: WasmVariant | undefined;
const bytes: Partial<Record<WasmVariant, Uint8Array<ArrayBuffer>>> = {};
let relaxedOk: boolean | undefined;

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== "undefined") {
    const b = Buffer.from(text, "base64");
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The bytes of one build (the relaxed one patched from the plain one on first use). */
export function wasmBytes(variant: WasmVariant): Uint8Array<ArrayBuffer> {
  let b = bytes[variant];
  if (b === undefined) {
    if (variant === "simd") b = fromBase64(WASM_BASE64);
    else b = applyPatch(wasmBytes("simd"), fromBase64(WASM_RELAXED_PATCH_BASE64), WASM_RELAXED_LENGTH);
    bytes[variant] = b;
  }
  return b;
}

/** Whether this runtime compiles relaxed SIMD (feature detection: WebAssembly.validate of that build). */
export function relaxedSimdSupported(): boolean {
  relaxedOk ??= WebAssembly.validate(wasmBytes("relaxed"));
  return relaxedOk;
}

/**
 * The build to load for a MAKEMORE_WASM value (`requested`: undefined or "" the plain build, "auto" detects) on a runtime
 * that has relaxed SIMD or not. Throws ConfigError for an unknown value or a relaxed build it cannot run,
 * naming the setting as `what` says (default: MAKEMORE_WASM=<requested>).
 */
export function chooseWasmVariant(
  requested: string | undefined, relaxedSupported: boolean, what = `${WASM_ENV}=${requested}`,
): WasmVariant {
  const want = requested?.trim().toLowerCase() ?? "";
  // unset: the plain build, everywhere, until a run records the build that trained it (a run goes on bit
  // for bit only under the build it started with; the CLI on Node 20 and the lab in Chrome would differ)
  if (want === "") return "simd";
  if (want === "auto") return relaxedSupported ? "relaxed" : "simd";
  if (want === "simd") return "simd";
  if (want === "relaxed") {
    if (relaxedSupported) return "relaxed";
    throw new ConfigError(
      `${what}: this runtime has no WebAssembly relaxed SIMD (Node ≥ 22, or Node 20 with ` +
        `--experimental-wasm-relaxed-simd; Chrome ≥ 114); use simd or auto`,
    );
  }
  throw new ConfigError(`${what}: want simd, relaxed or auto`);
}

/** MAKEMORE_WASM from the environment (Node); undefined in a browser. */
function requestedVariant(): string | undefined {
  return typeof process !== "undefined" ? process.env?.[WASM_ENV] : undefined;
}

/** The build the shared instance runs (chosen on first use: MAKEMORE_WASM, else the plain build). */
export function wasmVariant(): WasmVariant {
  chosen ??= chooseWasmVariant(requestedVariant(), relaxedSimdSupported());
  return chosen;
}

/** What a second thread needs to run the same kernels on an instance's memory (threads.ts). */
export interface WasmInstanceInfo {
  /** The compiled module (its memory import shared or not, as `memory` is). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** False where the runtime has no shared memory (wasm_memory.ts): that instance runs on one thread. */
  readonly shared: boolean;
}

const infos = new WeakMap<WasmExports, WasmInstanceInfo>();

/** The module and memory behind an instance made here (undefined for one made elsewhere). */
export function wasmInstanceInfo(w: WasmExports): WasmInstanceInfo | undefined {
  return infos.get(w);
}

/**
 * A new instance of one build, with its own memory: for comparing the builds side by side (tests,
 * bench/kernels.ts). The library's kernels use the shared instance, `wasmExports()`. `shared` false
 * gives it an ordinary memory even where shared memory is available (the one-thread fallback).
 */
export function instantiateWasm(variant: WasmVariant, options: { shared?: boolean } = {}): WasmExports {
  const mem = kernelMemory(wasmBytes(variant), options.shared);
  const module = new WebAssembly.Module(mem.bytes);
  const w = new WebAssembly.Instance(module, { env: { memory: mem.memory } }).exports as unknown as WasmExports;
  infos.set(w, { module, memory: mem.memory, shared: mem.shared });
  return w;
}

/** The module's exports, compiled and instantiated synchronously on first use. */
export function wasmExports(): WasmExports {
  instance ??= instantiateWasm(wasmVariant());
  return instance;
}

/**
 * Async compile (required on a browser's main thread for modules over a few KiB); idempotent. `variant`
 * picks the build where there is no environment to set MAKEMORE_WASM in (a browser): "simd" for a page
 * that must go on bit for bit from a run trained under the plain build. Throws ConfigError for "relaxed"
 * where it does not run, and when another build is already loaded (one per process or worker).
 */
export async function loadWasm(variant?: WasmVariant | "auto"): Promise<WasmExports> {
  if (variant !== undefined) {
    const want = chooseWasmVariant(variant, relaxedSimdSupported(), `loadWasm("${variant}")`);
    if (chosen !== undefined && chosen !== want) {
      throw new ConfigError(`the ${chosen} build of the kernels is already loaded: cannot load the ${want} build beside it`);
    }
    chosen = want;
  }
  if (instance === undefined) {
    const mem = kernelMemory(wasmBytes(wasmVariant()));
    const { module, instance: inst } = await WebAssembly.instantiate(mem.bytes, { env: { memory: mem.memory } });
    if (instance === undefined) {
      instance = inst.exports as unknown as WasmExports;
      infos.set(instance, { module, memory: mem.memory, shared: mem.shared });
    }
  }
  return instance;
}
