// The WebAssembly SIMD backend: thin wrappers that check sizes against the buffers (so a wrong size
// is a RangeError, never a write into another buffer) and pass byte offsets to the module's kernels
// (asm/). One arena over the module's memory, `wasmArena()`, holds every buffer these kernels touch.
// Per call: a few comparisons and one wasm call; nothing is allocated. See kernels.ts for the contract.
//
// Letters: M rows of the output, N its columns, K the dimension a product sums over; n a length.

import { Arena, type F32Buf, type I32Buf } from "./arena.ts";
import { different, distinct, KernelIndexError, need, type BatchNormStats, type Kernels } from "./kernels.ts";
import { wasmExports, type WasmExports } from "./wasm.ts";

let arena: Arena | undefined;
let kernels: WasmKernels | undefined;

/** The arena over the kernels' module memory (one per module instance). */
export function wasmArena(): Arena {
  if (arena === undefined) {
    const w = wasmExports();
    arena = new Arena(w.memory, w.heapBase());
  }
  return arena;
}

/** The WebAssembly backend; its buffers come from `wasmArena()` (or `kernels.arena`). */
export function wasmKernels(): Kernels {
  kernels ??= new WasmKernels(wasmExports(), wasmArena());
  return kernels;
}

class WasmKernels implements Kernels {
  readonly name = "wasm";

  constructor(
    private readonly w: WasmExports,
    readonly arena: Arena,
  ) {}

  /** Throws unless `buf` is in this backend's arena, live, and holds at least n elements. */
  private own(buf: F32Buf | I32Buf, n: number, what: string, op: string): void {
    if (buf.arena !== this.arena) {
      throw new RangeError(`${op}: ${what} is not in the wasm arena; allocate it with wasmArena()`);
    }
    need(buf, n, what, op);
  }

