// Diagnostics collected while a Trainer runs (makemore part 3's `ud` list and its activation and
// gradient plots, taken during training rather than once): attach a TrainingCollector to the trainer
// and, every `every` steps, it records the step's loss and lr, the share of saturated tanh units, each
// layer's output and gradient std, and each parameter's update:data ratio
// log10(std(lr·grad) / std(data)) — read from the buffers the step left behind (the Trainer emits its
// step event after the SGD update; the gradients are still in each parameter's .grad). It also keeps
// the full batch diagnostics of the first step it sees and of the last step of the run.
//
// Between collection steps the listener does one modulo; a run without a collector pays nothing.

import type { Model } from "../models/model.ts";
import type { Trainer, TrainEvent } from "../train/trainer.ts";
import { actValues, lastTanh, SATURATION_THRESHOLD, updateToDataRatios } from "./layers.ts";
import { readBatch, type BatchDiagnostics } from "./probe.ts";
import { shareAbove, std } from "./stats.ts";

export interface CollectorOptions {
  /** Collect every `every` steps (default 100). */
  every?: number;
  /**
   * Whether the update is SGD's lr·grad, so that log10(std(lr·grad)/std(data)) is the update:data
   * ratio (default true); false (AdamW) records NaN rather than a ratio of another update.
   */
  sgd?: boolean;
  bins?: number;
}

/** Every collected series, indexed like `steps`. */
export interface TrainingSeries {
  every: number;
  steps: number[];
  loss: number[];
  lr: number[];
  /** Share of |h| > 0.97 of the last tanh layer on the step's batch (NaN without one). */
  saturated: number[];
  /** Parameter names (C, W1, b1, W2, b2, bngain, bnbias) and, per parameter, its update:data log10 ratio. */
  parameters: string[];
  /** Each parameter's shape (the chart draws the 2-D ones, as makemore part 3 does). */
  parameterShapes: number[][];
  updateToData: number[][];
  /** Activation names (the lecture model: hprebn, hpreact, h, logits) and, per layer, the std of its output and gradient. */
  layers: string[];
  outputStd: number[][];
  gradStd: number[][];
}

/** Steps from which every step would give about 2000 points: 100 for the lectures' 200000. */
export function defaultCollectEvery(steps: number): number {
  return Math.max(1, Math.min(100, Math.floor(steps / 200)));
}

export class TrainingCollector {
  readonly series: TrainingSeries;
  /** Batch diagnostics of the first step seen and of the run's last step. */
  first: (BatchDiagnostics & { step: number }) | null = null;
  last: (BatchDiagnostics & { step: number }) | null = null;
  private lastStep = -1;
  private lastLoss = NaN;
  private lastLr = NaN;
  private readonly ratios: Float64Array;

  private readonly every: number;
  private readonly bins: number;
  private readonly sgd: boolean;

  constructor(
    readonly model: Model,
    { every = 100, bins = 50, sgd = true }: CollectorOptions = {},
  ) {
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`collector: every must be a positive integer (got ${every})`);
    this.every = every;
    this.bins = bins;
    this.sgd = sgd;
    const params = model.parameters().map((p) => p.name);
    const layers = model.activations().map((a) => a.name);
    this.series = {
      every,
      steps: [],
      loss: [],
      lr: [],
      saturated: [],
      parameters: params,
      parameterShapes: model.parameters().map((p) => [...p.shape]),
      updateToData: params.map(() => []),
      layers,
      outputStd: layers.map(() => []),
      gradStd: layers.map(() => []),
    };
    this.ratios = new Float64Array(params.length);
  }

  /** Listens to `trainer`; returns the function that stops listening. */
  attach(trainer: Trainer): () => void {
    return trainer.on((e) => this.onEvent(e));
  }

  onEvent(e: TrainEvent): void {
    if (e.type === "done") {
      if (this.lastStep >= 0 && (this.last === null || this.last.step !== this.lastStep)) {
        this.last = { step: this.lastStep, ...readBatch(this.model, this.lastLoss, { bins: this.bins, lr: this.sgd ? this.lastLr : undefined }) };
      }
      return;
    }
    this.lastStep = e.step;
    this.lastLoss = e.loss;
    this.lastLr = e.lr;
    if (this.first === null) this.first = { step: e.step, ...readBatch(this.model, e.loss, { bins: this.bins, lr: this.sgd ? e.lr : undefined }) };
    if (e.step % this.every !== 0) return;
    this.record(e.step, e.loss, e.lr);
  }

  private record(step: number, loss: number, lr: number): void {
    const m = this.model;
    const s = this.series;
    s.steps.push(step);
    s.loss.push(loss);
    s.lr.push(lr);
    const h = lastTanh(m);
    s.saturated.push(h?.act ? shareAbove(actValues(h.act), SATURATION_THRESHOLD) : NaN);
    if (this.sgd) updateToDataRatios(m, lr, this.ratios);
    else this.ratios.fill(NaN);
    for (let i = 0; i < this.ratios.length; i++) s.updateToData[i].push(this.ratios[i]);
    m.activations().forEach((a, k) => {
      if (a.act === null) return;
      const out = actValues(a.act);
      s.outputStd[k].push(std(out));
      s.gradStd[k].push(a.grad === null ? NaN : std(a.grad.view.subarray(0, out.length)));
    });
  }
}
