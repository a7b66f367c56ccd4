// A run's checkpoint as bytes (no file system here: src/node/run_dir.ts writes and reads the files,
// a browser can keep them anywhere):
//   model.safetensors        parameters and buffers under their state_dict names (the lecture model:
//                            C, W1, b1, W2, b2, bngain, bnbias, bnmean_running, bnvar_running, and
//                            bnmean/bnvar once calibrated), float32 — `safetensors.torch.load_file`
//                            reads it in PyTorch
//   train_state.safetensors  `lossi`, the minibatch loss of every step done, and the optimizer's state
//                            (`optimizer.exp_avg.<name>`, … for AdamW)
//   metrics.jsonl            one JSON object per line: {step, loss, lr}; evaluations {step, split, loss, bnStats}
//   config.json              the settings tree (model, optimizer, schedule, vocabulary, data, training),
//                            steps done, the generator's state, the optimizer's step count, the final
//                            losses, and the sha256 of the two safetensors files it goes with

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CheckpointError, ConfigError, MakemoreError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import { isFiniteModel, type Model } from "../models/model.ts";
import { checkMemory } from "../models/memory.ts";
import { buildModel } from "../models/registry.ts";
import type { GeneratorState } from "../random/generator.ts";
import { parseSafetensors, serializeSafetensors, type TensorRecord } from "../tensor/safetensors.ts";
import type { RunSettings } from "./config.ts";
import type { EvalStats, SplitLosses } from "./evaluate.ts";
import type { Optimizer } from "./optimizer.ts";
import { checkMetricLine, checkRunConfig } from "./run_config_schema.ts";

export const CHECKPOINT_FORMAT = "makemore-ts/run";
export const CHECKPOINT_VERSION = 2;

export interface RunConfig extends RunSettings {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Steps the run was asked for. */
  steps: number;
  stepsDone: number;
  generator: GeneratorState;
  /** The optimizer's own step count (AdamW's bias correction). */
  optimizerSteps: number;
  /** Split losses after training (null until evaluated). */
  metrics: (SplitLosses & { bnStats: EvalStats | null; step: number }) | null;
  files: { "model.safetensors": string; "train_state.safetensors": string };
}

export type MetricLine =
  | { step: number; loss: number; lr: number }
  | { step: number; split: string; loss: number; bnStats: EvalStats | null };

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

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

const f32 = (shape: readonly number[], data: Float32Array): TensorRecord => ({ dtype: "F32", shape: [...shape], data: data.slice() });

/** The model's tensors under their state_dict names (BatchNorm statistics never calibrated left out). */
export function modelTensors(model: Model): Record<string, TensorRecord> {
  const out: Record<string, TensorRecord> = {};
  for (const p of model.parameters()) out[p.name] = f32(p.shape, p.data.view);
  const uncalibrated = new Set(model.batchNorms().filter((bn) => !bn.isCalibrated).flatMap((bn) => [bn.calibratedMean, bn.calibratedVar]));
  for (const b of model.buffers()) if (!uncalibrated.has(b)) out[b.name] = f32(b.shape, b.data.view);
  return out;
}

export interface EncodeInput {
  config: Omit<RunConfig, "files" | "format" | "version">;
  model: Model;
  optimizer: Optimizer;
  losses: Float32Array;
  metrics: readonly MetricLine[];
}

/** The checkpoint's files; refuses parameters that are not finite (the last good save stays). */
export function encodeCheckpoint({ config, model, optimizer, losses, metrics }: EncodeInput): CheckpointFiles {
  if (!isFiniteModel(model)) throw new MakemoreError(`the parameters are no longer finite (step ${config.stepsDone}), not saving them`);
  const modelBytes = serializeSafetensors(modelTensors(model), {
    format: CHECKPOINT_FORMAT,
    type: config.model.type,
    vocabulary: config.vocabulary.join(""),
    steps: String(config.stepsDone),
  });
  const state: Record<string, TensorRecord> = { lossi: f32([config.stepsDone], losses.subarray(0, config.stepsDone)) };
  for (const b of optimizer.state()) state[b.name] = f32(b.shape, b.data.view);
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
    "metrics.jsonl": metrics.map((m) => JSON.stringify(m)).join("\n") + (metrics.length ? "\n" : ""),
    "config.json": JSON.stringify(full, null, 2) + "\n",
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
  if (version !== CHECKPOINT_VERSION) throw bad(`has version ${JSON.stringify(version) ?? "(none)"}; this makemore-ts reads version ${CHECKPOINT_VERSION}`);
  return checkRunConfig(c as Record<string, unknown>, where);
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
  model: Model;
  /** Minibatch loss of every step done. */
  /** The minibatch losses (null if train_state.safetensors was not given). */
  losses: Float32Array | null;
  /** The optimizer's saved tensors (written into a new optimizer by `restoreOptimizer`; null without train_state). */
  optimizerState: Record<string, TensorRecord> | null;
}

/**
 * A checkpoint's model (on `kernels`, for up to `capacity` examples per forward), and its losses and
 * optimizer state if train_state.safetensors is given. `where(name)` names a file in errors.
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
  for (const p of model.parameters()) assign(tensors, p.name, p.shape, p.data.view, true, modelPath);
  for (const bn of model.batchNorms()) {
    for (const b of [bn.runningMean, bn.runningVar]) assign(tensors, b.name, b.shape, b.data.view, true, modelPath);
    const hasMean = assign(tensors, bn.calibratedMean.name, bn.calibratedMean.shape, bn.calibratedMean.data.view, false, modelPath);
    const hasVar = assign(tensors, bn.calibratedVar.name, bn.calibratedVar.shape, bn.calibratedVar.data.view, false, modelPath);
    if (hasMean !== hasVar) throw new CheckpointError(`has only one of ${bn.calibratedMean.name} and ${bn.calibratedVar.name}`, modelPath);
    bn.evalStats = hasMean ? "calibrated" : "running";
  }
  const statePath = where(FILES.state);
  const stateBytes = files["train_state.safetensors"];
  if (stateBytes === undefined) return { config, model, losses: null, optimizerState: null };
  if (sha256Hex(stateBytes) !== config.files?.["train_state.safetensors"]) {
    throw new CheckpointError("does not match config.json (sha256 differs)", statePath);
  }
  const state = parseSafetensors(stateBytes, statePath).tensors;
  const lossi = state.lossi;
  if (!lossi || lossi.dtype !== "F32" || lossi.shape[0] !== config.stepsDone) {
    throw new CheckpointError(`lossi must be F32 (${config.stepsDone})`, statePath);
  }
  return { config, model, losses: lossi.data as Float32Array, optimizerState: state };
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