  matmulNN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulNN";
    this.own(C, M * N, "C", op);
    this.own(A, M * K, "A", op);
    this.own(B, K * N, "B", op);
    distinct(C, A, B, op);
    this.w.matmulNN(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  matmulNT(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulNT";
    this.own(C, M * N, "C", op);
    this.own(A, M * K, "A", op);
    this.own(B, N * K, "B", op);
    distinct(C, A, B, op);
    this.w.matmulNT(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  matmulTN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulTN";
    this.own(C, M * N, "C", op);
    this.own(A, K * M, "A", op);
    this.own(B, K * N, "B", op);
    distinct(C, A, B, op);
    this.w.matmulTN(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  fill(x: F32Buf, value: number, n: number = x.length): void {
    this.own(x, n, "x", "fill");
    this.w.fillF32(x.ptr, n, value);
  }

  axpy(y: F32Buf, alpha: number, x: F32Buf, n: number = y.length): void {
    this.own(y, n, "y", "axpy");
    this.own(x, n, "x", "axpy");
    this.w.axpyF32(y.ptr, alpha, x.ptr, n);
  }

  addRow(Y: F32Buf, b: F32Buf, M: number, N: number): void {
    this.own(Y, M * N, "Y", "addRow");
    this.own(b, N, "b", "addRow");
    this.w.addRowF32(Y.ptr, b.ptr, M, N);
  }

  colSum(out: F32Buf, X: F32Buf, M: number, N: number, accumulate = false): void {
    this.own(out, N, "out", "colSum");
    this.own(X, M * N, "X", "colSum");
    this.w.colSumF32(out.ptr, X.ptr, M, N, accumulate ? 1 : 0);
  }

  tanh(y: F32Buf, x: F32Buf, n: number = x.length): void {
    this.own(y, n, "y", "tanh");
    this.own(x, n, "x", "tanh");
    this.w.tanhF32(y.ptr, x.ptr, n);
  }

  tanhBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n: number = y.length, accumulate = false): void {
    this.own(dx, n, "dx", "tanhBackward");
    this.own(y, n, "y", "tanhBackward");
    this.own(dy, n, "dy", "tanhBackward");
    this.w.tanhBackwardF32(dx.ptr, y.ptr, dy.ptr, n, accumulate ? 1 : 0);
  }

  sum(x: F32Buf, n: number = x.length): number {
    this.own(x, n, "x", "sum");
    return this.w.sumF32(x.ptr, n);
  }

  exp(y: F32Buf, x: F32Buf, n: number = x.length): void {
    this.own(y, n, "y", "exp");
    this.own(x, n, "x", "exp");
    this.w.expF32(y.ptr, x.ptr, n);
  }

  batchNormTrain(
    out: F32Buf, bnraw: F32Buf, mean: F32Buf, variance: F32Buf, invstd: F32Buf,
    X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number, eps: number, unbiased: boolean,
  ): void {
    const op = "batchNormTrain";
    this.ownBatchNorm(op, out, bnraw, X, gain, bias, R, H);
    this.own(mean, H, "mean", op);
    this.own(variance, H, "variance", op);
    this.own(invstd, H, "invstd", op);
    if (!(R >= 2)) throw new RangeError(`${op}: training statistics need R ≥ 2 rows (got ${R})`);
    this.w.batchNormTrainF32(
      out.ptr, bnraw.ptr, mean.ptr, variance.ptr, invstd.ptr, X.ptr, gain.ptr, bias.ptr, R, H, eps, unbiased ? 1 : 0,
    );
  }

  batchNormEval(
    out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, mean: F32Buf, invstd: F32Buf,
    R: number, H: number,
  ): void {
    const op = "batchNormEval";
    this.ownBatchNorm(op, out, bnraw, X, gain, bias, R, H);
    this.own(mean, H, "mean", op);
    this.own(invstd, H, "invstd", op);
    this.w.batchNormEvalF32(out.ptr, bnraw.ptr, X.ptr, gain.ptr, bias.ptr, mean.ptr, invstd.ptr, R, H);
  }

  private ownBatchNorm(op: string, out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number): void {
    this.own(out, R * H, "out", op);
    this.own(bnraw, R * H, "bnraw", op);
    this.own(X, R * H, "X", op);
    this.own(gain, H, "gain", op);
    this.own(bias, H, "bias", op);
    different(out, bnraw, "out", "bnraw", op);
  }

  batchNormBackward(
    dX: F32Buf, dgain: F32Buf, dbias: F32Buf, dout: F32Buf, bnraw: F32Buf, gain: F32Buf, invstd: F32Buf,
    R: number, H: number, stats: BatchNormStats,
  ): void {
    const op = "batchNormBackward";
    this.own(dX, R * H, "dX", op);
    this.own(dout, R * H, "dout", op);
    this.own(bnraw, R * H, "bnraw", op);
    this.own(dgain, H, "dgain", op);
    this.own(dbias, H, "dbias", op);
    this.own(gain, H, "gain", op);
    this.own(invstd, H, "invstd", op);
    different(dX, dout, "dX", "dout", op);
    different(dX, bnraw, "dX", "bnraw", op);
    const mode = stats === "batch-unbiased" ? 1 : stats === "batch-biased" ? 0 : 2;
    this.w.batchNormBackwardF32(dX.ptr, dgain.ptr, dbias.ptr, dout.ptr, bnraw.ptr, gain.ptr, invstd.ptr, R, H, mode);
  }

  crossEntropy(dlogits: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): number {
    const op = "crossEntropy";
    this.own(dlogits, R * V, "dlogits", op);
    this.ownIndexed(op, logits, R * V, "logits", targets, "targets", R, V);
    different(dlogits, logits, "dlogits", "logits", op);
    return this.w.crossEntropyF32(dlogits.ptr, logits.ptr, targets.ptr, R, V);
  }

  crossEntropyRows(losses: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): void {
    const op = "crossEntropyRows";
    this.own(losses, R, "losses", op);
    this.ownIndexed(op, logits, R * V, "logits", targets, "targets", R, V);
    this.w.crossEntropyRowsF32(losses.ptr, logits.ptr, targets.ptr, R, V);
  }

  embeddingGather(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
    const op = "embeddingGather";
    this.own(out, R * E, "out", op);
    this.ownIndexed(op, table, V * E, "table", idx, "idx", R, V);
    different(out, table, "out", "table", op);
    this.w.embeddingGatherF32(out.ptr, table.ptr, idx.ptr, R, E);
  }

  embeddingScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
    const op = "embeddingScatterAdd";
    this.own(dout, R * E, "dout", op);
    this.ownIndexed(op, dtable, V * E, "dtable", idx, "idx", R, V);
    different(dtable, dout, "dtable", "dout", op);
    this.w.embeddingScatterAddF32(dtable.ptr, dout.ptr, idx.ptr, R, E);
  }

  /** Checks a table of n floats and R indices into its V rows (a KernelIndexError for a bad one). */
  private ownIndexed(op: string, table: F32Buf, n: number, tableName: string, idx: I32Buf, idxName: string, R: number, V: number): void {
    this.own(table, n, tableName, op);
    this.own(idx, R, idxName, op);
    if (!Number.isInteger(V) || V < 0) throw new RangeError(`${op}: V must be a non-negative integer (got ${V})`);
    const bad = R > 0 ? this.w.checkIndices(idx.ptr, R, V) : -1;
    if (bad >= 0) throw new KernelIndexError(op, idxName, bad, idx.view[bad], V);
  }
}
