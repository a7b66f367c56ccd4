// Matrix product with the second operand transposed (an input gradient, dx = dout · Wᵀ):
//
//   C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ       // (M,K) @ (N,K)ᵀ -> (M,N)
//
// Letters: M rows of A and C, K columns of A and B (summed over), N rows of B = columns of C. All
// row-major float32, contiguous; c, a, b are byte offsets. `acc` 0 overwrites C, 1 adds to it. C must
// not overlap A or B.
//
// Bᵀ is packed, one panel at a time, into a scratch area inside the module as strips of 8 columns
// (pack.ts packStripsT, 4×4 SIMD transposes), and the panel goes through the register-blocked core of
// gemm_strips.ts, NN's for large products. Packing reads each element of B once per panel and the core
// reuses it M times, so for the lecture shapes (M = 32) it costs a few percent (bench/kernels.ts). (A
// dot-product formulation would need a horizontal sum per element of C; it was not tried.)

import { zeroRows } from "./gemm";
import { gemmStrips } from "./gemm_strips";
import { pack, PACK_FLOATS, PACK_KC, packStripsT } from "./pack";

/** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ; `acc` 0 overwrites C, 1 adds to it. */
export function matmulNT(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroRows(c, N, M, N);
    return;
  }
  const kcMax = min(K, PACK_KC);
  // Columns per panel: as many as fit beside kcMax rows, a multiple of 8 so blocks stay whole.
  const ncMax = min(N, max(8, (PACK_FLOATS / kcMax) & ~7));
  for (let j0 = 0; j0 < N; j0 += ncMax) {
    const nc = min(ncMax, N - j0);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = min(kcMax, K - k0);
      // P[kc,nc] = B[j0:j0+nc, k0:k0+kc]ᵀ, in strips of 8 columns
      packStripsT(pack, b + (<usize>(j0 * K + k0) << 2), K, kc, nc);
      // C[:, j0:j0+nc] (=|+=) A[:, k0:k0+kc] · P
      gemmStrips(c + (<usize>j0 << 2), N, a + (<usize>k0 << 2), K, 1, pack, 32, <usize>kc << 5, M, kc, nc, acc != 0 || k0 > 0);
    }
  }
}
