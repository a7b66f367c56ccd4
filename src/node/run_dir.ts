// Run directories on disk (Node): a run's checkpoint (src/train/checkpoint.ts makes the bytes) written
// file by file, each atomically, config.json last — it names the sha256 of the safetensors files it
// goes with, so a crash between two renames is detected on load as a mismatch rather than silently
// resumed — and read back; the word file a run names read again and checked.
// The CLI's `train`, `sample`, `eval` and `diagnose` use these functions.

import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CheckpointError, ConfigError } from "../errors.ts";
import { wasmKernels, type Kernels } from "../kernels/index.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import { Generator } from "../random/generator.ts";
import { sampleWords, type Sample, type SampleOptions } from "../sample/sample.ts";
import { decodeCheckpoint, decodeMetrics, decodeRunConfig, FILES, type CheckpointFiles, type MetricLine, type RunConfig } from "../train/checkpoint.ts";
import type { RunOptions } from "../train/config.ts";
import { corpusOf, TrainingRun, type RunEnv } from "../train/run.ts";
import { writeFileAtomicSync } from "./atomic-write.ts";
import { readWordFile } from "./words.ts";

/** A new run on a word file (default: the bundled names.txt). */
export function createRun(
  options: RunOptions & { inputFile?: string } = {},
  env: RunEnv = {},
): TrainingRun {
  const list = readWordFile(options.inputFile, { maxLineLength: options.maxLineLength });
  return TrainingRun.create({ words: list.words, source: resolve(list.source) }, options, env);
}

/** Writes the run's checkpoint into `dir` (created if needed); config.json last. */
export function saveRun(run: TrainingRun, dir: string): void {
  writeRunFiles(dir, run.checkpoint());
}

export function writeRunFiles(dir: string, files: CheckpointFiles): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(`cannot create the run directory: ${(e as Error).message}`, dir);
  }
  const write = (name: string, data: Uint8Array | string) => {
    try {
      writeFileAtomicSync(join(dir, name), data);
    } catch (e) {
      throw new CheckpointError(`cannot write: ${(e as Error).message}`, join(dir, name));
    }
  };
  write(FILES.model, files["model.safetensors"]);
  write(FILES.state, files["train_state.safetensors"]);
  write(FILES.metrics, files["metrics.jsonl"]);
  write(FILES.config, files["config.json"]);
}

/** True if `dir` holds a run (its config.json exists). */
export function hasRun(dir: string): boolean {
  return existsSync(join(dir, FILES.config));
}

function readBytes(dir: string, name: string): Uint8Array {
  const path = join(dir, name);
  if (!existsSync(path)) {
    const hint = name === FILES.config ? " — is this a run directory? Train one with `makemore train -o DIR`" : "";
    throw new CheckpointError(`missing${hint}`, path);
  }
  try {
    if (statSync(path).isDirectory()) throw new Error("is a directory");
    return readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read: ${(e as Error).message}`, path);
  }
}

/** Reads and validates DIR/config.json. */
export function readRunConfig(dir: string): RunConfig {
  return decodeRunConfig(new TextDecoder().decode(readBytes(dir, FILES.config)), join(dir, FILES.config));
}

/** The lines of DIR/metrics.jsonl (empty if the file is missing). */
export function readMetrics(dir: string): MetricLine[] {
  const path = join(dir, FILES.metrics);
  if (!existsSync(path)) return [];
  return decodeMetrics(readFileSync(path, "utf8"), path);
}

/**
 * A run loaded from its directory, positioned after its last saved step. `steps` extends (or keeps)
 * the total; `inputFile` overrides where the words are read from (they must be the same words).
 */
export function loadRun(dir: string, { inputFile, ...env }: RunEnv & { steps?: number; inputFile?: string } = {}): TrainingRun {
  const config = readRunConfig(dir);
  const list = readWordFile(inputFile ?? config.data.file, { maxLineLength: config.data.maxLineLength });
  return TrainingRun.fromCheckpoint(
    {
      config,
      "model.safetensors": readBytes(dir, FILES.model),
      "train_state.safetensors": readBytes(dir, FILES.state),
      metrics: readMetrics(dir),
    },
    { words: list.words, source: list.source },
    { ...env, where: (name) => join(dir, name) },
  );
}

/**
 * Checks what `dir` holds before a new run is started there: nothing, or a run that `--resume` would
 * continue or `--force` would replace. Throws a ConfigError saying which otherwise.
 */
export function checkRunDir(dir: string, flags: { resume: boolean; force: boolean }): "fresh" | "resume" {
  if (!hasRun(dir)) {
    if (flags.resume) throw new ConfigError(`--resume: ${dir} holds no run to resume (no config.json)`);
    return "fresh";
  }
  if (flags.force) return "fresh";
  if (flags.resume) return "resume";
  const existing = readRunConfig(dir);
  throw new ConfigError(
    `${dir} already holds a ${existing.model.type} run (${existing.stepsDone} of ${existing.steps} steps): ` +
      "pass --resume to continue it or --force to start over",
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
  const config = readRunConfig(dir);
  const { model } = decodeCheckpoint(
    { config, "model.safetensors": readBytes(dir, FILES.model), "train_state.safetensors": readBytes(dir, FILES.state) },
    kernels,
    1,
    (name) => join(dir, name),
  );
  const vocab = new Vocabulary(config.vocabulary);
  const generator =
    options.seed === undefined
      ? new Generator(0, { torchVersion: config.training.torchVersion }).setState(config.generator)
      : new Generator(options.seed, { torchVersion: config.training.torchVersion });
  let known = options.known;
  if (known === undefined) {
    try {
      const list = readWordFile(options.inputFile ?? config.data.file, { maxLineLength: config.data.maxLineLength });
      known = new Set(corpusOf(config, list.words).words.train);
    } catch (e) {
      if (options.inputFile !== undefined) throw e;
    }
  }
  const samples = sampleWords(model, vocab, generator, { ...options, known });
  return { samples, marked: known !== undefined };
}
