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
import { zeroGrad, type Model } from "../models/model.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { Generator } from "../random/generator.ts";
import type { Optimizer } from "./optimizer.ts";
import { learningRate, type StepSchedule } from "./schedule.ts";

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
  private readonly ix: Int32Array; // (B) minibatch indices
  /** The loss above which training has diverged: EXPLODED_LOSS_FACTOR · ln(V). */
  private readonly explodedAt: number;
  private readonly xb: I32Buf; // (B, T) inputs, in the kernels' memory
  private readonly yb: Int32Array; // (B·P) targets
  private readonly tokens: Tokens;
  private readonly stepEvent = { type: "step" as const, step: 0, loss: 0, lr: 0 };

  constructor(
    readonly model: Model,
    readonly data: Dataset,
    readonly generator: Generator,
    readonly optimizer: Optimizer,
    readonly config: TrainConfig,
  ) {
    const { steps, batchSize } = config;
    if (!Number.isInteger(steps) || steps < 0) throw new ConfigError(`steps must be a non-negative integer (got ${steps})`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigError(`batch size must be a positive integer (got ${batchSize})`);
    }
    if (batchSize > model.capacity) {
      throw new ConfigError(`batch size ${batchSize} exceeds the model's capacity ${model.capacity}`);
    }
    if (model.batchNorms().length > 0 && batchSize < 2) throw new ConfigError("batch size must be at least 2 with BatchNorm");
    if (data.blockSize !== model.blockSize) {
      throw new ConfigError(`the dataset's block size ${data.blockSize} differs from the model's ${model.blockSize}`);
    }
    if (data.targetsPerRow !== model.targetsPerRow) {
      throw new ConfigError(`the dataset has ${data.targetsPerRow} targets per row, the ${model.type} model ${model.targetsPerRow}`);
    }
    if (data.size === 0) throw new ConfigError("the training split has no examples");
    this.log = new Float32Array(Math.min(steps, INITIAL_LOG));
    this.ix = new Int32Array(batchSize);
    this.explodedAt = EXPLODED_LOSS_FACTOR * Math.log(model.vocabSize);
    this.xb = model.kernels.arena.i32(batchSize * data.blockSize);
    this.yb = new Int32Array(batchSize * data.targetsPerRow);
    this.tokens = { data: this.xb, shape: [batchSize, data.blockSize] };
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
    zeroGrad(model);
    model.backward();
    this.optimizer.step(lr);
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
    // statistics calibrated before these steps would describe the parameters of before (makemore part 4)
    for (const bn of this.model.batchNorms()) if (bn.isCalibrated && this.step < this.config.steps) bn.clearCalibration();
    const end = Math.min(this.config.steps, this.step + maxSteps);
    while (this.step < end) this.trainStep();
    if (this.done) this.emit({ type: "done", step: this.step });
  }
}
