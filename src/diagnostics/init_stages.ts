// The initialization experiments of makemore part 3, side by side: for a lecture model's size, each
// stage of the lecture — naive (plain randn: confidently wrong logits, the hockey stick, a saturated
// tanh), scaled-output (W2·0.01, b2 = 0: the first loss near −ln(1/V)), kaiming (W1·(5/3)/√fan_in:
// tanh no longer saturated), batchnorm (kaiming with a BatchNorm layer, the lecture's last stage) — is initialized from
// the seed and takes its first training step, as `makemore train --init STAGE` would: the batch is
// drawn from the same generator right after the init. The first three stages have no BatchNorm, as in
// the lecture; the run's own preset and BatchNorm setting are added as a last row.
//
// The models are scratch: built in the arena after a mark and released afterwards.

import type { Dataset } from "../data/dataset.ts";
import type { Kernels } from "../kernels/index.ts";
import { initialize, type InitPreset } from "../models/lecture_init.ts";
import { LectureMLP, type LectureConfig } from "../models/lecture.ts";
import { Generator, type TorchVersion } from "../random/generator.ts";
import { stepSchedule } from "../train/schedule.ts";
import { createOptimizer } from "../train/optimizer.ts";
import { Trainer } from "../train/trainer.ts";
import { actValues, SATURATION_THRESHOLD } from "./layers.ts";
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
}

export interface InitExperiments {
  /** −ln(1/V). */
  expectedLoss: number;
  batchSize: number;
  seed: string;
  stages: InitStage[];
}

export interface InitExperimentOptions {
  seed: number | bigint;
  batchSize: number;
  torchVersion?: TorchVersion;
  /** The run's own preset (added as the last row with the config's BatchNorm setting). */
  runPreset?: InitPreset;
  bins?: number;
}

/** A stage's name for tables and legends: "kaiming", "naive + BN", "batchnorm (this run)". */
export function stageLabel(s: { preset: InitPreset; batchNorm: boolean; run: boolean }): string {
  const bnPreset = s.preset === "batchnorm" || s.preset === "lecture";
  const bn = s.batchNorm && !bnPreset ? " + BN" : !s.batchNorm && bnPreset ? " without BN" : "";
  return `${s.preset}${bn}${s.run ? " (this run)" : ""}`;
}

/** Each stage's first-step loss and saturation, for models of `config`'s size on `data`. */
export function initExperiments(config: LectureConfig, data: Dataset, kernels: Kernels, options: InitExperimentOptions): InitExperiments {
  const { seed, batchSize, torchVersion = "2.x", runPreset, bins = 50 } = options;
  const rows = INIT_STAGES.map((s) => ({ ...s, run: false }));
  if (runPreset !== undefined) rows.push({ preset: runPreset, batchNorm: config.batchNorm, run: true });
  const mark = kernels.arena.mark();
  try {
    const stages = rows.map(({ preset, batchNorm, run }) => {
      const model = new LectureMLP({ ...config, batchNorm, init: preset }, kernels, batchSize);
      const g = new Generator(seed, { torchVersion });
      initialize(model, preset, g);
      // The first step of `makemore train`: the same generator draws the batch; lr 0 leaves the weights.
      const sgd = createOptimizer({ type: "sgd" }, model.parameters(), kernels);
      const trainer = new Trainer(model, data, g, sgd, { steps: 1, batchSize, schedule: stepSchedule(1) });
      model.train(true);
      const firstLoss = trainer.trainStep(0);
      const rec = (layer: Parameters<typeof model.recordOf>[0]) => model.recordOf(layer).out!;
      const h = actValues(rec(model.tanh));
      const logits = actValues(rec(model.output));
      const hpre = actValues(rec(model.bn ?? model.hidden));
      return {
        preset,
        batchNorm,
        run,
        firstLoss,
        saturated: shareAbove(h, SATURATION_THRESHOLD),
        hpreactStd: summarize(hpre).std,
        logitsStd: summarize(logits).std,
        logits: histogram(logits, { bins }),
        h: histogram(h, { bins, range: [-1, 1] }),
        saturation: bitImage(saturationMap(h, batchSize, config.nHidden, SATURATION_MAP_THRESHOLD)),
      };
    });
    return { expectedLoss: expectedInitialLoss(config.vocabSize), batchSize, seed: String(seed), stages };
  } finally {
    kernels.arena.release(mark);
  }
}
