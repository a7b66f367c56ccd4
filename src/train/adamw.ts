// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019): Adam (Kingma & Ba
// 2015) whose weight decay shrinks the parameters directly instead of being added to the gradient,
// exactly as torch.optim.AdamW computes it on the CPU in PyTorch 1.13 (`_single_tensor_adamw` in
// torch/optim/adamw.py; amsgrad, maximize, foreach and capturable off). makemore.py trains its models
// with it: betas (0.9, 0.99), eps 1e-8, weight decay 0.01, lr 5e-4.
//
// For every parameter p with gradient g, at step t = 1, 2, …:
//   param.mul_(1 - lr*weight_decay)                          // decoupled weight decay
//   exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)            // m = β1·m + (1-β1)·g
//   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2) // v = β2·v + (1-β2)·g²
//   bias_correction1 = 1 - beta1**t;  bias_correction2 = 1 - beta2**t
//   step_size = lr / bias_correction1
//   denom = (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)
//   param.addcdiv_(exp_avg, denom, value=-step_size)        // p -= step_size · m / denom
//
// Rounding, to reproduce PyTorch's float32 bytes (checked against the real PyTorch 1.13 in
// test/train/optimizer.test.ts, fixture test/fixtures/make/adamw_vectors.py):
// - the Python scalars (1 - lr*weight_decay, step_size, sqrt(bias_correction2), …) are doubles; each
//   tensor op rounds its scalar to float32, and each elementwise result to float32;
// - beta**t is Python's (glibc's) pow, correctly rounded for these; V8's `**` is not always (0.9**4
//   differs in the last bit), so `powInt` computes it in double-double arithmetic;
// - the x86 AVX2 kernels PyTorch dispatches to are compiled by GCC with FMA contraction: `add_`
//   with alpha (`self + alpha*other`) and `addcmul_` (`self + (value*t1)*t2`) each round once after
//   the multiply-add (fusedMulAddF32, src/kernels/float32.ts), in the vectorised loop and in its scalar tail alike. addcdiv_ is
//   `self + (value*t1)/t2`: the product is rounded, then the quotient, then the sum;
// - sqrt, the division by a scalar and `add_(eps)` round once each.
// (PyTorch's generic, non-AVX2 kernels, ATEN_CPU_CAPABILITY=default, round the multiply-adds twice.)
//
// Shapes: each parameter's exp_avg and exp_avg_sq are float32 tensors of its shape, allocated once in
// the kernels' arena and zero-initialised, as PyTorch's `torch.zeros_like(p)` at the first step.

import { ConfigError } from "../errors.ts";
import { adamwScalars, type AdamWScalars, type F32Buf, type Kernels } from "../kernels/index.ts";
import type { Buffer, Parameter } from "../nn/layer.ts";
import type { AdamWConfig, Optimizer } from "./optimizer.ts";


export class AdamW implements Optimizer {
  /** Optimizer steps taken so far: PyTorch's state["step"], the t of the bias corrections. */
  stepCount = 0;
  /** exp_avg of each parameter (the first moment m), in parameter order. */
  private readonly expAvg: F32Buf[];
  /** exp_avg_sq of each parameter (the second moment v), in parameter order. */
  private readonly expAvgSq: F32Buf[];

  /** The step's float32 scalars, reused (nothing is allocated per step). */
  private readonly scalars: AdamWScalars = { decay: 0, b1: 0, a1: 0, b2: 0, a2: 0, bc2Sqrt: 0, eps: 0, negStepSize: 0 };
  /** beta1**t, beta2**t of the step. */
  private readonly powers = new Float64Array(2);

  constructor(
    readonly config: AdamWConfig,
    private readonly params: readonly Parameter[],
    private readonly kernels: Kernels,
  ) {
    this.expAvg = params.map((p) => kernels.arena.f32(p.data.length)); // zeros_like(p)
    this.expAvgSq = params.map((p) => kernels.arena.f32(p.data.length)); // zeros_like(p)
  }

