// A training run end to end, from words (no file system: src/node/ reads word files and keeps run
// directories): the settings tree → the split (the lectures' shuffle, or makemore.py's randperm as the
// generator's first draws) → the model of the chosen type, its parameters drawn in PyTorch's order →
// the optimizer → the trainer with its metric log → evaluation → a checkpoint as bytes; and back: a
// checkpoint → the same state, to resume exactly where it stopped or to sample and evaluate.

import { ConfigError, DataError, MakemoreError } from "../errors.ts";
import { buildRunCorpus, wordsHash, type Corpus } from "../data/corpus.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import type { SplitName } from "../data/splits.ts";
import { wasmKernels, type Kernels } from "../kernels/index.ts";
import { numParameters, type Model } from "../models/model.ts";
import { checkMemory } from "../models/memory.ts";
import { initModel, modelConfig, modelType } from "../models/registry.ts";
import { Generator } from "../random/generator.ts";
import { sampleWords, type Sample, type SampleOptions } from "../sample/sample.ts";
import {
  decodeCheckpoint, encodeCheckpoint, restoreOptimizer,
  type CheckpointFiles, type MetricLine, type RunConfig,
} from "./checkpoint.ts";
import { resolveSettings, splitOf, type RunOptions, type RunSettings } from "./config.ts";
import { calibrateBatchNorm, evaluateSplits, type EvalStats, type SplitLosses } from "./evaluate.ts";
import { createOptimizer, type Optimizer } from "./optimizer.ts";
import { stepSchedule } from "./schedule.ts";
import { Trainer } from "./trainer.ts";

export type { RunOptions, RunSettings };

/** Examples per forward pass when evaluating a split. */
export const EVAL_CHUNK = 1024;
/** metrics.jsonl: every step below this, then every `logEvery` steps. */
export const LOG_ALL_BELOW = 100;

/** Words and where they came from (a path, or a name for text given directly). */
export interface WordSource {
  words: readonly string[];
  source: string;
}

export interface RunEnv {
  kernels?: Kernels;
  logEvery?: number;
}

export class TrainingRun {
  readonly trainer: Trainer;
  readonly optimizer: Optimizer;
  /** The metric log written to metrics.jsonl. */
  readonly metrics: MetricLine[];
  /** Split losses after the last `evaluate`. */
  final: RunConfig["metrics"];
  /** Loaded from a checkpoint without its training state: it evaluates and samples, it cannot be saved. */
  modelOnly = false;

  private constructor(
    readonly settings: RunSettings,
    readonly corpus: Corpus,
    readonly model: Model,
    readonly generator: Generator,
    steps: number,
    readonly logEvery: number,
    metrics: MetricLine[],
    final: RunConfig["metrics"],
  ) {
    if (!Number.isInteger(logEvery) || logEvery < 1) throw new ConfigError(`log-every must be a positive integer (got ${logEvery})`);
    const s = settings.schedule;
    this.optimizer = createOptimizer(settings.optimizer, model.parameters(), model.kernels);
    this.trainer = new Trainer(model, corpus.data.train!, generator, this.optimizer, {
      steps,
      batchSize: settings.training.batchSize,
      schedule: stepSchedule(s.lr, s.decayStep, s.lrAfterDecay),
    });
    this.metrics = metrics;
    this.final = final;
    this.trainer.on((e) => {
      if (e.type === "step" && (e.step < LOG_ALL_BELOW || e.step % logEvery === 0)) {
        this.metrics.push({ step: e.step, loss: e.loss, lr: e.lr });
      }
    });
  }

  /** A new run on `words`: the split, the model of the type the options name, its initial parameters. */
  static create(data: WordSource, options: RunOptions = {}, { kernels = wasmKernels(), logEvery = 100 }: RunEnv = {}): TrainingRun {
    const type = modelType(options.type ?? "lecture");
    const generator = new Generator(options.seed ?? type.training.seed, { torchVersion: options.torchVersion ?? "2.x" });
    const vocab = Vocabulary.fromWords(data.words);
    // The block size of context windows is a model setting; check it, and the memory the sizes need, before
    // the data is built on it (again below with the optimizer, for every type).
    const windows = type.data === "windows" ? modelConfig(type.type, { vocabSize: vocab.size }, options.model ?? {}) : undefined;
    if (windows) checkMemory(windows, kernels.arena, { batchSize: options.batchSize ?? type.training.batchSize, minRows: EVAL_CHUNK });
    const blockSize = windows?.blockSize;
    const corpus = buildRunCorpus(data.words, { rows: type.data, split: splitOf(options), blockSize, generator, vocab, source: data.source });
    const { settings, steps } = resolveSettings(options, {
      vocabulary: [...vocab.chars],
      blockSize: corpus.blockSize,
      file: data.source,
      sha256: wordsHash(data.words),
      words: data.words.length,
    });
    checkMemory(settings.model, kernels.arena, {
      batchSize: settings.training.batchSize, minRows: EVAL_CHUNK, optimizer: (params, k) => createOptimizer(settings.optimizer, params, k),
    });
    const model = modelType(settings.model.type).build(settings.model as never, kernels, Math.max(settings.training.batchSize, EVAL_CHUNK));
    initModel(model, generator);
    return new TrainingRun(settings, corpus, model, generator, steps, logEvery, [], null);
  }

