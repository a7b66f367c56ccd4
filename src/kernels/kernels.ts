// The kernel interface the layers are written against, once, for two backends: the WebAssembly SIMD
// kernels (wasm-kernels.ts) and the plain-TypeScript reference kernels (reference.ts), which are the
// oracle of the tests and the fallback. Every operand is an arena buffer (arena.ts); sizes are in
// elements; `accumulate` true adds into the output (backward passes accumulate gradients), false (the
// default) overwrites it. Nothing here allocates.
//
// Each op family is one file in ops/ holding its contract (the interface below extends), its
// TypeScript reference and its wasm wrappers side by side, next to its asm/ kernel:
//
//   ops/matmul.ts         matmulNN, matmulNT, matmulTN                      asm/matmul_*.ts, gemm.ts
//   ops/elementwise.ts    fill, axpy, addRow, colSum, sum, colMoments       asm/elementwise.ts, reduce.ts
//   ops/tanh_exp.ts       tanh, tanhBackward, exp                           asm/tanh.ts, expf.ts
//   ops/batchnorm.ts      batchNormTrain, batchNormEval, batchNormBackward  asm/batchnorm.ts
//   ops/cross_entropy.ts  crossEntropy, crossEntropyRows (+ countTargets)   asm/cross_entropy.ts
//   ops/embedding.ts      embeddingGather, embeddingScatterAdd              asm/embedding.ts
//   ops/layernorm.ts      layerNorm, layerNormBackward                      asm/layernorm.ts
//   ops/activations.ts    gelu, geluBackward, sigmoid, sigmoidBackward, mul asm/activations.ts
//   ops/attention.ts      attentionForward, attentionBackward               asm/attention.ts
//   ops/adamw.ts          adamw (the optimizer step, + adamwScalars)        asm/adamw.ts
//   ops/bow.ts            causalMean, causalMeanBackward                    asm/bow.ts
//   ops/embedding_bag.ts  embeddingBagSum, embeddingBagScatterAdd           asm/embedding_bag.ts
//   ops/sgd.ts            sgd, zeroGrads (every parameter in one call)      asm/sgd.ts
//
// Letters: M rows of the output, N its columns, K the dimension a matrix product sums over; n the
// length of a vector; in the fused layer kernels R rows (the batch), H features, V classes or table
// rows, E width; in LayerNorm R rows and C features; in attention B batch, T time, C channels, NH
// heads; in the causal bag of words B batch, T positions, C channels; in the embedding bag R bags of K
// indices. All matrices are row-major float32 and contiguous.

import type { Arena } from "./arena.ts";
import type { ActivationKernels } from "./ops/activations.ts";
import type { AdamWKernels } from "./ops/adamw.ts";
import type { AttentionKernels } from "./ops/attention.ts";
import type { BatchNormKernels } from "./ops/batchnorm.ts";
import type { BowKernels } from "./ops/bow.ts";
import type { CrossEntropyKernels } from "./ops/cross_entropy.ts";
import type { ElementwiseKernels } from "./ops/elementwise.ts";
import type { EmbeddingKernels } from "./ops/embedding.ts";
import type { EmbeddingBagKernels } from "./ops/embedding_bag.ts";
import type { LayerNormKernels } from "./ops/layernorm.ts";
import type { MatmulKernels } from "./ops/matmul.ts";
import type { SgdKernels } from "./ops/sgd.ts";
import type { KernelsBuild } from "./wasm.ts";
import type { TanhExpKernels } from "./ops/tanh_exp.ts";

export type { KernelsBuild } from "./wasm.ts";
export type { BatchNormRunning, BatchNormStats } from "./ops/batchnorm.ts";
export type { AdamWScalars } from "./ops/adamw.ts";
export type { GradPair } from "./ops/sgd.ts";
export { KernelIndexError } from "./common.ts";

export interface Kernels
  extends MatmulKernels, ElementwiseKernels, TanhExpKernels, BatchNormKernels, CrossEntropyKernels, EmbeddingKernels,
    LayerNormKernels, ActivationKernels, AttentionKernels, AdamWKernels, BowKernels, EmbeddingBagKernels, SgdKernels {
  /** "wasm" or "ts". */
  readonly name: "wasm" | "ts";
  /**
   * Which arithmetic: the wasm module's build ("simd" or "relaxed", wasm.ts), or "ts". Runs record it
   * (config.json's `kernels`): a run goes on bit for bit only under the build it was trained with.
   */
  readonly build: KernelsBuild;
  /** The arena this backend's buffers must come from (the wasm backend needs its module's memory). */
  readonly arena: Arena;
}
