// Ops that only move elements: Tensor.view / torch.reshape (with one -1 inferred) and torch.transpose
// (https://pytorch.org/docs/stable/generated/torch.Tensor.view.html, .../torch.transpose.html).
// Every tensor here is contiguous, so reshape shares the typed array like a view, and transpose copies.
import { record } from './autograd.ts';
import { inferShape, normalizeDim, stridesOf } from './broadcast.ts';
import { allocate } from './dtype.ts';
import { NO_PARAMS, type Rules } from './ops.ts';
import { Tensor } from './tensor.ts';

/** Same elements in a new shape (one dimension may be -1); shares the data like torch's view. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = inferShape(shape, x.numel, 'view');
  return record(new Tensor(x.data, s), 'reshape', [x], NO_PARAMS);
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

export const shapeRules: Pick<Rules, 'reshape' | 'transpose'> = {
  // reshape only relabels elements: dx = reshape(dy, x.shape)
  reshape: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  // transpose only moves elements: dx = transpose(dy) with the same two dimensions
  transpose: (g, { params: { dim0, dim1 } }) => [transpose(g, dim0, dim1)],
};
