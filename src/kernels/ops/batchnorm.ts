// BatchNorm1d over (R,H) activations (asm/batchnorm.ts; makemore part 4): training forward, eval
// forward, backward. The contract, the plain-TypeScript reference and the WebAssembly wrappers.
//
// The reference computes in float64 and rounds each stored value to float32 once (where a value is
// rounded to float32 on purpose, e.g. the batch mean, it is Math.fround'ed): it is the oracle of the
// wasm kernels (float64 statistics, float32 SIMD elsewhere) and the TS backend's implementation.
//
// Letters: R rows (the batch), H features.

import type { F32Buf } from "../arena.ts";
import { different, need, type WasmContext } from "../common.ts";

/**
 * Which statistics a BatchNorm backward differentiates through: the batch's, with the unbiased (R−1)
 * or biased (R) variance, or fixed ones (evaluation mode: the mean and variance are constants).
 */
export type BatchNormStats = "batch-unbiased" | "batch-biased" | "fixed";

/**
 * The running estimates a training forward updates (BatchNorm1d's running mean and variance, H each,
 * two buffers other than the call's mean and variance), and the weight of the new batch statistic.
 */
export interface BatchNormRunning {
  readonly mean: F32Buf;
  readonly variance: F32Buf;
  /** In [0, 1]: running ← (1 − momentum)·running + momentum·batch statistic. */
  readonly momentum: number;
}

/** The BatchNorm kernels of `Kernels`. */
export interface BatchNormKernels {
  /**
   * BatchNorm training forward over X[R,H] (R ≥ 2), per feature j:
   *   mean[j] = Σ_r X / R;  variance[j] = Σ_r (X − mean)² / (R−1)  (always unbiased: the running estimate)
   *   invstd[j] = (Σ_r (X − mean)² / (unbiased ? R−1 : R) + eps)^-0.5
   *   bnraw = (X − mean)·invstd;  out = gain·bnraw + bias                 // (R,H) -> (R,H), (H) ×3
   * The sums are float64 (mean rounded to float32, the squares taken around it): mean, variance and
   * invstd agree with a float64 computation to within rounding. out ≠ bnraw.
   * With `running`, also the running estimates, from the float32 mean and variance just stored, with
   * keep = fl32(1 − momentum) and m = fl32(momentum) (PyTorch's roundings, bit for bit in both backends):
   *   running.mean[j]     = fl32(fl32(keep·running.mean[j]) + fl32(m·mean[j]))
   *   running.variance[j] = fl32(fl32(keep·running.variance[j]) + fl32(m·variance[j]))
   */
  batchNormTrain(
    out: F32Buf, bnraw: F32Buf, mean: F32Buf, variance: F32Buf, invstd: F32Buf,
    X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number, eps: number, unbiased: boolean,
    running?: BatchNormRunning | null,
  ): void;
  /** BatchNorm with given statistics: bnraw = (X − mean)·invstd, out = gain·bnraw + bias  // (R,H). */
  batchNormEval(
    out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, mean: F32Buf, invstd: F32Buf,
    R: number, H: number,
  ): void;
  /**
   * BatchNorm backward (makemore part 4, exercise 3): dgain += Σ_r bnraw·dout, dbias += Σ_r dout
   * (always accumulate), and dX (=|+=) gain·invstd/R · (R·dout − Σ_r dout − c·bnraw·Σ_r dout·bnraw),
   * c = R/(R−1) for "batch-unbiased", 1 for "batch-biased"; gain·invstd·dout for "fixed". `accumulate`
   * true adds the gradient, rounded to float32, into dX (dX = fl32(dX + fl32(grad)): backward passes
   * accumulate into the input gradient, llm.c style); false (the default) overwrites dX.
   */
  batchNormBackward(
    dX: F32Buf, dgain: F32Buf, dbias: F32Buf, dout: F32Buf, bnraw: F32Buf, gain: F32Buf, invstd: F32Buf,
    R: number, H: number, stats: BatchNormStats, accumulate?: boolean,
  ): void;
}

// ---- TypeScript reference

/** The TS backend's BatchNorm. */
export const tsBatchNorm: BatchNormKernels = { batchNormTrain, batchNormEval, batchNormBackward };

const fr = Math.fround;

// float64 scratch of H values each (grown on demand, never per call): column sums of a batch
let sumA = new Float64Array(0);
let sumB = new Float64Array(0);

function scratch(H: number): void {
  if (sumA.length < H) {
    sumA = new Float64Array(H);
    sumB = new Float64Array(H);
  }
}