  /**
   * A run from a checkpoint, positioned after its last saved step, on the same words (checked
   * against the sha256 the checkpoint keeps). `steps` extends (or keeps) the total.
   */
  static fromCheckpoint(
    files: Pick<CheckpointFiles, "model.safetensors"> & Partial<Pick<CheckpointFiles, "train_state.safetensors">> & { config: RunConfig; metrics: MetricLine[] },
    data: WordSource,
    { kernels = wasmKernels(), logEvery = 100, steps, where }: RunEnv & { steps?: number; where?: (name: string) => string } = {},
  ): TrainingRun {
    const c = files.config;
    if (wordsHash(data.words) !== c.data.sha256) {
      throw new DataError("does not hold the words this run was trained on (sha256 differs from config.json); pass the original file with -i", data.source);
    }
    const loaded = decodeCheckpoint(files, kernels, Math.max(c.training.batchSize, EVAL_CHUNK), where);
    const corpus = corpusOf(c, data.words, data.source);
    const generator = new Generator(0, { torchVersion: c.training.torchVersion }).setState(c.generator);
    const total = steps ?? c.steps;
    if (total < c.stepsDone) throw new ConfigError(`--steps ${total} is below the ${c.stepsDone} steps this run has done`);
    const metrics = files.metrics.filter((m) => m.step < c.stepsDone || "split" in m);
    const run = new TrainingRun(c, corpus, loaded.model, generator, total, logEvery, metrics, c.metrics);
    if (loaded.optimizerState === null || loaded.losses === null) {
      run.modelOnly = true; // evaluation and sampling only: the losses and the optimizer's state are unknown
      run.trainer.restore(c.stepsDone, new Float32Array(c.stepsDone).fill(NaN));
    } else {
      restoreOptimizer(run.optimizer, loaded.optimizerState, c.optimizerSteps ?? 0, where?.("train_state.safetensors"));
      run.trainer.restore(c.stepsDone, loaded.losses);
    }
    return run;
  }

  /** Runs up to `maxSteps` more training steps (default: to the end). */
  train(maxSteps?: number): void {
    if (this.modelOnly) throw new MakemoreError("this run was loaded without its training state (train_state.safetensors): it cannot be trained further");
    this.trainer.run(maxSteps);
  }

  /** Parameters of the model. */
  numParameters(): number {
    return numParameters(this.model);
  }

  /** Split losses (default: every split); "calibrated" first calibrates BatchNorm on the whole training split. */
  evaluate(bnStats: EvalStats | null = this.settings.training.evalStats, splits: SplitName[] = this.corpus.splits): SplitLosses {
    const hasBn = this.model.batchNorms().length > 0;
    if (bnStats !== null && !hasBn) throw new ConfigError(`--bn-stats: this ${this.model.type} model has no BatchNorm`);
    const stats = hasBn ? bnStats ?? "running" : "running";
    if (hasBn && stats === "calibrated") calibrateBatchNorm(this.model, this.corpus.data.train!);
    const data = Object.fromEntries(splits.map((s) => {
      const d = this.corpus.data[s];
      if (!d) throw new ConfigError(`this run has no ${s} split (its splits: ${this.corpus.splits.join(", ")})`);
      return [s, d];
    }));
    const losses = evaluateSplits(this.model, data, stats);
    const step = this.trainer.step;
    const used = hasBn ? stats : null;
    for (const s of splits) this.metrics.push({ step, split: s, loss: losses[s]!, bnStats: used });
    this.final = { ...losses, bnStats: used, step };
    return losses;
  }

  /** Words sampled with `generator` (default: the run's own, continuing its stream like the lectures). */
  sample(options: SampleOptions, generator: Generator = this.generator): Sample[] {
    const known = options.known ?? new Set(this.corpus.words.train);
    return sampleWords(this.model, this.corpus.vocab, generator, { ...options, known });
  }

  /** The checkpoint's files as they stand now; refuses parameters that are not finite. */
  checkpoint(): CheckpointFiles {
    if (this.modelOnly) throw new MakemoreError("this run was loaded without its training state (train_state.safetensors): it can be evaluated and sampled, not saved");
    return encodeCheckpoint({
      config: {
        ...this.settings,
        steps: this.trainer.config.steps,
        stepsDone: this.trainer.step,
        generator: this.generator.getState(),
        optimizerSteps: this.optimizer.stepCount,
        metrics: this.final,
      },
      model: this.model,
      optimizer: this.optimizer,
      losses: this.trainer.losses,
      metrics: this.metrics,
    });
  }
}

/** The corpus a saved run was trained on, rebuilt from its words (the randperm split replays its draws). */
export function corpusOf(c: RunSettings, words: readonly string[], source?: string): Corpus {
  const type = modelType(c.model.type);
  const g = new Generator(BigInt(c.training.seed), { torchVersion: c.training.torchVersion });
  return buildRunCorpus(words, {
    rows: type.data,
    split: c.data.split,
    blockSize: type.data === "windows" ? c.model.blockSize : undefined,
    generator: g,
    vocab: new Vocabulary(c.vocabulary),
    source,
  });
}
