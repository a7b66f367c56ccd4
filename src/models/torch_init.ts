// PyTorch's default initializations, draw for draw, for the models written like makemore.py's
// (torch.nn modules with their own reset_parameters):
//   nn.Linear:    weight ~ kaiming_uniform_(a=√5) = U(−bound, bound), bound = √3 · √(2/(1+a²)) / √fan_in
//                 (1/√fan_in up to rounding), over the (out, in) matrix row-major; then
//                 bias ~ U(−1/√fan_in, 1/√fan_in)
//   nn.Embedding: weight ~ normal_(0, 1) (torch.randn's streams)
//   nn.LayerNorm: weight = 1, bias = 0 (no draws)
// uniform_(from, to) on a float32 tensor: one float32 uniform x per element (SPEC §2.2 of the
// reference's rng notes), from and to rounded to float32, value x · fl32(to − from) + from in float32 —
// with one rounding: PyTorch's CPU build contracts it into a fused multiply-add (measured: the two-
// rounding formula differs from its bits wherever the value is near 0 and the range is not a power of 2).

import { fusedMulAddF32 } from "../kernels/float32.ts";
import type { Linear } from "../nn/linear.ts";
import type { Parameter } from "../nn/layer.ts";
import type { Generator } from "../random/generator.ts";

const f = Math.fround;

/** Fills `p` with uniform_(from, to) as PyTorch does on a float32 CPU tensor. */
export function uniformInto(p: Parameter, g: Generator, from: number, to: number): void {
  const lo = f(from);
  const range = f(f(to) - lo);
  const v = p.data.view;
  for (let i = 0; i < v.length; i++) v[i] = fusedMulAddF32(g.uniformFloat32(), range, lo);
}

/** nn.Linear.reset_parameters: the weight, then the bias. */
export function initTorchLinear(linear: Linear, g: Generator): void {
  initTorchLinearParams(linear.weight, linear.bias, linear.fanIn, g);
}

/** nn.Linear.reset_parameters on a weight (out, fanIn) and an optional bias held by a fused layer. */
export function initTorchLinearParams(weight: Parameter, bias: Parameter | null, fanIn: number, g: Generator): void {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2 / (1 + a ** 2)); // calculate_gain("leaky_relu", √5)
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fanIn));
  uniformInto(weight, g, -bound, bound);
  if (bias) {
    const b = 1 / Math.sqrt(fanIn);
    uniformInto(bias, g, -b, b);
  }
}

/** nn.Embedding.reset_parameters: normal_(0, 1). */
export function initTorchEmbedding(weight: Parameter, g: Generator): void {
  g.randnInto(weight.data.view);
}
