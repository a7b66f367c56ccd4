// The plain-TypeScript kernels: the oracle the WebAssembly kernels are tested against, and the
// fallback backend. Straightforward loops over the buffers' views, in the order that is fastest in
// plain JS (matrix products as rows of axpys, i-k-j, so the inner loop runs over contiguous rows).
// Same signatures and argument checks as the wasm backend; see kernels.ts for the contract. The fused
// layer kernels (BatchNorm, cross-entropy, embedding) are in reference-fused.ts.
//
// Letters: M rows of the output, N its columns, K the dimension a product sums over; n a length.

import { Arena, type F32Buf } from "./arena.ts";
import { distinct, need, type Kernels } from "./kernels.ts";
import {
  batchNormBackward, batchNormEval, batchNormTrain, crossEntropy, crossEntropyRows, embeddingGather, embeddingScatterAdd,
} from "./reference-fused.ts";

/** The TS backend over `arena` (a standalone memory by default; `wasmArena()` works too). */
export function createTsKernels(arena: Arena = new Arena()): Kernels {
  return {
    name: "ts",
    arena,
    matmulNN,
    matmulNT,
    matmulTN,
    fill,
    axpy,
    addRow,
    colSum,
    tanh,
    tanhBackward,
    sum,
    exp,
    batchNormTrain,
    batchNormEval,
    batchNormBackward,
    crossEntropy,
    crossEntropyRows,
    embeddingGather,
    embeddingScatterAdd,
  };
}

/** C[M,N] (=|+=) A[M,K] · B[K,N]   // (M,K) @ (K,N) -> (M,N) */
export function matmulNN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
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
}

/** C[M,N] (=|+=) A[M,K] · B[N,K]ᵀ   // (M,K) @ (N,K)ᵀ -> (M,N): dot products of rows */
export function matmulNT(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
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
}

/** C[M,N] (=|+=) A[K,M]ᵀ · B[K,N]   // (K,M)ᵀ @ (K,N) -> (M,N): rows of C as axpys over k */
export function matmulTN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
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
}

/** x[0..n) = value */
export function fill(x: F32Buf, value: number, n: number = x.length): void {
  need(x, n, "x", "fill");
  x.view.fill(value, 0, n);
}

/** y[0..n) += alpha · x[0..n) */
export function axpy(y: F32Buf, alpha: number, x: F32Buf, n: number = y.length): void {
  need(y, n, "y", "axpy");
  need(x, n, "x", "axpy");
  const yv = y.view, xv = x.view;
  const a = Math.fround(alpha);
  // fl32(y + fl32(a·x)): two float32 roundings, as the wasm kernel (no fma) and PyTorch compute it
  for (let i = 0; i < n; i++) yv[i] += Math.fround(a * xv[i]);
}

/** Y[M,N] += b[N]   // (M,N) + (N) -> (M,N) */
export function addRow(Y: F32Buf, b: F32Buf, M: number, N: number): void {
  need(Y, M * N, "Y", "addRow");
  need(b, N, "b", "addRow");
  const y = Y.view, bv = b.view;
  for (let i = 0; i < M; i++) {
    const yi = i * N;
    for (let j = 0; j < N; j++) y[yi + j] += bv[j];
  }
}

/** out[N] (=|+=) Σ_i X[i,:]   // (M,N) -> (N), rows added in order, rounded to float32 each time */
export function colSum(out: F32Buf, X: F32Buf, M: number, N: number, accumulate = false): void {
  need(out, N, "out", "colSum");
  need(X, M * N, "X", "colSum");
  const o = out.view, x = X.view;
  if (!accumulate) o.fill(0, 0, N);
  for (let i = 0; i < M; i++) {
    const xi = i * N;
    for (let j = 0; j < N; j++) o[j] += x[xi + j];
  }
}

/** y[0..n) = tanh(x[0..n)) */
export function tanh(y: F32Buf, x: F32Buf, n: number = x.length): void {
  need(y, n, "y", "tanh");
  need(x, n, "x", "tanh");
  const yv = y.view, xv = x.view;
  for (let i = 0; i < n; i++) yv[i] = Math.tanh(xv[i]);
}

/** y[0..n) = exp(x[0..n)) */
export function exp(y: F32Buf, x: F32Buf, n: number = x.length): void {
  need(y, n, "y", "exp");
  need(x, n, "x", "exp");
  const yv = y.view, xv = x.view;
  for (let i = 0; i < n; i++) yv[i] = Math.exp(xv[i]);
}

/** dx[0..n) (=|+=) (1 - y²) · dy */
export function tanhBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n: number = y.length, accumulate = false): void {
  need(dx, n, "dx", "tanhBackward");
  need(y, n, "y", "tanhBackward");
  need(dy, n, "dy", "tanhBackward");
  const d = dx.view, yv = y.view, g = dy.view;
  for (let i = 0; i < n; i++) {
    const yi = yv[i];
    const v = Math.fround(Math.fround(1 - Math.fround(yi * yi)) * g[i]);
    d[i] = accumulate ? d[i] + v : v;
  }
}

/** Σ x[0..n), accumulated in float32 in index order */
export function sum(x: F32Buf, n: number = x.length): number {
  need(x, n, "x", "sum");
  const v = x.view;
  let s = 0;
  for (let i = 0; i < n; i++) s = Math.fround(s + v[i]);
  return s;
}
