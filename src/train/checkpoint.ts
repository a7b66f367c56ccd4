// A run directory (Node): everything needed to use a trained model, and to resume its training exactly.
//   DIR/model.safetensors   parameters and BatchNorm statistics under the lectures' names (C, W1, b1,
//                           W2, b2, bngain, bnbias, bnmean_running, bnvar_running, and bnmean/bnvar once
//                           calibrated), float32 — `safetensors.torch.load_file` reads it in PyTorch
//   DIR/config.json         vocabulary, hyperparameters, seed, data, steps done, the generator's state,
//                           final metrics, and the sha256 of the two safetensors files
//   DIR/metrics.jsonl       one JSON object per line: {step, loss, lr} for every step below 100, then
//                           every `logEvery` steps; evaluations as {step, split, loss, bnStats}
//   DIR/train_state.safetensors   `lossi`, the minibatch loss of every step done (for the loss curve)
// Each file is written atomically, config.json last: it names the sha256 of the files it goes with, so a
// crash between two renames is detected on load as a mismatch rather than silently resumed.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CheckpointError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import { MLP, mlpConfig, type MLPConfig } from "../models/mlp.ts";
import type { InitPreset } from "../models/init.ts";
import type { GeneratorState, TorchVersion } from "../random/generator.ts";
import { parseSafetensors, serializeSafetensors, type TensorRecord } from "../tensor/safetensors.ts";
import { writeFileAtomicSync } from "../util/atomic-write.ts";
import type { EvalStats, SplitLosses } from "./evaluate.ts";

export const CHECKPOINT_FORMAT = "makemore-ts/mlp";
export const CHECKPOINT_VERSION = 1;

/** What defines a run: two runs with equal settings are the same run (steps may be extended). */
export interface RunSettings {
  model: MLPConfig;
  vocabulary: string[];
  data: { file: string; sha256: string; words: number; splitSeed: number | null };
  training: {
    batchSize: number;
    lr: number;
    lrDecayStep: number;
    lrAfterDecay: number;
    seed: string;
    init: InitPreset;
    torchVersion: TorchVersion;
  };
}

export interface RunConfig extends RunSettings {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Steps the run was asked for. */
  steps: number;
  stepsDone: number;
  generator: GeneratorState;
  /** Split losses after training (null until evaluated). */
  metrics: (SplitLosses & { bnStats: EvalStats; step: number }) | null;
  files: { "model.safetensors": string; "train_state.safetensors": string };
}

export type MetricLine =
  | { step: number; loss: number; lr: number }
  | { step: number; split: string; loss: number; bnStats: EvalStats };

export const FILES = {
  model: "model.safetensors",
  config: "config.json",
  metrics: "metrics.jsonl",
  state: "train_state.safetensors",
} as const;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The model's tensors under the lectures' names (uncalibrated BatchNorm statistics left out). */
export function modelTensors(model: MLP): Record<string, TensorRecord> {
  const out: Record<string, TensorRecord> = {};
  for (const p of model.parameters()) out[p.name] = { dtype: "F32", shape: [...p.shape], data: p.data.view.slice() };
  for (const b of model.buffers()) {
    if (model.bn && !model.bn.isCalibrated && (b === model.bn.calibratedMean || b === model.bn.calibratedVar)) continue;
    out[b.name] = { dtype: "F32", shape: [...b.shape], data: b.data.view.slice() };
  }
  return out;
}

export interface SaveInput {
  dir: string;
  config: Omit<RunConfig, "files" | "format" | "version">;
  model: MLP;
  losses: Float32Array;
  metrics: readonly MetricLine[];
}

/** Writes the run directory (creating it); config.json last. */
export function saveRun({ dir, config, model, losses, metrics }: SaveInput): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(`cannot create the run directory: ${(e as Error).message}`, dir);
  }
  const modelBytes = serializeSafetensors(modelTensors(model), {
    format: CHECKPOINT_FORMAT,
    vocabulary: config.vocabulary.join(""),
    steps: String(config.stepsDone),
  });
  const stateBytes = serializeSafetensors({
    lossi: { dtype: "F32", shape: [config.stepsDone], data: losses.slice(0, config.stepsDone) },
  });
  const full: RunConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...config,
    files: { "model.safetensors": sha256(modelBytes), "train_state.safetensors": sha256(stateBytes) },
  };
  const write = (name: string, data: Uint8Array | string) => {
    try {
      writeFileAtomicSync(join(dir, name), data);
    } catch (e) {
      throw new CheckpointError(`cannot write: ${(e as Error).message}`, join(dir, name));
    }
  };
  write(FILES.model, modelBytes);
  write(FILES.state, stateBytes);
  write(FILES.metrics, metrics.map((m) => JSON.stringify(m)).join("\n") + (metrics.length ? "\n" : ""));
  write(FILES.config, JSON.stringify(full, null, 2) + "\n");
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

