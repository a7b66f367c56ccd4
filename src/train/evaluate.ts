// Evaluation: the mean cross-entropy of a whole split in evaluation mode (`split_loss` in the
// lectures, `evaluate` in makemore.py: the mean over every target that is not -1), and BatchNorm
// calibration — makemore part 4 sets the BatchNorm statistics from the whole training set after
// training; parts 3 and 5 evaluate with the running statistics kept during training. And the estimate
// makemore.py makes while training (`evaluate(model, dataset, batch_size=100, max_batches=10)` every 500
// steps): here on the first min(1000, n) rows of each split — deterministic, the same size as
// makemore.py's ten random batches of 100, and no draw from the run's generator (which would change the
// batches that follow); the split is already shuffled (randperm, or the lectures' shuffle).
//
// A split is fed in chunks of the model's capacity; the buffers for a chunk are scratch in the arena.
// Letters: T positions per row, P targets per row.

import type { Dataset } from "../data/dataset.ts";
import type { SplitName } from "../data/splits.ts";
import { ConfigError } from "../errors.ts";
import type { Model } from "../models/model.ts";
import { crossEntropyRowLosses } from "../nn/cross_entropy.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { EvalStats } from "../nn/batchnorm.ts";

export type { EvalStats };
export type SplitLosses = Partial<Record<SplitName, number>>;

/** Calls `fn` with each chunk of `data` as (tokens, targets, rows), the model in evaluation mode. */
export function forEachChunk(model: Model, data: Dataset, fn: (tokens: Tokens, Y: Int32Array, rows: number) => void): void {
  const arena = model.kernels.arena;
  const cap = model.capacity;
  const T = data.blockSize;
  const P = data.targetsPerRow;
  if (T !== model.blockSize) {
    throw new ConfigError(`the dataset's block size ${T} differs from the model's ${model.blockSize}`);
  }
  const mark = arena.mark();
  const wasTraining = model.training;
  model.train(false);
  try {
    const xb = arena.i32(cap * T);
    for (let start = 0; start < data.size; start += cap) {
      const rows = Math.min(cap, data.size - start);
      xb.view.set(data.X.subarray(start * T, (start + rows) * T));
      fn({ data: xb, shape: [rows, T] }, data.Y.subarray(start * P, (start + rows) * P), rows);
    }
  } finally {
    arena.release(mark);
    model.train(wasTraining);
  }
}

/**
 * Sets every BatchNorm layer's calibrated statistics to the mean and unbiased variance of its input
 * over `data` (makemore part 4: "calibrate the batch norm at the end of training"), layer after layer
 * (each with the layers before it already calibrated), and selects them for evaluation. Each layer's
 * pass runs the model only as far as that layer's input (Model.inputOf).
 */
export function calibrateBatchNorm(model: Model, data: Dataset): void {
  const bns = model.batchNorms();
  const saved = bns.map((bn) => bn.evalStats);
  const arena = model.kernels.arena;
  try {
    for (const bn of bns) {
      const mark = arena.mark();
      try {
        bn.beginCalibration(arena.f64(2 * bn.features)); // Σx, Σx² (models/memory.ts plans them)
        forEachChunk(model, data, (tokens) => bn.accumulateCalibration(model.inputOf(tokens, bn)));
        bn.endCalibration();
      } catch (e) {
        bn.abortCalibration();
        throw e;
      } finally {
        arena.release(mark);
      }
      bn.evalStats = "calibrated";
    }
  } catch (e) {
    bns.forEach((bn, i) => (bn.evalStats = saved[i]));
    throw e;
  }
}

/** Mean cross-entropy over a split (every target but -1), in evaluation mode with the selected BatchNorm statistics. */
export function splitLoss(model: Model, data: Dataset, stats: EvalStats = "calibrated"): number {
  if (data.size === 0) return NaN;
  const bns = model.batchNorms();
  const saved = bns.map((bn) => bn.evalStats);
  bns.forEach((bn) => (bn.evalStats = stats));
  const V = model.vocabSize;
  const P = data.targetsPerRow;
  const losses = new Float64Array(model.capacity * P);
  let total = 0;
  let count = 0;
  try {
    forEachChunk(model, data, (tokens, Y, rows) => {
      const logits = model.forward(tokens);
      crossEntropyRowLosses(model.kernels, logits.data, Y, rows * P, V, losses);
      for (let r = 0; r < rows * P; r++) {
        if (Y[r] === -1) continue;
        total += losses[r];
        count++;
      }
    });
  } finally {
    bns.forEach((bn, i) => (bn.evalStats = saved[i]));
  }
  return count === 0 ? NaN : total / count;
}

/** Rows of each split an estimate while training evaluates (makemore.py: 10 batches of 100). */
export const ESTIMATE_ROWS = 1000;

/** The first `rows` rows of `data` (views, no copy). */
export function firstRows(data: Dataset, rows: number): Dataset {
  const n = Math.min(rows, data.size);
  return { ...data, X: data.X.subarray(0, n * data.blockSize), Y: data.Y.subarray(0, n * data.targetsPerRow), size: n };
}

/**
 * The estimate while training: the loss of the first min(`rows`, n) rows of each split, in evaluation
 * mode with the running BatchNorm statistics (the calibrated ones are computed only at the end). It
 * draws nothing and leaves the model as it was (its mode, its BatchNorm statistics): the next training
 * step is the one it would have been without it.
 */
export function estimateSplits(
  model: Model, splits: Partial<Record<SplitName, Dataset>>, rows: number = ESTIMATE_ROWS,
): { losses: SplitLosses; rows: Partial<Record<SplitName, number>> } {
  const losses: SplitLosses = {};
  const counts: Partial<Record<SplitName, number>> = {};
  for (const [name, data] of Object.entries(splits) as [SplitName, Dataset][]) {
    const part = firstRows(data, rows);
    losses[name] = splitLoss(model, part, "running");
    counts[name] = part.size;
  }
  return { losses, rows: counts };
}

/** Loss of each given split. */
export function evaluateSplits(
  model: Model,
  splits: Partial<Record<SplitName, Dataset>>,
  stats: EvalStats = "calibrated",
): SplitLosses {
  const out: SplitLosses = {};
  for (const [name, data] of Object.entries(splits) as [SplitName, Dataset][]) out[name] = splitLoss(model, data, stats);
  return out;
}
