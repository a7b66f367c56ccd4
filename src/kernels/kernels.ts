// The kernel interface the layers are written against, once, for two backends: the WebAssembly SIMD
// kernels (wasm-kernels.ts) and the plain-TypeScript reference kernels (reference.ts), which are the
// oracle of the tests and the fallback. Every operand is an arena buffer (arena.ts); sizes are in
// elements; `accumulate` true adds into the output (backward passes accumulate gradients), false (the
// default) overwrites it. Nothing here allocates.
//
// Letters: M rows of the output, N its columns, K the dimension a matrix product sums over; n the
// length of a vector. All matrices are row-major float32 and contiguous.

import type { Arena, F32Buf } from "./arena.ts";

export interface Kernels {
  /** "wasm" or "ts". */
  readonly name: "wasm" | "ts";
  /** The arena this backend's buffers must come from (the wasm backend needs its module's memory). */
  readonly arena: Arena;

  /** C[M,N] (=|+=) A[M,K] · B[K,N]      // (M,K) @ (K,N) -> (M,N). C must not be A or B. */
  matmulNN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;
  /** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ     // (M,K) @ (N,K)ᵀ -> (M,N). C must not be A or B. */
  matmulNT(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;
  /** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]     // (K,M)ᵀ @ (K,N) -> (M,N). C must not be A or B. */
  matmulTN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate?: boolean): void;

  /** x[0..n) = value; n defaults to x.length. */
  fill(x: F32Buf, value: number, n?: number): void;
  /** y[0..n) += alpha · x[0..n) (SGD: p += -lr · g); n defaults to y.length. */
  axpy(y: F32Buf, alpha: number, x: F32Buf, n?: number): void;
  /** Y[M,N] += b[N] on every row (a bias)      // (M,N) + (N) -> (M,N). */
  addRow(Y: F32Buf, b: F32Buf, M: number, N: number): void;
  /** out[N] (=|+=) Σ_i X[i,:] (a bias gradient) // (M,N) -> (N). */
  colSum(out: F32Buf, X: F32Buf, M: number, N: number, accumulate?: boolean): void;
  /** y[0..n) = tanh(x[0..n)); y may be x; n defaults to x.length. */
  tanh(y: F32Buf, x: F32Buf, n?: number): void;
  /** dx[0..n) (=|+=) (1 - y²) · dy, y the forward output; n defaults to y.length. */
  tanhBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n?: number, accumulate?: boolean): void;
  /** Σ x[0..n) (float32 arithmetic; the order of additions differs between backends). */
  sum(x: F32Buf, n?: number): number;
}

/** Throws unless `buf` is live and holds at least `n` elements (NaN or negative sizes fail too). */
export function need(buf: F32Buf, n: number, what: string, op: string): void {
  if (!(buf.length >= n) || !(n >= 0) || !buf.live) {
    throw new RangeError(
      buf.live
        ? `${op}: ${what} has ${buf.length} elements, the sizes given need ${n}`
        : `${op}: ${what} was released (Arena.release/reset)`,
    );
  }
}

/** Throws if the output of a matrix product is one of its inputs (the kernels do not support it). */
export function distinct(C: F32Buf, A: F32Buf, B: F32Buf, op: string): void {
  if (C === A || C === B) throw new RangeError(`${op}: the output C must not be one of the inputs A, B`);
}
