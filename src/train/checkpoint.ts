// A run's checkpoint as bytes (no file system here: src/node/run_dir.ts writes and reads the files,
// a browser can keep them anywhere):
//   model.safetensors        the model to use — what `sample` and `eval` read: the best model of a run
//                            that estimates its losses while training (the one with the lowest
//                            estimate, as makemore.py keeps it; config.json's `best` says from which
//                            step), else the model of the last save. Parameters and buffers under their
//                            state_dict names (the lecture model: C, W1, b1, W2, b2, bngain, bnbias,
//                            bnmean_running, bnvar_running, and bnmean/bnvar once calibrated), float32 —
//                            `safetensors.torch.load_file` reads it in PyTorch
//   train_state.safetensors  everything `--resume` needs besides config.json: the current model
//                            (`model.<name>`), the optimizer's state (`optimizer.exp_avg.<name>`, … for
//                            AdamW) and `lossi`, the minibatch loss of every step done
//   metrics.jsonl            one JSON object per line: {step, loss, lr}; evaluations {step, split, loss,
//                            bnStats}; estimates while training {step, eval: {train, test}, rows, best,
//                            bnStats}
//   config.json              the settings tree (model, optimizer, schedule, vocabulary, data, training),
//                            steps done, the generator's state, the optimizer's step count, the final
//                            losses, how often the losses are estimated and the best model's step and
//                            loss, and the sha256 of the two safetensors files it goes with
// Two kinds of save: a resumable save (`--checkpoint-every`, the end of the run, Ctrl-C) writes all four
// files (and, in the same commit, diagnostics.jsonl: what the run collected while training, written by
// src/node/diagnostics_file.ts); a best save (an estimate improved) writes model.safetensors, metrics.jsonl and a config.json
// that still describes the resumable state of the last resumable save (its steps, generator and
// train_state.safetensors' sha256), with the new `best`. Either commits whole (run_store.ts).
//
// Version 3 (this one) moved the current model into train_state.safetensors; a version-2 run (its
// model.safetensors the current model, no best) still loads and resumes.

