// The gain experiments of makemore part 3, side by side: its deeper network without BatchNorm, the weights
// drawn as randn/√fan_in times a gain — 1 (the activations shrink layer by layer towards zero, and the
// gradients with them), 5/3 (Kaiming's gain for tanh: every layer keeps about the same spread) and 3 (too
// large: tanh saturates). For each, what the lecture looks at: the first step's batch diagnostics (each
// layer's activation and gradient, each weight's gradient and grad:data — the lecture breaks out of its
// loop after the first step to show these), and the update:data ratios of steps 0–1000 every few steps
// (its `ud`, with `if i >= 1000: break`). Each model starts from the run's seed and draws its batches from
// the same generator after its init, as `makemore train --type deep --no-batchnorm --gain G` would.
//
// The models are scratch: built in the arena after a mark and released afterwards.

import type { Dataset } from "../data/dataset.ts";
import type { Kernels } from "../kernels/index.ts";
import { DEEP, DeepMLP, type DeepConfig } from "../models/deep.ts";
import { Generator, type TorchVersion } from "../random/generator.ts";
import { createOptimizer } from "../train/optimizer.ts";
import { stepSchedule } from "../train/schedule.ts";
import { Trainer } from "../train/trainer.ts";
import type { TrainingSeries } from "./collector.ts";
import { updateToDataRatios } from "./layers.ts";
import { readBatch, type BatchDiagnostics } from "./probe.ts";

/** The lecture's gains, with the labels it says them by. */
export const GAINS: readonly { gain: number; label: string }[] = [
  { gain: 1, label: "1" },
  { gain: 5 / 3, label: "5/3" },
  { gain: 3, label: "3" },
];

/** The lecture's `ud` loop breaks after step 1000 (0-based), i.e. after 1001 steps. */
export const GAIN_EXPERIMENT_STEPS = 1001;

export interface GainExperiment {
  gain: number;
  label: string;
  /** The update:data ratios (and losses) every `series.every` steps, in the collector's layout. */
  series: TrainingSeries;
  /** The first step's batch diagnostics (the model at initialization; step 0). */
  init: BatchDiagnostics & { step: number };
}

export interface GainExperiments {
  steps: number;
  batchSize: number;
  lr: number;
  seed: string;
  experiments: GainExperiment[];
}

export interface GainExperimentOptions {
  seed: number | bigint;
  batchSize: number;
  lr?: number;
  torchVersion?: TorchVersion;
  steps?: number;
  /** Record the update:data ratios every this many steps (default 10). */
  every?: number;
  bins?: number;
}

/** Each gain's run without BatchNorm, for models of `config`'s size on `data`. */
export function gainExperiments(config: DeepConfig, data: Dataset, kernels: Kernels, options: GainExperimentOptions): GainExperiments {
  const { seed, batchSize, lr = 0.1, torchVersion = "2.x", steps = GAIN_EXPERIMENT_STEPS, every = 10, bins = 50 } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`gain experiments: steps must be a positive integer (got ${steps})`);
  const mark = kernels.arena.mark();
  try {
    const experiments = GAINS.map(({ gain, label }) => {
      const model = new DeepMLP({ ...config, batchNorm: false, gain }, kernels, batchSize);
      const g = new Generator(seed, { torchVersion });
      DEEP.init(model, g);
      const sgd = createOptimizer({ type: "sgd" }, model.parameters(), kernels);
      const trainer = new Trainer(model, data, g, sgd, { steps, batchSize, schedule: stepSchedule(lr, null) });
      model.train(true);
      const ps = model.parameters();
      const series: TrainingSeries = {
        every,
        steps: [],
        loss: [],
        lr: [],
        saturated: [],
        parameters: ps.map((p) => p.name),
        parameterShapes: ps.map((p) => [...p.shape]),
        updateToData: ps.map(() => []),
        layers: [],
        outputStd: [],
        gradStd: [],
      };
      const ratios = new Float64Array(ps.length);
      let init: (BatchDiagnostics & { step: number }) | null = null;
      for (let step = 0; step < steps; step++) {
        const loss = trainer.trainStep();
        if (step === 0) init = { step, ...readBatch(model, loss, { bins, lr }) };
        if (step % every !== 0 && step !== steps - 1) continue;
        updateToDataRatios(model, lr, ratios);
        series.steps.push(step);
        series.loss.push(loss);
        series.lr.push(lr);
        series.saturated.push(NaN);
        ratios.forEach((r, i) => series.updateToData[i].push(r));
      }
      return { gain, label, series, init: init! };
    });
    return { steps, batchSize, lr, seed: String(seed), experiments };
  } finally {
    kernels.arena.release(mark);
  }
}
