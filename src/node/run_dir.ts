// Run directories on disk (Node): a run's checkpoint (src/train/checkpoint.ts makes the bytes), with
// the diagnostics collected while it trained (diagnostics.jsonl: diagnostics_file.ts), saved as one
// unit (run_store.ts: after a crash at any instant the directory holds the last completed save, whole)
// by one writer at a time (run_lock.ts), and read back — by readers that need no lock and never see
// half of a save; the word file a run names read again and checked.
// The CLI's `train`, `sample`, `eval` and `diagnose` use these functions.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CheckpointError, ConfigError, DataError } from "../errors.ts";
import { wasmForRun, wasmKernels, type Kernels } from "../kernels/index.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import { Generator } from "../random/generator.ts";
import { NonFiniteModelError } from "../sample/finite.ts";
import { SAMPLE_BATCH, sampleWords, seenWords, type Sample, type SampleOptions } from "../sample/sample.ts";
import { checkMemory } from "../models/memory.ts";
import { modelType } from "../models/registry.ts";
import { wordsHash } from "../data/corpus.ts";
import {
  decodeCheckpoint, decodeMetrics, decodeRunConfig, FILES, sha256Hex, type CheckpointFiles, type MetricLine, type RunConfig,
} from "../train/checkpoint.ts";
import { isOpenEnded, type RunOptions } from "../train/config.ts";
import { corpusOf, TrainingRun, type RunEnv } from "../train/run.ts";
import { fsReason, sleepSync } from "./atomic-write.ts";
import { acquireRunLock, holdsRunLock, lockHolder, whileUnlocked, type RunLock } from "./run_lock.ts";
import { commitFiles, committedPath, needsRecovery, recoverRunDir, type StoreFs } from "./run_store.ts";
import { readWordFile } from "./words.ts";
import { DIAGNOSTICS_FILE, encodeDiagnostics } from "./diagnostics_file.ts";
import type { CollectedTraining } from "../diagnostics/collector.ts";

/**
 * The word file of a saved run: `-i`, else the file its config.json names; when that file is not there (or
 * holds other words: a `names.txt` in the current directory) and the bundled names are the run's words (same sha256) — a run trained in the browser lab, or a directory
 * copied from another machine — the bundled names.
 */
function runWordFile(config: RunConfig, inputFile: string | undefined): ReturnType<typeof readWordFile> {
  const options = { maxLineLength: config.data.maxLineLength };
  if (inputFile !== undefined) return readWordFile(inputFile, options);
  if (existsSync(config.data.file)) {
    const own = readWordFile(config.data.file, options);
    if (wordsHash(own.words) === config.data.sha256) return own;
  }
  const bundled = readWordFile(undefined, options);
  return wordsHash(bundled.words) === config.data.sha256 ? bundled : readWordFile(config.data.file, options);
}

/** A new run on a word file (default: the bundled names.txt). */
export function createRun(
  options: RunOptions & { inputFile?: string } = {},
  env: RunEnv = {},
): TrainingRun {
  const list = readWordFile(options.inputFile, { maxLineLength: options.maxLineLength });
  return TrainingRun.create({ words: list.words, source: resolve(list.source) }, options, env);
}

/**
 * Saves the run's checkpoint into `dir` (created if needed) as one unit (run_store.ts): after a crash
 * at any instant `dir` holds the previous save or this one, whole. With `collected` (what a
 * TrainingCollector gathered on the run), diagnostics.jsonl goes in the same unit (diagnostics_file.ts).
 * Takes the directory's lock for the save unless this process holds it already (as `makemore train`
 * does for the whole run).
 */
export function saveRun(run: TrainingRun, dir: string, fs?: StoreFs, collected?: CollectedTraining | null): void {
  const files: SaveFileTexts = run.checkpoint();
  if (collected) files[DIAGNOSTICS_FILE] = encodeDiagnostics(collected, run);
  writeRunFiles(dir, files, fs);
}

/** A save's files, and diagnostics.jsonl when the save has one. */
type SaveFileTexts = Partial<CheckpointFiles> & Pick<CheckpointFiles, "config.json"> & { [DIAGNOSTICS_FILE]?: string };

/**
 * Saves the run's best model into `dir` (run.bestSave(): model.safetensors, metrics.jsonl and
 * config.json, whose resumable state stays the last `saveRun`'s; all four files before the first), as
 * one unit like `saveRun`. A save of all four is a whole checkpoint of the run as it is now: with
 * `collected`, diagnostics.jsonl goes with it, as with `saveRun` (else a file a replaced run left
 * would stay beside the new run's checkpoint).
 */
export function saveBestModel(run: TrainingRun, dir: string, fs?: StoreFs, collected?: CollectedTraining | null): void {
  const files: SaveFileTexts = run.bestSave();
  if (collected && files["train_state.safetensors"] !== undefined) files[DIAGNOSTICS_FILE] = encodeDiagnostics(collected, run);
  writeRunFiles(dir, files, fs);
}

