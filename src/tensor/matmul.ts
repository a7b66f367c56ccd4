// Matrix product, torch.matmul (https://pytorch.org/docs/stable/generated/torch.matmul.html) for the cases
// the lectures and makemore.py use: (M, K) @ (K, N) -> (M, N) is the primitive; (..., M, K) @ (K, N) folds
// the leading dimensions into M; a 1-D operand is a row / column vector whose dimension is dropped from the
// result; and the batched product (..., M, K) @ (..., K, N) -> (..., M, N) with the batch dimensions
// broadcast (attention's q @ kᵀ and att @ v, (B, nh, T, hs) @ (B, nh, hs, T)) is a second primitive, bmm.
// Letters: M rows of the left operand, K the contracted dimension, N columns of the right operand.
// Products accumulate in float64 and round once per output element (PyTorch's BLAS accumulates in float32).
import { record } from './autograd.ts';
import { broadcastIndex, broadcastShapes, sizeOf } from './broadcast.ts';
import { allocate } from './dtype.ts';
import { ShapeError, TensorError } from './errors.ts';
import { NO_PARAMS, type Rules } from './ops.ts';
import { sumTo } from './reduce.ts';
import { reshape, transpose } from './shape.ts';
import { Tensor } from './tensor.ts';

/** The 2-D primitive: (M, K) @ (K, N) -> (M, N). */
function mm(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const A = a.data;
  const B = b.data;
  const out = allocate(a.dtype, M * N);
  const row = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const aik = A[i * K + k];
      const off = k * N;
      for (let j = 0; j < N; j++) row[j] += aik * B[off + j];
    }
    out.set(row, i * N); // rounds to the dtype (int32 results wrap)
  }
  return record(new Tensor(out, [M, N]), 'matmul', [a, b], NO_PARAMS);
}

/**
 * The batched primitive: (...A, M, K) @ (...B, K, N) -> (...broadcast(A, B), M, N), each matrix of the
 * batch a product of the matrices its batch index broadcasts from.
 */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape.slice(-2);
  const [bK, N] = b.shape.slice(-2);
  if (K !== bK) {
    throw new ShapeError(`matmul: the batched shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] cannot be multiplied (${M}x${K} and ${bK}x${N})`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch, 'matmul');
  const ia = broadcastIndex(aBatch, batch); // for each batch index, the matrix of a it uses
  const ib = broadcastIndex(bBatch, batch);
  const A = a.data;
  const B = b.data;
  const out = allocate(a.dtype, sizeOf(batch) * M * N);
  const row = new Float64Array(N);
  for (let z = 0; z < ia.length; z++) {
    const a0 = ia[z] * M * K;
    const b0 = ib[z] * K * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = A[a0 + i * K + k];
        const off = b0 + k * N;
        for (let j = 0; j < N; j++) row[j] += aik * B[off + j];
      }
      out.set(row, (z * M + i) * N);
    }
  }
  return record(new Tensor(out, [...batch, M, N]), 'bmm', [a, b], NO_PARAMS);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.dtype !== b.dtype) {
    throw new TensorError(`matmul: expected m1 and m2 to have the same dtype, but got: ${a.dtype} != ${b.dtype}`);
  }
  if (b.ndim > 2) {
    if (a.ndim === 1) {
      throw new ShapeError(`matmul: a 1-D left operand with a batched right operand is not supported (got shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}])`);
    }
    return bmm(a, b);
  }
  const K = a.shape[a.ndim - 1];
  const rows = a.ndim === 1 ? 1 : a.numel / Math.max(K, 1);
  const [bK, N] = b.ndim === 1 ? [b.shape[0], 1] : b.shape;
  if (K !== bK) {
    throw new ShapeError(`matmul: mat1 and mat2 shapes cannot be multiplied (${rows}x${K} and ${bK}x${N})`);
  }
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b);
  const a2 = reshape(a, [rows, K]); // (..., K) -> (rows, K)
  const b2 = b.ndim === 1 ? reshape(b, [K, 1]) : b; // (K) -> (K, 1)
  const outShape = [...a.shape.slice(0, -1), ...(b.ndim === 1 ? [] : [N])];
  return reshape(mm(a2, b2), outShape); // (rows, N) -> (..., N)
}

export const matmulRules: Pick<Rules, 'matmul' | 'bmm'> = {
  // d(A B) = dA B + A dB  =>  dA = dOut Bᵀ  (M,N)@(N,K),  dB = Aᵀ dOut  (K,M)@(M,N)
  matmul: (g, { inputs: [a, b] }) => [mm(g, transpose(b, 0, 1)), mm(transpose(a, 0, 1), g)],
  // the same for every matrix of the batch, (...,M,N)@(...,N,K) and (...,K,M)@(...,M,N); an operand broadcast
  // along a batch dimension gets the sum over it
  bmm: (g, { inputs: [a, b] }) => [
    sumTo(bmm(g, transpose(b, -1, -2)), a.shape),
    sumTo(bmm(transpose(a, -1, -2), g), b.shape),
  ],
};
