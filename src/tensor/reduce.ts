// Reductions over one dimension or over all elements, with keepdim: torch.sum, torch.max (values and
// indices), torch.mean, torch.var, torch.std (https://pytorch.org/docs/stable/generated/torch.sum.html,
// .../torch.max.html, .../torch.var.html). sum and max are primitives; mean, var and std are composed from
// them, so their gradients come out of the engine. Float sums accumulate in float64 and round once, which
// is at least as accurate as PyTorch's float32 pairwise summation (results agree to ~1 ulp, not bit for bit).
// Int32 sums stay int32 (PyTorch would give int64).
import { record } from './autograd.ts';
import { type Shape, broadcastIndex, formatShape, normalizeDim, sameShape, sizeOf } from './broadcast.ts';
import { allocate, castArray, isFloat } from './dtype.ts';
import { div, mul, sub } from './elementwise.ts';
import { ShapeError, TensorError } from './errors.ts';
import type { Rules } from './ops.ts';
import { Tensor } from './tensor.ts';
import { pow } from './unary.ts';

export interface KeepDim {
  /** Keep the reduced dimension with size 1 (default false). */
  keepdim?: boolean;
}
export interface VarOptions extends KeepDim {
  /** Divide by n - 1 (Bessel's correction, the default, like PyTorch) instead of n. */
  unbiased?: boolean;
}
export interface MaxResult {
  values: Tensor;
  /** Position of the maximum along the dimension (int32; the first one on ties, like PyTorch). */
  indices: Tensor;
}

/** Splits a shape around `dim` into (outer, size, inner): element (o, k, i) sits at (o * size + k) * inner + i. */
function around(shape: Shape, dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim] ?? 1, sizeOf(shape.slice(dim + 1))];
}

/** The shape after reducing `dim` (null: all dimensions). */
function reducedShape(shape: Shape, dim: number | null, keepdim: boolean): number[] {
  if (dim === null) return keepdim ? shape.map(() => 1) : [];
  return keepdim ? shape.map((d, i) => (i === dim ? 1 : d)) : shape.filter((_, i) => i !== dim);
}

export function sum(x: Tensor, dim: number | null = null, { keepdim = false }: KeepDim = {}): Tensor {
  const d = dim === null ? null : normalizeDim(dim, x.ndim, 'sum');
  const [outer, size, inner] = d === null ? [1, x.numel, 1] : around(x.shape, d);
  const acc = new Float64Array(outer * inner);
  const X = x.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < size; k++) {
      const base = (o * size + k) * inner;
      for (let i = 0; i < inner; i++) acc[o * inner + i] += X[base + i];
    }
  }
  const out = new Tensor(castArray(acc, x.dtype), reducedShape(x.shape, d, keepdim));
  return record(out, 'sum', [x], { dim: d, keepdim });
}

/** The largest element (a 0-dim tensor); its gradient is shared equally by tied maxima, like PyTorch's max(). */
export function max(x: Tensor): Tensor {
  if (x.numel === 0) throw new ShapeError('max: Expected reduction dim to be specified for input.numel() == 0');
  const X = x.data;
  let best = X[0];
  for (let j = 1; j < X.length; j++) if (X[j] > best || (X[j] !== X[j] && best === best)) best = X[j];
  const ties: number[] = [];
  for (let j = 0; j < X.length; j++) if (X[j] === best || (best !== best && X[j] !== X[j])) ties.push(j);
  const out = allocate(x.dtype, 1);
  out[0] = best;
  return record(new Tensor(out, []), 'max', [x], { dim: null, keepdim: false, argmax: Int32Array.from(ties) });
}

/** Values and indices of the maxima along `dim`; the first index on ties; NaN wins like in PyTorch. */
export function maxDim(x: Tensor, dim: number, { keepdim = false }: KeepDim = {}): MaxResult {
  const d = normalizeDim(dim, x.ndim, 'max');
  const [outer, size, inner] = around(x.shape, d);
  if (size === 0) throw new ShapeError(`max: Expected reduction dim ${d} to have non-zero size (shape ${formatShape(x.shape)})`);
  const values = allocate(x.dtype, outer * inner);
  const argmax = new Int32Array(outer * inner);
  const X = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = X[o * size * inner + i];
      let bk = 0;
      for (let k = 1; k < size; k++) {
        const v = X[(o * size + k) * inner + i];
        if (v > best || (v !== v && best === best)) {
          best = v;
          bk = k;
        }
      }
      values[o * inner + i] = best;
      argmax[o * inner + i] = bk;
    }
  }
  const shape = reducedShape(x.shape, d, keepdim);
  const out = record(new Tensor(values, shape), 'max', [x], { dim: d, keepdim, argmax });
  return { values: out, indices: new Tensor(argmax.slice(), shape) };
}

export function mean(x: Tensor, dim: number | null = null, options: KeepDim = {}): Tensor {
  if (!isFloat(x.dtype)) {
    throw new TensorError(`mean: could not infer output dtype; input dtype must be floating point (got ${x.dtype})`);
  }
  const n = dim === null ? x.numel : x.shape[normalizeDim(dim, x.ndim, 'mean')] ?? 1;
  return div(sum(x, dim, options), n);
}

export function variance(x: Tensor, dim: number | null = null, { keepdim = false, unbiased = true }: VarOptions = {}): Tensor {
  if (!isFloat(x.dtype)) throw new TensorError(`var: input dtype must be floating point (got ${x.dtype})`);
  const n = dim === null ? x.numel : x.shape[normalizeDim(dim, x.ndim, 'var')] ?? 1;
  const diff = sub(x, mean(x, dim, { keepdim: true })); // x - mean, mean broadcast back
  return div(sum(mul(diff, diff), dim, { keepdim }), unbiased ? n - 1 : n);
}

export function std(x: Tensor, dim: number | null = null, options: VarOptions = {}): Tensor {
  return pow(variance(x, dim, options), 0.5);
}

/** g summed down to `shape` (undoes broadcasting; used by the backward rules, not recorded). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const idx = broadcastIndex(shape, g.shape);
  const acc = new Float64Array(sizeOf(shape));
  const G = g.data;
  for (let i = 0; i < G.length; i++) acc[idx[i]] += G[i];
  return new Tensor(castArray(acc, g.dtype), shape);
}

/** g broadcast up to `shape` (copies; used by the backward rules, not recorded). */
export function expandTo(g: Tensor, shape: Shape): Tensor {
  const idx = broadcastIndex(g.shape, shape);
  const out = allocate(g.dtype, idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = g.data[idx[i]];
  return new Tensor(out, shape);
}

export const reduceRules: Pick<Rules, 'sum' | 'max'> = {
  // d(sum_k x_k) = sum_k dx_k: every reduced element gets the gradient of its sum
  sum: (g, { inputs: [x], params: { dim } }) => [
    expandTo(new Tensor(g.data, reducedShape(x.shape, dim, true)), x.shape),
  ],
  // d(max_k x_k) = dx_argmax: the gradient goes to the (first) maximum; max() shares it among ties
  max: (g, { inputs: [x], params: { dim, argmax } }) => {
    const dx = allocate(x.dtype, x.numel);
    if (dim === null) {
      const share = g.data[0] / argmax.length;
      for (const j of argmax) dx[j] = share;
    } else {
      const [outer, size, inner] = around(x.shape, dim);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          dx[(o * size + argmax[o * inner + i]) * inner + i] = g.data[o * inner + i];
        }
      }
    }
    return [new Tensor(dx, x.shape)];
  },
};
