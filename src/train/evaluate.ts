// Evaluation: the mean cross-entropy of a whole split in evaluation mode (`split_loss` in the
// lectures), and BatchNorm calibration — seed 001 sets the BatchNorm statistics from the whole training
// set after training; seed 002 evaluates with the running statistics kept during training.
//
// A split is fed in chunks of the model's capacity; the buffers for a chunk are scratch in the arena.

import type { Dataset } from "../data/dataset.ts";
import type { SplitName } from "../data/splits.ts";
import { ConfigError } from "../errors.ts";
import type { MLP } from "../models/mlp.ts";
import { crossEntropyRowLosses } from "../nn/cross_entropy.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { EvalStats } from "../nn/batchnorm.ts";

export type { EvalStats };
export type SplitLosses = Partial<Record<SplitName, number>>;

/** Calls `fn` with each chunk of `data` as (tokens, targets, rows), the model in evaluation mode. */
function forEachChunk(model: MLP, data: Dataset, fn: (tokens: Tokens, Y: Int32Array, rows: number) => void): void {
  const arena = model.ctx.kernels.arena;
  const cap = model.ctx.capacity;
  const T = data.blockSize;
  if (T !== model.config.blockSize) {
    throw new ConfigError(`the dataset's block size ${T} differs from the model's ${model.config.blockSize}`);
  }
  const mark = arena.mark();
  try {
    const xb = arena.i32(cap * T);
    for (let start = 0; start < data.size; start += cap) {
      const rows = Math.min(cap, data.size - start);
      xb.view.set(data.X.subarray(start * T, (start + rows) * T));
      fn({ data: xb, shape: [rows, T] }, data.Y.subarray(start, start + rows), rows);
    }
  } finally {
    arena.release(mark);
  }
}

/**
 * Sets every BatchNorm layer's calibrated statistics to the mean and unbiased variance of its input
 * over `data` (seed 001: "calibrate the batch norm at the end of training"), and selects them for
 * evaluation.
 */
export function calibrateBatchNorm(model: MLP, data: Dataset): void {
  const bn = model.bn;
  if (bn === null) return;
  const wasTraining = bn.isTraining;
  model.train(false);
  const saved = bn.evalStats;
  bn.evalStats = "running";
  bn.beginCalibration();
  try {
    forEachChunk(model, data, (tokens) => {
      // Only the layers up to BatchNorm matter: emb → embcat → hprebn → (statistics).
      let a = model.embedding.forward(tokens);
      for (const layer of model.net.layers) {
        a = layer.forward(a);
        if (layer === bn) break;
      }
    });
  } catch (e) {
    bn.evalStats = saved;
    throw e;
  } finally {
    model.train(wasTraining);
  }
  bn.endCalibration();
  bn.evalStats = "calibrated";
}

/** Mean cross-entropy over a split, in evaluation mode with the selected BatchNorm statistics. */
export function splitLoss(model: MLP, data: Dataset, stats: EvalStats = "calibrated"): number {
  if (data.size === 0) return NaN;
  const bn = model.bn;
  const saved = bn?.evalStats;
  if (bn) bn.evalStats = stats;
  const V = model.config.vocabSize;
  const losses = new Float64Array(model.ctx.capacity);
  let total = 0;
  model.train(false);
  try {
    forEachChunk(model, data, (tokens, Y, rows) => {
      const logits = model.forward(tokens);
      crossEntropyRowLosses(model.ctx.kernels, logits.data, Y, rows, V, losses);
      for (let r = 0; r < rows; r++) total += losses[r];
    });
  } finally {
    if (bn && saved) bn.evalStats = saved;
    model.train(true);
  }
  return total / data.size;
}

/** Loss of each given split. */
export function evaluateSplits(
  model: MLP,
  splits: Partial<Record<SplitName, Dataset>>,
  stats: EvalStats = "calibrated",
): SplitLosses {
  const out: SplitLosses = {};
  for (const [name, data] of Object.entries(splits) as [SplitName, Dataset][]) out[name] = splitLoss(model, data, stats);
  return out;
}
