// The initialization experiments of makemore part 3, side by side: for a lecture model's size, each
// stage of the lecture — naive (plain randn: confidently wrong logits, the hockey stick, a saturated
// tanh), scaled-output (W2·0.01, b2 = 0: the first loss near −ln(1/V)), kaiming (W1·(5/3)/√fan_in:
// tanh no longer saturated), batchnorm (kaiming with a BatchNorm layer, the lecture's last stage) — is initialized from
// the seed and takes its first training step, as `makemore train --init STAGE` would: the batch is
// drawn from the same generator right after the init. The first three stages have no BatchNorm, as in
// the lecture; the run's own preset and BatchNorm setting are added as a last row.
//
// Each stage then goes on training for a few thousand steps at the lecture's lr 0.1 (the same generator
// drawing the batches, as `train --init STAGE --lr 0.1 --steps N` would), so its loss curve shows the
// hockey stick of a bad init next to the flat start of the fixed ones; and the output weights W2 are kept
// as initialized (makemore part 3's `plt.hist(W2.view(-1))` before and after the ×0.01 fix).
//
// The models are scratch: built in the arena after a mark and released afterwards.

import type { Dataset } from "../data/dataset.ts";
import { ConfigError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import { initialize, type InitPreset } from "../models/lecture_init.ts";
import { LectureMLP, type LectureConfig } from "../models/lecture.ts";
import { Generator, type TorchVersion } from "../random/generator.ts";
import { stepSchedule } from "../train/schedule.ts";
import { createOptimizer } from "../train/optimizer.ts";
import { DivergedError, Trainer } from "../train/trainer.ts";
import { actValues, SATURATION_THRESHOLD } from "./layers.ts";
import { lossCurve, type LossCurve } from "./loss_curve.ts";
import { bitImage, expectedInitialLoss, type BitImage } from "./probe.ts";
import { saturationMap, SATURATION_MAP_THRESHOLD } from "./saturation.ts";
import { histogram, shareAbove, summarize, type Histogram } from "./stats.ts";

/** The lecture's stages in order, with the BatchNorm setting each had. */
export const INIT_STAGES: readonly { preset: InitPreset; batchNorm: boolean }[] = [
  { preset: "naive", batchNorm: false },
  { preset: "scaled-output", batchNorm: false },
  { preset: "kaiming", batchNorm: false },
  { preset: "batchnorm", batchNorm: true },
];

export interface InitStage {
  preset: InitPreset;
  batchNorm: boolean;
  /** True for the row with the run's own preset and config. */
  run: boolean;
  /** Minibatch loss of the first step. */
  firstLoss: number;
  /** Share of tanh outputs with |h| > 0.97 on that batch. */
  saturated: number;
  /** Std of the hidden pre-activation (hpreact) and of the logits. */
  hpreactStd: number;
  logitsStd: number;
  logits: Histogram;
  h: Histogram;
  /** |h| > 0.99 over (B, H). */
  saturation: BitImage;
  /** The output weights W2 (H, V) as initialized, before any step, and their std. */
  w2: Histogram;
  w2Std: number;
  /** log10 loss of the stage's training steps (its first step is `firstLoss`), windows of `InitExperiments.window`. */
  curve: LossCurve;
  /** The step at which training diverged (the curve stops before it), or null. */
  divergedAt: number | null;
}

export interface InitExperiments {
  /** −ln(1/V). */
  expectedLoss: number;
  batchSize: number;
  seed: string;
  /** Steps and learning rate of each stage's loss curve, and the window of its means. */
  curveSteps: number;
  lr: number;
  window: number;
  stages: InitStage[];
}

export interface InitExperimentOptions {
  seed: number | bigint;
  batchSize: number;
  torchVersion?: TorchVersion;
  /** The run's own preset (added as the last row with the config's BatchNorm setting). */
  runPreset?: InitPreset;
  bins?: number;
  /** Training steps of each stage's loss curve (default INIT_CURVE_STEPS; 1 draws the first step only). */
  curveSteps?: number;
  /** Learning rate of those steps (default 0.1, the lecture's before its decay). */
  lr?: number;
  /** Window of the curve's means (default: a hundredth of the steps). */
  window?: number;
}

/**
 * Steps of each stage's loss curve: enough for the naive init's hockey stick to come down and the
 * curves to separate, and cheap — 5 stages × 2000 steps at the lectures' size take about a second.
 */
export const INIT_CURVE_STEPS = 2000;

/** A stage's name for tables and legends: "kaiming", "naive + BN", "batchnorm (this run)". */
export function stageLabel(s: { preset: InitPreset; batchNorm: boolean; run: boolean }): string {
  const bnPreset = s.preset === "batchnorm" || s.preset === "lecture";
  const bn = s.batchNorm && !bnPreset ? " + BN" : !s.batchNorm && bnPreset ? " without BN" : "";
  return `${s.preset}${bn}${s.run ? " (this run)" : ""}`;
}

/** Each stage's first-step loss, saturation and W2, then its loss curve, for models of `config`'s size on `data`. */
export function initExperiments(config: LectureConfig, data: Dataset, kernels: Kernels, options: InitExperimentOptions): InitExperiments {
  const { seed, batchSize, torchVersion = "2.x", runPreset, bins = 50, curveSteps = INIT_CURVE_STEPS, lr = 0.1 } = options;
  if (!Number.isInteger(curveSteps) || curveSteps < 1) throw new ConfigError(`init stages: curve steps must be a positive integer (got ${curveSteps})`);
  const window = options.window ?? Math.max(1, Math.floor(curveSteps / 100));
  const rows = INIT_STAGES.map((s) => ({ ...s, run: false }));
  if (runPreset !== undefined) rows.push({ preset: runPreset, batchNorm: config.batchNorm, run: true });
  const mark = kernels.arena.mark();
  try {
    const stages: InitStage[] = [];
    for (const { preset, batchNorm, run } of rows) {
      // the run's own row repeats a stage when its preset and BatchNorm setting are that stage's
      const same = stages.find((s) => s.preset === preset && s.batchNorm === batchNorm);
      if (same) {
        stages.push({ ...same, run });
        continue;
      }
      const model = new LectureMLP({ ...config, batchNorm, init: preset }, kernels, batchSize);
      const g = new Generator(seed, { torchVersion });
      initialize(model, preset, g);
      const W2 = model.parameter("W2").data.view; // (H, V), as initialized
      const w2 = histogram(W2, { bins });
      const w2Std = summarize(W2).std;
      // The steps of `makemore train`: the same generator draws the batches; the first step's forward
      // pass is read before the second overwrites it (its update does not touch what it recorded).
      const sgd = createOptimizer({ type: "sgd" }, model.parameters(), kernels);
      const trainer = new Trainer(model, data, g, sgd, { steps: curveSteps, batchSize, schedule: stepSchedule(lr, null) });
      model.train(true);
      // a stage that blows up on its very first step at this size (a huge naive init) still has a first
      // forward pass to show; its curve is that one loss
      let firstLoss: number;
      let divergedAt: number | null = null;
      try {
        firstLoss = trainer.trainStep();
      } catch (e) {
        if (!(e instanceof DivergedError)) throw e;
        firstLoss = e.loss;
        divergedAt = e.step;
      }
      const rec = (layer: Parameters<typeof model.recordOf>[0]) => model.recordOf(layer).out!;
      const h = actValues(rec(model.tanh));
      const logits = actValues(rec(model.output));
      const hpre = actValues(rec(model.bn ?? model.hidden));
      const first = {
        firstLoss,
        saturated: shareAbove(h, SATURATION_THRESHOLD),
        hpreactStd: summarize(hpre).std,
        logitsStd: summarize(logits).std,
        logits: histogram(logits, { bins }),
        h: histogram(h, { bins, range: [-1, 1] }),
        saturation: bitImage(saturationMap(h, batchSize, config.nHidden, SATURATION_MAP_THRESHOLD)),
      };
      try {
        while (divergedAt === null && !trainer.done) trainer.trainStep();
      } catch (e) {
        if (!(e instanceof DivergedError)) throw e;
        divergedAt = e.step; // a stage that blows up at this size keeps the steps before it
      }
      const done = trainer.step > 0 ? trainer.losses.subarray(0, trainer.step) : Float32Array.of(firstLoss);
      stages.push({ preset, batchNorm, run, ...first, w2, w2Std, curve: lossCurve(done, { window: Math.min(window, done.length), maxPoints: 200 }), divergedAt });
    }
    return { expectedLoss: expectedInitialLoss(config.vocabSize), batchSize, seed: String(seed), curveSteps, lr, window, stages };
  } finally {
    kernels.arena.release(mark);
  }
}
