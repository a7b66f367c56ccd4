// One batch through a model, looked at from inside (makemore part 3): the forward and backward pass
// of a training step without its update, then every layer's output and gradient, every parameter's
// gradient, the saturation image of the last tanh layer (h), the logits and dlogits. `probeBatch` draws the batch and leaves
// the model as it found it (parameters, BatchNorm running statistics, mode); `readBatch` reads a model
// right after any forward + backward (a Trainer step) without running anything.
//
// Letters: B batch, T positions per row, P targets per row, H hidden units, V vocabulary.

import type { Dataset } from "../data/dataset.ts";
import { zeroGrad, type Model } from "../models/model.ts";
import { ConfigError } from "../errors.ts";
import { Generator } from "../random/generator.ts";
import { lastTanh, layerStats, parameterStats, actValues, type LayerStats, type ParameterStats } from "./layers.ts";
import { deadColumns, saturationMap, SATURATION_MAP_THRESHOLD } from "./saturation.ts";
import { histogram, type Histogram } from "./stats.ts";

/** A boolean image, one string of "0"/"1" per row (compact in JSON). */
export interface BitImage {
  rows: number;
  cols: number;
  threshold: number;
  /** Share of ones. */
  share: number;
  bits: string[];
}

/** A float image, row-major. */
export interface FloatImage {
  rows: number;
  cols: number;
  values: number[];
}

export interface BatchDiagnostics {
  batchSize: number;
  loss: number;
  layers: LayerStats[];
  parameters: ParameterStats[];
  /** |h| > 0.99 over (rows, H) of the last tanh layer (makemore part 3's image; null without one), and the units saturated on every row. */
  saturation: BitImage | null;
  deadOnBatch: number[];
  logits: Histogram;
  /** dloss/dlogits (rows, V): (softmax − one_hot) / n, the first rows of the batch (null without a gradient). */
  dlogits: FloatImage;
}

export interface ReadOptions {
  bins?: number;
  /** Learning rate for the update:data ratio of each parameter. */
  lr?: number;
}

/** −ln(1/V): the loss of a model that gives every token the same probability (3.2958 for V = 27). */
export function expectedInitialLoss(vocabSize: number): number {
  return -Math.log(1 / vocabSize);
}

export function bitImage(m: { rows: number; cols: number; threshold: number; share: number; bits: Uint8Array }): BitImage {
  const rows: string[] = [];
  for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.bits.subarray(i * m.cols, (i + 1) * m.cols)).join(""));
  return { rows: m.rows, cols: m.cols, threshold: m.threshold, share: m.share, bits: rows };
}

/** Most rows of dlogits kept for its image. */
const DLOGITS_ROWS = 64;

/** Reads the diagnostics of the model's last forward and backward pass, whose loss was `loss`. */
export function readBatch(model: Model, loss: number, { bins = 50, lr }: ReadOptions = {}): BatchDiagnostics {
  const acts = model.activations();
  const logits = acts[acts.length - 1];
  if (logits?.act == null) throw new Error("readBatch: the model has not run a forward pass");
  const B = logits.act.shape[0];
  const V = model.vocabSize;
  const rows = Math.min(DLOGITS_ROWS, numelRows(logits.act.shape));
  const h = lastTanh(model);
  let saturation: BitImage | null = null;
  let deadOnBatch: number[] = [];
  if (h?.act) {
    const H = h.act.shape[h.act.shape.length - 1];
    const map = saturationMap(actValues(h.act), numelRows(h.act.shape), H, SATURATION_MAP_THRESHOLD);
    saturation = bitImage(map);
    deadOnBatch = deadColumns(map);
  }
  return {
    batchSize: B,
    loss,
    layers: layerStats(model, { bins }),
    parameters: parameterStats(model, { bins, lr }),
    saturation,
    deadOnBatch,
    logits: histogram(actValues(logits.act), { bins }),
    dlogits: { rows: logits.grad === null ? 0 : rows, cols: V, values: logits.grad === null ? [] : Array.from(logits.grad.view.subarray(0, rows * V)) },
  };
}

function numelRows(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 1; i++) n *= shape[i];
  return n;
}

export interface ProbeOptions extends ReadOptions {
  batchSize?: number;
  /** Seed of the Generator that draws the batch (default: the lectures' 2147483647). */
  seed?: number | bigint;
}

/**
 * Forward and backward on a batch drawn from `data` with `randint(0, N, (B,))` (no update), in
 * training mode (BatchNorm on batch statistics), and its diagnostics. The parameters, the BatchNorm
 * running statistics and the mode are left as they were; the gradients hold this batch's.
 */
export function probeBatch(model: Model, data: Dataset, { batchSize = 32, seed = 2147483647, bins = 50, lr }: ProbeOptions = {}): BatchDiagnostics {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > model.capacity) {
    throw new ConfigError(`--batch-size ${batchSize}: the batch looked at takes 1 to ${model.capacity} examples`);
  }
  if (batchSize < 2 && model.batchNorms().length > 0) {
    throw new ConfigError(`--batch-size ${batchSize}: this ${model.type} model has BatchNorm, which needs at least 2 examples in a batch (it normalizes over the batch)`);
  }
  const B = batchSize;
  const T = data.blockSize;
  const P = data.targetsPerRow;
  const g = new Generator(seed);
  const ix = g.randintInto(new Int32Array(B), 0, data.size);
  const Y = new Int32Array(B * P);
  const arena = model.kernels.arena;
  const saved = model.buffers().map((b) => b.data.view.slice());
  const wasTraining = model.training;
  const mark = arena.mark();
  try {
    const xb = arena.i32(B * T);
    const xv = xb.view;
    for (let b = 0; b < B; b++) {
      xv.set(data.X.subarray(ix[b] * T, ix[b] * T + T), b * T); // Xb = Xtr[ix]
      Y.set(data.Y.subarray(ix[b] * P, ix[b] * P + P), b * P); //  Yb = Ytr[ix]
    }
    model.train(true);
    model.forward({ data: xb, shape: [B, T] });
    const loss = model.loss(Y);
    zeroGrad(model);
    model.backward();
    return readBatch(model, loss, { bins, lr });
  } finally {
    arena.release(mark);
    model.buffers().forEach((b, i) => b.data.view.set(saved[i]));
    model.train(wasTraining);
  }
}
