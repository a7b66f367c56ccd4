// Joining tensors and taking slices along one dimension: torch.cat, torch.stack, Tensor.narrow and
// Tensor.split (https://pytorch.org/docs/stable/generated/torch.cat.html, .../torch.stack.html,
// .../torch.narrow.html, .../torch.split.html) — the RNN cell's [x; h], the GRU's [x; r·h], the MLP's
// concatenated embeddings, the stack of hidden states over time, attention's q, k, v out of one Linear.
// cat and narrow are primitives, each the other's backward: the gradient of a concatenation is cut back
// into pieces; the gradient of a slice is the slice's gradient with zeros elsewhere. stack is cat of
// unsqueezed tensors, split a list of narrows.
// Every tensor splits around `dim` into (outer, size, inner): element (o, k, i) sits at (o·size + k)·inner + i,
// so a slice along `dim` is `outer` contiguous runs of length·inner elements.
import { record } from './autograd.ts';
import { formatShape, normalizeDim, sizeOf } from './broadcast.ts';
import { allocate, resultType } from './dtype.ts';
import { ShapeError, TensorError } from './errors.ts';
import type { Rules } from './ops.ts';
import { unsqueeze } from './shape.ts';
import { Tensor } from './tensor.ts';
import { cast } from './unary.ts';

/** (outer, inner): the products of the dimensions before and after `dim`. */
function outerInner(shape: readonly number[], dim: number): [number, number] {
  return [sizeOf(shape.slice(0, dim)), sizeOf(shape.slice(dim + 1))];
}

/** The tensors joined along `dim`; all other dimensions must agree (dtypes are promoted as torch.cat does). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TensorError('cat: expected a non-empty list of Tensors');
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, 'cat');
  if (first.ndim === 0) throw new ShapeError('cat: zero-dimensional tensor cannot be concatenated');
  tensors.forEach((t, j) => {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(
        `cat: Sizes of tensors must match except in dimension ${d}: tensor 0 has shape ${formatShape(first.shape)}, ` +
          `tensor ${j} has shape ${formatShape(t.shape)}`,
      );
    }
  });
  const dt = resultType(tensors.map((t) => ({ dtype: t.dtype, ndim: 1 })));
  const xs = tensors.map((t) => cast(t, dt));
  const sizes = xs.map((t) => t.shape[d]);
  const total = sizes.reduce((a, b) => a + b, 0);
  const [outer, inner] = outerInner(first.shape, d);
  const out = allocate(dt, outer * total * inner);
  let offset = 0; // position along dim where the next input starts
  for (let j = 0; j < xs.length; j++) {
    const run = sizes[j] * inner;
    const X = xs[j].data;
    for (let o = 0; o < outer; o++) out.set(X.subarray(o * run, (o + 1) * run), (o * total + offset) * inner);
    offset += sizes[j];
  }
  const shape = [...first.shape];
  shape[d] = total;
  return record(new Tensor(out, shape), 'cat', xs, { dim: d, sizes });
}

/** The tensors (all of one shape) stacked along a new dimension `dim`: torch.stack. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TensorError('stack: expected a non-empty list of Tensors');
  const d = normalizeDim(dim, tensors[0].ndim + 1, 'stack');
  tensors.forEach((t, j) => {
    if (t.ndim !== tensors[0].ndim || t.shape.some((s, i) => s !== tensors[0].shape[i])) {
      throw new ShapeError(
        `stack: expects each tensor to be equal size, but got ${formatShape(tensors[0].shape)} at entry 0 and ` +
          `${formatShape(t.shape)} at entry ${j}`,
      );
    }
  });
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Elements start … start + length − 1 along `dim` (a copy): x.narrow(dim, start, length), x[:, start:start+length]. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  if (x.ndim === 0) throw new ShapeError('narrow: cannot be applied to a 0-dim tensor');
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new ShapeError(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${n} (shape ${formatShape(x.shape)})`);
  }
  const [outer, inner] = outerInner(x.shape, d);
  const out = allocate(x.dtype, outer * length * inner);
  const X = x.data;
  const run = length * inner;
  for (let o = 0; o < outer; o++) {
    const src = (o * n + s) * inner;
    out.set(X.subarray(src, src + run), o * run);
  }
  const shape = [...x.shape];
  shape[d] = length;
  return record(new Tensor(out, shape), 'narrow', [x], { dim: d, start: s });
}

/**
 * Consecutive pieces of `size` elements along `dim` (the last one shorter if the size does not divide):
 * torch.split(x, size, dim), e.g. q, k, v = c_attn(x).split(n_embd, dim=2).
 */
export function split(x: Tensor, size: number, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  if (!Number.isInteger(size) || size < 1) throw new ShapeError(`split: split_size must be a positive integer (got ${size})`);
  const n = x.shape[d];
  const pieces: Tensor[] = [];
  for (let s = 0; s < n; s += size) pieces.push(narrow(x, d, s, Math.min(size, n - s)));
  return pieces;
}

export const joinRules: Pick<Rules, 'cat' | 'narrow'> = {
  // out = [x_0; x_1; …] along dim  =>  dx_j = dout[offset_j : offset_j + size_j] along dim
  cat: (g, { params: { dim, sizes } }) => {
    let offset = 0;
    return sizes.map((size) => {
      const piece = narrow(g, dim, offset, size);
      offset += size;
      return piece;
    });
  },
  // out = x[start : start + length] along dim  =>  dx = dout in that slice, 0 elsewhere
  narrow: (g, { inputs: [x], params: { dim, start } }) => {
    const [outer, inner] = outerInner(x.shape, dim);
    const n = x.shape[dim];
    const run = g.shape[dim] * inner;
    const dx = allocate(x.dtype, x.numel);
    for (let o = 0; o < outer; o++) dx.set(g.data.subarray(o * run, (o + 1) * run), (o * n + start) * inner);
    return [new Tensor(dx, x.shape)];
  },
};
