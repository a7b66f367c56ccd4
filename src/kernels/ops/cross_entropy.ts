// Cross-entropy of logits against int32 targets, fused with its gradient (asm/cross_entropy.ts;
// F.cross_entropy(..., ignore_index=-1); makemore part 4, exercise 2). The contract, the plain-TypeScript
// reference (float64) and the WebAssembly wrappers (float32 SIMD exp, float64 loss), and the count of
// rows that are not ignored.
//
// Letters: R rows, V classes, n rows whose target is not IGNORE_INDEX.

import type { F32Buf, I32Buf } from "../arena.ts";
import { checkLimit, different, KernelIndexError, need, type WasmContext } from "../common.ts";

/** The target that marks a row as ignored by the cross-entropy kernels (PyTorch's ignore_index=-1). */
export const IGNORE_INDEX = -1;

/** The cross-entropy kernels of `Kernels`. */
export interface CrossEntropyKernels {
  /**
   * Cross-entropy of logits[R,V] against targets[R] in 0..V−1 or IGNORE_INDEX (−1; any other value is a
   * KernelIndexError, and nothing is written), fused with its gradient, as
   * F.cross_entropy(..., ignore_index=-1): returns the mean loss over the n rows not ignored (float64
   * accumulation of per-row logsumexp − logit of the target; NaN when n = 0, as PyTorch) and writes
   * dlogits = (softmax − one_hot)/n, an all-zero row where the target is ignored. n is
   * `countTargets(targets, R, V)`. dlogits ≠ logits.
   */
  crossEntropy(dlogits: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): number;
  /**
   * Per-row cross-entropy: losses[r] = logsumexp(logits[r]) − logits[r, targets[r]], 0 where the target
   * is IGNORE_INDEX  // (R,V) -> (R). Targets as for crossEntropy.
   */
  crossEntropyRows(losses: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): void;
}

/**
 * The number n of targets[0..R) that are not IGNORE_INDEX: the rows crossEntropy averages over (its
 * mean loss times n is the summed loss, e.g. to combine batches). Throws a KernelIndexError (op
 * "countTargets") for a target outside 0..V−1 that is not IGNORE_INDEX, as the kernels do.
 */
export function countTargets(targets: I32Buf, R: number, V: number): number {
  need(targets, R, "targets", "countTargets");
  return validTargets("countTargets", targets.view, R, V);
}

/**
 * The TS twin of asm checkTargets: the count of idx[0..n) that are not IGNORE_INDEX, or a
 * KernelIndexError (from `op`) for the first one outside 0..limit−1 that is not IGNORE_INDEX.
 */
function validTargets(op: string, idx: Int32Array, n: number, limit: number): number {
  let count = n;
  for (let r = 0; r < n; r++) {
    const t = idx[r];
    if (!(t >= 0 && t < limit)) {
      if (t !== IGNORE_INDEX) throw new KernelIndexError(op, "targets", r, t, limit);
      count--;
    }
  }
  return count;
}

// ---- TypeScript reference

/** The TS backend's cross-entropy. */
export const tsCrossEntropy: CrossEntropyKernels = { crossEntropy, crossEntropyRows };

/** Checks the sizes and targets; the number of rows not ignored. */
function checkCrossEntropy(op: string, logits: F32Buf, targets: I32Buf, R: number, V: number): number {
  need(logits, R * V, "logits", op);
  need(targets, R, "targets", op);
  return validTargets(op, targets.view, R, V);
}

/** Mean cross-entropy over the rows not ignored, dlogits = (softmax − one_hot)/n (see CrossEntropyKernels.crossEntropy). */
function crossEntropy(dlogits: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): number {
  const op = "crossEntropy";
  need(dlogits, R * V, "dlogits", op);
  const n = checkCrossEntropy(op, logits, targets, R, V);
  different(dlogits, logits, "dlogits", "logits", op);
  const x = logits.view, y = targets.view, d = dlogits.view;
  let total = 0;
  for (let r = 0; r < R; r++) {
    const o = r * V;
    if (y[r] === IGNORE_INDEX) {
      d.fill(0, o, o + V);
      continue;
    }
    const { max, sum } = rowMaxSumExp(x, o, V);
    total += Math.log(sum) + max - x[o + y[r]];
    const inv = 1 / (sum * n);
    for (let v = 0; v < V; v++) d[o + v] = Math.exp(x[o + v] - max) * inv - (v === y[r] ? 1 / n : 0);
  }
  return total / n; // NaN (0/0) when every row is ignored, as PyTorch
}

/** Per-row losses, 0 for an ignored row (see CrossEntropyKernels.crossEntropyRows). */
function crossEntropyRows(losses: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): void {
  const op = "crossEntropyRows";
  need(losses, R, "losses", op);
  checkCrossEntropy(op, logits, targets, R, V);
  const x = logits.view, y = targets.view, out = losses.view;
  for (let r = 0; r < R; r++) {
    if (y[r] === IGNORE_INDEX) {
      out[r] = 0;
      continue;
    }
    const { max, sum } = rowMaxSumExp(x, r * V, V);
    out[r] = Math.log(sum) + max - x[r * V + y[r]];
  }
}

const rowStats = { max: 0, sum: 0 };

/** max and Σ exp(x − max) of the row x[o..o+V) (the stable logsumexp's parts); reuses one object. */
function rowMaxSumExp(x: Float32Array, o: number, V: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (x[o + v] > max) max = x[o + v];
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(x[o + v] - max);
  rowStats.max = max;
  rowStats.sum = sum;
  return rowStats;
}

// ---- WebAssembly

/** The wasm backend's cross-entropy over `ctx`'s module and arena. */
export function wasmCrossEntropy(ctx: WasmContext): CrossEntropyKernels {
  const w = ctx.w;

  /**
   * Checks logits of R·V floats and R targets in 0..V−1 or IGNORE_INDEX (a KernelIndexError for a bad
   * one); returns the number of targets that are not ignored (one wasm scan does both).
   */
  function ownTargets(op: string, logits: F32Buf, targets: I32Buf, R: number, V: number): number {
    ctx.own(logits, R * V, "logits", op);
    ctx.own(targets, R, "targets", op);
    checkLimit(V, op);
    const n = R > 0 ? w.checkTargets(targets.ptr, R, V) : 0;
    if (n < 0) throw new KernelIndexError(op, "targets", -1 - n, targets.view[-1 - n], V);
    return n;
  }

  return {
    crossEntropy(dlogits, logits, targets, R, V) {
      const op = "crossEntropy";
      ctx.own(dlogits, R * V, "dlogits", op);
      const n = ownTargets(op, logits, targets, R, V);
      different(dlogits, logits, "dlogits", "logits", op);
      return w.crossEntropyF32(dlogits.ptr, logits.ptr, targets.ptr, R, V, n);
    },

    crossEntropyRows(losses, logits, targets, R, V) {
      const op = "crossEntropyRows";
      ctx.own(losses, R, "losses", op);
      ownTargets(op, logits, targets, R, V);
      w.crossEntropyRowsF32(losses.ptr, logits.ptr, targets.ptr, R, V);
    },
  };
}
