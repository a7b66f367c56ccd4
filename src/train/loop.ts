// makemore.py's training loop around a run's steps: every `evalEvery` steps an estimate of the split
// losses (and the best model, run.ts), every `sampleEvery` steps a few samples, every `checkpointEvery`
// steps a resumable save — each at the step where makemore.py's loop does it (after the step, when the
// number of steps done is a multiple; makemore.py skips step 0, and so does this), and a save of the best
// model whenever an estimate improves. The loop trains in chunks up to the next of those steps, so a
// caller (the CLI) can look for Ctrl-C between chunks, print and save; the loop itself prints and saves
// nothing (no file system here): it says what is due.
//
// Samples while training come from a generator of their own, seeded with the run's seed + the step:
// drawing them from the run's generator would change every batch after them, and a resumed run prints
// the same samples as one never interrupted.

import { ConfigError } from "../errors.ts";
import { Generator } from "../random/generator.ts";
import type { Sample, SampleOptions } from "../sample/sample.ts";
import type { Estimate, TrainingRun } from "./run.ts";

/** Steps per chunk at most: between two chunks a caller can notice a signal. */
export const LOOP_CHUNK = 500;
/** Words sampled every `sampleEvery` steps (makemore.py's print_samples(num=10)). */
export const SAMPLES_WHILE_TRAINING = 10;

export interface LoopOptions {
  /** A resumable save every this many steps (not at the last step: the end of the run saves). */
  checkpointEvery: number;
  /** Samples every this many steps (null: never). */
  sampleEvery?: number | null;
  /** The samples' count (default 10), temperature and top-k. */
  samples?: Omit<SampleOptions, "seen" | "count"> & { count?: number };
  /** Steps per chunk at most (default LOOP_CHUNK). */
  chunk?: number;
}

/** What is due after a chunk of steps. */
export interface Tick {
  /** Steps done. */
  step: number;
  /** The estimate made at this step (`estimate.best`: the model is the new best, to save). */
  estimate: Estimate | null;
  /** Samples drawn at this step. */
  samples: Sample[] | null;
  /**
   * The save due now: "resumable" (all four files, `--checkpoint-every`; it holds the best model too),
   * "best" (the estimate improved: model.safetensors, metrics.jsonl and config.json), or none. The last
   * step asks for none: the end of the run saves (after `run.finish()`).
   */
  save: "resumable" | "best" | null;
}

export class TrainingLoop {
  private readonly chunk: number;
  private readonly sampleEvery: number | null;

  constructor(
    readonly run: TrainingRun,
    private readonly options: LoopOptions,
  ) {
    this.chunk = options.chunk ?? LOOP_CHUNK;
    this.sampleEvery = options.sampleEvery ?? null;
    for (const [name, v] of [["--checkpoint-every", options.checkpointEvery], ["chunk", this.chunk], ["--sample-every", this.sampleEvery ?? 1]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`${name} must be a positive integer (got ${v})`);
    }
  }

  get done(): boolean {
    return this.run.trainer.done;
  }

  /** Trains up to the next step where something is due (at most a chunk) and does the estimate and samples due there. */
  next(): Tick {
    const { run } = this;
    const trainer = run.trainer;
    const from = trainer.step;
    const after = (every: number | null) => (every === null ? Infinity : (Math.floor(from / every) + 1) * every);
    const to = Math.min(from + this.chunk, after(this.options.checkpointEvery), after(run.evalEvery), after(this.sampleEvery), trainer.config.steps);
    run.train(to - from);
    const step = trainer.step;
    const due = (every: number | null) => every !== null && step > 0 && step % every === 0;
    const estimate = due(run.evalEvery) ? run.estimate() : null;
    const samples = due(this.sampleEvery) ? run.sample({ ...this.options.samples, count: this.options.samples?.count ?? SAMPLES_WHILE_TRAINING }, samplingGenerator(run, step)) : null;
    const save = trainer.done ? null : due(this.options.checkpointEvery) ? "resumable" : estimate?.best ? "best" : null;
    return { step, estimate, samples, save };
  }
}

/** The generator of the samples drawn while training at `step`: seeded with the run's seed + step (mod 2^64). */
export function samplingGenerator(run: TrainingRun, step: number): Generator {
  const t = run.settings.training;
  return new Generator(BigInt.asUintN(64, BigInt(t.seed) + BigInt(step)), { torchVersion: t.torchVersion });
}
