// The AdamW update of one parameter (asm/adamw.ts): torch.optim.AdamW's step of PyTorch 1.13 on the CPU
// (`_single_tensor_adamw` in torch/optim/adamw.py; Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019), exactly as src/train/adamw.ts derives it, float32 bit for bit:
//
//   param.mul_(1 - lr*weight_decay)                            p' = fl(decay·p)
//   exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)              m = fma(a1, g, fl(b1·m))
//   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2) v = fma(fl(a2·g), g, fl(b2·v))
//   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)   denom = fl(fl(fl(√v) / bc2Sqrt) + eps)
//   param.addcdiv_(exp_avg, denom, value=-step_size)           p = fl(p' + fl(fl(negStepSize·m) / denom))
//
// fl rounds to float32 once; fma(a, b, c) = fl(a·b + c) rounded once (the FMA contraction of PyTorch's
// AVX2 kernels; src/train/adamw.ts explains each rounding). The scalars are the step's float32 values
// (AdamWScalars; `adamwScalars` computes them from the hyper-parameters and the bias corrections, which
// the caller computes: 1 − β^t needs a correctly rounded pow, src/train/adamw.ts's powInt).
//
// Both backends round each fma once, exactly, from float64 (where a·b is exact): rounding the float64
// sum to float32 is wrong only where that sum lies exactly halfway between two float32s (subnormals
// included) and the exact sum does not. The reference lets TwoSum's error decide there; the wasm kernel
// tests four lanes at a time for such a sum and, where one may be, rounds the sums to odd instead (see
// asm/adamw.ts). Both are checked against exact rational arithmetic (test/kernels/adamw.test.ts).
//
// Letters: n the length of the parameter.

import type { F32Buf } from "../arena.ts";
import { fusedMulAddF32 } from "../float32.ts";

export { fusedMulAddF32 };
import { need, type WasmContext } from "../common.ts";

/** One AdamW step's scalars, each a float32 value (as PyTorch's tensor ops round their Python scalars). */
export interface AdamWScalars {
  /** fl32(1 − lr·weight_decay): param.mul_ */
  decay: number;
  /** fl32(β1): exp_avg.mul_ */
  b1: number;
  /** fl32(1 − β1): exp_avg.add_(grad, alpha) */
  a1: number;
  /** fl32(β2): exp_avg_sq.mul_ */
  b2: number;
  /** fl32(1 − β2): exp_avg_sq.addcmul_(grad, grad, value) */
  a2: number;
  /** fl32(√(1 − β2^t)): the division of exp_avg_sq.sqrt() */
  bc2Sqrt: number;
  /** fl32(eps): .add_(eps) */
  eps: number;
  /** fl32(−lr / (1 − β1^t)): param.addcdiv_(…, value) */
  negStepSize: number;
}

/** AdamW's hyper-parameters (src/train/optimizer.ts's AdamWConfig fits). */
export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The AdamW kernel of `Kernels`. */
export interface AdamWKernels {
  /**
   * One AdamW step of a parameter, in place: p[0..n), its exp_avg m[0..n) and exp_avg_sq v[0..n), from
   * its gradient g[0..n), with the step's scalars `s` (each rounded to float32 first, as the wasm call
   * does; `adamwScalars` gives float32 values already). p, g, m, v are four different buffers.
   */
  adamw(p: F32Buf, g: F32Buf, m: F32Buf, v: F32Buf, n: number, s: Readonly<AdamWScalars>): void;
}

const fr = Math.fround;

/**
 * The float32 scalars of an AdamW step at learning rate `lr`, with biasCorrection1 = 1 − β1^t and
 * biasCorrection2 = 1 − β2^t computed by the caller in float64 (correctly rounded β^t, as Python's
 * `**`). The Python scalars are doubles, rounded to float32 as each tensor op takes them. Writes `out`
 * (a fresh object by default; pass one to allocate nothing) and returns it.
 */
export function adamwScalars(
  lr: number,
  hyper: Readonly<AdamWHyper>,
  biasCorrection1: number,
  biasCorrection2: number,
  out: AdamWScalars = { decay: 0, b1: 0, a1: 0, b2: 0, a2: 0, bc2Sqrt: 0, eps: 0, negStepSize: 0 },
): AdamWScalars {
  const { beta1, beta2, eps, weightDecay } = hyper;
  out.decay = fr(1 - lr * weightDecay);
  out.b1 = fr(beta1);
  out.a1 = fr(1 - beta1);
  out.b2 = fr(beta2);
  out.a2 = fr(1 - beta2);
  out.bc2Sqrt = fr(Math.sqrt(biasCorrection2));
  out.eps = fr(eps);
  out.negStepSize = fr(-(lr / biasCorrection1));
  return out;
}

/** Throws unless p, g, m, v are four different buffers (their sizes are checked by the caller). */
function checkDistinct(p: F32Buf, g: F32Buf, m: F32Buf, v: F32Buf): void {
  if (p === g || p === m || p === v || g === m || g === v || m === v) {
    throw new RangeError("adamw: p, g, m and v must be four different buffers");
  }
}

// ---- TypeScript reference

/** The TS backend's AdamW update. */
export const tsAdamW: AdamWKernels = {
  /** p, m, v updated in place from g, the per-element loop of src/train/adamw.ts */
  adamw(p, g, m, v, n, s) {
    need(p, n, "p", "adamw");
    need(g, n, "g", "adamw");
    need(m, n, "m", "adamw");
    need(v, n, "v", "adamw");
    checkDistinct(p, g, m, v);
    const decay = fr(s.decay), b1 = fr(s.b1), a1 = fr(s.a1), b2 = fr(s.b2), a2 = fr(s.a2);
    const bc2Sqrt = fr(s.bc2Sqrt), eps = fr(s.eps), negStepSize = fr(s.negStepSize);
    const pv = p.view, gv = g.view, mv = m.view, vv = v.view;
    for (let i = 0; i < n; i++) {
      const gi = gv[i];
      const pi = fr(decay * pv[i]);
      const mi = fusedMulAddF32(a1, gi, fr(b1 * mv[i]));
      const vi = fusedMulAddF32(fr(a2 * gi), gi, fr(b2 * vv[i]));
      const denom = fr(fr(fr(Math.sqrt(vi)) / bc2Sqrt) + eps);
      mv[i] = mi;
      vv[i] = vi;
      pv[i] = fr(pi + fr(fr(negStepSize * mi) / denom));
    }
  },
};

// ---- WebAssembly

/** The wasm backend's AdamW update over `ctx`'s module and arena. */
export function wasmAdamW(ctx: WasmContext): AdamWKernels {
  const w = ctx.w;
  return {
    adamw(p, g, m, v, n, s) {
      ctx.own(p, n, "p", "adamw");
      ctx.own(g, n, "g", "adamw");
      ctx.own(m, n, "m", "adamw");
      ctx.own(v, n, "v", "adamw");
      checkDistinct(p, g, m, v);
      w.adamwF32(p.ptr, g.ptr, m.ptr, v.ptr, n, s.decay, s.b1, s.a1, s.b2, s.a2, s.bc2Sqrt, s.eps, s.negStepSize);
    },
  };
}
