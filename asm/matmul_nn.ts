// Matrix product, both operands as stored (the forward pass of a Linear layer):
//
//   C[M,N] (=|+=) A[M,K] · B[K,N]        // (M,K) @ (K,N) -> (M,N)
//
// Letters: M rows of A and C, K columns of A = rows of B, N columns of B and C. All row-major float32,
// contiguous; c, a, b are byte offsets. `acc` 0 overwrites C, 1 adds to it. C must not overlap A or B.

import { gemm } from "./gemm";

/** C[M,N] (=|+=) A[M,K] · B[K,N]; `acc` 0 overwrites C, 1 adds to it. */
export function matmulNN(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  // A(i,k) = A[i*K + k]
  gemm(c, N, a, K, 1, b, N, M, K, N, acc != 0);
}