/** BatchNorm training forward (see BatchNormKernels.batchNormTrain). */
function batchNormTrain(
  out: F32Buf, bnraw: F32Buf, mean: F32Buf, variance: F32Buf, invstd: F32Buf,
  X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number, eps: number, unbiased: boolean,
  running: BatchNormRunning | null = null,
): void {
  const op = "batchNormTrain";
  checkBatchNorm(op, out, bnraw, X, gain, bias, R, H);
  need(mean, H, "mean", op);
  need(variance, H, "variance", op);
  need(invstd, H, "invstd", op);
  if (running) {
    need(running.mean, H, "running.mean", op);
    need(running.variance, H, "running.variance", op);
    checkRunning(op, running, mean, variance);
  }
  if (!(R >= 2)) throw new RangeError(`${op}: training statistics need R ≥ 2 rows (got ${R})`);
  scratch(H);
  const x = X.view, m = mean.view, v = variance.view, inv = invstd.view;
  const s = sumA, q = sumB;
  s.fill(0, 0, H);
  q.fill(0, 0, H);
  for (let r = 0; r < R; r++) for (let j = 0; j < H; j++) s[j] += x[r * H + j]; // Σ_r x
  for (let j = 0; j < H; j++) m[j] = s[j] / R; // the mean, rounded to float32 on store
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < H; j++) {
      const d = x[r * H + j] - m[j]; // exact in float64
      q[j] += d * d; // Σ_r (x − mean)²
    }
  }
  const div = unbiased ? R - 1 : R;
  for (let j = 0; j < H; j++) {
    v[j] = q[j] / (R - 1);
    inv[j] = 1 / Math.sqrt(fr(fr(q[j] / div) + eps));
  }
  if (running) {
    // running ← (1 − momentum)·running + momentum·batch, each product rounded to float32 (as PyTorch)
    const rm = running.mean.view, rv = running.variance.view;
    const keep = fr(1 - running.momentum), m1 = fr(running.momentum);
    for (let j = 0; j < H; j++) {
      rm[j] = fr(keep * rm[j]) + fr(m1 * m[j]);
      rv[j] = fr(keep * rv[j]) + fr(m1 * v[j]);
    }
  }
  normalize(out, bnraw, X, gain, bias, mean, invstd, R, H);
}

/** Checks that a training forward's running estimates are apart from its statistics, and the momentum in [0, 1]. */
function checkRunning(op: string, running: BatchNormRunning, mean: F32Buf, variance: F32Buf): void {
  const rm = running.mean, rv = running.variance;
  different(rm, rv, "running.mean", "running.variance", op);
  different(rm, mean, "running.mean", "mean", op);
  different(rm, variance, "running.mean", "variance", op);
  different(rv, mean, "running.variance", "mean", op);
  different(rv, variance, "running.variance", "variance", op);
  const m = running.momentum;
  if (!(m >= 0 && m <= 1)) throw new RangeError(`${op}: running.momentum must be in [0, 1] (got ${m})`);
}

/** BatchNorm with given statistics (see BatchNormKernels.batchNormEval). */
function batchNormEval(
  out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, mean: F32Buf, invstd: F32Buf,
  R: number, H: number,
): void {
  const op = "batchNormEval";
  checkBatchNorm(op, out, bnraw, X, gain, bias, R, H);
  need(mean, H, "mean", op);
  need(invstd, H, "invstd", op);
  normalize(out, bnraw, X, gain, bias, mean, invstd, R, H);
}

function checkBatchNorm(op: string, out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number): void {
  need(out, R * H, "out", op);
  need(bnraw, R * H, "bnraw", op);
  need(X, R * H, "X", op);
  need(gain, H, "gain", op);
  need(bias, H, "bias", op);
  different(out, bnraw, "out", "bnraw", op);
}

/** bnraw = fl32((x − mean)·invstd); out = fl32(gain·bnraw) + bias   // (R,H) */
function normalize(out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, mean: F32Buf, invstd: F32Buf, R: number, H: number): void {
  const x = X.view, o = out.view, raw = bnraw.view, g = gain.view, b = bias.view, m = mean.view, inv = invstd.view;
  for (let r = 0; r < R; r++) {
    const row = r * H;
    for (let j = 0; j < H; j++) {
      const v = fr((x[row + j] - m[j]) * inv[j]);
      raw[row + j] = v;
      o[row + j] = fr(g[j] * v) + b[j];
    }
  }
}

