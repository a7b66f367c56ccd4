// A training run end to end, from words (no file system: src/node/ reads word files and keeps run
// directories): the settings tree → the split (the lectures' shuffle, or makemore.py's randperm as the
// generator's first draws) → the model of the chosen type, its parameters drawn in PyTorch's order →
// the optimizer → the trainer with its metric log → estimates while training and the best model →
// evaluation → a checkpoint as bytes; and back: a checkpoint → the same state, to resume exactly where
// it stopped or to sample and evaluate. loop.ts schedules the estimates, samples and saves of a run.
//
// The best model (makemore.py's): a run with `evalEvery` estimates its split losses (evaluate.ts
// `estimateSplits`) and keeps the model of the lowest estimate — of val if the run has a val split, else
// of test, as makemore.py does — as model.safetensors; the current model goes to train_state.safetensors.

import { ConfigError, DataError, MakemoreError } from "../errors.ts";
import { buildRunCorpus, wordsHash, type Corpus } from "../data/corpus.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import type { SplitName } from "../data/splits.ts";
import { wasmForRun, wasmKernels, type Kernels } from "../kernels/index.ts";
import { numParameters, type Model } from "../models/model.ts";
import { checkMemory } from "../models/memory.ts";
import { initModel, modelConfig, modelType } from "../models/registry.ts";
import { Generator } from "../random/generator.ts";
import { sampleWords, type Sample, type SampleOptions } from "../sample/sample.ts";
import {
  decodeCheckpoint, encodeBestSave, encodeCheckpoint, encodeModel, restoreOptimizer,
  type BestModel, type BestSaveFiles, type CheckpointFiles, type EstimateLine, type MetricLine, type RunConfig,
} from "./checkpoint.ts";
import { defaultEvalEvery, resolveSettings, settingsOf, splitOf, type RunOptions, type RunSettings } from "./config.ts";
import { calibrateBatchNorm, estimateSplits, evaluateSplits, type EvalStats, type SplitLosses } from "./evaluate.ts";
import { seenWords, type SeenWords } from "../sample/sample.ts";
import { createOptimizer, type Optimizer } from "./optimizer.ts";
import { stepSchedule } from "./schedule.ts";
import { Trainer } from "./trainer.ts";

export type { RunOptions, RunSettings };

/** Targets per forward pass when evaluating a split: 1024 windows, or 64 of makemore.py's rows of 16. */
export const EVAL_CHUNK = 1024;

/**
 * Rows per forward pass when evaluating a split of `config`'s model: EVAL_CHUNK targets' worth (a row
 * of makemore.py's data holds blockSize of them, each with its own activations). The model is built for
 * max(batch, this) rows.
 */
export function evalRows(config: { type: string; blockSize: number }): number {
  return modelType(config.type).data === "sequences" ? Math.max(1, Math.floor(EVAL_CHUNK / config.blockSize)) : EVAL_CHUNK;
}
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

/** An estimate while training: its metric line, and the loss that decides the best model. */
export interface Estimate extends EstimateLine {
  /** The split that decides (val, else test) and its loss. */
  split: SplitName;
  loss: number;
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
  /** The split losses are estimated every this many steps by the training loop (loop.ts); null: never. */
  readonly evalEvery: number | null;
  /** What the best model (`bestModel`) is: its step, split and loss; null while there is none. */
  best: BestModel | null = null;
  /** model.safetensors of the best model. */
  private bestModel: Uint8Array | null = null;
  /** The lowest estimate so far, which a new best must beat (on a resumed run: of the estimates up to its save). */
  private bestLoss: number | null = null;
  /** config.json of the last resumable save, which a best save keeps describing; null before the first. */
  private lastSave: RunConfig | null = null;
  private seenCache: SeenWords | null = null;
  /** The settings as they are now: `retune` replaces them. */
  private current: RunSettings;

