// A training run end to end (Node): the word file → the lectures' split → the MLP with an init preset →
// the trainer with its metric log → evaluation → the run directory (checkpoint.ts); and back: a run
// directory → the same state, to resume exactly where it stopped or to sample and evaluate.
// The CLI's `train`, `sample` and `eval` are thin layers over this file.

import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { ConfigError, DataError } from "../errors.ts";
import { readWordFile } from "../data/files.ts";
import { buildCorpus, type Corpus, type SplitSeed } from "../data/splits.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import { wasmKernels, type Kernels } from "../kernels/index.ts";
import { initialize, isInitPreset, type InitPreset } from "../models/init.ts";
import { MLP, mlpConfig } from "../models/mlp.ts";
import { Generator, type TorchVersion } from "../random/generator.ts";
import { sampleWords, type Sample, type SampleOptions } from "../sample/sample.ts";
import { hasRun, loadRun, readRunConfig, saveRun, settingsDiff, type MetricLine, type RunConfig, type RunSettings } from "./checkpoint.ts";
import { calibrateBatchNorm, evaluateSplits, type EvalStats, type SplitLosses } from "./evaluate.ts";
import { learningRate, stepSchedule } from "./schedule.ts";
import { DivergedError, Trainer } from "./trainer.ts";

export interface RunOptions {
  /** Word file (default: the bundled names.txt). */
  inputFile?: string;
  maxLineLength?: number;
  blockSize: number;
  nEmbd: number;
  nHidden: number;
  batchNorm: boolean;
  steps: number;
  batchSize: number;
  lr: number;
  lrDecayStep: number;
  /** Learning rate after the decay step (default lr / 10: the lectures' 0.1 → 0.01). */
  lrAfterDecay?: number;
  seed: number | bigint;
  splitSeed: SplitSeed;
  init: InitPreset;
  torchVersion: TorchVersion;
}

/** The lectures' run: 200000 steps of batch 32, lr 0.1 → 0.01 at step 100000, seed 2147483647. */
export const DEFAULT_RUN: RunOptions = {
  blockSize: 3,
  nEmbd: 10,
  nHidden: 200,
  batchNorm: true,
  steps: 200000,
  batchSize: 32,
  lr: 0.1,
  lrDecayStep: 100000,
  seed: 2147483647,
  splitSeed: 42,
  init: "lecture",
  torchVersion: "2.x",
};

/** Examples per forward pass when evaluating a split. */
export const EVAL_CHUNK = 1024;
/** metrics.jsonl: every step below this, then every `logEvery` steps. */
export const LOG_ALL_BELOW = 100;

function wordsHash(words: readonly string[]): string {
  return createHash("sha256").update(words.join("\n")).digest("hex");
}

export class TrainingRun {
  readonly trainer: Trainer;
  /** The metric log written to metrics.jsonl. */
  readonly metrics: MetricLine[];
  /** Split losses after the last `evaluate`. */
  final: (SplitLosses & { bnStats: EvalStats; step: number }) | null;

  private constructor(
    readonly settings: RunSettings,
    readonly corpus: Corpus,
    readonly model: MLP,
    readonly generator: Generator,
    steps: number,
    readonly logEvery: number,
    metrics: MetricLine[],
    final: RunConfig["metrics"],
  ) {
    if (!Number.isInteger(logEvery) || logEvery < 1) throw new ConfigError(`log-every must be a positive integer (got ${logEvery})`);
    const t = settings.training;
    this.trainer = new Trainer(model, corpus.data.train, generator, {
      steps,
      batchSize: t.batchSize,
      schedule: stepSchedule(t.lr, t.lrDecayStep, t.lrAfterDecay),
    });
    this.metrics = metrics;
    this.final = final;
    this.trainer.on((e) => {
      if (e.type === "step" && (e.step < LOG_ALL_BELOW || e.step % logEvery === 0)) {
        this.metrics.push({ step: e.step, loss: e.loss, lr: e.lr });
      }
    });
  }

  /** A new run from options: reads the data, builds and initializes the model. */
  static create(options: RunOptions, { kernels = wasmKernels(), logEvery = 100 }: { kernels?: Kernels; logEvery?: number } = {}): TrainingRun {
    if (!isInitPreset(options.init)) throw new ConfigError(`unknown init preset "${options.init}"`);
    const list = readWordFile(options.inputFile, { maxLineLength: options.maxLineLength });
    const corpus = buildCorpus(list.words, { blockSize: options.blockSize, splitSeed: options.splitSeed });
    const model = new MLP(
      mlpConfig(corpus.vocab.size, {
        blockSize: options.blockSize,
        nEmbd: options.nEmbd,
        nHidden: options.nHidden,
        batchNorm: options.batchNorm,
      }),
      kernels,
      Math.max(options.batchSize, EVAL_CHUNK),
    );
    const generator = new Generator(options.seed, { torchVersion: options.torchVersion });
    initialize(model, options.init, generator);
    const schedule = stepSchedule(options.lr, options.lrDecayStep, options.lrAfterDecay);
    const settings: RunSettings = {
      model: model.config,
      vocabulary: [...corpus.vocab.chars],
      data: {
        file: resolve(list.source),
        sha256: wordsHash(list.words),
        words: list.words.length,
        splitSeed: options.splitSeed,
      },
      training: {
        batchSize: options.batchSize,
        lr: schedule.lr,
        lrDecayStep: schedule.decayStep,
        lrAfterDecay: schedule.lrAfterDecay,
        seed: generator.initialSeed().toString(),
        init: options.init,
        torchVersion: options.torchVersion,
      },
    };
    return new TrainingRun(settings, corpus, model, generator, options.steps, logEvery, [], null);
  }

