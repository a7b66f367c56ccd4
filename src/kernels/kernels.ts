// The kernel interface the layers are written against, once, for two backends: the WebAssembly SIMD
// kernels (wasm-kernels.ts) and the plain-TypeScript reference kernels (reference.ts), which are the
// oracle of the tests and the fallback. Every operand is an arena buffer (arena.ts); sizes are in
// elements; `accumulate` true adds into the output (backward passes accumulate gradients), false (the
// default) overwrites it. Nothing here allocates.
//
// Letters: M rows of the output, N its columns, K the dimension a matrix product sums over; n the
// length of a vector. All matrices are row-major float32 and contiguous.

import type { Arena, F32Buf, I32Buf } from "./arena.ts";

/**
 * Which statistics a BatchNorm backward differentiates through: the batch's, with the unbiased (R−1)
 * or biased (R) variance, or fixed ones (evaluation mode: the mean and variance are constants).
 */
export type BatchNormStats = "batch-unbiased" | "batch-biased" | "fixed";

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
  /** y[0..n) = exp(x[0..n)); y may be x; n defaults to x.length (wasm: ≤ 1 ulp, float32 SIMD). */
  exp(y: F32Buf, x: F32Buf, n?: number): void;

  // Fused layer kernels. Letters: R rows (the batch), H features, V classes or table rows, E width.

  /**
   * BatchNorm training forward over X[R,H] (R ≥ 2), per feature j:
   *   mean[j] = Σ_r X / R;  variance[j] = Σ_r (X − mean)² / (R−1)  (always unbiased: the running estimate)
   *   invstd[j] = (Σ_r (X − mean)² / (unbiased ? R−1 : R) + eps)^-0.5
   *   bnraw = (X − mean)·invstd;  out = gain·bnraw + bias                 // (R,H) -> (R,H), (H) ×3
   * The sums are float64 (mean rounded to float32, the squares taken around it): mean, variance and
   * invstd agree with a float64 computation to within rounding. out ≠ bnraw.
   */
  batchNormTrain(
    out: F32Buf, bnraw: F32Buf, mean: F32Buf, variance: F32Buf, invstd: F32Buf,
    X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number, eps: number, unbiased: boolean,
  ): void;
  /** BatchNorm with given statistics: bnraw = (X − mean)·invstd, out = gain·bnraw + bias  // (R,H). */
  batchNormEval(
    out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, mean: F32Buf, invstd: F32Buf,
    R: number, H: number,
  ): void;
  /**
   * BatchNorm backward (makemore part 4, exercise 3): dgain += Σ_r bnraw·dout, dbias += Σ_r dout
   * (accumulate), and dX (overwritten) = gain·invstd/R · (R·dout − Σ_r dout − c·bnraw·Σ_r dout·bnraw),
   * c = R/(R−1) for "batch-unbiased", 1 for "batch-biased"; dX = gain·invstd·dout for "fixed".
   */
  batchNormBackward(
    dX: F32Buf, dgain: F32Buf, dbias: F32Buf, dout: F32Buf, bnraw: F32Buf, gain: F32Buf, invstd: F32Buf,
    R: number, H: number, stats: BatchNormStats,
  ): void;
  /**
   * Cross-entropy of logits[R,V] against targets[R] in 0..V−1 (a KernelIndexError otherwise), fused with
   * its gradient: returns the mean loss (float64 accumulation of per-row logsumexp − logit of the
   * target) and writes dlogits = (softmax − one_hot)/R. dlogits ≠ logits.
   */
  crossEntropy(dlogits: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): number;
  /** Per-row cross-entropy: losses[r] = logsumexp(logits[r]) − logits[r, targets[r]]  // (R,V) -> (R). */
  crossEntropyRows(losses: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): void;
  /** out[r,:] = table[idx[r],:]  // (V,E), (R) -> (R,E); idx in 0..V−1 (a KernelIndexError otherwise). */
  embeddingGather(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, V: number, E: number): void;
  /** dtable[idx[r],:] += dout[r,:] for r in order (repeated indices add up)  // (R,E) -> (V,E). */
  embeddingScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, V: number, E: number): void;
}

/** An index kernel (embedding, cross-entropy) got an index outside its table; nothing was written. */
export class KernelIndexError extends RangeError {
  constructor(
    op: string,
    what: string,
    /** Position in the index buffer. */
    readonly position: number,
    /** The offending value. */
    readonly value: number,
    /** Valid values are 0..limit−1. */
    readonly limit: number,
  ) {
    super(`${op}: ${what}[${position}] = ${value} is outside 0..${limit - 1}`);
    this.name = "KernelIndexError";
  }
}

/** Throws unless `buf` is live and holds at least `n` elements (NaN or negative sizes fail too). */
export function need(buf: F32Buf | I32Buf, n: number, what: string, op: string): void {
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

/** Throws if two buffers that must differ (an output and an input it is computed from) are one. */
export function different(a: F32Buf, b: F32Buf, whatA: string, whatB: string, op: string): void {
  if (a === b) throw new RangeError(`${op}: ${whatA} and ${whatB} must be different buffers`);
}

/** The first position r < n with idx[r] outside 0..limit−1, or −1 (the TS twin of asm checkIndices). */
export function firstBadIndex(idx: Int32Array, n: number, limit: number): number {
  for (let r = 0; r < n; r++) {
    const t = idx[r];
    if (!(t >= 0 && t < limit)) return r;
  }
  return -1;
}
