// Ops that only move (or repeat) elements: Tensor.view / torch.reshape (with one -1 inferred),
// torch.unsqueeze, torch.transpose, Tensor.expand and torch.roll
// (https://pytorch.org/docs/stable/generated/torch.Tensor.view.html, .../torch.transpose.html,
// .../torch.Tensor.expand.html, .../torch.roll.html). Every tensor here is contiguous, so reshape shares
// the typed array like a view, and transpose, expand and roll copy.
import { record } from './autograd.ts';
import { broadcastIndex, formatShape, inferShape, normalizeDim, sizeOf, stridesOf } from './broadcast.ts';
import { allocate } from './dtype.ts';
import { ShapeError } from './errors.ts';
import { NO_PARAMS, type Rules } from './ops.ts';
import { sumTo } from './reduce.ts';
import { Tensor } from './tensor.ts';

/** Same elements in a new shape (one dimension may be -1); shares the data like torch's view. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = inferShape(shape, x.numel, 'view');
  return record(new Tensor(x.data, s), 'reshape', [x], NO_PARAMS);
}

/** A dimension of size 1 inserted at `dim` (in [-ndim-1, ndim]): a reshape. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/**
 * x repeated along its dimensions of size 1 (and new leading ones) to `shape`; -1 keeps a size
 * (Tensor.expand, here a copy). E.g. the RNN's learned start state: (1, H) -> (B, H).
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const bad = (): never => {
    throw new ShapeError(`expand: the expanded size ${formatShape(shape)} does not fit a tensor of shape ${formatShape(x.shape)}: ` +
      'only dimensions of size 1 can grow, and new dimensions go in front');
  };
  if (lead < 0) bad();
  const out = shape.map((d, i) => {
    const have = i < lead ? null : x.shape[i - lead];
    if (d === -1) return have ?? bad();
    if (!Number.isInteger(d) || d < 0 || (have !== null && have !== 1 && have !== d)) bad();
    return d;
  });
  const idx = broadcastIndex(x.shape, out);
  const data = allocate(x.dtype, idx.length);
  const X = x.data;
  for (let i = 0; i < idx.length; i++) data[i] = X[idx[i]];
  return record(new Tensor(data, out), 'expand', [x], NO_PARAMS);
}

/** Elements shifted by `shift` places along `dim`, those pushed off the end coming back at the start (torch.roll). */
export function roll(x: Tensor, shift: number, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'roll');
  if (!Number.isInteger(shift)) throw new ShapeError(`roll: shift must be an integer (got ${shift})`);
  const outer = sizeOf(x.shape.slice(0, d));
  const n = x.shape[d] ?? 1;
  const inner = sizeOf(x.shape.slice(d + 1));
  const s = n === 0 ? 0 : ((shift % n) + n) % n;
  const out = allocate(x.dtype, x.numel);
  const X = x.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const src = (o * n + k) * inner; // element k lands at (k + s) mod n
      out.set(X.subarray(src, src + inner), (o * n + ((k + s) % n)) * inner);
    }
  }
  return record(new Tensor(out, x.shape), 'roll', [x], { shift: s, dim: d });
}

/** Swaps two dimensions (a contiguous copy). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const d0 = normalizeDim(dim0, x.ndim, 'transpose');
  const d1 = normalizeDim(dim1, x.ndim, 'transpose');
  const nd = x.ndim;
  const outShape = [...x.shape];
  outShape[d0] = x.shape[d1];
  outShape[d1] = x.shape[d0];
  const inStrides = stridesOf(x.shape);
  const st = [...inStrides]; // stride in x of each output dimension
  st[d0] = inStrides[d1];
  st[d1] = inStrides[d0];
  const out = allocate(x.dtype, x.numel);
  const X = x.data;
  const counter = new Array<number>(nd).fill(0);
  let pos = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = X[pos];
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      pos += st[d];
      if (counter[d] < outShape[d]) break;
      pos -= st[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return record(new Tensor(out, outShape), 'transpose', [x], { dim0: d0, dim1: d1 });
}

export const shapeRules: Pick<Rules, 'reshape' | 'transpose' | 'expand' | 'roll'> = {
  // reshape only relabels elements: dx = reshape(dy, x.shape)
  reshape: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  // transpose only moves elements: dx = transpose(dy) with the same two dimensions
  transpose: (g, { params: { dim0, dim1 } }) => [transpose(g, dim0, dim1)],
  // expand copies x[j] to every place it broadcasts to: dx[j] = the sum of dy over those places
  expand: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
  // roll only moves elements: dx = roll(dy) back by the same shift
  roll: (g, { params: { shift, dim } }) => [roll(g, -shift, dim)],
};