import type { KernelsBuild } from "../kernels/index.ts";
import { sha256Hex } from "../data/sha256.ts";
import { CheckpointError, ConfigError, MakemoreError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import { isFiniteModel, type Model } from "../models/model.ts";
import { checkMemory } from "../models/memory.ts";
import { buildModel } from "../models/registry.ts";
import type { GeneratorState } from "../random/generator.ts";
import { parseSafetensors, serializeSafetensors, type TensorRecord } from "../tensor/safetensors.ts";
import type { SplitName } from "../data/splits.ts";
import type { RunSettings } from "./config.ts";
import type { EvalStats, SplitLosses } from "./evaluate.ts";
import type { Optimizer } from "./optimizer.ts";
import { checkMetricLine, checkRunConfig } from "./run_config_schema.ts";

export const CHECKPOINT_FORMAT = "makemore-ts/run";
export const CHECKPOINT_VERSION = 3;
/** The oldest version still read: 2 (model.safetensors is the current model; no estimates, no best). */
export const OLDEST_READABLE_VERSION = 2;

/** Where model.safetensors comes from when it is not the current model. */
export interface BestModel {
  /** The step it is from; after the last resumable save (stepsDone) if a best save came after it. */
  step: number;
  /** The split whose estimate chose it: val for a run that has one, else test (makemore.py's). */
  split: SplitName;
  /** That estimate: the mean loss over the first `rows` rows of the split. */
  loss: number;
  rows: number;
}

export interface RunConfig extends RunSettings {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Steps the run was asked for. */
  steps: number;
  stepsDone: number;
  generator: GeneratorState;
  /** The optimizer's own step count (AdamW's bias correction). */
  optimizerSteps: number;
  /**
   * The kernels' arithmetic of the last steps (src/kernels/wasm.ts): the products round differently under
   * each build, so a resume picks this one to go on bit for bit. Missing in older files: "simd".
   */
  kernels: KernelsBuild;
  /** Split losses after training (null until evaluated). */
  metrics: (SplitLosses & { bnStats: EvalStats | null; step: number }) | null;
  /** The split losses are estimated every this many steps while training (null: never). */
  evalEvery: number | null;
  /** What model.safetensors holds: the best model so far, or (null) the model at stepsDone. */
  best: BestModel | null;
  files: { "model.safetensors": string; "train_state.safetensors": string };
}

/** An estimate while training (evaluate.ts `estimateSplits`): the losses of the first `rows` rows of each split. */
export interface EstimateLine {
  step: number;
  eval: SplitLosses;
  rows: Partial<Record<SplitName, number>>;
  /** It improved on every estimate before: model.safetensors was saved from this step. */
  best: boolean;
  bnStats: EvalStats | null;
}

export type MetricLine =
  | { step: number; loss: number; lr: number }
  | { step: number; split: string; loss: number; bnStats: EvalStats | null }
  | EstimateLine;

/** True for a line of an evaluation or an estimate (not a training step's loss). */
export function isEvaluationLine(m: MetricLine): boolean {
  return "split" in m || "eval" in m;
}

export const FILES = {
  model: "model.safetensors",
  config: "config.json",
  metrics: "metrics.jsonl",
  state: "train_state.safetensors",
} as const;

/** The four files of a checkpoint. */
export interface CheckpointFiles {
  "model.safetensors": Uint8Array;
  "train_state.safetensors": Uint8Array;
  "metrics.jsonl": string;
  "config.json": string;
}

export { sha256Hex };

const f32 = (shape: readonly number[], data: Float32Array): TensorRecord => ({ dtype: "F32", shape: [...shape], data: data.slice() });

/** The model's tensors under their state_dict names (BatchNorm statistics never calibrated left out). */
export function modelTensors(model: Model): Record<string, TensorRecord> {
  const out: Record<string, TensorRecord> = {};
  for (const p of model.parameters()) out[p.name] = f32(p.shape, p.data.view);
  const uncalibrated = new Set(model.batchNorms().filter((bn) => !bn.isCalibrated).flatMap((bn) => [bn.calibratedMean, bn.calibratedVar]));
  for (const b of model.buffers()) if (!uncalibrated.has(b)) out[b.name] = f32(b.shape, b.data.view);
  return out;
}

/** The prefix of the current model's tensors in train_state.safetensors. */
export const STATE_MODEL_PREFIX = "model.";

/** model.safetensors of `model` as it is now, after `step` steps. */
export function encodeModel(model: Model, settings: Pick<RunSettings, "model" | "vocabulary">, step: number): Uint8Array {
  if (!isFiniteModel(model)) throw new MakemoreError(`the parameters are no longer finite (step ${step}), not saving them`);
  return serializeSafetensors(modelTensors(model), {
    format: CHECKPOINT_FORMAT,
    type: settings.model.type,
    vocabulary: settings.vocabulary.join(""),
    steps: String(step),
  });
}

export interface EncodeInput {
  config: Omit<RunConfig, "files" | "format" | "version">;
  model: Model;
  optimizer: Optimizer;
  losses: Float32Array;
  metrics: readonly MetricLine[];
  /** model.safetensors of the best model (`config.best`'s); null when config.best is null (the current model is written). */
  bestModel: Uint8Array | null;
}

const metricsText = (metrics: readonly MetricLine[]) => metrics.map((m) => JSON.stringify(m)).join("\n") + (metrics.length ? "\n" : "");

/** A resumable save's four files; refuses parameters that are not finite (the last good save stays). */
export function encodeCheckpoint({ config, model, optimizer, losses, metrics, bestModel }: EncodeInput): CheckpointFiles {
  if (!isFiniteModel(model)) throw new MakemoreError(`the parameters are no longer finite (step ${config.stepsDone}), not saving them`);
  if ((config.best === null) !== (bestModel === null)) throw new Error("encodeCheckpoint: a best model needs config.best and the reverse");
  const modelBytes = bestModel ?? encodeModel(model, config, config.stepsDone);
  const state: Record<string, TensorRecord> = {};
  for (const [name, t] of Object.entries(modelTensors(model))) state[`${STATE_MODEL_PREFIX}${name}`] = t;
  for (const b of optimizer.state()) state[b.name] = f32(b.shape, b.data.view);
  state.lossi = f32([config.stepsDone], losses.subarray(0, config.stepsDone));
  const stateBytes = serializeSafetensors(state);
  const full: RunConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...config,
    files: { "model.safetensors": sha256Hex(modelBytes), "train_state.safetensors": sha256Hex(stateBytes) },
  };
  return {
    "model.safetensors": modelBytes,
    "train_state.safetensors": stateBytes,
    "metrics.jsonl": metricsText(metrics),
    "config.json": JSON.stringify(full, null, 2) + "\n",
  };
}

