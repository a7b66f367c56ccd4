// torch.nn.functional's layers that makemore.py's models use, composed from the engine's primitives (so
// their gradients come out of the engine and nothing here is differentiated by hand):
//   linear      F.linear: x @ Wᵀ + b, W in PyTorch's (out, in) layout
//               (https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html)
//   layerNorm   F.layer_norm over the last dimension, biased variance, eps 1e-5 (Ba et al. 2016;
//               https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html)
//   newGelu     GELU's tanh approximation as GPT-2 and makemore.py's NewGELU write it (Hendrycks & Gimpel
//               2016): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
// Letters: R the leading dimensions (rows), I fan-in, O fan-out, C the normalized (last) dimension.
import { add, mul, sub } from './elementwise.ts';
import { TensorError } from './errors.ts';
import { matmul } from './matmul.ts';
import { mean } from './reduce.ts';
import { transpose } from './shape.ts';
import type { Tensor } from './tensor.ts';
import { pow, tanh } from './unary.ts';

/** x @ weightᵀ + bias: (..., I) with weight (O, I) and bias (O) -> (..., O). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new TensorError(`linear: weight must be (out, in), got shape [${weight.shape.join(', ')}]`);
  const y = matmul(x, transpose(weight, 0, 1)); // (..., I) @ (I, O) -> (..., O)
  return bias === null ? y : add(y, bias); //      + (O)
}

/** (x − mean) / √(var + eps) · weight + bias over the last dimension; weight and bias (C). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const mu = mean(x, -1, { keepdim: true }); //             (..., C) -> (..., 1)
  const xc = sub(x, mu); //                                  (..., C)
  const variance = mean(mul(xc, xc), -1, { keepdim: true }); // (..., 1), biased (divides by C)
  const rstd = pow(add(variance, eps), -0.5); //             (..., 1)
  let y = mul(xc, rstd); //                                  (..., C)
  if (weight !== null) y = mul(y, weight); //                * (C)
  if (bias !== null) y = add(y, bias); //                    + (C)
  return y;
}

/** GELU, tanh approximation (GPT-2's and makemore.py's NewGELU). */
export function newGelu(x: Tensor): Tensor {
  const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)); // √(2/π)·(x + 0.044715·x³)
  return mul(mul(x, 0.5), add(tanh(inner), 1)); //                               0.5·x·(1 + tanh(inner))
}
