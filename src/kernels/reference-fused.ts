// The plain-TypeScript fused layer kernels: BatchNorm (training forward, eval forward, backward),
// cross-entropy with its gradient, embedding gather and scatter-add. They are the oracle the wasm
// kernels (asm/batchnorm.ts, asm/cross_entropy.ts, asm/embedding.ts) are tested against and the TS
// backend's implementation, so they compute in float64 and round each stored value to float32 once
// (where a value is rounded to float32 on purpose, e.g. the batch mean, it is Math.fround'ed). Same
// argument checks as the wasm wrappers; see kernels.ts for the contracts.
//
// Letters: R rows, H features, V classes or table rows, E embedding width.

import type { F32Buf, I32Buf } from "./arena.ts";
import { different, firstBadIndex, KernelIndexError, need, type BatchNormStats } from "./kernels.ts";

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

/** BatchNorm training forward (see Kernels.batchNormTrain). */
export function batchNormTrain(
  out: F32Buf, bnraw: F32Buf, mean: F32Buf, variance: F32Buf, invstd: F32Buf,
  X: F32Buf, gain: F32Buf, bias: F32Buf, R: number, H: number, eps: number, unbiased: boolean,
): void {
  const op = "batchNormTrain";
  checkBatchNorm(op, out, bnraw, X, gain, bias, R, H);
  need(mean, H, "mean", op);
  need(variance, H, "variance", op);
  need(invstd, H, "invstd", op);
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
  normalize(out, bnraw, X, gain, bias, mean, invstd, R, H);
}

/** BatchNorm with given statistics (see Kernels.batchNormEval). */
export function batchNormEval(
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

/** BatchNorm backward (see Kernels.batchNormBackward). */
export function batchNormBackward(
  dX: F32Buf, dgain: F32Buf, dbias: F32Buf, dout: F32Buf, bnraw: F32Buf, gain: F32Buf, invstd: F32Buf,
  R: number, H: number, stats: BatchNormStats,
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
  if (stats === "fixed") {
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < H; j++) dx[r * H + j] = g[j] * inv[j] * d[r * H + j];
    }
    return;
  }
  const n = R;
  const c = stats === "batch-unbiased" ? n / (n - 1) : 1;
  for (let r = 0; r < R; r++) {
    const row = r * H;
    for (let j = 0; j < H; j++) {
      const scale = (g[j] * inv[j]) / n;
      dx[row + j] = scale * (n * d[row + j] - sumD[j] - c * raw[row + j] * sumDRaw[j]);
    }
  }
}

function checkCrossEntropy(op: string, logits: F32Buf, targets: I32Buf, R: number, V: number): void {
  need(logits, R * V, "logits", op);
  need(targets, R, "targets", op);
  const bad = firstBadIndex(targets.view, R, V);
  if (bad >= 0) throw new KernelIndexError(op, "targets", bad, targets.view[bad], V);
}

/** Mean cross-entropy and dlogits = (softmax − one_hot)/R (see Kernels.crossEntropy). */
export function crossEntropy(dlogits: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): number {
  const op = "crossEntropy";
  need(dlogits, R * V, "dlogits", op);
  checkCrossEntropy(op, logits, targets, R, V);
  different(dlogits, logits, "dlogits", "logits", op);
  const x = logits.view, y = targets.view, d = dlogits.view;
  let total = 0;
  for (let r = 0; r < R; r++) {
    const o = r * V;
    const { max, sum } = rowMaxSumExp(x, o, V);
    total += Math.log(sum) + max - x[o + y[r]];
    const inv = 1 / (sum * R);
    for (let v = 0; v < V; v++) d[o + v] = Math.exp(x[o + v] - max) * inv - (v === y[r] ? 1 / R : 0);
  }
  return total / R;
}

/** Per-row losses (see Kernels.crossEntropyRows). */
export function crossEntropyRows(losses: F32Buf, logits: F32Buf, targets: I32Buf, R: number, V: number): void {
  const op = "crossEntropyRows";
  need(losses, R, "losses", op);
  checkCrossEntropy(op, logits, targets, R, V);
  const x = logits.view, y = targets.view, out = losses.view;
  for (let r = 0; r < R; r++) {
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

function checkEmbedding(
  op: string, table: F32Buf, rows: F32Buf, idx: I32Buf, R: number, V: number, E: number, tableName: string, rowsName: string,
): void {
  need(table, V * E, tableName, op);
  need(rows, R * E, rowsName, op);
  need(idx, R, "idx", op);
  different(table, rows, tableName, rowsName, op);
  const bad = firstBadIndex(idx.view, R, V);
  if (bad >= 0) throw new KernelIndexError(op, "idx", bad, idx.view[bad], V);
}

/** out[r,:] = table[idx[r],:] (see Kernels.embeddingGather). */
export function embeddingGather(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
  checkEmbedding("embeddingGather", table, out, idx, R, V, E, "table", "out");
  const t = table.view, o = out.view, ix = idx.view;
  for (let r = 0; r < R; r++) o.set(t.subarray(ix[r] * E, ix[r] * E + E), r * E);
}

/** dtable[idx[r],:] += dout[r,:] (see Kernels.embeddingScatterAdd). */
export function embeddingScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
  checkEmbedding("embeddingScatterAdd", dtable, dout, idx, R, V, E, "dtable", "dout");
  const dt = dtable.view, d = dout.view, ix = idx.view;
  for (let r = 0; r < R; r++) {
    const base = ix[r] * E;
    for (let e = 0; e < E; e++) dt[base + e] += d[r * E + e];
  }
}
