// One configuration tree for a run — model (tagged by type), optimizer, schedule, data, training —
// resolved from a model type's defaults (written once, in the type's file) and what the user set.
// A run directory's config.json holds it; `--resume` refuses a changed setting by comparing trees.

import { ConfigError } from "../errors.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { modelConfig, modelType, type ModelType, type SplitConfig } from "../models/registry.ts";
import type { ModelConfigBase } from "../models/model.ts";
import type { TorchVersion } from "../random/generator.ts";
import { ADAMW_DEFAULTS, checkOptimizerConfig, type OptimizerConfig } from "./optimizer.ts";
import { stepSchedule, type StepSchedule } from "./schedule.ts";
import type { EvalStats } from "./evaluate.ts";

/** The most steps a run may have: 2^28 (a 1 GiB loss log; 200000 is the lectures'). */
export const MAX_STEPS = 2 ** 28;

/**
 * The steps of a run that goes on until interrupted (makemore.py's `--max-steps -1`): the most a run
 * may have. Its loss log grows as it goes (trainer.ts), so it costs nothing up front.
 */
export const UNTIL_INTERRUPTED = MAX_STEPS;

/** True for a run of UNTIL_INTERRUPTED steps. */
export function isOpenEnded(steps: number): boolean {
  return steps >= UNTIL_INTERRUPTED;
}

/** "2000 steps", or "until interrupted". */
export function describeSteps(steps: number): string {
  return isOpenEnded(steps) ? "until interrupted" : `${steps} steps`;
}

/**
 * How often a new run of `type` estimates its split losses while training (null: only at the end):
 * every 500 steps for makemore.py's types (AdamW on its sequences), as its training loop does; never
 * for the lectures' types, which evaluate once, after training.
 */
export function defaultEvalEvery(type: Pick<ModelType, "data" | "training">): number | null {
  return type.data === "sequences" && type.training.optimizer.type === "adamw" ? 500 : null;
}

/** True if a model of this type and config has BatchNorm: the type's, unless a setting turns it off (the lecture model's --no-batchnorm). */
export function hasBatchNorm(type: Pick<ModelType, "training">, model: object): boolean {
  return type.training.evalStats !== null && (model as { batchNorm?: unknown }).batchNorm !== false;
}

/** What defines a run: two runs with equal settings are the same run (steps may be extended). */
export interface RunSettings {
  model: ModelConfigBase & Record<string, unknown>;
  optimizer: OptimizerConfig;
  schedule: StepSchedule;
  /** The tokens: the boundary token "." first, then the characters. */
  vocabulary: string[];
  /** The word file, its words' sha256 and count, the split, and the longest line it was read with. */
  data: { file: string; sha256: string; words: number; split: SplitConfig; maxLineLength: number };
  training: {
    batchSize: number;
    /** The torch.Generator's seed, as a decimal string (PyTorch takes any 64-bit value). */
    seed: string;
    torchVersion: TorchVersion;
    /** BatchNorm statistics of the final evaluation (null: the model has no BatchNorm). */
    evalStats: EvalStats | null;
  };
}

/** The settings tree of a saved run's config.json (without its steps, generator, files, …), in the order a new run has them. */
export function settingsOf(c: RunSettings): RunSettings {
  return { model: c.model, optimizer: c.optimizer, schedule: c.schedule, vocabulary: c.vocabulary, data: c.data, training: c.training };
}

/** What a user may set for a new run; everything left out is the model type's default. */
export interface RunOptions {
  /** A registered model type (default "lecture"). */
  type?: string;
  /** Settings of the model type (its config fields: nEmbd, nHidden, …). */
  model?: Record<string, unknown>;
  steps?: number;
  batchSize?: number;
  lr?: number;
  /** First step at the decayed rate (null: never). */
  lrDecayStep?: number | null;
  /** Learning rate from the decay step on (default lr / 10). */
  lrAfterDecay?: number;
  /** Replaces the type's optimizer, or some of its fields. */
  optimizer?: Partial<OptimizerConfig> & { type?: OptimizerConfig["type"] };
  seed?: number | bigint;
  /** The lectures' split: a shuffle seed, or null for the file's order (types on context windows only). */
  splitSeed?: number | null;
  torchVersion?: TorchVersion;
  evalStats?: EvalStats;
  /** Longest line the word file was read with (saved so that the run's file reads again the same way). */
  maxLineLength?: number;
  /**
   * Estimate the split losses every this many steps, keeping the best model (null: never; default: the
   * type's, `defaultEvalEvery`). Not a setting of the run's numbers: it changes no step of training.
   */
  evalEvery?: number | null;
}