/** A best save's files: the new model.safetensors, the metric log, and the config.json of the last resumable save with the new best. */
export type BestSaveFiles = Pick<CheckpointFiles, "model.safetensors" | "metrics.jsonl" | "config.json">;

/**
 * The files of a best save: `saved` is the config.json of the last resumable save (whose
 * train_state.safetensors stays on disk), `best` the new best and `bestModel` its model.safetensors.
 */
export function encodeBestSave(saved: RunConfig, best: BestModel, bestModel: Uint8Array, metrics: readonly MetricLine[]): BestSaveFiles {
  const config: RunConfig = { ...saved, best, files: { ...saved.files, "model.safetensors": sha256Hex(bestModel) } };
  return {
    "model.safetensors": bestModel,
    "metrics.jsonl": metricsText(metrics),
    "config.json": JSON.stringify(config, null, 2) + "\n",
  };
}

/** Parses and checks config.json's text against the schema (run_config_schema.ts); `where` names the file in errors. */
export function decodeRunConfig(text: string, where: string): RunConfig {
  let c: unknown;
  try {
    c = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`is not valid JSON (${(e as Error).message}); the file is damaged`, where);
  }
  const bad = (what: string) => new CheckpointError(what, where);
  if (c === null || typeof c !== "object" || Array.isArray(c)) throw bad("is not a makemore-ts run (not a JSON object)");
  const { format, version } = c as Record<string, unknown>;
  if (format === "makemore-ts/mlp") {
    throw bad("was written by an older makemore-ts (format makemore-ts/mlp); train it again with this version");
  }
  if (format !== CHECKPOINT_FORMAT) throw bad(`is not a makemore-ts run (format ${JSON.stringify(format) ?? "missing"})`);
  if (version !== CHECKPOINT_VERSION && version !== OLDEST_READABLE_VERSION) {
    const newer = typeof version === "number" && version > CHECKPOINT_VERSION;
    throw bad(
      `has version ${JSON.stringify(version) ?? "(none)"}; this makemore-ts reads versions ${OLDEST_READABLE_VERSION} and ${CHECKPOINT_VERSION}` +
        (newer ? ": it was written by a newer makemore-ts — upgrade makemore-ts to read it" : ": train it again with this version"),
    );
  }
  const o = c as Record<string, unknown>;
  if (version === OLDEST_READABLE_VERSION) {
    // version 2 had no estimates while training and no best model: model.safetensors is the current model
    if (!("evalEvery" in o)) o.evalEvery = null;
    if (!("best" in o)) o.best = null;
  }
  return checkRunConfig(o, where);
}

/** Copies a saved tensor into a buffer after checking its dtype and shape; false if it is absent and optional. */
function assign(
  tensors: Record<string, TensorRecord>, name: string, shape: readonly number[], target: Float32Array, required: boolean, where: string,
): boolean {
  const t = tensors[name];
  if (t === undefined) {
    if (required) throw new CheckpointError(`has no tensor "${name}" (the model's config needs it)`, where);
    return false;
  }
  if (t.dtype !== "F32" || t.shape.join(",") !== shape.join(",")) {
    throw new CheckpointError(`tensor "${name}" is ${t.dtype} (${t.shape.join(", ")}), expected F32 (${shape.join(", ")})`, where);
  }
  target.set(t.data as Float32Array);
  return true;
}

export interface DecodedCheckpoint {
  config: RunConfig;
  /**
   * With train_state.safetensors: the current model, to train on. Without it: model.safetensors, the
   * model to use (the best one, if the run keeps one).
   */
  model: Model;
  /** The minibatch losses (null if train_state.safetensors was not given). */
  losses: Float32Array | null;
  /** The optimizer's saved tensors (written into a new optimizer by `restoreOptimizer`; null without train_state). */
  optimizerState: Record<string, TensorRecord> | null;
  /** model.safetensors' bytes when they hold the best model (config.best), to write again at the next save. */
  bestModel: Uint8Array | null;
}