/**
 * Writes a save's files into `dir` as one unit: all four (a resumable save, and diagnostics.jsonl if
 * given), or config.json with some of the others (a best save). config.json names the sha256 of both
 * safetensors files, so a file left out must be the one already there.
 */
export function writeRunFiles(dir: string, files: SaveFileTexts, fs?: StoreFs): void {
  const enc = new TextEncoder();
  const config = JSON.parse(files["config.json"]) as RunConfig;
  const step = files["train_state.safetensors"] === undefined && config.best !== null ? config.best.step : config.stepsDone;
  const list: [string, Uint8Array][] = [];
  if (files["model.safetensors"] !== undefined) list.push([FILES.model, files["model.safetensors"]]);
  if (files["train_state.safetensors"] !== undefined) list.push([FILES.state, files["train_state.safetensors"]]);
  if (files["metrics.jsonl"] !== undefined) list.push([FILES.metrics, enc.encode(files["metrics.jsonl"])]);
  if (files[DIAGNOSTICS_FILE] !== undefined) list.push([DIAGNOSTICS_FILE, enc.encode(files[DIAGNOSTICS_FILE])]);
  list.push([FILES.config, enc.encode(files["config.json"])]);
  withWriteLock(dir, "save", () => commitFiles(dir, list, step, fs));
}

/** Runs `fn` under the lock on `dir` (taken and released here unless this process holds it), after recovery. */
function withWriteLock<T>(dir: string, command: string, fn: () => T): T {
  if (holdsRunLock(dir)) return fn();
  const lock = acquireRunLock(dir, command);
  try {
    recoverRunDir(dir);
    return fn();
  } finally {
    lock.release();
  }
}

/**
 * Takes the lock on `dir` for a command that will write a run there (`makemore train`): creates the
 * directory, proves it writable, finishes or drops a save a crash interrupted, and removes litter.
 */
