// The plain-TypeScript backend: the oracle the WebAssembly kernels are tested against, and the
// fallback. Each op's reference lives in its file in ops/ (beside its contract and wasm wrapper); this
// assembles them. Same signatures and argument checks as the wasm backend; see kernels.ts.

import { Arena } from "./arena.ts";
import type { Kernels } from "./kernels.ts";
import { tsActivations } from "./ops/activations.ts";
import { tsAdamW } from "./ops/adamw.ts";
import { tsAttention } from "./ops/attention.ts";
import { tsBatchNorm } from "./ops/batchnorm.ts";
import { tsBow } from "./ops/bow.ts";
import { tsCrossEntropy } from "./ops/cross_entropy.ts";
import { tsElementwise } from "./ops/elementwise.ts";
import { tsEmbedding } from "./ops/embedding.ts";
import { tsEmbeddingBag } from "./ops/embedding_bag.ts";
import { tsLayerNorm } from "./ops/layernorm.ts";
import { tsMatmul } from "./ops/matmul.ts";
import { tsSgd } from "./ops/sgd.ts";
import { tsTanhExp } from "./ops/tanh_exp.ts";

/** The TS backend over `arena` (a standalone memory by default; `wasmArena()` works too). */
export function createTsKernels(arena: Arena = new Arena()): Kernels {
  return {
    name: "ts",
    build: "ts",
    arena,
    ...tsMatmul,
    ...tsElementwise,
    ...tsTanhExp,
    ...tsBatchNorm,
    ...tsCrossEntropy,
    ...tsEmbedding,
    ...tsLayerNorm,
    ...tsActivations,
    ...tsAttention,
    ...tsAdamW,
    ...tsBow,
    ...tsEmbeddingBag,
    ...tsSgd,
  };
}