/** BatchNorm backward (see BatchNormKernels.batchNormBackward). */
function batchNormBackward(
  dX: F32Buf, dgain: F32Buf, dbias: F32Buf, dout: F32Buf, bnraw: F32Buf, gain: F32Buf, invstd: F32Buf,
  R: number, H: number, stats: BatchNormStats, accumulate = false,
): void {
  const op = "batchNormBackward";
  need(dX, R * H, "dX", op);
  need(dout, R * H, "dout", op);
  need(bnraw, R * H, "bnraw", op);
  need(dgain, H, "dgain", op);
  need(dbias, H, "dbias", op);
  need(gain, H, "gain", op);
  need(invstd, H, "invstd", op);
  different(dX, dout, "dX", "dout", op);
  different(dX, bnraw, "dX", "bnraw", op);
  scratch(H);
  const d = dout.view, raw = bnraw.view, dx = dX.view, g = gain.view, inv = invstd.view;
  const dg = dgain.view, db = dbias.view;
  const sumD = sumA; // Σ_r dout
  const sumDRaw = sumB; // Σ_r dout · bnraw
  sumD.fill(0, 0, H);
  sumDRaw.fill(0, 0, H);
  for (let r = 0; r < R; r++) {
    const row = r * H;
    for (let j = 0; j < H; j++) {
      sumD[j] += d[row + j];
      sumDRaw[j] += d[row + j] * raw[row + j];
    }
  }
  for (let j = 0; j < H; j++) {
    dg[j] += sumDRaw[j]; // dgain = Σ_r bnraw · dout
    db[j] += sumD[j]; //    dbias = Σ_r dout
  }
  // accumulate: dX = fl32(dX + fl32(grad)), the wasm kernel's two roundings
  if (stats === "fixed") {
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < H; j++) {
        const v = g[j] * inv[j] * d[r * H + j];
        dx[r * H + j] = accumulate ? dx[r * H + j] + fr(v) : v;
      }
    }
    return;
  }
  const n = R;
  const c = stats === "batch-unbiased" ? n / (n - 1) : 1;
  for (let r = 0; r < R; r++) {
    const row = r * H;
    for (let j = 0; j < H; j++) {
      const scale = (g[j] * inv[j]) / n;
      const v = scale * (n * d[row + j] - sumD[j] - c * raw[row + j] * sumDRaw[j]);
      dx[row + j] = accumulate ? dx[row + j] + fr(v) : v;
    }
  }
}

// ---- WebAssembly

/** The wasm backend's BatchNorm over `ctx`'s module and arena. */
export function wasmBatchNorm(ctx: WasmContext): BatchNormKernels {
  const w = ctx.w;

  function own(op: string, out: F32Buf, bnraw: F32Buf, X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number): void {
    ctx.own(out, R * H, "out", op);
    ctx.own(bnraw, R * H, "bnraw", op);
    ctx.own(X, R * H, "X", op);
    ctx.own(gain, H, "gain", op);
    ctx.own(bias, H, "bias", op);
    different(out, bnraw, "out", "bnraw", op);
  }

  return {
    batchNormTrain(out, bnraw, mean, variance, invstd, X, gain, bias, R, H, eps, unbiased, running = null) {
      const op = "batchNormTrain";
      own(op, out, bnraw, X, gain, bias, R, H);
      ctx.own(mean, H, "mean", op);
      ctx.own(variance, H, "variance", op);
      ctx.own(invstd, H, "invstd", op);
      if (running) {
        ctx.own(running.mean, H, "running.mean", op);
        ctx.own(running.variance, H, "running.variance", op);
        checkRunning(op, running, mean, variance);
      }
      if (!(R >= 2)) throw new RangeError(`${op}: training statistics need R ≥ 2 rows (got ${R})`);
      // keep and momentum cross as float32 (the call rounds them as Math.fround does)
      w.batchNormTrainF32(
        out.ptr, bnraw.ptr, mean.ptr, variance.ptr, invstd.ptr, X.ptr, gain.ptr, bias.ptr, R, H, eps, unbiased ? 1 : 0,
        running ? 1 : 0, running ? running.mean.ptr : 0, running ? running.variance.ptr : 0,
        running ? 1 - running.momentum : 0, running ? running.momentum : 0,
      );
    },

    batchNormEval(out, bnraw, X, gain, bias, mean, invstd, R, H) {
      const op = "batchNormEval";
      own(op, out, bnraw, X, gain, bias, R, H);
      ctx.own(mean, H, "mean", op);
      ctx.own(invstd, H, "invstd", op);
      w.batchNormEvalF32(out.ptr, bnraw.ptr, X.ptr, gain.ptr, bias.ptr, mean.ptr, invstd.ptr, R, H);
    },

    batchNormBackward(dX, dgain, dbias, dout, bnraw, gain, invstd, R, H, stats, accumulate = false) {
      const op = "batchNormBackward";
      ctx.own(dX, R * H, "dX", op);
      ctx.own(dout, R * H, "dout", op);
      ctx.own(bnraw, R * H, "bnraw", op);
      ctx.own(dgain, H, "dgain", op);
      ctx.own(dbias, H, "dbias", op);
      ctx.own(gain, H, "gain", op);
      ctx.own(invstd, H, "invstd", op);
      different(dX, dout, "dX", "dout", op);
      different(dX, bnraw, "dX", "bnraw", op);
      const mode = stats === "batch-unbiased" ? 1 : stats === "batch-biased" ? 0 : 2;
      w.batchNormBackwardF32(
        dX.ptr, dgain.ptr, dbias.ptr, dout.ptr, bnraw.ptr, gain.ptr, invstd.ptr, R, H, mode, accumulate ? 1 : 0,
      );
    },
  };
}
