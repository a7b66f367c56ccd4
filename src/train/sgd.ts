// Plain SGD, as the lectures update: `p.data += -lr * p.grad`. PyTorch computes -lr·grad in float32
// with the scalar rounded to float32, then adds: one axpy per parameter with alpha = fl32(−lr).

import type { Kernels } from "../kernels/index.ts";
import type { Parameter } from "../nn/layer.ts";

export function sgdStep(kernels: Kernels, params: readonly Parameter[], lr: number): void {
  const alpha = Math.fround(-lr);
  for (const p of params) kernels.axpy(p.data, alpha, p.grad);
}
