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
// benchmarks), as `loadWasm(variant)` does in a browser; auto or unset detects. The two round the matrix
// products differently in the last bits, so a run records the build that trained it (config.json's
// `kernels`) and goes on under that build where the runtime has it: `wasmForRun` picks it before the
// first kernel runs, and says so when it cannot.

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

/** The arithmetic of a backend: one of the module's builds, or the TS reference kernels ("ts"). */
export type KernelsBuild = WasmVariant | "ts";

/** The environment variable that forces a build. */
export const WASM_ENV = "MAKEMORE_WASM";

let instance: WasmExports | undefined;
let chosen: WasmVariant | undefined;
const bytes: Partial<Record<WasmVariant, Uint8Array<ArrayBuffer>>> = {};
let relaxedOk: boolean | undefined;
/** The build a loadWasm() in progress is compiling (its instance not there yet). */
let loading: WasmVariant | undefined;
/** The build of every instance this file made (createWasmKernels asks, to label its backend). */
const builds = new WeakMap<object, WasmVariant>();

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
 * The build to load for a MAKEMORE_WASM value (`requested`: undefined, "" or "auto" detects) on a runtime
 * that has relaxed SIMD or not. Throws ConfigError for an unknown value or a relaxed build it cannot run,
 * naming the setting as `what` says (default: MAKEMORE_WASM=<requested>).
 */
export function chooseWasmVariant(
  requested: string | undefined, relaxedSupported: boolean, what = `${WASM_ENV}=${requested}`,
): WasmVariant {
  const want = requested?.trim().toLowerCase() ?? "";
  if (want === "" || want === "auto") return relaxedSupported ? "relaxed" : "simd";
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

const DESCRIBE: Record<KernelsBuild, string> = {
  relaxed: "the relaxed-SIMD build of the kernels (fused multiply-add)",
  simd: "the plain SIMD build of the kernels",
  ts: "the TypeScript reference kernels",
};

/**
 * The build to go on with a run recorded as trained under `recorded` (a run saved before builds were
 * recorded: the plain build, then the only default), given MAKEMORE_WASM (`requested`) and what the
 * runtime has; `note` says why it is not the recorded one, when it is not (the run then goes on, but not
 * bit for bit as it would have). `loaded`: the build already running in this process or worker, if any.
 */
export function chooseWasmForRun(
  recorded: KernelsBuild, requested: string | undefined, relaxedSupported: boolean, loaded?: WasmVariant,
): { variant: WasmVariant; note: string | null } {
  const forced = requested !== undefined && requested.trim() !== "" && requested.trim().toLowerCase() !== "auto";
  let variant: WasmVariant;
  if (loaded !== undefined) variant = loaded; // one build per process or worker
  else if (forced) variant = chooseWasmVariant(requested, relaxedSupported);
  else if (recorded === "ts" || (recorded === "relaxed" && !relaxedSupported)) variant = chooseWasmVariant(undefined, relaxedSupported);
  else variant = recorded;
  if (variant === recorded) return { variant, note: null };
  const why = loaded !== undefined ? `${DESCRIBE[loaded]} is already loaded here`
    : forced ? `${WASM_ENV}=${requested} asks for ${DESCRIBE[variant]}`
      : recorded === "relaxed" ? "this runtime has no relaxed SIMD (Node ≥ 22 and Chrome ≥ 114 have it)"
        : `${DESCRIBE[variant]} is what runs here`;
  return {
    variant,
    note: `this run was trained with ${DESCRIBE[recorded]}; ${why}: it goes on with that, and its numbers ` +
      `differ in the last bits from the run's own continuation`,
  };
}

/** MAKEMORE_WASM from the environment (Node); undefined in a browser. */
function requestedVariant(): string | undefined {
  return typeof process !== "undefined" ? process.env?.[WASM_ENV] : undefined;
}

/** The build the shared instance runs (chosen on first use: MAKEMORE_WASM, else detection). */
export function wasmVariant(): WasmVariant {
  chosen ??= chooseWasmVariant(requestedVariant(), relaxedSimdSupported());
  return chosen;
}

/** The shared instance's build in words, for benchmarks' headers: "wasm relaxed-SIMD kernels (fused multiply-add)". */
export function describeWasmBuild(): string {
  const v = wasmVariant();
  const asked = requestedVariant();
  const why = asked !== undefined && asked.trim() !== "" ? `${WASM_ENV}=${asked}` : "feature detection";
  return `wasm ${v === "relaxed" ? "relaxed-SIMD kernels (fused multiply-add)" : "SIMD kernels (no fused multiply-add)"}, by ${why}`;
}

/** The build of an instance made here (instantiateWasm, wasmExports, loadWasm). */
export function buildOf(w: WasmExports): WasmVariant {
  const b = builds.get(w);
  if (b === undefined) throw new Error("buildOf: this instance was not made by src/kernels/wasm.ts");
  return b;
}

/**
 * Picks the build for going on with a run recorded as trained under `recorded` (config.json's `kernels`),
 * before the shared instance is made (Node: `train --resume` calls it first): returns a note when the
 * run cannot go on under its own build (see chooseWasmForRun), else null. A browser worker does the same
 * with `chooseWasmForRun` and `loadWasm(variant)`.
 */
export function wasmForRun(recorded: KernelsBuild): string | null {
  const loaded = instance !== undefined ? chosen : loading;
  const { variant, note } = chooseWasmForRun(recorded, requestedVariant(), relaxedSimdSupported(), loaded);
  chosen = variant;
  return note;
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
  builds.set(w, variant);
  return w;
}

/** The shared instance if it has been made, without making it (undefined before the first kernel runs). */
export function loadedWasmExports(): WasmExports | undefined {
  return instance;
}

/** The module's exports, compiled and instantiated synchronously on first use. */
export function wasmExports(): WasmExports {
  instance ??= instantiateWasm(wasmVariant());
  return instance;
}

/**
 * Async compile (required on a browser's main thread for modules over a few KiB); idempotent. `variant`
 * picks the build where there is no environment to set MAKEMORE_WASM in (a browser): the one a run
 * was trained with, to go on bit for bit. Throws ConfigError for "relaxed" where it does not run, and
 * when another build is already loaded (one per process or worker).
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
    const variant = wasmVariant(); // the build of these bytes, whatever is chosen while they compile
    loading ??= variant;
    const mem = kernelMemory(wasmBytes(variant));
    const { module, instance: inst } = await WebAssembly.instantiate(mem.bytes, { env: { memory: mem.memory } });
    if (instance === undefined) {
      const w = inst.exports as unknown as WasmExports;
      infos.set(w, { module, memory: mem.memory, shared: mem.shared });
      builds.set(w, variant);
      instance = w;
      chosen = variant;
    }
  }
  return instance;
}
