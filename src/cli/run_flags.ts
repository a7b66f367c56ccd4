// The flags that define a run, shared by `train` and `lr-find`: the word file, --type and the flags of
// every model type's settings (made from the registry's field lists, so a new type's settings become
// flags by themselves), the training and the split. A flag only overrides the type's default when it
// is given: defaults live in the type (src/models/), written once. makemore.py's names are accepted
// too: -b for --batch-size, -w for --weight-decay, -l/--learning-rate for --lr, --max-steps for
// --steps (its -1: until interrupted).

import { InvalidArgumentError, Option, type Command } from "commander";
import { ConfigError } from "../errors.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { DEFAULT_MODEL_TYPE, modelType, modelTypes, type ConfigField } from "../models/registry.ts";
import type { TorchVersion } from "../random/generator.ts";
import { explicitSettings, settingsConflict, splitConflict, UNTIL_INTERRUPTED, type RunOptions, type RunSettings } from "../train/config.ts";
import type { SplitConfig } from "../data/corpus.ts";
import type { EvalStats } from "../train/evaluate.ts";
import { intFlag, numberFlag, seedOption, threadsFlag } from "./options.ts";
import { AUTO_MIN_CPUS, MAX_THREADS, setThreads, type ThreadsSetting } from "../kernels/threads.ts";

export interface RunFlags {
  inputFile?: string;
  maxLineLength: number;
  type: string;
  steps?: number;
  /** makemore.py's name for --steps; -1: until interrupted. */
  maxSteps?: number;
  batchSize?: number;
  lr?: number;
  /** makemore.py's name for --lr. */
  learningRate?: number;
  /** A step, or "none" (commander turns a parser's null into "", so the marker is a string). */
  lrDecayStep?: number | "none";
  optimizer?: "sgd" | "adamw";
  weightDecay?: number;
  seed?: bigint;
  splitSeed?: number;
  shuffle: boolean;
  torchVersion: TorchVersion;
  bnStats?: EvalStats;
  /** The kernels' threads (not a setting of the run: any count gives the same numbers). */
  threads?: ThreadsSetting;
  [field: string]: unknown;
}

