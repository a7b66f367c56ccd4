// Elementwise functions of one tensor: torch.neg, torch.pow(tensor, scalar), torch.exp, torch.log,
// torch.tanh, torch.sigmoid, Tensor.to(dtype) (https://pytorch.org/docs/stable/generated/torch.pow.html and
// neighbours). Integer inputs of exp/log/tanh/sigmoid are promoted to float32 like PyTorch. pow reproduces PyTorch's CPU special
// cases (x**2 = x*x, x**-0.5 = 1/sqrt(x), x**-1 = 1/x, ...), so float32 results round the same way.
import { record } from './autograd.ts';
import { type DType, allocate, castArray, isFloat } from './dtype.ts';
import { div, mul, sub } from './elementwise.ts';
import { TensorError } from './errors.ts';
import { NO_PARAMS, type Rules } from './ops.ts';
import { Tensor } from './tensor.ts';

/** Applies f to every element, the result stored (and so rounded) in dtype `dt`. */
function map(x: Tensor, dt: DType, f: (v: number) => number): Tensor {
  const out = allocate(dt, x.numel);
  const X = x.data;
  for (let i = 0; i < X.length; i++) out[i] = f(X[i]);
  return new Tensor(out, x.shape);
}

/** A float tensor for the transcendental functions: integer inputs become float32. */
function floating(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, 'float32');
}

export function neg(x: Tensor): Tensor {
  return record(map(x, x.dtype, (v) => -v), 'neg', [x], NO_PARAMS);
}

export function exp(x: Tensor): Tensor {
  const xf = floating(x);
  return record(map(xf, xf.dtype, Math.exp), 'exp', [xf], NO_PARAMS);
}

export function log(x: Tensor): Tensor {
  const xf = floating(x);
  return record(map(xf, xf.dtype, Math.log), 'log', [xf], NO_PARAMS);
}

export function tanh(x: Tensor): Tensor {
  const xf = floating(x);
  return record(map(xf, xf.dtype, Math.tanh), 'tanh', [xf], NO_PARAMS);
}

/** 1 / (1 + exp(-x)), computed in float64 and rounded once to the dtype (the GRU's gates, Cho et al. 2014). */
export function sigmoid(x: Tensor): Tensor {
  const xf = floating(x);
  return record(map(xf, xf.dtype, (v) => 1 / (1 + Math.exp(-v))), 'sigmoid', [xf], NO_PARAMS);
}

/** x ** p for elements stored as `dt`: PyTorch's pow_tensor_scalar special cases, each step rounded to dt. */
function powFn(p: number, dt: DType): (x: number) => number {
  const r = dt === 'float32' ? Math.fround : (v: number) => v;
  if (p === 0) return () => 1;
  if (p === 1) return (x) => x;
  if (p === 2) return (x) => x * x;
  if (p === 3) return (x) => r(x * x) * x;
  if (p === 0.5) return Math.sqrt;
  if (p === -0.5) return (x) => 1 / r(Math.sqrt(x)); // rsqrt
  if (p === -1) return (x) => 1 / x; // reciprocal
  if (p === -2) return (x) => 1 / r(x * x);
  return (x) => Math.pow(x, p);
}

/** x ** exponent (a JS number). Integer tensors stay integer for non-negative integer exponents. */
export function pow(x: Tensor, exponent: number): Tensor {
  let xf = x;
  if (!isFloat(x.dtype)) {
    if (Number.isInteger(exponent) && exponent < 0) {
      throw new TensorError(`pow: Integers to negative integer powers are not allowed (exponent ${exponent})`);
    }
    if (!Number.isInteger(exponent)) xf = cast(x, 'float32');
  }
  const p = xf.dtype === 'float32' ? Math.fround(exponent) : exponent;
  if (xf.dtype === 'int32') {
    const f = (v: number): number => {
      let acc = 1;
      for (let k = 0; k < p; k++) acc = Math.imul(acc, v);
      return acc;
    };
    return record(map(xf, 'int32', f), 'pow', [xf], { exponent: p });
  }
  return record(map(xf, xf.dtype, powFn(p, xf.dtype)), 'pow', [xf], { exponent: p });
}

/** x converted to `dtype` (float -> int truncates toward zero). Differentiable between float dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = new Tensor(castArray(x.data, dtype), x.shape);
  return isFloat(dtype) ? record(out, 'cast', [x], { from: x.dtype }) : out;
}

export const unaryRules: Pick<Rules, 'neg' | 'pow' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'cast'> = {
  // d(-x) = -dx
  neg: (g) => [neg(g)],
  // d(x^p) = p x^(p-1) dx   (PyTorch: grad * (p * x.pow(p - 1)))
  pow: (g, { inputs: [x], params: { exponent: p } }) => [p === 0 ? mul(g, 0) : mul(g, mul(pow(x, p - 1), p))],
  // d(exp x) = exp(x) dx
  exp: (g, _node, out) => [mul(g, out)],
  // d(log x) = dx / x
  log: (g, { inputs: [x] }) => [div(g, x)],
  // d(tanh x) = (1 - tanh(x)^2) dx
  tanh: (g, _node, out) => [mul(g, sub(1, mul(out, out)))],
  // d(sigmoid x) = sigmoid(x) (1 - sigmoid(x)) dx   (PyTorch's sigmoid_backward: grad * (1 - out) * out)
  sigmoid: (g, _node, out) => [mul(mul(g, sub(1, out)), out)],
  // d(cast x) = cast back (dx)
  cast: (g, { params: { from } }) => [cast(g, from)],
};
