// The training loop of the makemore lectures and makemore.py: each step draws a minibatch with
// `randint(0, ntrain, (batch,))` on the same Generator that initialized the model, runs the forward
// pass, the hand-written backward pass, and an optimizer step (SGD or AdamW) at the schedule's
// learning rate; the loss of every step is kept (the lectures plot its log10). Any Model, any Dataset
// whose rows it takes. The trainer prints nothing: listeners get events.
//
// Letters: B batch, T positions per row (the block size), P targets per row (1 or T).

import type { I32Buf } from "../kernels/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { ConfigError, MakemoreError } from "../errors.ts";
import type { Model } from "../models/model.ts";
import type { BatchNorm1d } from "../nn/batchnorm.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { Generator } from "../random/generator.ts";
import type { Optimizer } from "./optimizer.ts";
import { learningRate, stepSchedule, type StepSchedule } from "./schedule.ts";

/** The loss log's first length at most (4 MiB); a longer run grows it. */
const INITIAL_LOG = 1 << 20;

export interface TrainConfig {
  /** Total optimization steps of the run (the lectures: 200000). */
  steps: number;
  /** Examples per minibatch (the lectures: 32). */
  batchSize: number;
  schedule: StepSchedule;
}

/**
 * What the trainer tells its listeners. The "step" event object is reused from step to step (a step
 * allocates nothing): copy its fields if you keep them.
 */
export type TrainEvent =
  | { type: "step"; step: number; loss: number; lr: number }
  | { type: "done"; step: number };

export type TrainListener = (e: TrainEvent) => void;

/**
 * The divergence rule: a minibatch loss above this many times ln(V) — the loss of a uniform guess over
 * the V tokens — means training has blown up (makemore part 3's worst initialization starts near 27 for
 * V = 27, 8 ln V; a learning rate far too large sends it to millions within a few steps).
 */
export const EXPLODED_LOSS_FACTOR = 100;

/** Training stopped because the loss became NaN or infinite, or exploded (EXPLODED_LOSS_FACTOR). */
export class DivergedError extends MakemoreError {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly lr: number,
    note?: string,
  ) {
    super(
      `training diverged at step ${step}: ${note ?? `the loss became ${loss}`} (learning rate ${lr}); ` +
        "try a lower learning rate (--lr)",
    );
  }
}

export class Trainer {
  /** Steps done so far (the next step's index). */
  step = 0;
  /** The loss log (see `losses`); grown by doubling when a run goes on past its length. */
  private log: Float32Array;
  private readonly listeners: TrainListener[] = [];
  /** The run's steps, batch size and schedule as they are now (`setSchedule`, `setBatchSize` change them). */
  private current: Readonly<TrainConfig>;
  private ix: Int32Array; // (B) minibatch indices
  /** The loss above which training has diverged: EXPLODED_LOSS_FACTOR · ln(V). */
  private readonly explodedAt: number;
  private xb: I32Buf; // (B, T) inputs, in the kernels' memory
  /** The arena's top just after `xb` was allocated: while it is still the top, `xb` can be freed. */
  private xbEnd: number;
  private yb: Int32Array; // (B·P) targets
  private tokens: Tokens;
  private readonly stepEvent = { type: "step" as const, step: 0, loss: 0, lr: 0 };
  /** The model's BatchNorm layers (a step forgets their calibrated statistics). */
  private readonly batchNorms: readonly BatchNorm1d[];

  constructor(
    readonly model: Model,
    readonly data: Dataset,
    readonly generator: Generator,
    readonly optimizer: Optimizer,
    config: TrainConfig,
  ) {
    const { steps, batchSize } = config;
    if (!Number.isInteger(steps) || steps < 0) throw new ConfigError(`steps must be a non-negative integer (got ${steps})`);
    this.checkBatchSize(batchSize);
    if (data.blockSize !== model.blockSize) {
      throw new ConfigError(`the dataset's block size ${data.blockSize} differs from the model's ${model.blockSize}`);
    }
    if (data.targetsPerRow !== model.targetsPerRow) {
      throw new ConfigError(`the dataset has ${data.targetsPerRow} targets per row, the ${model.type} model ${model.targetsPerRow}`);
    }
    if (data.size === 0) throw new ConfigError("the training split has no examples");
    this.current = { ...config };
    this.batchNorms = model.batchNorms();
    this.log = new Float32Array(Math.min(steps, INITIAL_LOG));
    this.explodedAt = EXPLODED_LOSS_FACTOR * Math.log(model.vocabSize);
    this.ix = new Int32Array(batchSize);
    this.xb = model.kernels.arena.i32(batchSize * data.blockSize);
    this.xbEnd = model.kernels.arena.mark();
    this.yb = new Int32Array(batchSize * data.targetsPerRow);
    this.tokens = { data: this.xb, shape: [batchSize, data.blockSize] };
  }

  /** The run's steps, batch size and schedule as they are now (read it again after a change). */
  get config(): Readonly<TrainConfig> {
    return this.current;
  }

