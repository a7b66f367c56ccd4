// Integer indexing: C[X] (rows of C picked by an integer tensor of any shape, the embedding lookup of
// Bengio et al. 2003; torch's advanced indexing, https://pytorch.org/docs/stable/tensors.html), the
// lectures' logprobs[range(n), Yb] (`pick`), and F.one_hot
// (https://pytorch.org/docs/stable/generated/torch.nn.functional.one_hot.html).
// Letters: V rows of the table, E the size of a row, N rows of a batch, C classes.
import { record } from './autograd.ts';
import { formatShape, sizeOf } from './broadcast.ts';
import { allocate } from './dtype.ts';
import { ShapeError, TensorError } from './errors.ts';
import type { Rules } from './ops.ts';
import { Tensor } from './tensor.ts';

function requireIndices(idx: Tensor, op: string): void {
  if (idx.dtype !== 'int32') {
    throw new TensorError(`${op}: tensors used as indices must be integer tensors (got ${idx.dtype})`);
  }
}

/** The indices wrapped into [0, size), or PyTorch's "index 27 is out of bounds for dimension 0 with size 27". */
function wrapIndices(idx: Tensor, size: number, dim: number, op: string): Int32Array {
  const out = new Int32Array(idx.numel);
  for (let i = 0; i < out.length; i++) {
    const v = idx.data[i];
    if (v < -size || v >= size) {
      throw new TensorError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    }
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

/** C[X]: (V, ...E) indexed by X of any shape -> (...X.shape, ...E); e.g. (27, 10)[(32, 3)] -> (32, 3, 10). */
export function index(C: Tensor, X: Tensor): Tensor {
  requireIndices(X, 'index');
  if (C.ndim === 0) throw new ShapeError('index: invalid index of a 0-dim tensor');
  const rows = wrapIndices(X, C.shape[0], 0, 'index');
  const rowShape = C.shape.slice(1);
  const E = sizeOf(rowShape);
  const out = allocate(C.dtype, rows.length * E);
  for (let i = 0; i < rows.length; i++) out.set(C.data.subarray(rows[i] * E, (rows[i] + 1) * E), i * E);
  return record(new Tensor(out, [...X.shape, ...rowShape]), 'index', [C], { rows });
}

/** x[arange(N), Y]: out[i] = x[i, Y[i]]; (N, C) with Y (N) -> (N). */
export function pick(x: Tensor, Y: Tensor): Tensor {
  requireIndices(Y, 'pick');
  if (x.ndim !== 2 || Y.ndim !== 1 || Y.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `pick: expected x of shape (N, C) and indices of shape (N), got ${formatShape(x.shape)} and ${formatShape(Y.shape)}`,
    );
  }
  const [N, C] = x.shape;
  const cols = wrapIndices(Y, C, 1, 'pick');
  const out = allocate(x.dtype, N);
  for (let i = 0; i < N; i++) out[i] = x.data[i * C + cols[i]];
  return record(new Tensor(out, [N]), 'pick', [x], { cols });
}

/** F.one_hot: int32 (...idx.shape, numClasses) with a 1 at each index; numClasses -1 means max + 1. */
export function oneHot(idx: Tensor, numClasses = -1): Tensor {
  requireIndices(idx, 'oneHot');
  let max = -1;
  for (const v of idx.data) {
    if (v < 0) throw new TensorError(`oneHot: Class values must be non-negative (got ${v})`);
    max = Math.max(max, v);
  }
  const C = numClasses === -1 ? max + 1 : numClasses;
  if (max >= C) throw new TensorError(`oneHot: Class values must be smaller than num_classes (${max} >= ${C})`);
  const out = new Int32Array(idx.numel * C);
  for (let i = 0; i < idx.numel; i++) out[i * C + idx.data[i]] = 1;
  return new Tensor(out, [...idx.shape, C]);
}

export const indexingRules: Pick<Rules, 'index' | 'pick'> = {
  // out[i] = C[X[i]]  =>  dC[X[i]] += dout[i]   (scatter-add: a row used twice gets both gradients)
  index: (g, { inputs: [C], params: { rows } }) => {
    const E = C.numel / Math.max(C.shape[0], 1);
    const acc = new Float64Array(C.numel);
    for (let i = 0; i < rows.length; i++) {
      const src = i * E;
      const dst = rows[i] * E;
      for (let e = 0; e < E; e++) acc[dst + e] += g.data[src + e];
    }
    const dC = allocate(C.dtype, C.numel);
    dC.set(acc);
    return [new Tensor(dC, C.shape)];
  },
  // out[i] = x[i, Y[i]]  =>  dx[i, Y[i]] = dout[i], 0 elsewhere
  pick: (g, { inputs: [x], params: { cols } }) => {
    const C = x.shape[1];
    const dx = allocate(x.dtype, x.numel);
    for (let i = 0; i < cols.length; i++) dx[i * C + cols[i]] = g.data[i];
    return [new Tensor(dx, x.shape)];
  },
};
