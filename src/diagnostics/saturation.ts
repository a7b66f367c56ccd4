// Saturated and dead tanh units (makemore part 3): `plt.imshow(h.abs() > 0.99)` draws a
// batch × hidden boolean image, white where a unit sits in the flat tail of tanh and so passes (almost)
// no gradient: (1 − t²)·dout ≈ 0. A column that is white for every example is a dead neuron — it never
// learns from that data. Over a whole split the same test runs chunk by chunk in evaluation mode.
//
// Letters: B batch (rows), H hidden units (columns).

import type { Dataset } from "../data/dataset.ts";
import type { Model } from "../models/model.ts";
import type { Tokens } from "../nn/embedding.ts";
import { actValues, lastTanh } from "./layers.ts";

/** The threshold of makemore part 3's saturation image. */
export const SATURATION_MAP_THRESHOLD = 0.99;

export interface SaturationMap {
  rows: number;
  cols: number;
  threshold: number;
  /** rows × cols, row-major: 1 where |h| > threshold. */
  bits: Uint8Array;
  /** Share of ones. */
  share: number;
}

/** The boolean image |h| > threshold of an (rows, cols) activation. */
export function saturationMap(h: ArrayLike<number>, rows: number, cols: number, threshold = SATURATION_MAP_THRESHOLD): SaturationMap {
  if (h.length < rows * cols) throw new RangeError(`saturationMap: ${h.length} values for (${rows}, ${cols})`);
  const bits = new Uint8Array(rows * cols);
  let k = 0;
  for (let i = 0; i < rows * cols; i++) {
    if (Math.abs(h[i]) > threshold) {
      bits[i] = 1;
      k++;
    }
  }
  return { rows, cols, threshold, bits, share: rows * cols ? k / (rows * cols) : NaN };
}

/** Columns that are saturated in every row: the units dead on this batch. */
export function deadColumns(map: SaturationMap): number[] {
  const dead: number[] = [];
  for (let j = 0; j < map.cols; j++) {
    let all = map.rows > 0;
    for (let i = 0; i < map.rows && all; i++) all = map.bits[i * map.cols + j] === 1;
    if (all) dead.push(j);
  }
  return dead;
}

/** Accumulates, chunk by chunk, which units were ever active (|h| ≤ threshold) on some example. */
export class DeadNeuronTracker {
  readonly everActive: Uint8Array;
  rowsSeen = 0;

  constructor(
    readonly units: number,
    readonly threshold = SATURATION_MAP_THRESHOLD,
  ) {
    this.everActive = new Uint8Array(units);
  }

  /** Adds a (rows, units) activation. */
  add(h: ArrayLike<number>, rows: number): void {
    const H = this.units;
    const act = this.everActive;
    for (let r = 0; r < rows; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) if (act[j] === 0 && Math.abs(h[o + j]) <= this.threshold) act[j] = 1;
    }
    this.rowsSeen += rows;
  }

  /** Units never active on any row added. */
  dead(): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.units; j++) if (this.everActive[j] === 0) out.push(j);
    return out;
  }
}

export interface DeadNeurons {
  /** Examples looked at. */
  examples: number;
  units: number;
  threshold: number;
  /** Indices of the units saturated on every example. */
  dead: number[];
}

/**
 * Units of the model's last tanh layer saturated (|h| > threshold) on every example of `data`, with the
 * model in evaluation mode (BatchNorm with its stored statistics); null for a model without tanh.
 * Parameters and statistics are unchanged.
 */
export function deadNeuronsOverSplit(model: Model, data: Dataset, threshold = SATURATION_MAP_THRESHOLD): DeadNeurons | null {
  if (lastTanh(model) === null) return null;
  const arena = model.kernels.arena;
  const cap = model.capacity;
  const T = data.blockSize;
  const wasTraining = model.training;
  let tracker: DeadNeuronTracker | null = null;
  const mark = arena.mark();
  model.train(false);
  try {
    const xb = arena.i32(cap * T);
    for (let start = 0; start < data.size; start += cap) {
      const rows = Math.min(cap, data.size - start);
      xb.view.set(data.X.subarray(start * T, (start + rows) * T));
      const tokens: Tokens = { data: xb, shape: [rows, T] };
      model.forward(tokens);
      const h = lastTanh(model)!.act!;
      const H = h.shape[h.shape.length - 1];
      tracker ??= new DeadNeuronTracker(H, threshold);
      tracker.add(actValues(h), actValues(h).length / H);
    }
  } finally {
    arena.release(mark);
    model.train(wasTraining);
  }
  if (tracker === null) return null;
  return { examples: tracker.rowsSeen, units: tracker.units, threshold, dead: tracker.dead() };
}