  private constructor(
    settings: RunSettings,
    readonly corpus: Corpus,
    readonly model: Model,
    readonly generator: Generator,
    steps: number,
    readonly logEvery: number,
    metrics: MetricLine[],
    final: RunConfig["metrics"],
    evalEvery: number | null,
  ) {
    if (!Number.isInteger(logEvery) || logEvery < 1) throw new ConfigError(`log-every must be a positive integer (got ${logEvery})`);
    if (evalEvery !== null && !(Number.isSafeInteger(evalEvery) && evalEvery >= 1)) {
      throw new ConfigError(`--eval-every must be a positive integer or none (got ${evalEvery})`);
    }
    this.evalEvery = evalEvery;
    this.current = settings;
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
    if (windows) checkMemory(windows, kernels.arena, { batchSize: options.batchSize ?? type.training.batchSize, minRows: evalRows(windows) });
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
      batchSize: settings.training.batchSize, minRows: evalRows(settings.model), optimizer: (params, k) => createOptimizer(settings.optimizer, params, k),
    });
    const model = modelType(settings.model.type).build(settings.model as never, kernels, Math.max(settings.training.batchSize, evalRows(settings.model)));
    initModel(model, generator);
    const evalEvery = options.evalEvery === undefined ? defaultEvalEvery(type) : options.evalEvery;
    return new TrainingRun(settings, corpus, model, generator, steps, logEvery, [], null, evalEvery);
  }

  /**
   * A run from a checkpoint, positioned after its last resumable save, on the same words (checked
   * against the sha256 the checkpoint keeps). `steps` extends (or keeps) the total; `evalEvery`
   * changes how often the losses are estimated from now on (null: no more estimates, and no best model:
   * model.safetensors becomes the last model again). Without train_state.safetensors the run holds the
   * model of model.safetensors (the best, if the run keeps one) and only evaluates and samples.
   */
  static fromCheckpoint(
    files: Pick<CheckpointFiles, "model.safetensors"> & Partial<Pick<CheckpointFiles, "train_state.safetensors">> & { config: RunConfig; metrics: MetricLine[] },
    data: WordSource,
    { kernels: given, logEvery = 100, steps, evalEvery, where, note }: RunEnv & {
      steps?: number; evalEvery?: number | null; where?: (name: string) => string;
      /** Told why the run cannot go on under the kernels' build it was trained with (`kernels` not given). */
      note?: (text: string) => void;
    } = {},
  ): TrainingRun {
    const c = files.config;
    // the library's kernels, of the build the run was trained under where this runtime has it (wasm.ts)
    let kernels = given;
    if (kernels === undefined) {
      const text = wasmForRun(c.kernels);
      if (text !== null) note?.(text);
      kernels = wasmKernels();
    }
    if (wordsHash(data.words) !== c.data.sha256) {
      throw new DataError("does not hold the words this run was trained on (sha256 differs from config.json); pass the original file with -i", data.source);
    }
    const loaded = decodeCheckpoint(files, kernels, Math.max(c.training.batchSize, evalRows(c.model)), where);
    const corpus = corpusOf(c, data.words, data.source);
    const generator = new Generator(0, { torchVersion: c.training.torchVersion }).setState(c.generator);
    const total = steps ?? c.steps;
    if (total < c.stepsDone) throw new ConfigError(`--steps ${total} is below the ${c.stepsDone} steps this run has done`);
    // what was logged up to the save; a best save after it may have logged further (redone from here).
    // The estimate at the save's step stays; its final split losses go (the run evaluates again where it
    // ends, so a resumed finished run does not log them twice)
    const metrics = files.metrics.filter((m) => m.step < c.stepsDone || ("eval" in m && m.step === c.stepsDone));
    const every = evalEvery === undefined ? c.evalEvery : evalEvery;
    const run = new TrainingRun(settingsOf(c), corpus, loaded.model, generator, total, logEvery, metrics, c.metrics, every);
    if (loaded.optimizerState === null || loaded.losses === null) {
      run.modelOnly = true; // evaluation and sampling only: the losses and the optimizer's state are unknown
      run.trainer.restore(c.stepsDone, new Float32Array(c.stepsDone).fill(NaN));
      run.best = c.best;
    } else {
      restoreOptimizer(run.optimizer, loaded.optimizerState, c.optimizerSteps ?? 0, where?.("train_state.safetensors"));
      run.trainer.restore(c.stepsDone, loaded.losses);
      if (every !== null && c.best !== null && loaded.bestModel !== null) {
        run.best = c.best;
        run.bestModel = loaded.bestModel;
        // the estimates up to the save decide what beats (as in a run never interrupted)
        const decided = metrics.flatMap((m) => ("eval" in m && m.eval[c.best!.split] !== undefined ? [m.eval[c.best!.split]!] : []));
        if (c.best.step <= c.stepsDone) decided.push(c.best.loss);
        run.bestLoss = decided.length ? Math.min(...decided) : null;
      }
      // a version-2 save has no current model in its train_state: the next save must be a full one
      if (c.version >= 3) run.lastSave = c;
    }
    return run;
  }

  /** What defines the run (config.json's settings tree), as it is now: a `retune` changes it. */
  get settings(): RunSettings {
    return this.current;
  }

  /**
   * Changes the learning rate, its decay step (null: never) or the batch size of the steps from now on
   * (the browser lab edits them while a run trains). The settings then describe the run as it now is, so
   * a checkpoint saved after the change resumes as the run itself goes on. A new lr decays to lr / 10,
   * as `--lr` does (resolveSettings); a decay step given to a run without one does too; without a decay
   * step the rate stays lr. Checks everything before changing anything.
   */
  retune(change: { lr?: number; lrDecayStep?: number | null; batchSize?: number }): void {
    if (this.modelOnly) throw new MakemoreError("this run was loaded without its training state (train_state.safetensors): it cannot be retuned or trained further");
    const old = this.current.schedule;
    const lr = change.lr ?? old.lr;
    const decay = change.lrDecayStep !== undefined ? change.lrDecayStep : old.decayStep;
    const after = change.lr !== undefined || old.decayStep === null ? lr / 10 : old.lrAfterDecay;
    const schedule = stepSchedule(lr, decay, decay === null ? lr : after);
    if (change.batchSize !== undefined) this.trainer.setBatchSize(change.batchSize);
    this.trainer.setSchedule(schedule);
    const batchSize = this.trainer.config.batchSize;
    this.current = { ...this.current, schedule, training: { ...this.current.training, batchSize } };
  }

  /** The step the model of model.safetensors is from: the best model's, or the last save's. */
  get modelStep(): number {
    return this.best?.step ?? this.trainer.step;
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

  /**
   * The estimate of the split losses now (makemore.py's every 500 steps: the first min(1000, n) rows of
   * each split, in evaluation mode; nothing drawn, the next step unchanged), logged to the metrics. If it
   * beats every estimate before, the model becomes the best (`best`): the caller saves it (`bestSave`).
   */
  estimate(): Estimate {
    const step = this.trainer.step;
    const { losses, rows } = estimateSplits(this.model, this.corpus.data);
    const split: SplitName = this.corpus.splits.includes("val") ? "val" : "test";
    const loss = losses[split]!;
    const improved = Number.isFinite(loss) && (this.bestLoss === null || loss < this.bestLoss);
    const bnStats = this.model.batchNorms().length ? "running" : null;
    const line: EstimateLine = { step, eval: losses, rows, best: improved, bnStats };
    this.metrics.push(line);
    if (improved) {
      this.best = { step, split, loss, rows: rows[split]! };
      this.bestModel = encodeModel(this.model, this.settings, step);
      this.bestLoss = loss;
    }
    return { ...line, split, loss };
  }

  /** True if the losses were estimated after the step just done. */
  estimatedNow(): boolean {
    const step = this.trainer.step;
    return this.metrics.some((m) => "eval" in m && m.step === step);
  }

  /**
   * The end of training: the last estimate (a run that estimates, unless it just did: the last model
   * competes for the best), then the split losses of the whole splits (`evaluate`). Returns both.
   */
  finish(bnStats: EvalStats | null = this.settings.training.evalStats): { estimate: Estimate | null; losses: SplitLosses } {
    const estimate = this.evalEvery !== null && !this.estimatedNow() ? this.estimate() : null;
    const losses = this.evaluate(bnStats);
    // the best is the last model: keep it with the statistics the evaluation calibrated
    if (this.best !== null && this.best.step === this.trainer.step) this.bestModel = encodeModel(this.model, this.settings, this.trainer.step);
    return { estimate, losses };
  }

  /** Each word of the run's splits and the split holding it, to mark samples. */
  seen(): SeenWords {
    return (this.seenCache ??= seenWords(this.corpus.words));
  }

  /**
   * Words sampled with `generator` (default: the run's own, continuing its stream like the lectures),
   * each marked in train, in val, in test or new.
   */
  sample(options: SampleOptions, generator: Generator = this.generator): Sample[] {
    return sampleWords(this.model, this.corpus.vocab, generator, { ...options, seen: options.seen ?? this.seen() });
  }

  /**
   * A resumable save's files as they stand now (all four: the current model, optimizer and generator
   * with model.safetensors — the best model, or the current one); refuses parameters that are not finite.
   * A later `bestSave` goes with the files returned here: write them.
   */
  checkpoint(): CheckpointFiles {
    if (this.modelOnly) throw new MakemoreError("this run was loaded without its training state (train_state.safetensors): it can be evaluated and sampled, not saved");
    const files = encodeCheckpoint({
      config: {
        ...this.settings,
        steps: this.trainer.config.steps,
        stepsDone: this.trainer.step,
        generator: this.generator.getState(),
        optimizerSteps: this.optimizer.stepCount,
        kernels: this.model.kernels.build,
        metrics: this.final,
        evalEvery: this.evalEvery,
        best: this.best,
      },
      model: this.model,
      optimizer: this.optimizer,
      losses: this.trainer.losses,
      metrics: this.metrics,
      bestModel: this.best === null ? null : this.bestModel,
    });
    this.lastSave = JSON.parse(files["config.json"]) as RunConfig;
    return files;
  }

  /**
   * The files of a best save after an estimate improved: model.safetensors (the new best),
   * metrics.jsonl, and config.json of the last resumable save (`checkpoint`) with the new best — the
   * resumable state stays that of the last save. Before any resumable save, all four files (`checkpoint`).
   */
  bestSave(): BestSaveFiles | CheckpointFiles {
    if (this.best === null || this.bestModel === null) throw new MakemoreError("no best model to save: no estimate has been made");
    if (this.lastSave === null) return this.checkpoint();
    return encodeBestSave(this.lastSave, this.best, this.bestModel, this.metrics);
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
