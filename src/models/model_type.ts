// What a model type declares (its file's ModelType): its config's defaults, written once; the flags
// that set its fields; the training its lecture or script used; its builder and init. The registry
// (registry.ts) lists the types.

import type { SplitConfig } from "../data/corpus.ts";
import type { Kernels } from "../kernels/index.ts";
import type { Generator } from "../random/generator.ts";
import type { Model, ModelConfigBase } from "./model.ts";

export type { SplitConfig };

/** A config field that a flag sets: `--n-embd 10` → nEmbd. */
export interface ConfigField {
  key: string;
  /** The flag, e.g. "--n-embd"; a boolean field defaulting to true is turned off by "--no-…". */
  flag: string;
  help: string;
  kind: "int" | "number" | "bool" | "choice";
  choices?: readonly string[];
  min?: number;
  max?: number;
}

/**
 * A number field's text: a number, or a fraction of two ("5/3" is 5/3 in double precision, as Python's
 * 5/3; the CLI's flags and the lab's URL take it); NaN otherwise.
 */
export function parseNumber(value: string): number {
  const t = value.trim();
  if (t === "") return NaN;
  const parts = t.split("/");
  if (parts.length === 2 && parts[0].trim() !== "" && parts[1].trim() !== "") return Number(parts[0]) / Number(parts[1]);
  return parts.length === 1 ? Number(t) : NaN;
}

export const intField = (key: string, flag: string, help: string, min = 1): ConfigField => ({ key, flag, help, kind: "int", min });
export const numberField = (key: string, flag: string, help: string, range: { min?: number; max?: number } = {}): ConfigField => ({
  key, flag, help, kind: "number", ...range,
});
export const boolField = (key: string, flag: string, help: string): ConfigField => ({ key, flag, help, kind: "bool" });
export const choiceField = (key: string, flag: string, help: string, choices: readonly string[]): ConfigField => ({
  key, flag, help, kind: "choice", choices,
});


/** The training a type's lecture or script uses, the defaults of `makemore train --type T`. */
export interface TrainingDefaults {
  steps: number;
  batchSize: number;
  optimizer: { type: "sgd" } | { type: "adamw"; beta1: number; beta2: number; eps: number; weightDecay: number };
  /** lr before `decayStep`, lrAfterDecay from it on (decayStep null: the same lr throughout). */
  schedule: { lr: number; decayStep: number | null; lrAfterDecay: number };
  seed: number;
  split: SplitConfig;
  /** Which BatchNorm statistics the final evaluation uses (null: the model has none). */
  evalStats: "calibrated" | "running" | null;
}

export interface ModelType<C extends ModelConfigBase = ModelConfigBase> {
  readonly type: C["type"];
  readonly description: string;
  /**
   * What a dataset row is: "windows" — the lectures' context windows (X (N, blockSize), Y (N)), the
   * block size a setting; "sequences" — makemore.py's words (X, Y (N, L)), L = longest word + 1.
   */
  readonly data: "windows" | "sequences";
  /** Every field but vocabSize (and blockSize for "sequences"), which come from the data. */
  readonly defaults: Omit<C, "vocabSize" | "blockSize"> & Partial<Pick<C, "blockSize">>;
  /** The fields a flag sets. */
  readonly fields: readonly ConfigField[];
  readonly training: TrainingDefaults;
  /** Checks what the fields cannot (relations between them); throws a ConfigError. */
  check?(config: C): void;
  /**
   * A model for up to `capacity` examples per forward pass, parameters not yet drawn. It allocates
   * every buffer through `kernels.arena` and computes nothing: the memory check (memory.ts) builds
   * it on a PlanArena, a dry run that counts the buffers, before a real one is built.
   */
  build(config: C, kernels: Kernels, capacity: number): Model;
  /** Draws the parameters from `g` in PyTorch's order. */
  init(model: Model, g: Generator): void;
}

