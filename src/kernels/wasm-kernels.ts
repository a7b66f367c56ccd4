// The WebAssembly SIMD backend: thin wrappers that check sizes against the buffers (so a wrong size
// is a RangeError, never a write into another buffer) and pass byte offsets to the module's kernels
// (asm/). One arena over the module's memory, `wasmArena()`, holds every buffer these kernels touch.
// Per call: a few comparisons and one wasm call; nothing is allocated. Each op's wrappers live in its
// file in ops/ (beside its contract and TS reference); this assembles them. See kernels.ts.

import { Arena } from "./arena.ts";
import { WasmContext } from "./common.ts";
import type { Kernels } from "./kernels.ts";
import { wasmActivations } from "./ops/activations.ts";
import { wasmAdamW } from "./ops/adamw.ts";
import { wasmAttention } from "./ops/attention.ts";
import { wasmBatchNorm } from "./ops/batchnorm.ts";
import { wasmBow } from "./ops/bow.ts";
import { wasmCrossEntropy } from "./ops/cross_entropy.ts";
import { wasmElementwise } from "./ops/elementwise.ts";
import { wasmEmbedding } from "./ops/embedding.ts";
import { wasmEmbeddingBag } from "./ops/embedding_bag.ts";
import { wasmLayerNorm } from "./ops/layernorm.ts";
import { wasmMatmul } from "./ops/matmul.ts";
import { wasmSgd } from "./ops/sgd.ts";
import { wasmTanhExp } from "./ops/tanh_exp.ts";
import { buildOf, wasmExports, type WasmExports } from "./wasm.ts";

let arena: Arena | undefined;
let kernels: Kernels | undefined;

/** The arena over the kernels' module memory (one per module instance). */
export function wasmArena(): Arena {
  if (arena === undefined) {
    const w = wasmExports();
    arena = new Arena(w.memory, w.heapBase());
  }
  return arena;
}

/** The WebAssembly backend; its buffers come from `wasmArena()` (or `kernels.arena`). */
export function wasmKernels(): Kernels {
  kernels ??= createWasmKernels(wasmExports(), wasmArena());
  return kernels;
}

/**
 * A WebAssembly backend over one module instance and an arena over its memory: `wasmKernels()` is the
 * one over the shared instance; the tests and bench/kernels.ts build one per build of the module
 * (wasm.ts's instantiateWasm) to compare them.
 */
export function createWasmKernels(w: WasmExports, arena: Arena = new Arena(w.memory, w.heapBase())): Kernels {
  const ctx = new WasmContext(w, arena);
  return {
    name: "wasm",
    build: buildOf(w),
    arena: ctx.arena,
    ...wasmMatmul(ctx),
    ...wasmElementwise(ctx),
    ...wasmTanhExp(ctx),
    ...wasmBatchNorm(ctx),
    ...wasmCrossEntropy(ctx),
    ...wasmEmbedding(ctx),
    ...wasmLayerNorm(ctx),
    ...wasmActivations(ctx),
    ...wasmAttention(ctx),
    ...wasmAdamW(ctx),
    ...wasmBow(ctx),
    ...wasmEmbeddingBag(ctx),
    ...wasmSgd(ctx),
  };
}
