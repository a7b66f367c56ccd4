// Matrix product with the first operand transposed (a weight gradient, dW = xᵀ · dout):
//
//   C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]       // (K,M)ᵀ @ (K,N) -> (M,N)
//
// Letters: K rows of A and B (the batch, summed over), M columns of A = rows of C, N columns of B and C.
// All row-major float32, contiguous; c, a, b are byte offsets. `acc` 0 overwrites C, 1 adds to it.
// C must not overlap A or B. No transpose is materialised: the core reads A with strides (1, M), so
// the A elements a block of rows needs at step k are adjacent in memory (gemm_strips.ts copies them,
// 8 at a time, to a contiguous block first).

import { gemm } from "./gemm";

/** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]; `acc` 0 overwrites C, 1 adds to it. */
export function matmulTN(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  // Aᵀ(i,k) = A[k*M + i]
  gemm(c, N, a, 1, M, b, N, M, K, N, acc != 0);
}

/**
 * Rows i0..i1-1 of the same product: C[i0:i1, :] (=|+=) A[:, i0:i1]ᵀ · B (a second thread's block, see
 * src/kernels/threads.ts); every element is computed exactly as matmulTN computes it.
 */
export function matmulTNRows(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, i0: i32, i1: i32, acc: i32): void {
  // Aᵀ(i,k) = A[k*M + i], from column i0 on
  gemm(c + (<usize>(i0 * N) << 2), N, a + (<usize>i0 << 2), 1, M, b, N, i1 - i0, K, N, acc != 0);
}
