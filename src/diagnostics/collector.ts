// Diagnostics collected while a Trainer runs (makemore part 3's `ud` list and its activation and
// gradient plots, taken during training rather than once): attach a TrainingCollector to the trainer
// and, every `every` steps, it records the step's loss and lr, the share of saturated tanh units, each
// layer's output and gradient std, and each parameter's update:data ratio
// log10(std(lr·grad) / std(data)) — read from the buffers the step left behind (the Trainer emits its
// step event after the SGD update; the gradients are still in each parameter's .grad). It also keeps
// the full batch diagnostics of the first step it sees, of step `snapshotStep` (default 1000: makemore
// part 3 breaks its loop there, `if i >= 1000: break`, to draw its activation, gradient and
// weight-gradient histograms) and of the last step of the run.
//
// A collection never holds more than MAX_POINTS (2000) points: when a new point would exceed it, the
// interval doubles and only the points at multiples of the new one stay (they are there: every point
// sits at a multiple of the old interval), so the points stay evenly spaced, 1000 to 2000 of them, on a
// run of any length (`--max-steps -1` trains until Ctrl-C).
//
// A collector can start from what an earlier one collected (`resume`: the run directory keeps it,
// src/node/diagnostics_file.ts), so a resumed run's curves cover all its steps. It continues at the
// smallest multiple of the kept interval that is at least the interval asked for (sized for the
// resumed run's total steps), keeping the points at its multiples: a run of 400 steps (every 2) resumed
// up to 200000 collects every 200 steps from there, as a run of 200000 steps does from its start.
//
// Between collection steps the listener does one modulo; a run without a collector pays nothing.

import type { Model } from "../models/model.ts";
import type { Trainer, TrainEvent } from "../train/trainer.ts";
import { lastTanh, SATURATION_THRESHOLD } from "./layers.ts";
import { readBatch, type BatchDiagnostics } from "./probe.ts";
import { log10Ratio } from "./stats.ts";

export interface CollectorOptions {
  /**
   * Collect every `every` steps (default 100); a `resume`d collection continues at the smallest
   * multiple of its own interval that is at least this. Doubled whenever MAX_POINTS would be exceeded.
   */
  every?: number;
  /**
   * Whether the update is SGD's lr·grad, so that log10(std(lr·grad)/std(data)) is the update:data
   * ratio (default true); false (AdamW) records NaN rather than a ratio of another update.
   */
  sgd?: boolean;
  bins?: number;
  /** The step (0-based) whose batch diagnostics are kept as `snapshot` (default SNAPSHOT_STEP, 1000). */
  snapshotStep?: number;
  /**
   * What an earlier collector on this run collected, up to the step this one starts at: continued
   * (at a multiple of its `every`, so the points stay evenly spaced; its first batch stays the first).
   */
  resume?: CollectedTraining | null;
}

/**
 * The most points a collection holds (2000 lines of diagnostics.jsonl, about 1 MB for the lecture
 * model); past it the interval doubles and every other point goes, leaving 1000.
 */
export const MAX_POINTS = 2000;

/** makemore part 3 looks inside the network after step 1000 (`if i >= 1000: break`, after the 1001st step). */
export const SNAPSHOT_STEP = 1000;

/** The batch diagnostics of one training step, read right after it. */
export type StepDiagnostics = BatchDiagnostics & { step: number };

/** What a collector holds: the series, and the batch diagnostics of the first, the snapshot and the last step. */
export interface CollectedTraining {
  series: TrainingSeries;
  /** The first step collected (the run's first, unless the collection started on a resumed run). */
  first: StepDiagnostics | null;
  /** Step `snapshotStep` (1000 by default; null for a run shorter than that). */
  snapshot: StepDiagnostics | null;
  /** The run's last step (null until the run is done). */
  last: StepDiagnostics | null;
}

