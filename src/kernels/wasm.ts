// Loads the kernels' WebAssembly module (asm/, built by scripts/build-wasm.mjs) once, in Node or in a
// browser: the bytes are embedded in wasm-bytes.generated.ts, so there is no file path or fetch to get
// wrong. `wasmExports()` compiles synchronously (Node, workers); `loadWasm()` is the async path a browser
// main thread should use first, after which `wasmExports()` returns the same instance.

import { WASM_BASE64 } from "./wasm-bytes.generated.ts";

/**
 * The functions asm/index.ts exports; byte offsets into `memory` are plain numbers, sizes are element
 * counts, `acc` is 0 (overwrite) or 1 (accumulate). Letters as in the asm/ files.
 */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  /** First byte above the module's static data: where the arena starts. */
  heapBase(): number;
  sumF32(x: number, n: number): number;
  /** out[N] (=|+=) Σ_i X[i,:]   // (M,N) -> (N) */
  colSumF32(out: number, x: number, M: number, N: number, acc: number): void;
  fillF32(x: number, n: number, value: number): void;
  /** y += alpha · x */
  axpyF32(y: number, alpha: number, x: number, n: number): void;
  /** Y[M,N] += b[N] */
  addRowF32(y: number, b: number, M: number, N: number): void;
  /** C[M,N] (=|+=) A[M,K] · B[K,N] */
  matmulNN(c: number, a: number, b: number, M: number, K: number, N: number, acc: number): void;
  /** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ */
  matmulNT(c: number, a: number, b: number, M: number, K: number, N: number, acc: number): void;
  /** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N] */
  matmulTN(c: number, a: number, b: number, M: number, K: number, N: number, acc: number): void;
  /** y = tanh(x) */
  tanhF32(y: number, x: number, n: number): void;
  /** dx (=|+=) (1 - y²) · dy */
  tanhBackwardF32(dx: number, y: number, dy: number, n: number, acc: number): void;
  /** y = exp(x) */
  expF32(y: number, x: number, n: number): void;
  /** BatchNorm training forward; writes out, raw (R,H) and mean, varU, inv (H). */
  batchNormTrainF32(
    out: number, raw: number, mean: number, varU: number, inv: number,
    x: number, gain: number, bias: number, R: number, H: number, eps: number, unbiased: number,
  ): void;
  /** BatchNorm with given mean and inv. */
  batchNormEvalF32(out: number, raw: number, x: number, gain: number, bias: number, mean: number, inv: number, R: number, H: number): void;
  /** BatchNorm backward; mode 1 unbiased, 0 biased, 2 fixed statistics. */
  batchNormBackwardF32(
    dx: number, dgain: number, dbias: number, dout: number, raw: number, gain: number, inv: number,
    R: number, H: number, mode: number,
  ): void;
  /** Mean cross-entropy; writes dlogits. Targets must be valid. */
  crossEntropyF32(dlogits: number, logits: number, targets: number, R: number, V: number): number;
  /** Per-row cross-entropy losses. */
  crossEntropyRowsF32(losses: number, logits: number, targets: number, R: number, V: number): void;
  /** First r < n with idx[r] outside 0..limit−1, or −1. */
  checkIndices(idx: number, n: number, limit: number): number;
  /** out[r,:] = table[idx[r],:] */
  embeddingGatherF32(out: number, table: number, idx: number, R: number, E: number): void;
  /** dtable[idx[r],:] += dout[r,:] */
  embeddingScatterAddF32(dtable: number, dout: number, idx: number, R: number, E: number): void;
}

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
