// Masks: Tensor.masked_fill (https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill_.html) and
// torch.tril's causal pattern (https://pytorch.org/docs/stable/generated/torch.tril.html), for the causal
// self-attention of GPT-2 (Radford et al. 2019; makemore.py's CausalSelfAttention) and makemore.py's causal
// bag of words:   att = att.masked_fill(tril(ones(T, T)) == 0, -inf);  att = softmax(att, dim=-1)
// maskedFill is a primitive: where the mask is set the output is the constant, so those entries give no
// gradient to x (exactly 0, never NaN: the rule selects, it does not multiply). After a -inf fill, softmax
// (loss.ts) gives those entries probability exactly 0 and passes them a gradient of exactly 0, as long as
// each row keeps one entry unmasked (a causal mask keeps the diagonal).
// Letters: T positions (query t, key s).
import { record } from './autograd.ts';
import { broadcastIndex, broadcastShapes, formatShape, sameShape } from './broadcast.ts';
import { allocate, isFloat, roundTo } from './dtype.ts';
import { ShapeError, TensorError } from './errors.ts';
import type { Rules } from './ops.ts';
import { Tensor } from './tensor.ts';

/**
 * x with `value` wherever `mask` (an int32 tensor, nonzero = fill, broadcast to x's shape) is set.
 * value may be ±Infinity for float tensors.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'int32') throw new TensorError(`maskedFill: expected an int32 mask (nonzero = fill), got ${mask.dtype}`);
  if (!isFloat(x.dtype) && !Number.isInteger(value)) {
    throw new TensorError(`maskedFill: value ${value} cannot be stored in a tensor of dtype ${x.dtype}`);
  }
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (!sameShape(shape, x.shape)) {
    throw new ShapeError(`maskedFill: the mask of shape ${formatShape(mask.shape)} must broadcast to x's shape ${formatShape(x.shape)}`);
  }
  const m = new Uint8Array(x.numel);
  const idx = sameShape(mask.shape, x.shape) ? null : broadcastIndex(mask.shape, x.shape);
  for (let i = 0; i < m.length; i++) m[i] = mask.data[idx === null ? i : idx[i]] !== 0 ? 1 : 0;
  const out = allocate(x.dtype, x.numel);
  const v = roundTo(x.dtype, value);
  const X = x.data;
  for (let i = 0; i < out.length; i++) out[i] = m[i] === 1 ? v : X[i];
  return record(new Tensor(out, x.shape), 'maskedFill', [x], { mask: m });
}

/**
 * The positions a causal model must not see: an int32 (T, T) tensor with 1 where s > t (above the
 * diagonal), 0 elsewhere — makemore.py's `tril(ones(T, T)) == 0`.
 */
export function causalMask(T: number): Tensor {
  if (!Number.isInteger(T) || T < 1) throw new ShapeError(`causalMask: T must be a positive integer (got ${T})`);
  const m = new Int32Array(T * T);
  for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) m[t * T + s] = 1;
  return new Tensor(m, [T, T]);
}

export const maskingRules: Pick<Rules, 'maskedFill'> = {
  // out = mask ? value : x  =>  dx = mask ? 0 : dout
  maskedFill: (g, { params: { mask } }) => {
    const dx = allocate(g.dtype, g.numel);
    const G = g.data;
    for (let i = 0; i < dx.length; i++) dx[i] = mask[i] === 1 ? 0 : G[i];
    return [new Tensor(dx, g.shape)];
  },
};
