// Matrix products in the three layouts backprop needs (asm/matmul_nn.ts, matmul_nt.ts, matmul_tn.ts,
// on asm/gemm.ts): the contract, the plain-TypeScript reference and the WebAssembly wrappers.
//
// Letters: M rows of the output, N its columns, K the dimension a product sums over. All matrices are
// row-major float32 and contiguous. `accumulate` true adds into C, false (the default) overwrites it.

import type { F32Buf } from "../arena.ts";
import { distinct, need, type WasmContext } from "../common.ts";
import { CONTROL } from "../thread_worker.ts";
import { poolFor } from "../threads.ts";

/** The matrix-product kernels of `Kernels`. */
export interface MatmulKernels {
  /** C[M,N] (=|+=) A[M,K] · B[K,N]      // (M,K) @ (K,N) -> (M,N). C must not be A or B. */
  matmulNN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;
  /** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ     // (M,K) @ (N,K)ᵀ -> (M,N). C must not be A or B. */
  matmulNT(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;
  /** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]     // (K,M)ᵀ @ (K,N) -> (M,N). C must not be A or B. */
  matmulTN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;
}

// ---- TypeScript reference: the order that is fastest in plain JS (rows of axpys, i-k-j, so the inner
// loop runs over contiguous rows), float32 storage, float64 arithmetic between stores.

/** The TS backend's matrix products. */
export const tsMatmul: MatmulKernels = {
  /** C[M,N] (=|+=) A[M,K] · B[K,N]   // (M,K) @ (K,N) -> (M,N) */
  matmulNN(C, A, B, M, K, N, accumulate = false) {
    const op = "matmulNN";
    need(C, M * N, "C", op);
    need(A, M * K, "A", op);
    need(B, K * N, "B", op);
    distinct(C, A, B, op);
    const c = C.view, a = A.view, b = B.view;
    for (let i = 0; i < M; i++) {
      const ci = i * N;
      if (!accumulate) c.fill(0, ci, ci + N);
      for (let k = 0; k < K; k++) {
        const aik = a[i * K + k];
        const bk = k * N;
        for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j];
      }
    }
  },

  /** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ   // (M,K) @ (N,K)ᵀ -> (M,N): dot products of rows */
  matmulNT(C, A, B, M, K, N, accumulate = false) {
    const op = "matmulNT";
    need(C, M * N, "C", op);
    need(A, M * K, "A", op);
    need(B, N * K, "B", op);
    distinct(C, A, B, op);
    const c = C.view, a = A.view, b = B.view;
    for (let i = 0; i < M; i++) {
      const ai = i * K;
      for (let j = 0; j < N; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ai + k] * b[bj + k];
        c[i * N + j] = accumulate ? c[i * N + j] + s : s;
      }
    }
  },

  /** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]   // (K,M)ᵀ @ (K,N) -> (M,N): rows of C as axpys over k */
  matmulTN(C, A, B, M, K, N, accumulate = false) {
    const op = "matmulTN";
    need(C, M * N, "C", op);
    need(A, K * M, "A", op);
    need(B, K * N, "B", op);
    distinct(C, A, B, op);
    const c = C.view, a = A.view, b = B.view;
    if (!accumulate) c.fill(0, 0, M * N);
    for (let k = 0; k < K; k++) {
      const ak = k * M;
      const bk = k * N;
      for (let i = 0; i < M; i++) {
        const aki = a[ak + i];
        const ci = i * N;
        for (let j = 0; j < N; j++) c[ci + j] += aki * b[bk + j];
      }
    }
  },
};

// ---- WebAssembly: check the sizes against the buffers, pass byte offsets; a product big enough goes to
// the threads (threads.ts: cut into blocks of rows, bit for bit the same result).

/** The wasm backend's matrix products over `ctx`'s module and arena. */
export function wasmMatmul(ctx: WasmContext): MatmulKernels {
  const w = ctx.w;
  return {
    matmulNN(C, A, B, M, K, N, accumulate = false) {
      const op = "matmulNN";
      ctx.own(C, M * N, "C", op);
      ctx.own(A, M * K, "A", op);
      ctx.own(B, K * N, "B", op);
      distinct(C, A, B, op);
      const acc = accumulate ? 1 : 0;
      if (poolFor(w, 2 * M * K * N)?.run(CONTROL.KIND_NN, C.ptr, A.ptr, B.ptr, M, K, N, acc)) return;
      w.matmulNN(C.ptr, A.ptr, B.ptr, M, K, N, acc);
    },

    matmulNT(C, A, B, M, K, N, accumulate = false) {
      const op = "matmulNT";
      ctx.own(C, M * N, "C", op);
      ctx.own(A, M * K, "A", op);
      ctx.own(B, N * K, "B", op);
      distinct(C, A, B, op);
      const acc = accumulate ? 1 : 0;
      if (poolFor(w, 2 * M * K * N)?.run(CONTROL.KIND_NT, C.ptr, A.ptr, B.ptr, M, K, N, acc)) return;
      w.matmulNT(C.ptr, A.ptr, B.ptr, M, K, N, acc);
    },

    matmulTN(C, A, B, M, K, N, accumulate = false) {
      const op = "matmulTN";
      ctx.own(C, M * N, "C", op);
      ctx.own(A, K * M, "A", op);
      ctx.own(B, K * N, "B", op);
      distinct(C, A, B, op);
      const acc = accumulate ? 1 : 0;
      if (poolFor(w, 2 * M * K * N)?.run(CONTROL.KIND_TN, C.ptr, A.ptr, B.ptr, M, K, N, acc)) return;
      w.matmulTN(C.ptr, A.ptr, B.ptr, M, K, N, acc);
    },
  };
}
