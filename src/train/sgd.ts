// Plain SGD, as the lectures update: `p.data += -lr * p.grad`. PyTorch computes -lr·grad in float32
// with the scalar rounded to float32, then adds: per parameter an axpy with alpha = fl32(−lr). All the
// parameters go in one kernel call (Kernels.sgd: the same bytes as one axpy per parameter), so a step
// of the lectures' model crosses into wasm once here instead of once per parameter.

import type { Kernels } from "../kernels/index.ts";
import type { Parameter } from "../nn/layer.ts";

export function sgdStep(kernels: Kernels, params: readonly Parameter[], lr: number): void {
  kernels.sgd(params, Math.fround(-lr)); // for each p: p.data += fl32(-lr) * p.grad
}