export function lockRunDir(dir: string, command: string): RunLock {
  const lock = acquireRunLock(dir, command);
  try {
    recoverRunDir(dir);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}

/** True if `dir` holds a run (a committed config.json). */
export function hasRun(dir: string): boolean {
  return existsSync(committedPath(dir, FILES.config));
}

function readBytes(dir: string, name: string): Uint8Array {
  const path = committedPath(dir, name);
  if (!existsSync(path)) {
    const hint = name === FILES.config ? " — is this a run directory? Train one with `makemore train -o DIR`" : "";
    throw new CheckpointError(`missing${hint}`, join(dir, name));
  }
  try {
    if (statSync(path).isDirectory()) throw new Error("is a directory");
    return readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read: ${fsReason(e)}`, join(dir, name));
  }
}

/** Reads and validates DIR/config.json. */
export function readRunConfig(dir: string): RunConfig {
  tidy(dir);
  return decodeRunConfig(new TextDecoder().decode(readBytes(dir, FILES.config)), join(dir, FILES.config));
}

/** The lines of DIR/metrics.jsonl (empty if the file is missing). */
export function readMetrics(dir: string): MetricLine[] {
  const path = committedPath(dir, FILES.metrics);
  if (!existsSync(path)) return [];
  return decodeMetrics(readFileSync(path, "utf8"), join(dir, FILES.metrics));
}

/** Finishes an interrupted save and removes litter, if no other process is writing to `dir`. */
function tidy(dir: string): void {
  if (needsRecovery(dir)) whileUnlocked(dir, "tidy", () => recoverRunDir(dir));
}

interface SaveFiles {
  config: RunConfig;
  "model.safetensors": Uint8Array;
  "train_state.safetensors"?: Uint8Array;
}

/**
 * config.json with the files it names (the training state only if `withState`), all of one save: if
 * another process is saving this run meanwhile, read again until the checksums agree. Without a live
 * writer the files are returned as read (decodeCheckpoint checks the checksums, once).
 */
function readSave(dir: string, withState: boolean): SaveFiles {
  for (let attempt = 0; ; attempt++) {
    const retry = attempt < 50 && lockHolder(dir) !== null;
    let files: SaveFiles;
    try {
      const config = readRunConfig(dir);
      files = { config, "model.safetensors": readBytes(dir, FILES.model) };
      if (withState) files["train_state.safetensors"] = readBytes(dir, FILES.state);
    } catch (e) {
      if (!retry) throw e;
      sleepSync(20); // a writer renamed a file between our look and our read: look again
      continue;
    }
    const { config } = files;
    const agree = () =>
      sha256Hex(files["model.safetensors"]) === config.files["model.safetensors"] &&
      (!withState || sha256Hex(files["train_state.safetensors"]!) === config.files["train_state.safetensors"]);
    if (!retry || agree()) return files;
    sleepSync(20);
  }
}

/**
 * A run loaded from its directory, positioned after its last resumable save. `steps` extends (or keeps)
 * the total, `evalEvery` changes how often the losses are estimated; `inputFile` overrides where the
 * words are read from (they must be the same words). `modelOnly` reads just config.json and
 * model.safetensors — the best model of a run that keeps one (for evaluation and sampling: a damaged
 * log or training state does not block it); such a run cannot be trained or saved.
 */
export function loadRun(
  dir: string,
  { inputFile, modelOnly = false, note, ...env }: RunEnv & LoadOptions & { steps?: number; evalEvery?: number | null; inputFile?: string; modelOnly?: boolean } = {},
): TrainingRun {
  const save = readSave(dir, !modelOnly);
  const list = runWordFile(save.config, inputFile);
  return TrainingRun.fromCheckpoint(
    { ...save, metrics: modelOnly ? [] : readMetrics(dir) },
    { words: list.words, source: list.source },
    { ...env, note, where: (name) => join(dir, name) },
  );
}

export interface LoadOptions {
  /** Told why the run cannot go on under the kernels' build it was trained with, if it cannot. */
  note?: (text: string) => void;
}

/**
 * The shared wasm kernels, of the build `config` was trained under where this runtime has it (the
 * products round differently under each, in the last bits): the process's first run picks the build.
 */
function kernelsForRun(config: RunConfig, note?: (text: string) => void): Kernels {
  const text = wasmForRun(config.kernels);
  if (text !== null) note?.(text);
  return wasmKernels();
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
    `${dir} already holds a ${existing.model.type} run (${isOpenEnded(existing.steps) ? `${existing.stepsDone} steps, until interrupted` : `${existing.stepsDone} of ${existing.steps} steps`}): ` +
      "pass --resume to continue it or --force to start over",
  );
}

export interface SampleRunOptions extends SampleOptions {
  /** A fresh Generator seed; by default the run's own generator continues where training left it. */
  seed?: number | bigint;
  /** Word file to mark samples with (default: the run's; samples are unmarked if it cannot be read). */
  inputFile?: string;
}

export interface RunSamples {
  samples: Sample[];
  /** Marked in train / val / test / new against the run's splits (false: the word file could not be read). */
  marked: boolean;
  /** The run's config.json (what model.safetensors is: `best`, `stepsDone`). */
  config: RunConfig;
}

/** Rows for sampling `count` words of `config`'s model together: up to SAMPLE_BATCH, as many as fit. */
function sampleCapacity(config: RunConfig, count: number, kernels: Kernels): number {
  let cap = Math.max(1, Math.min(count, SAMPLE_BATCH));
  for (;;) {
    try {
      checkMemory(config.model, kernels.arena, { batchSize: cap });
      return cap;
    } catch (e) {
      if (!(e instanceof ConfigError) || cap === 1) throw e;
      cap = Math.ceil(cap / 2);
    }
  }
}

/**
 * Samples from a run directory's model.safetensors (the best model of a run that keeps one) without
 * needing its data, which only marks each word in train, in val, in test or new (makemore.py's
 * print_samples) against the splits of the run's word file.
 */
export function sampleFromRun(dir: string, options: SampleRunOptions & LoadOptions, given?: Kernels): RunSamples {
  const save = readSave(dir, false);
  const config = save.config;
  const kernels = given ?? kernelsForRun(config, options.note);
  // makemore.py's models sample a batch of words together (sample.ts): room for it, as much as the
  // memory holds (long words make each row large; a smaller batch samples in several)
  const capacity = modelType(config.model.type).data === "sequences" ? sampleCapacity(config, options.count, kernels) : 1;
  const { model } = decodeCheckpoint(save, kernels, capacity, (name) => join(dir, name));
  const vocab = new Vocabulary(config.vocabulary);
  const generator =
    options.seed === undefined
      ? new Generator(0, { torchVersion: config.training.torchVersion }).setState(config.generator)
      : new Generator(options.seed, { torchVersion: config.training.torchVersion });
  let seen = options.seen;
  if (seen === undefined) {
    try {
      const list = runWordFile(config, options.inputFile);
      if (wordsHash(list.words) !== config.data.sha256) {
        // other words than the run's: their split would mark the samples wrongly
        throw new DataError("does not hold the words this run was trained on (sha256 differs from config.json); pass the original file with -i", list.source);
      }
      seen = seenWords(corpusOf(config, list.words, list.source).words);
    } catch (e) {
      if (options.inputFile !== undefined) throw e; // the run's own file, gone or changed: unmarked samples
    }
  }
  let samples: Sample[];
  try {
    samples = sampleWords(model, vocab, generator, { ...options, seen });
  } catch (e) {
    // a diverged model: name the file it came from
    throw e instanceof NonFiniteModelError && e.file === undefined ? e.in(join(dir, FILES.model)) : e;
  }
  return { samples, marked: seen !== undefined, config };
}
