// Everything `makemore diagnose` and `makemore train --report` show, as numbers (the HTML report in
// src/report/ draws them; `--json` prints them): the run's config and final losses, the loss curve,
// the init stages side by side (the lecture model), one batch through the trained model (layer and
// parameter statistics, the saturation image, dlogits), the dead neurons over the training split, the
// embedding in 2D (models with one), and the curves collected during training (a TrainingCollector
// watched the run: `makemore train` keeps them in the run directory, src/node/diagnostics_file.ts).

import type { RunSettings } from "../train/config.ts";
import { numParameters } from "../models/model.ts";
import { LectureMLP } from "../models/lecture.ts";
import { DeepMLP } from "../models/deep.ts";
import { learningRate } from "../train/schedule.ts";
import type { TrainingRun } from "../train/run.ts";
import { collectedBefore, defaultCollectEvery, TrainingCollector, type CollectedTraining } from "./collector.ts";
import { embedding2d, type Embedding2D } from "./embedding.ts";
import { INIT_CURVE_STEPS, initExperiments, type InitExperiments } from "./init_stages.ts";
import { gainExperiments, type GainExperiments } from "./gain_experiments.ts";
import { lossCurve, type LossCurve } from "./loss_curve.ts";
import type { SplitLosses } from "../train/evaluate.ts";
import { expectedInitialLoss, probeBatch, type BatchDiagnostics } from "./probe.ts";
import { deadNeuronsOverSplit, type DeadNeurons } from "./saturation.ts";

export const REPORT_FORMAT = "makemore-ts/diagnostics";

export interface RunDiagnostics {
  format: typeof REPORT_FORMAT;
  version: 1;
  run: {
    settings: RunSettings;
    steps: number;
    stepsDone: number;
    numParameters: number;
    /** Split losses of the last evaluation (null if never evaluated). */
    final: TrainingRun["final"];
    /** Minibatch loss of the first step (NaN when the run holds no step). */
    firstLoss: number;
  };
  /** −ln(1/V): the loss of uniform predictions (3.2958 for 27 tokens). */
  expectedInitialLoss: number;
  lossCurve: LossCurve;
  /** The split losses estimated while training (--eval-every), in step order (empty without estimates). */
  estimates: { step: number; losses: SplitLosses }[];
  /** makemore part 3's init stages at this size (the lecture model only; null for other types). */
  init: InitExperiments | null;
  /** makemore part 3's gain experiments at this size (its deeper network only; null for other types). */
  gains: GainExperiments | null;
  /** One training-mode batch through the model as it is now (no update). */
  batch: BatchDiagnostics;
  /** Tanh units saturated (|h| > 0.99) on every example of the training split, evaluation mode (null without tanh). */
  deadNeurons: DeadNeurons | null;
  /** The character embedding in 2D (null for a model without one). */
  embedding: Embedding2D | null;
  /**
   * Collected during training: the series, and the batch diagnostics of the first step, of step 1000
   * (`snapshot`, makemore part 3's look inside after its first 1000 steps; null for a shorter run) and
   * of the last step (null if none was collected, as for a run saved before collections were kept).
   */
  training: CollectedTraining | null;
}

/**
 * A collector listening to `run`'s trainer, every `every` steps (default: sized for the run's total
 * steps, defaultCollectEvery), told whether the run's update is SGD's lr·grad (the update:data ratio) or
 * not (AdamW). `resume`: what was collected on the run before it was saved (what it holds past the run's
 * steps done is dropped: those steps are done again), continued at the smallest multiple of its interval
 * that is at least `every` — a run resumed for many more steps collects as sparsely as its new length
 * asks, not as densely as its first segment did.
 */
export function collectRun(run: TrainingRun, every = defaultCollectEvery(run.trainer.config.steps), resume: CollectedTraining | null = null): TrainingCollector {
  const sgd = run.settings.optimizer.type === "sgd";
  const c = new TrainingCollector(run.model, { every, sgd, resume: resume && collectedBefore(resume, run.trainer.step) });
  c.attach(run.trainer);
  return c;
}

export interface DiagnoseOptions {
  /** Batch for the probe and the init experiments (default: the run's batch size). */
  batchSize?: number;
  /** Seed of the probe's batch (default: the run's seed). */
  seed?: number | bigint;
  bins?: number;
  /** What was collected during training (a TrainingCollector, or what the run directory keeps). */
  collector?: CollectedTraining | null;
}

/**
 * The diagnostics of a run. Runs a forward/backward pass on one batch and an evaluation pass over the
 * training split; restores the model's parameters, BatchNorm statistics and mode (gradients change).
 */
export function diagnoseRun(run: TrainingRun, { batchSize, seed, bins = 50, collector = null }: DiagnoseOptions = {}): RunDiagnostics {
  const { model, settings, trainer, corpus } = run;
  const t = settings.training;
  const B = batchSize ?? t.batchSize;
  const runSeed = BigInt(t.seed);
  const kernels = model.kernels;
  const stepsDone = trainer.step;
  const train = corpus.data.train!;
  const init = model instanceof LectureMLP
    ? initExperiments(model.config, train, kernels, {
        seed: runSeed, batchSize: Math.max(2, t.batchSize), torchVersion: t.torchVersion, runPreset: model.config.init, bins,
        curveSteps: initCurveSteps(trainer.config.steps),
      })
    : null;
  const gains = model instanceof DeepMLP
    ? gainExperiments(model.config, train, kernels, { seed: runSeed, batchSize: t.batchSize, torchVersion: t.torchVersion, bins })
    : null;
  const deadNeurons = deadNeuronsOverSplit(model, train);
  // lr·grad is SGD's update; AdamW's is another (its update:data ratio is left out rather than wrong)
  // the rate of the last step done (not of the last collected point: the schedule may have decayed since)
  const lr = settings.optimizer.type !== "sgd" ? undefined : learningRate(settings.schedule, Math.max(0, stepsDone - 1));
  const batch = probeBatch(model, train, { batchSize: B, seed: seed ?? runSeed, bins, lr });
  const C = model.embeddingTable();
  return {
    format: REPORT_FORMAT,
    version: 1,
    run: {
      settings,
      steps: trainer.config.steps,
      stepsDone,
      numParameters: numParameters(model),
      final: run.final,
      firstLoss: stepsDone > 0 ? trainer.losses[0] : NaN,
    },
    expectedInitialLoss: expectedInitialLoss(model.vocabSize),
    lossCurve: lossCurve(trainer.losses.subarray(0, stepsDone)),
    estimates: run.metrics.flatMap((m) => ("eval" in m ? [{ step: m.step, losses: m.eval }] : [])),
    init,
    gains,
    batch,
    deadNeurons,
    embedding: C === null ? null : embedding2d(C.data.view, C.shape[0], C.shape[1], embeddingLabels(settings.vocabulary, C.shape[0])),
    training: collector ? { series: collector.series, first: collector.first, snapshot: collector.snapshot, last: collector.last } : null,
  };
}

/**
 * A label per row of the embedding table: the vocabulary's characters, and "␣" for the rows past it
 * (makemore.py's MLP embeds a blank token, index V, for the slots before a word starts).
 */
export function embeddingLabels(vocabulary: readonly string[], rows: number): string[] {
  return Array.from({ length: rows }, (_, i) => (i < vocabulary.length ? vocabulary[i] : "␣"));
}

/** How long each init stage's loss curve trains: as long as the run, at least 100 steps and at most INIT_CURVE_STEPS. */
export function initCurveSteps(runSteps: number): number {
  return Math.min(INIT_CURVE_STEPS, Math.max(100, runSteps));
}