/** camelCase key of a flag: "--n-embd" → "nEmbd", "--no-batchnorm" → "batchnorm". */
export function attributeOf(flag: string): string {
  return flag.replace(/^--(no-)?/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Every distinct model-setting flag of the registry, with the types that take it. */
function modelFlags(): { field: ConfigField; types: string[] }[] {
  const out = new Map<string, { field: ConfigField; types: string[] }>();
  for (const t of modelTypes()) {
    for (const f of t.fields) {
      const e = out.get(f.flag) ?? { field: f, types: [] };
      e.types.push(f.kind === "bool" ? t.type : `${t.type} ${String((t.defaults as Record<string, unknown>)[f.key])}`);
      out.set(f.flag, e);
    }
  }
  return [...out.values()];
}

/** A model-setting flag's parser from its field (ints and numbers with their ranges). */
export function parserOf(f: ConfigField): ((v: string) => unknown) | undefined {
  if (f.kind === "int") return intFlag(f.min ?? 1);
  if (f.kind === "number") {
    return (v: string) => {
      const n = numberFlag()(v);
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        throw new InvalidArgumentError(`must be a number in [${f.min ?? "-inf"}, ${f.max ?? "inf"}].`);
      }
      return n;
    };
  }
  return undefined;
}

/** "none" or an integer >= 0. */
function decayStepFlag(v: string): number | "none" {
  return v.trim() === "none" ? "none" : intFlag(0)(v);
}

/** Adds the run flags to a command; `training` adds --steps, --lr and the schedule's (train; lr-find has its own). */
export function addRunFlags(cmd: Command, { training = true }: { training?: boolean } = {}): Command {
  const typeNames = modelTypes().map((t) => t.type);
  cmd
    .option("-i, --input-file <file>", "word file, one word per line (default: the bundled names.txt)")
    .addOption(
      new Option("--type <type>", `model type: ${modelTypes().map((t) => `${t.type} (${t.description})`).join("; ")}`)
        .choices(typeNames)
        .default(DEFAULT_MODEL_TYPE),
    );
  if (training) {
    cmd
      .option("--steps <n>", "optimization steps (default: the type's; lecture 200000, bigram 20000, makemore.py's other types 10000)", intFlag(0))
      .option("--max-steps <n>", "makemore.py's name for --steps; -1: until interrupted (Ctrl-C saves the run; at most 2^28 steps)", intFlag(-1))
      .option("--lr <x>", "learning rate (default: the type's; lecture 0.1, makemore.py's types 5e-4)", numberFlag({ positive: true }))
      .option("-l, --learning-rate <x>", "makemore.py's name for --lr", numberFlag({ positive: true }))
      .option("--lr-decay-step <n>", "step from which the learning rate is divided by 10, or none (default: the type's)", decayStepFlag);
  }
  cmd
    .option("-b, --batch-size <n>", "examples per minibatch (default: the type's; 32)", intFlag(1))
    .addOption(new Option("--optimizer <o>", "optimizer (default: the type's: SGD for lecture and wavenet, AdamW for makemore.py's types)").choices(["sgd", "adamw"]))
    .option("-w, --weight-decay <x>", "AdamW's decoupled weight decay (default 0.01)", numberFlag())
    .addOption(seedOption("seed of the torch.Generator for the split (randperm), init and minibatches (default: the type's; lecture 2147483647)"))
    .option("--split-seed <s>", "seed of the CPython shuffle before the lectures' 80/10/10 split (default 42)", intFlag(0))
    .option("--no-shuffle", "split in file order (no shuffle)");
  for (const { field: f, types } of modelFlags()) {
    const help = f.kind === "bool" ? `${f.help} (--type ${types.join(", ")})` : `${f.help} (default: ${types.join(", ")})`;
    if (f.kind === "bool") cmd.option(f.flag, help);
    else if (f.kind === "choice") cmd.addOption(new Option(`${f.flag} <${f.key}>`, help).choices(f.choices!));
    else cmd.option(`${f.flag} <n>`, help, parserOf(f) as (v: string) => number);
  }
  return cmd
    .addOption(new Option("--torch-version <v>", "PyTorch generation whose random streams to match").choices(["2.x", "1.13"]).default("2.x"))
    .option("--max-line-length <n>", "longest line accepted in the word file", intFlag(1), DEFAULT_MAX_LINE_LENGTH)
    .option(
      "--threads <n>",
      `threads for the large matrix products, 1 to ${MAX_THREADS} (default auto: 2 where there are ${AUTO_MIN_CPUS} CPUs or more, else 1); ` +
        "the numbers are the same at any count",
      threadsFlag,
    );
}

/**
 * Applies --threads if given. Else the kernels' default stays: auto, applied at the first product big
 * enough to cut, so a small model (the lectures') never starts a worker.
 */
export function applyThreads(flags: RunFlags): void {
  if (flags.threads !== undefined) setThreads(flags.threads);
}

/**
 * RunOptions from the flags the user gave (`given(attr)`: set on the command line). A setting of
 * another model type than --type's is an error naming the type's own flags.
 */
export function runOptions(flags: RunFlags, given: (attr: string) => boolean): RunOptions & { inputFile?: string } {
  const type = modelType(flags.type);
  const own = new Map(type.fields.map((f) => [f.flag, f]));
  const model: Record<string, unknown> = {};
  for (const { field: f } of modelFlags()) {
    const attr = attributeOf(f.flag);
    if (!given(attr)) continue;
    const mine = own.get(f.flag);
    if (!mine) {
      const flagsOf = type.fields.map((x) => x.flag).join(", ") || "none";
      throw new ConfigError(`${f.flag} is not a setting of --type ${type.type} (its settings: ${flagsOf})`);
    }
    model[f.key] = f.kind === "bool" ? flags[attr] === true : flags[attr];
  }
  if (given("shuffle") && given("splitSeed")) throw new ConfigError("--split-seed and --no-shuffle exclude each other");
  if (given("steps") && given("maxSteps")) throw new ConfigError("--steps and --max-steps are one setting (--max-steps is makemore.py's name): give one of them");
  if (given("lr") && given("learningRate")) throw new ConfigError("--lr and --learning-rate are one setting (--learning-rate is makemore.py's name): give one of them");
  const steps = flags.maxSteps === undefined ? flags.steps : flags.maxSteps === -1 ? UNTIL_INTERRUPTED : flags.maxSteps;
  if (model.batchNorm === false && model.bnMomentum !== undefined) throw new ConfigError("--bn-momentum and --no-batchnorm exclude each other: without BatchNorm there are no running statistics");
  if (flags.weightDecay !== undefined) {
    if (!(flags.weightDecay >= 0)) throw new ConfigError(`-w/--weight-decay must be a number >= 0 (got ${flags.weightDecay})`);
  }
  const optimizer =
    flags.optimizer !== undefined || flags.weightDecay !== undefined
      ? { ...(flags.optimizer ? { type: flags.optimizer } : {}), ...(flags.weightDecay !== undefined ? { weightDecay: flags.weightDecay } : {}) }
      : undefined;
  return {
    inputFile: flags.inputFile,
    maxLineLength: flags.maxLineLength,
    type: type.type,
    model,
    steps,
    batchSize: flags.batchSize,
    lr: flags.lr ?? flags.learningRate,
    lrDecayStep: flags.lrDecayStep === "none" ? null : flags.lrDecayStep,
    optimizer,
    seed: flags.seed,
    splitSeed: given("shuffle") ? null : flags.splitSeed,
    torchVersion: flags.torchVersion,
    evalStats: flags.bnStats,
  };
}

/**
 * The flags given that change the settings tree of the run in the work dir: a ConfigError naming the
 * first, for `--resume` (and `--sample-only`, which reads the run as it is).
 */
export function checkGivenSettings(saved: RunSettings, flags: RunFlags, given: (k: string) => boolean, command: string): void {
  const options = runOptions({ ...flags, type: given("type") ? flags.type : saved.model.type }, given);
  const conflict = settingsConflict(saved, explicitSettings({ ...options, type: given("type") ? flags.type : undefined, torchVersion: given("torchVersion") ? flags.torchVersion : undefined }));
  if (conflict === null) return;
  const flag = flagOf(conflict.path, saved.model.type);
  const show = (v: unknown) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  const what =
    conflict.path === "data.split"
      ? splitConflict(saved, conflict.given as SplitConfig)
      : conflict.saved === undefined
        ? `${flag} does not apply to this run (it has no ${conflict.path}: ${saved.model.type}, ${saved.optimizer.type})`
        : typeof conflict.given === "boolean"
          ? `${flag} changes the run's ${conflict.path} (${show(conflict.saved)})`
          : `${flag} ${show(conflict.given)} differs from the run's ${show(conflict.saved)} (${conflict.path})`;
  throw new ConfigError(`${command}: ${what}; drop the flag${command === "--resume" ? " or use --force" : ""}`);
}

/** The flag that sets a settings-tree path ("model.nHidden" → "--n-hidden"). */
function flagOf(path: string, type: string): string {
  const fixed: Record<string, string> = {
    "model.type": "--type", "schedule.lr": "--lr", "schedule.decayStep": "--lr-decay-step", "training.batchSize": "--batch-size",
    "training.seed": "--seed", "training.torchVersion": "--torch-version", "data.split": "--split-seed/--no-shuffle",
    "optimizer.type": "--optimizer", "optimizer.weightDecay": "--weight-decay",
  };
  if (fixed[path]) return fixed[path];
  const key = path.replace(/^model\./, "");
  return modelType(type).fields.find((f) => f.key === key)?.flag ?? path;
}