/** Every collected series, indexed like `steps`. */
export interface TrainingSeries {
  /** The interval between points (every point's step is a multiple of it; it doubles as a collection thins). */
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

/**
 * How often a run of `steps` collects: about 200 points, at most every 200 steps — 1000 points, every 200
 * steps, for the lectures' 200000, where collecting costs under 1% of the training time (a point costs
 * about 1.4 steps' time). A run of more than 400000 steps would pass MAX_POINTS: its interval doubles as
 * it goes.
 */
export function defaultCollectEvery(steps: number): number {
  return Math.max(1, Math.min(200, Math.floor(steps / 200)));
}

export class TrainingCollector implements CollectedTraining {
  readonly series: TrainingSeries;
  /** Batch diagnostics of the first step seen, of step `snapshotStep` and of the run's last step. */
  first: StepDiagnostics | null = null;
  snapshot: StepDiagnostics | null = null;
  last: StepDiagnostics | null = null;
  readonly snapshotStep: number;
  private lastStep = -1;
  private lastLoss = NaN;
  private lastLr = NaN;

  private every: number;
  private readonly bins: number;
  private readonly sgd: boolean;

  constructor(
    readonly model: Model,
    { every = 100, bins = 50, sgd = true, snapshotStep = SNAPSHOT_STEP, resume = null }: CollectorOptions = {},
  ) {
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`collector: every must be a positive integer (got ${every})`);
    if (resume) every = Math.ceil(every / resume.series.every) * resume.series.every;
    if (!Number.isInteger(snapshotStep) || snapshotStep < 0) throw new RangeError(`collector: snapshotStep must be a non-negative integer (got ${snapshotStep})`);
    this.every = every;
    this.bins = bins;
    this.sgd = sgd;
    this.snapshotStep = snapshotStep;
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
    if (resume) this.continueFrom(resume);
  }

  /**
   * Takes over what an earlier collector on this model collected (same parameters and layers): its
   * points at multiples of this collector's interval, at most MAX_POINTS of them.
   */
  private continueFrom(c: CollectedTraining): void {
    const s = this.series;
    const r = c.series;
    const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(r.parameters, s.parameters) || !same(r.parameterShapes, s.parameterShapes) || !same(r.layers, s.layers)) {
      throw new RangeError(`collector: the collection to continue is of another model (parameters ${r.parameters.join(", ")}; layers ${r.layers.join(", ")})`);
    }
    append(s.steps, r.steps);
    append(s.loss, r.loss);
    append(s.lr, r.lr);
    append(s.saturated, r.saturated);
    r.updateToData.forEach((row, i) => append(s.updateToData[i], row));
    r.outputStd.forEach((row, k) => append(s.outputStd[k], row));
    r.gradStd.forEach((row, k) => append(s.gradStd[k], row));
    keepMultiples(s, this.every);
    this.coarsen(MAX_POINTS);
    this.first = c.first;
    this.snapshot = c.snapshot;
    this.last = c.last;
  }

  /** Listens to `trainer`; returns the function that stops listening. */
  attach(trainer: Trainer): () => void {
    return trainer.on((e) => this.onEvent(e));
  }

  onEvent(e: TrainEvent): void {
    if (e.type === "done") {
      if (this.lastStep >= 0 && (this.last === null || this.last.step !== this.lastStep)) {
        this.last = this.readStep(this.lastStep, this.lastLoss, this.lastLr);
      }
      return;
    }
    this.lastStep = e.step;
    this.lastLoss = e.loss;
    this.lastLr = e.lr;
    if (this.first === null) this.first = this.readStep(e.step, e.loss, e.lr);
    if (e.step === this.snapshotStep) this.snapshot = this.readStep(e.step, e.loss, e.lr);
    if (e.step % this.every !== 0) return;
    if (this.series.steps.length >= MAX_POINTS) {
      this.coarsen(MAX_POINTS - 1);
      if (e.step % this.every !== 0) return;
    }
    this.record(e.step, e.loss, e.lr);
  }

  /** Doubles the interval, keeping the points at its multiples, until at most `limit` points are left. */
  private coarsen(limit: number): void {
    while (this.series.steps.length > limit) {
      this.every *= 2;
      keepMultiples(this.series, this.every);
    }
  }

  private readStep(step: number, loss: number, lr: number): StepDiagnostics {
    return { step, ...readBatch(this.model, loss, { bins: this.bins, lr: this.sgd ? lr : undefined }) };
  }

  /**
   * One point of every series. Every training run collects (src/cli/train.ts), so this is written for
   * speed: one pass over each buffer (std32). On the lecture model a point costs about as much as one
   * training step, so collecting every 100 steps costs about 1% of the run.
   */
  private record(step: number, loss: number, lr: number): void {
    const m = this.model;
    const s = this.series;
    s.steps.push(step);
    s.loss.push(loss);
    s.lr.push(lr);
    const h = lastTanh(m);
    s.saturated.push(h?.act ? shareAbove32(h.act.data.view, numel(h.act.shape), SATURATION_THRESHOLD) : NaN);
    const ps = m.parameters();
    for (let i = 0; i < ps.length; i++) {
      // std(lr·grad) / std(data), as layers.ts updateToDataRatios (two passes) computes it
      s.updateToData[i].push(this.sgd ? log10Ratio(lr * std32(ps[i].grad.view, ps[i].grad.view.length), std32(ps[i].data.view, ps[i].data.view.length)) : NaN);
    }
    const acts = m.activations();
    for (let k = 0; k < acts.length; k++) {
      const a = acts[k];
      // no output this step: a gap, so that every series stays indexed like `steps`
      const n = a.act === null ? 0 : numel(a.act.shape);
      s.outputStd[k].push(a.act === null ? NaN : std32(a.act.data.view, n));
      s.gradStd[k].push(a.act === null || a.grad === null ? NaN : std32(a.grad.view, n));
    }
  }
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The standard deviation (Bessel-corrected, as stats.ts `std`) of v[0..n), in one pass: sums of the
 * values shifted by v[0], in float64 (the shift keeps a mean far from 0 — a BatchNorm gain near 1 —
 * from cancelling the variance away); agrees with the two-pass std to about 1e-12.
 */
