// One batch through the MLP, looked at from inside (makemore part 3): the forward and backward pass
// of a training step without its update, then every layer's output and gradient, every parameter's
// gradient, the saturation image of h, the logits and dlogits. `probeBatch` draws the batch and leaves
// the model as it found it (parameters, BatchNorm running statistics, mode); `readBatch` reads a model
// right after any forward + backward (a Trainer step) without running anything.
//
// Letters: B batch, H hidden units, V vocabulary.

import type { Dataset } from "../data/dataset.ts";
import type { MLP } from "../models/mlp.ts";
import { Generator } from "../random/generator.ts";
import { layerStats, parameterStats, actValues, type LayerStats, type ParameterStats } from "./layers.ts";
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
  /** |h| > 0.99 over (B, H) (seed 002's image), and the units saturated on every row of the batch. */
  saturation: BitImage;
  deadOnBatch: number[];
  logits: Histogram;
  /** dloss/dlogits (B, V): (softmax − one_hot) / B. */
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

/** Reads the diagnostics of the model's last forward and backward pass, whose loss was `loss`. */
export function readBatch(model: MLP, loss: number, { bins = 50, lr }: ReadOptions = {}): BatchDiagnostics {
  const h = model.tanh.out;
  const logits = model.output.out;
  if (h === null || logits === null) throw new Error("readBatch: the model has not run a forward pass");
  const B = logits.shape[0];
  const H = model.config.nHidden;
  const V = model.config.vocabSize;
  const map = saturationMap(actValues(h), B, H, SATURATION_MAP_THRESHOLD);
  const dl = model.net.outGrads[model.net.layers.length - 1];
  return {
    batchSize: B,
    loss,
    layers: layerStats(model, { bins }),
    parameters: parameterStats(model, { bins, lr }),
    saturation: bitImage(map),
    deadOnBatch: deadColumns(map),
    logits: histogram(actValues(logits), { bins }),
    dlogits: { rows: B, cols: V, values: dl === null ? [] : Array.from(dl.view.subarray(0, B * V)) },
  };
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
export function probeBatch(model: MLP, data: Dataset, { batchSize = 32, seed = 2147483647, bins = 50, lr }: ProbeOptions = {}): BatchDiagnostics {
  const B = Math.min(batchSize, model.ctx.capacity);
  const T = data.blockSize;
  const g = new Generator(seed);
  const ix = g.randintInto(new Int32Array(B), 0, data.size);
  const Y = new Int32Array(B);
  const arena = model.ctx.kernels.arena;
  const saved = model.buffers().map((b) => b.data.view.slice());
  const wasTraining = model.bn?.isTraining ?? true;
  const mark = arena.mark();
  try {
    const xb = arena.i32(B * T);
    const xv = xb.view;
    for (let b = 0; b < B; b++) {
      xv.set(data.X.subarray(ix[b] * T, ix[b] * T + T), b * T); // Xb = Xtr[ix]
      Y[b] = data.Y[ix[b]]; //                                     Yb = Ytr[ix]
    }
    model.train(true);
    model.forward({ data: xb, shape: [B, T] });
    const loss = model.loss(Y);
    model.zeroGrad();
    model.backward();
    return readBatch(model, loss, { bins, lr });
  } finally {
    arena.release(mark);
    model.buffers().forEach((b, i) => b.data.view.set(saved[i]));
    model.train(wasTraining);
  }
}