/** The settings of a new run on a vocabulary of `vocabSize` tokens (and, for sequences, rows of `blockSize`). */
export function resolveSettings(
  options: RunOptions,
  data: { vocabulary: string[]; blockSize?: number; file: string; sha256: string; words: number },
): { settings: RunSettings; steps: number } {
  const type = modelType(options.type ?? "lecture");
  const d = type.training;
  const model = modelConfig(type.type, { vocabSize: data.vocabulary.length, blockSize: data.blockSize }, options.model ?? {});
  let optimizer: OptimizerConfig;
  if (options.optimizer?.type !== undefined && options.optimizer.type !== d.optimizer.type) {
    optimizer = checkOptimizerConfig(options.optimizer.type === "adamw" ? { ...ADAMW_DEFAULTS, ...options.optimizer } : options.optimizer);
  } else {
    optimizer = checkOptimizerConfig({ ...d.optimizer, ...options.optimizer });
  }
  const lr = options.lr ?? d.schedule.lr;
  const decay = options.lrDecayStep !== undefined ? options.lrDecayStep : d.schedule.decayStep;
  // a new lr, or a decay the type does not have (makemore.py's constant lr), decays to lr / 10
  const after = options.lrAfterDecay ?? (options.lr !== undefined || d.schedule.decayStep === null ? lr / 10 : d.schedule.lrAfterDecay);
  const schedule = stepSchedule(lr, decay, decay === null ? lr : after);
  const split = splitOf(options);
  const batchNorm = hasBatchNorm(type, model);
  if (options.evalStats !== undefined && !batchNorm) throw new ConfigError(`--bn-stats: this ${type.type} model has no BatchNorm`);
  const steps = options.steps ?? d.steps;
  if (!Number.isSafeInteger(steps) || steps < 0) throw new ConfigError(`steps must be an integer >= 0 (got ${steps})`);
  if (steps > MAX_STEPS) throw new ConfigError(`--steps ${steps}: at most ${MAX_STEPS} (every step's loss is kept in memory, 4 bytes each)`);
  const batchSize = options.batchSize ?? d.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ConfigError(`batch size must be a positive integer (got ${batchSize})`);
  const settings: RunSettings = {
    model: model as RunSettings["model"],
    optimizer,
    schedule,
    vocabulary: data.vocabulary,
    data: { file: data.file, sha256: data.sha256, words: data.words, split, maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH },
    training: {
      batchSize,
      seed: BigInt.asUintN(64, BigInt(options.seed ?? d.seed)).toString(),
      torchVersion: options.torchVersion ?? "2.x",
      evalStats: batchNorm ? (options.evalStats ?? d.evalStats ?? "running") : null,
    },
  };
  return { settings, steps };
}

/** The split a new run uses: its type's, or the lectures' shuffle with another seed or none. */
export function splitOf(options: RunOptions): SplitConfig {
  const type = modelType(options.type ?? "lecture");
  if (options.splitSeed === undefined) return type.training.split;
  if (type.data !== "windows") {
    throw new ConfigError(`--split-seed / --no-shuffle: model type "${type.type}" splits as makemore.py does (torch.randperm from --seed)`);
  }
  return options.splitSeed === null ? { kind: "file-order" } : { kind: "shuffle", seed: options.splitSeed };
}

/** A split in the flags that choose it: "--split-seed 42", "--no-shuffle", or makemore.py's randperm. */
export function splitFlags(split: SplitConfig): string {
  if (split.kind === "shuffle") return `--split-seed ${split.seed}`;
  return split.kind === "file-order" ? "--no-shuffle" : "makemore.py's randperm split (from --seed)";
}

/** What `--resume` with a split flag says when the run was split another way (see `settingsConflict`). */
export function splitConflict(saved: RunSettings, given: SplitConfig): string {
  if (saved.data.split.kind === "randperm") {
    return `${splitFlags(given)} does not apply to this run (a ${saved.model.type} run is split as makemore.py does: torch.randperm from --seed)`;
  }
  return `${splitFlags(given)} differs from the run's split (${splitFlags(saved.data.split)})`;
}

/** The first difference between two settings trees ("model.nHidden: 200 vs 100"), or null when equal. */
export function settingsDiff(a: unknown, b: unknown, path = ""): string | null {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a)) {
      return JSON.stringify(a) === JSON.stringify(b) ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    }
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) {
      const d = settingsDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${JSON.stringify(a) ?? "(none)"} vs ${JSON.stringify(b) ?? "(none)"}`;
}

/**
 * The settings `options` set explicitly, as a partial tree (for `--resume`: a given setting must equal
 * the saved run's). Learning-rate fields follow the schedule's names; the seed is normalized as saved.
 */
export function explicitSettings(o: RunOptions): Record<string, Record<string, unknown>> {
  const tree: Record<string, Record<string, unknown>> = { model: {}, optimizer: {}, schedule: {}, data: {}, training: {} };
  if (o.type !== undefined) tree.model.type = o.type;
  Object.assign(tree.model, o.model ?? {});
  Object.assign(tree.optimizer, o.optimizer ?? {});
  if (o.lr !== undefined) tree.schedule.lr = o.lr;
  if (o.lrDecayStep !== undefined) tree.schedule.decayStep = o.lrDecayStep;
  if (o.lrAfterDecay !== undefined) tree.schedule.lrAfterDecay = o.lrAfterDecay;
  if (o.splitSeed !== undefined) tree.data.split = o.splitSeed === null ? { kind: "file-order" } : { kind: "shuffle", seed: o.splitSeed };
  if (o.batchSize !== undefined) tree.training.batchSize = o.batchSize;
  if (o.seed !== undefined) tree.training.seed = BigInt.asUintN(64, BigInt(o.seed)).toString();
  if (o.torchVersion !== undefined) tree.training.torchVersion = o.torchVersion;
  return tree;
}

/** The first explicit setting that differs from `saved`: its path in the tree and both values, or null. */
export function settingsConflict(
  saved: RunSettings, explicit: Record<string, Record<string, unknown>>,
): { path: string; saved: unknown; given: unknown } | null {
  for (const [section, fields] of Object.entries(explicit)) {
    for (const [k, v] of Object.entries(fields)) {
      const have = (saved as unknown as Record<string, Record<string, unknown>>)[section]?.[k];
      if (settingsDiff(have, v) !== null) return { path: `${section}.${k}`, saved: have, given: v };
    }
  }
  return null;
}
