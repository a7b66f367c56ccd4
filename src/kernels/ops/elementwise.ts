// Elementwise kernels and reductions over float32 buffers (asm/elementwise.ts, asm/reduce.ts): fill,
// axpy (the SGD update), a bias added to every row and its gradient (column sums), a sum, and the
// columns' float64 moments (BatchNorm's calibration). The contract, the plain-TypeScript reference and
// the WebAssembly wrappers.
//
// Letters: M rows, N columns (row-major, contiguous); n a length, defaulting to the buffer's.

import type { F32Buf, F64Buf } from "../arena.ts";
import { need, type WasmContext } from "../common.ts";

/** The elementwise and reduction kernels of `Kernels`. */
export interface ElementwiseKernels {
  /** x[0..n) = value; n defaults to x.length. */
  fill(x: F32Buf, value: number, n?: number): void;
  /** y[0..n) += alpha · x[0..n) (SGD: p += -lr · g); n defaults to y.length. */
  axpy(y: F32Buf, alpha: number, x: F32Buf, n?: number): void;
  /** Y[M,N] += b[N] on every row (a bias)      // (M,N) + (N) -> (M,N). */
  addRow(Y: F32Buf, b: F32Buf, M: number, N: number): void;
  /** out[N] (=|+=) Σ_i X[i,:] (a bias gradient) // (M,N) -> (N). */
  colSum(out: F32Buf, X: F32Buf, M: number, N: number, accumulate?: boolean): void;
  /** Σ x[0..n) (float32 arithmetic; the order of additions differs between backends). */
  sum(x: F32Buf, n?: number): number;
  /**
   * sums[j] += Σ_i X[i,j] and sums[N+j] += Σ_i X[i,j]², in float64, rows added in order (both backends
   * give the same bits)   // (M,N) -> (2N).
   */
  colMoments(sums: F64Buf, X: F32Buf, M: number, N: number): void;
}

// ---- TypeScript reference

/** The TS backend's elementwise kernels and reductions. */
export const tsElementwise: ElementwiseKernels = {
  /** x[0..n) = value */
  fill(x, value, n = x.length) {
    need(x, n, "x", "fill");
    x.view.fill(value, 0, n);
  },

  /** y[0..n) += alpha · x[0..n) */
  axpy(y, alpha, x, n = y.length) {
    need(y, n, "y", "axpy");
    need(x, n, "x", "axpy");
    const yv = y.view, xv = x.view;
    const a = Math.fround(alpha);
    // fl32(y + fl32(a·x)): two float32 roundings, as the wasm kernel (no fma) and PyTorch compute it
    for (let i = 0; i < n; i++) yv[i] += Math.fround(a * xv[i]);
  },

  /** Y[M,N] += b[N]   // (M,N) + (N) -> (M,N) */
  addRow(Y, b, M, N) {
    need(Y, M * N, "Y", "addRow");
    need(b, N, "b", "addRow");
    const y = Y.view, bv = b.view;
    for (let i = 0; i < M; i++) {
      const yi = i * N;
      for (let j = 0; j < N; j++) y[yi + j] += bv[j];
    }
  },

  /** out[N] (=|+=) Σ_i X[i,:]   // (M,N) -> (N), rows added in order, rounded to float32 each time */
  colSum(out, X, M, N, accumulate = false) {
    need(out, N, "out", "colSum");
    need(X, M * N, "X", "colSum");
    const o = out.view, x = X.view;
    if (!accumulate) o.fill(0, 0, N);
    for (let i = 0; i < M; i++) {
      const xi = i * N;
      for (let j = 0; j < N; j++) o[j] += x[xi + j];
    }
  },

  /** Σ x[0..n), accumulated in float32 in index order */
  sum(x, n = x.length) {
    need(x, n, "x", "sum");
    const v = x.view;
    let s = 0;
    for (let i = 0; i < n; i++) s = Math.fround(s + v[i]);
    return s;
  },

  /** sums[0..N) += Σ_i X[i,:], sums[N..2N) += Σ_i X[i,:]², float64, rows in order */
  colMoments(sums, X, M, N) {
    need(sums, 2 * N, "sums", "colMoments");
    need(X, M * N, "X", "colMoments");
    const s = sums.view, x = X.view;
    for (let i = 0; i < M; i++) {
      const xi = i * N;
      for (let j = 0; j < N; j++) {
        const v = x[xi + j];
        s[j] += v;
        s[N + j] += v * v;
      }
    }
  },
};

// ---- WebAssembly

/** The wasm backend's elementwise kernels and reductions over `ctx`'s module and arena. */
export function wasmElementwise(ctx: WasmContext): ElementwiseKernels {
  const w = ctx.w;
  return {
    fill(x, value, n = x.length) {
      ctx.own(x, n, "x", "fill");
      w.fillF32(x.ptr, n, value);
    },

    axpy(y, alpha, x, n = y.length) {
      ctx.own(y, n, "y", "axpy");
      ctx.own(x, n, "x", "axpy");
      w.axpyF32(y.ptr, alpha, x.ptr, n);
    },

    addRow(Y, b, M, N) {
      ctx.own(Y, M * N, "Y", "addRow");
      ctx.own(b, N, "b", "addRow");
      w.addRowF32(Y.ptr, b.ptr, M, N);
    },

    colSum(out, X, M, N, accumulate = false) {
      ctx.own(out, N, "out", "colSum");
      ctx.own(X, M * N, "X", "colSum");
      w.colSumF32(out.ptr, X.ptr, M, N, accumulate ? 1 : 0);
    },

    sum(x, n = x.length) {
      ctx.own(x, n, "x", "sum");
      return w.sumF32(x.ptr, n);
    },

    colMoments(sums, X, M, N) {
      ctx.own(sums, 2 * N, "sums", "colMoments");
      ctx.own(X, M * N, "X", "colMoments");
      w.colMomentsF64(sums.ptr, X.ptr, M, N);
    },
  };
}