  /**
   * A run loaded from its directory, positioned after its last saved step. `steps` extends (or keeps)
   * the total; `inputFile` overrides where the words are read from (they must be the same words).
   */
  static load(
    dir: string,
    { kernels = wasmKernels(), steps, logEvery = 100, inputFile }: { kernels?: Kernels; steps?: number; logEvery?: number; inputFile?: string } = {},
  ): TrainingRun {
    const header = readRunConfig(dir);
    const loaded = loadRun(dir, kernels, Math.max(header.training.batchSize, EVAL_CHUNK));
    const c = loaded.config;
    const file = inputFile ?? c.data.file;
    const list = readWordFile(file);
    if (wordsHash(list.words) !== c.data.sha256) {
      throw new DataError(
        `does not hold the words this run was trained on (sha256 differs from config.json); pass the original file with -i`,
        file,
      );
    }
    const vocab = new Vocabulary(c.vocabulary);
    const corpus = buildCorpus(list.words, { blockSize: c.model.blockSize, splitSeed: c.data.splitSeed, vocab });
    const generator = new Generator(0, { torchVersion: c.training.torchVersion }).setState(c.generator);
    const total = steps ?? c.steps;
    if (total < c.stepsDone) throw new ConfigError(`--steps ${total} is below the ${c.stepsDone} steps this run has done`);
    const metrics = loaded.metrics.filter((m) => m.step < c.stepsDone || "split" in m);
    const run = new TrainingRun(c, corpus, loaded.model, generator, total, logEvery, metrics, c.metrics);
    run.trainer.restore(c.stepsDone, loaded.losses);
    return run;
  }

  /** Runs up to `maxSteps` more training steps (default: to the end). */
  train(maxSteps?: number): void {
    this.trainer.run(maxSteps);
  }

  /** Split losses; with "calibrated", BatchNorm is first calibrated on the whole training split. */
  evaluate(bnStats: EvalStats = "calibrated", splits: ("train" | "val" | "test")[] = ["train", "val", "test"]): SplitLosses {
    if (bnStats === "calibrated") calibrateBatchNorm(this.model, this.corpus.data.train);
    const data = Object.fromEntries(splits.map((s) => [s, this.corpus.data[s]]));
    const losses = evaluateSplits(this.model, data, bnStats);
    const step = this.trainer.step;
    for (const s of splits) this.metrics.push({ step, split: s, loss: losses[s]!, bnStats });
    this.final = { ...losses, bnStats, step };
    return losses;
  }

  /** Words sampled with `generator` (default: the run's own, continuing its stream like the lectures). */
  sample(options: SampleOptions, generator: Generator = this.generator): Sample[] {
    const known = options.known ?? new Set(this.corpus.words.train);
    return sampleWords(this.model, this.corpus.vocab, generator, { ...options, known });
  }

  /** Writes the run directory; refuses parameters that are not finite (the last good save stays). */
  save(dir: string): void {
    if (!this.model.isFinite()) {
      const lr = learningRate(this.trainer.config.schedule, Math.max(0, this.trainer.step - 1));
      throw new DivergedError(this.trainer.step, NaN, lr, "the parameters are no longer finite, not saving them");
    }
    saveRun({
      dir,
      config: {
        ...this.settings,
        steps: this.trainer.config.steps,
        stepsDone: this.trainer.step,
        generator: this.generator.getState(),
        metrics: this.final,
      },
      model: this.model,
      losses: this.trainer.losses,
      metrics: this.metrics,
    });
  }
}

/**
 * Checks what `dir` holds before a new run is started there: nothing, or a run that `--resume` would
 * continue or `--force` would replace. Throws a ConfigError naming the difference otherwise.
 */
export function checkRunDir(dir: string, settings: RunSettings | null, flags: { resume: boolean; force: boolean }): "fresh" | "resume" {
  if (!hasRun(dir)) {
    if (flags.resume) throw new ConfigError(`--resume: ${dir} holds no run to resume (no config.json)`);
    return "fresh";
  }
  if (flags.force) return "fresh";
  if (flags.resume) return "resume";
  const existing = readRunConfig(dir);
  const diff = settings ? settingsDiff(existing, settings) : null;
  throw new ConfigError(
    `${dir} already holds a run (${existing.stepsDone} of ${existing.steps} steps` +
      (diff ? `, another config: ${diff}` : "") +
      "): pass --resume to continue it or --force to start over",
  );
}

export interface SampleRunOptions extends SampleOptions {
  /** A fresh Generator seed; by default the run's own generator continues where training left it. */
  seed?: number | bigint;
  /** Word file to mark samples as new (default: the run's; samples are unmarked if it cannot be read). */
  inputFile?: string;
}

/** Samples from a run directory without needing its data (which only marks words as new). */
export function sampleFromRun(dir: string, options: SampleRunOptions, kernels: Kernels = wasmKernels()): { samples: Sample[]; marked: boolean } {
  const { config, model } = loadRun(dir, kernels, Math.max(1, readRunConfig(dir).training.batchSize));
  const vocab = new Vocabulary(config.vocabulary);
  const generator =
    options.seed === undefined
      ? new Generator(0, { torchVersion: config.training.torchVersion }).setState(config.generator)
      : new Generator(options.seed, { torchVersion: config.training.torchVersion });
  let known = options.known;
  if (known === undefined) {
    try {
      const list = readWordFile(options.inputFile ?? config.data.file);
      known = new Set(buildCorpus(list.words, { blockSize: config.model.blockSize, splitSeed: config.data.splitSeed, vocab }).words.train);
    } catch (e) {
      if (options.inputFile !== undefined) throw e;
    }
  }
  const samples = sampleWords(model, vocab, generator, { ...options, known });
  return { samples, marked: known !== undefined };
}