function std32(v: Float32Array, n: number): number {
  if (n < 2) return NaN;
  const k = v[0];
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i] - k;
    sum += d;
    sq += d * d;
  }
  return Math.sqrt(Math.max(0, (sq - (sum * sum) / n) / (n - 1)));
}

/** Share of v[0..n) with |v| > t (stats.ts `shareAbove` on a Float32Array, without a view). */
function shareAbove32(v: Float32Array, n: number, t: number): number {
  if (n === 0) return NaN;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (x > t || x < -t) c++;
  }
  return c / n;
}

/** Keeps the points of `s` whose step is a multiple of `every` (in place, every series alike) and makes it `s.every`. */
function keepMultiples(s: TrainingSeries, every: number): void {
  const rows = [s.steps, s.loss, s.lr, s.saturated, ...s.updateToData, ...s.outputStd, ...s.gradStd];
  let n = 0;
  for (let i = 0; i < s.steps.length; i++) {
    if (s.steps[i] % every !== 0) continue;
    // n <= i: a write lands on a point already read (s.steps[i] is read before it can be overwritten)
    for (const row of rows) row[n] = row[i];
    n++;
  }
  for (const row of rows) row.length = n;
  s.every = every;
}

/** Pushes `src` onto `dst` (a loop: a spread of a long series would overflow the stack). */
function append(dst: number[], src: readonly number[]): void {
  for (let i = 0; i < src.length; i++) dst.push(src[i]);
}

/**
 * What `c` collected before step `step` (0-based steps below it): what a run resumed after `step` steps
 * done continues from. Points and batch diagnostics at or past it belong to steps the resumed run does
 * again.
 */
export function collectedBefore(c: CollectedTraining, step: number): CollectedTraining {
  const s = c.series;
  const keep = s.steps.flatMap((t, i) => (t < step ? [i] : []));
  const pick = (row: readonly number[]) => keep.map((i) => row[i]);
  const before = (b: StepDiagnostics | null) => (b !== null && b.step < step ? b : null);
  return {
    series: {
      ...s,
      steps: pick(s.steps),
      loss: pick(s.loss),
      lr: pick(s.lr),
      saturated: pick(s.saturated),
      updateToData: s.updateToData.map(pick),
      outputStd: s.outputStd.map(pick),
      gradStd: s.gradStd.map(pick),
    },
    first: before(c.first),
    snapshot: before(c.snapshot),
    last: before(c.last),
  };
}