/** Writes saved tensors into a model built from its config; `prefix` is the tensors' name prefix in the file. */
function loadModelTensors(model: Model, tensors: Record<string, TensorRecord>, prefix: string, path: string): void {
  const named = (name: string) => `${prefix}${name}`;
  for (const p of model.parameters()) assign(tensors, named(p.name), p.shape, p.data.view, true, path);
  for (const bn of model.batchNorms()) {
    for (const b of [bn.runningMean, bn.runningVar]) assign(tensors, named(b.name), b.shape, b.data.view, true, path);
    const hasMean = assign(tensors, named(bn.calibratedMean.name), bn.calibratedMean.shape, bn.calibratedMean.data.view, false, path);
    const hasVar = assign(tensors, named(bn.calibratedVar.name), bn.calibratedVar.shape, bn.calibratedVar.data.view, false, path);
    if (hasMean !== hasVar) throw new CheckpointError(`has only one of ${named(bn.calibratedMean.name)} and ${named(bn.calibratedVar.name)}`, path);
    bn.evalStats = hasMean ? "calibrated" : "running";
  }
}

/**
 * A checkpoint's model (on `kernels`, for up to `capacity` examples per forward), and its losses,
 * optimizer state and current model if train_state.safetensors is given. `where(name)` names a file
 * in errors.
 */
export function decodeCheckpoint(
  files: Pick<CheckpointFiles, "model.safetensors"> & Partial<Pick<CheckpointFiles, "train_state.safetensors">> & { config: RunConfig },
  kernels: Kernels,
  capacity: number,
  where: (name: string) => string = (n) => n,
): DecodedCheckpoint {
  const config = files.config;
  const modelPath = where(FILES.model);
  const modelBytes = files["model.safetensors"];
  if (sha256Hex(modelBytes) !== config.files?.["model.safetensors"]) {
    throw new CheckpointError("does not match config.json (sha256 differs): the files come from different saves; retrain or restore both", modelPath);
  }
  const tensors = parseSafetensors(modelBytes, modelPath).tensors;
  try {
    checkMemory(config.model, kernels.arena, { batchSize: capacity });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new CheckpointError(`describes a model the memory cannot hold (${e.message.replace(/: use a smaller .*$/, "")}); the file is damaged or was edited`, where(FILES.config));
  }
  const model = buildModel(config.model, kernels, capacity);
  const statePath = where(FILES.state);
  const stateBytes = files["train_state.safetensors"];
  if (stateBytes === undefined) {
    loadModelTensors(model, tensors, "", modelPath);
    return { config, model, losses: null, optimizerState: null, bestModel: null };
  }
  if (sha256Hex(stateBytes) !== config.files?.["train_state.safetensors"]) {
    throw new CheckpointError("does not match config.json (sha256 differs)", statePath);
  }
  const state = parseSafetensors(stateBytes, statePath).tensors;
  const lossi = state.lossi;
  if (!lossi || lossi.dtype !== "F32" || lossi.shape[0] !== config.stepsDone) {
    throw new CheckpointError(`lossi must be F32 (${config.stepsDone})`, statePath);
  }
  if (config.version >= 3) loadModelTensors(model, state, STATE_MODEL_PREFIX, statePath);
  else loadModelTensors(model, tensors, "", modelPath); // version 2: model.safetensors is the current model
  return { config, model, losses: lossi.data as Float32Array, optimizerState: state, bestModel: config.best === null ? null : modelBytes };
}

/** Writes saved optimizer tensors into a fresh optimizer over the same parameters. */
export function restoreOptimizer(optimizer: Optimizer, saved: Record<string, TensorRecord>, steps: number, where: string = FILES.state): void {
  for (const b of optimizer.state()) assign(saved, b.name, b.shape, b.data.view, true, where);
  optimizer.stepCount = steps;
}

/** The lines of a metrics.jsonl text (blank lines skipped); a malformed line is a CheckpointError naming it. */
export function decodeMetrics(text: string, where: string): MetricLine[] {
  const out: MetricLine[] = [];
  text.split("\n").forEach((l, i) => {
    if (l.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw new CheckpointError(`is not valid JSON (${(e as Error).message}); the file is damaged`, `${where}:${i + 1}`);
    }
    out.push(checkMetricLine(v, `${where}:${i + 1}`));
  });
  return out;
}