  step(lr: number): void {
    checkLearningRate(lr);
    checkStepCount(this.stepCount);
    const { beta1, beta2 } = this.config;
    const t = this.stepCount + 1; // step_t += 1
    // The Python scalars in double, then as each tensor op takes them, rounded to float32 (adamwScalars):
    // 1 - lr*weight_decay, beta1, 1 - beta1, beta2, 1 - beta2, sqrt(bias_correction2), eps, -step_size
    powIntInto(this.powers, 0, beta1, t);
    powIntInto(this.powers, 1, beta2, t);
    const s = adamwScalars(lr, this.config, 1 - this.powers[0], 1 - this.powers[1], this.scalars);
    // per element, in one kernel (Kernels.adamw; fused multiply-adds rounded once, as above):
    //   p = fl(decay·p);  m = fma(a1, g, fl(b1·m));  v = fma(fl(a2·g), g, fl(b2·v))
    //   denom = fl(fl(fl(sqrt(v)) / bc2Sqrt) + eps);  p = fl(p + fl(fl(negStepSize·m) / denom))
    for (let k = 0; k < this.params.length; k++) {
      const P = this.params[k];
      this.kernels.adamw(P.data, P.grad, this.expAvg[k], this.expAvgSq[k], P.data.length, s);
    }
    this.stepCount = t;
  }

  state(): Buffer[] {
    const out: Buffer[] = [];
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      out.push({ name: `optimizer.exp_avg.${p.name}`, shape: p.shape, data: this.expAvg[k] });
      out.push({ name: `optimizer.exp_avg_sq.${p.name}`, shape: p.shape, data: this.expAvgSq[k] });
    }
    return out;
  }
}

/** Throws a ConfigError unless a step's learning rate is a finite number >= 0 (torch.optim's check). */
export function checkLearningRate(lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new ConfigError(`learning rate must be a finite number >= 0 (got ${lr})`);
}

/** Throws a ConfigError unless an optimizer's step count is an integer >= 0 (e.g. after a restore). */
export function checkStepCount(stepCount: number): void {
  if (!Number.isSafeInteger(stepCount) || stepCount < 0) {
    throw new ConfigError(`optimizer step count must be an integer >= 0 (got ${stepCount})`);
  }
}

// beta**t for an integer t >= 0, correctly rounded (as glibc's pow, which Python's `**` calls): binary
// exponentiation on double-double numbers (hi + lo), whose relative error (~t·2^-104) is far below
// half an ulp of the result; then hi + lo rounds once. The double-doubles live in a Float64Array, so
// nothing is boxed: a training step allocates nothing here.
const SPLIT = 134217729; // 2^27 + 1, Veltkamp's split of a double into two 26-bit halves
const DD = new Float64Array(4); // [result hi, result lo, power hi, power lo]

/** beta**t for an integer t >= 0 into out[i] (AdamW.step's bias corrections; allocates nothing). */
export function powIntInto(out: Float64Array, i: number, beta: number, t: number): void {
  DD[0] = 1; DD[1] = 0; // result
  DD[2] = beta; DD[3] = 0; // beta^(2^k)
  let e = t;
  while (e > 0) {
    if (e % 2 === 1) ddMulInto(0, 2); // result *= power
    e = Math.floor(e / 2);
    if (e > 0) ddMulInto(2, 2); // power *= power
  }
  out[i] = DD[0] + DD[1];
}

const POW = new Float64Array(1);

/** beta**t for an integer t >= 0 (the tests; AdamW.step uses powIntInto). */
export function powInt(beta: number, t: number): number {
  powIntInto(POW, 0, beta, t);
  return POW[0];
}

/** DD[a], DD[a+1] = (DD[a] + DD[a+1])·(DD[b] + DD[b+1]) as a double-double. */
function ddMulInto(a: number, b: number): void {
  const ah = DD[a], al = DD[a + 1], bh = DD[b], bl = DD[b + 1];
  // Dekker's TwoProduct: p + e = ah·bh exactly
  const p = ah * bh;
  let s = SPLIT * ah;
  const ahh = s - (s - ah), ahl = ah - ahh;
  s = SPLIT * bh;
  const bhh = s - (s - bh), bhl = bh - bhh;
  const e = ahh * bhh - p + ahh * bhl + ahl * bhh + ahl * bhl;
  const lo = e + (ah * bl + al * bh);
  const hi = p + lo;
  DD[a] = hi;
  DD[a + 1] = lo - (hi - p);
}