  private checkBatchSize(batchSize: number): void {
    const { model } = this;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigError(`batch size must be a positive integer (got ${batchSize})`);
    }
    if (batchSize > model.capacity) {
      throw new ConfigError(`batch size ${batchSize} exceeds the model's capacity ${model.capacity}`);
    }
    if (model.batchNorms().length > 0 && batchSize < 2) throw new ConfigError("batch size must be at least 2 with BatchNorm");
  }

  /** The learning-rate schedule of the steps from now on (checked as `stepSchedule` checks it). */
  setSchedule(schedule: StepSchedule): void {
    this.current = { ...this.current, schedule: stepSchedule(schedule.lr, schedule.decayStep, schedule.lrAfterDecay) };
  }

  /**
   * The minibatch size of the steps from now on: the next step draws `randint(0, n, (batchSize,))`.
   * Between steps only (a user's edit, never per step): it reallocates the batch buffers. The arena is a
   * bump allocator that frees only from its top, so the old inputs (B·T·4 bytes) are freed when nothing
   * was allocated after them (the usual case: the trainer is built last) and are left behind otherwise.
   */
  setBatchSize(batchSize: number): void {
    this.checkBatchSize(batchSize);
    if (batchSize === this.current.batchSize) return;
    const { arena } = this.model.kernels;
    const T = this.data.blockSize;
    const freed = this.xb.live && arena.mark() === this.xbEnd;
    if (freed) arena.release(this.xb.ptr);
    try {
      this.xb = arena.i32(batchSize * T);
    } catch (e) {
      // too large for the memory (OutOfMemoryError): the run goes on at the batch size it had
      if (freed) this.xb = arena.i32(this.current.batchSize * T);
      this.tokens = { data: this.xb, shape: [this.current.batchSize, T] };
      this.xbEnd = arena.mark();
      throw e;
    }
    this.xbEnd = arena.mark();
    this.ix = new Int32Array(batchSize);
    this.yb = new Int32Array(batchSize * this.data.targetsPerRow);
    this.tokens = { data: this.xb, shape: [batchSize, T] };
    this.current = { ...this.current, batchSize };
  }

  /**
   * Minibatch loss of every step done, indexed by step (entries from `step` on are 0). Its length is the
   * run's steps, up to 2^20; a longer run (`--max-steps -1` runs until interrupted) grows it as it goes,
   * a doubling every time it fills: a few allocations in a run, none in a step of the fast path.
   */
  get losses(): Float32Array {
    return this.log;
  }

  /** Makes room in the loss log for `n` steps. */
  private reserve(n: number): void {
    if (n <= this.log.length) return;
    const grown = new Float32Array(Math.min(Math.max(n, 2 * this.log.length), Math.max(n, this.config.steps)));
    grown.set(this.log);
    this.log = grown;
  }

  on(listener: TrainListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  private emit(e: TrainEvent): void {
    for (const l of this.listeners) l(e);
  }

  get done(): boolean {
    return this.step >= this.config.steps;
  }

  /** One optimization step, at the schedule's learning rate or at `lrOverride`; returns its minibatch loss. */
  trainStep(lrOverride?: number): number {
    const { model, data, ix, yb } = this;
    const T = data.blockSize;
    const P = data.targetsPerRow;
    const B = ix.length;
    const i = this.step;
    this.generator.randintInto(ix, 0, data.size); // ix = torch.randint(0, Xtr.shape[0], (B,), generator=g)
    const xb = this.xb.view;
    for (let b = 0; b < B; b++) {
      const e = ix[b];
      for (let t = 0; t < T; t++) xb[b * T + t] = data.X[e * T + t]; // Xb = Xtr[ix]
      for (let t = 0; t < P; t++) yb[b * P + t] = data.Y[e * P + t]; // Yb = Ytr[ix]
    }
    model.forward(this.tokens);
    const loss = model.loss(yb);
    const lr = lrOverride ?? learningRate(this.config.schedule, i);
    if (!Number.isFinite(loss)) throw new DivergedError(i, loss, lr);
    if (loss > this.explodedAt) {
      throw new DivergedError(i, loss, lr, `the loss ${loss.toPrecision(4)} exceeded ${EXPLODED_LOSS_FACTOR} × ln(V) = ${this.explodedAt.toFixed(1)} (a uniform guess loses ln(V) = ${Math.log(model.vocabSize).toFixed(2)})`);
    }
    model.kernels.zeroGrads(model.parameters()); // zeroGrad(model), every gradient in one kernel call
    model.backward();
    this.optimizer.step(lr);
    // statistics calibrated before this step describe the parameters of before (makemore part 4)
    for (let j = 0; j < this.batchNorms.length; j++) if (this.batchNorms[j].isCalibrated) this.batchNorms[j].clearCalibration();
    if (i >= this.log.length) this.reserve(i + 1);
    this.log[i] = loss;
    this.step = i + 1;
    const e = this.stepEvent;
    e.step = i;
    e.loss = loss;
    e.lr = lr;
    this.emit(e);
    return loss;
  }

  /** Positions the trainer after `stepsDone` steps whose losses were `losses` (resuming a run). */
  restore(stepsDone: number, losses: Float32Array): void {
    if (!Number.isInteger(stepsDone) || stepsDone < 0 || stepsDone > this.config.steps) {
      throw new ConfigError(`cannot resume after ${stepsDone} steps of a ${this.config.steps}-step run`);
    }
    if (losses.length < stepsDone) throw new ConfigError(`${losses.length} losses for ${stepsDone} steps`);
    this.step = stepsDone;
    this.reserve(stepsDone);
    this.log.set(losses.subarray(0, stepsDone));
  }

  /** Runs up to `maxSteps` more steps (default: to the end of the run). */
  run(maxSteps = Infinity): void {
    this.model.train(true);
    const end = Math.min(this.config.steps, this.step + maxSteps);
    while (this.step < end) this.trainStep();
    if (this.done) this.emit({ type: "done", step: this.step });
  }
}