/** Reads and validates config.json. */
export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, FILES.config);
  let c: RunConfig;
  try {
    c = JSON.parse(new TextDecoder().decode(readBytes(dir, FILES.config)));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`is not valid JSON (${(e as Error).message}); the file is damaged`, path);
  }
  const bad = (what: string) => new CheckpointError(what, path);
  if (c === null || typeof c !== "object" || c.format !== CHECKPOINT_FORMAT) {
    throw bad(`is not a makemore-ts run (format ${JSON.stringify((c as { format?: unknown })?.format)})`);
  }
  if (c.version !== CHECKPOINT_VERSION) throw bad(`has version ${c.version}; this makemore-ts reads version ${CHECKPOINT_VERSION}`);
  if (!Array.isArray(c.vocabulary) || c.vocabulary[0] !== ".") throw bad("has no valid vocabulary");
  if (!Number.isInteger(c.stepsDone) || c.stepsDone < 0) throw bad("has an invalid stepsDone");
  try {
    c.model = mlpConfig(c.model?.vocabSize, c.model);
  } catch (e) {
    throw bad(`has an invalid model config: ${(e as Error).message}`);
  }
  if (c.model.vocabSize !== c.vocabulary.length) throw bad("vocabulary and model vocabSize disagree");
  return c;
}

export interface LoadedRun {
  config: RunConfig;
  model: MLP;
  /** Minibatch loss of every step done. */
  losses: Float32Array;
  metrics: MetricLine[];
}

/** Loads a run directory into a new model on `kernels` that takes up to `capacity` examples at once. */
export function loadRun(dir: string, kernels: Kernels, capacity: number): LoadedRun {
  const config = readRunConfig(dir);
  const modelPath = join(dir, FILES.model);
  const modelBytes = readBytes(dir, FILES.model);
  if (sha256(modelBytes) !== config.files?.["model.safetensors"]) {
    throw new CheckpointError(
      "does not match config.json (sha256 differs): the files come from different saves; retrain or restore both",
      modelPath,
    );
  }
  const file = parseSafetensors(modelBytes, modelPath);
  const model = new MLP(config.model, kernels, capacity);
  const assign = (name: string, shape: readonly number[], target: Float32Array, required: boolean) => {
    const t = file.tensors[name];
    if (t === undefined) {
      if (required) throw new CheckpointError(`has no tensor "${name}" (the model's config needs it)`, modelPath);
      return false;
    }
    if (t.dtype !== "F32" || t.shape.join(",") !== shape.join(",")) {
      throw new CheckpointError(
        `tensor "${name}" is ${t.dtype} (${t.shape.join(", ")}), expected F32 (${shape.join(", ")})`,
        modelPath,
      );
    }
    target.set(t.data as Float32Array);
    return true;
  };
  for (const p of model.parameters()) assign(p.name, p.shape, p.data.view, true);
  if (model.bn) {
    const bn = model.bn;
    assign(bn.runningMean.name, bn.runningMean.shape, bn.runningMean.data.view, true);
    assign(bn.runningVar.name, bn.runningVar.shape, bn.runningVar.data.view, true);
    const hasMean = assign(bn.calibratedMean.name, bn.calibratedMean.shape, bn.calibratedMean.data.view, false);
    const hasVar = assign(bn.calibratedVar.name, bn.calibratedVar.shape, bn.calibratedVar.data.view, false);
    if (hasMean !== hasVar) throw new CheckpointError("has only one of bnmean and bnvar", modelPath);
    bn.evalStats = hasMean ? "calibrated" : "running";
  }
  const statePath = join(dir, FILES.state);
  const stateBytes = readBytes(dir, FILES.state);
  if (sha256(stateBytes) !== config.files?.["train_state.safetensors"]) {
    throw new CheckpointError("does not match config.json (sha256 differs)", statePath);
  }
  const lossi = parseSafetensors(stateBytes, statePath).tensors.lossi;
  if (!lossi || lossi.dtype !== "F32" || lossi.shape[0] !== config.stepsDone) {
    throw new CheckpointError(`lossi must be F32 (${config.stepsDone})`, statePath);
  }
  return { config, model, losses: lossi.data as Float32Array, metrics: readMetrics(dir) };
}

/** The lines of metrics.jsonl (empty if the file is missing). */
export function readMetrics(dir: string): MetricLine[] {
  const path = join(dir, FILES.metrics);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "");
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as MetricLine;
    } catch {
      throw new CheckpointError(`line ${i + 1} is not valid JSON`, path);
    }
  });
}

/** The first difference between two runs' settings, or null when they are the same run. */
export function settingsDiff(a: RunSettings, b: RunSettings): string | null {
  const flat = (s: RunSettings): Record<string, unknown> => ({
    ...Object.fromEntries(Object.entries(s.model).map(([k, v]) => [`model.${k}`, v])),
    vocabulary: s.vocabulary.join(""),
    "data.sha256": s.data.sha256,
    "data.splitSeed": s.data.splitSeed,
    ...Object.fromEntries(Object.entries(s.training).map(([k, v]) => [`training.${k}`, v])),
  });
  const fa = flat(a);
  const fb = flat(b);
  for (const k of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
    if (JSON.stringify(fa[k]) !== JSON.stringify(fb[k])) return `${k}: ${JSON.stringify(fa[k])} vs ${JSON.stringify(fb[k])}`;
  }
  return null;
}
