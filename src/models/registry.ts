// The registry of model types, in makemore.py's spirit (`--type transformer`): each type has one typed
// config with its defaults written once, the flags that set it, the training its paper or lecture
// used, a builder, and an init that draws the parameters from a Generator in PyTorch's order. Training,
// evaluation, sampling, checkpoints, diagnostics and the CLI work on any type registered here.
//
// Adding a type: its own file (the model class and its ModelType) and one line in TYPES below. Its
// memory is then checked like the others' (memory.ts builds it on a PlanArena), provided its builder
// only allocates.

export type { ConfigField, ModelType, SplitConfig, TrainingDefaults } from "./model_type.ts";

import type { Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import type { Generator } from "../random/generator.ts";
import type { Model, ModelConfigBase } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { BIGRAM } from "./bigram.ts";
import { BOW } from "./bow.ts";
import { DEEP } from "./deep.ts";
import { LECTURE } from "./lecture.ts";
import { MLP } from "./mlp.ts";
import { GRU, RNN } from "./rnn.ts";
import { TRANSFORMER } from "./transformer.ts";
import { WAVENET } from "./wavenet.ts";

const TYPES: readonly ModelType<any>[] = [LECTURE, DEEP, WAVENET, BIGRAM, MLP, RNN, GRU, BOW, TRANSFORMER]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The default type of `makemore train`. */
export const DEFAULT_MODEL_TYPE = "lecture";

export function modelTypes(): readonly ModelType[] {
  return TYPES;
}

export function modelTypeNames(): string[] {
  return TYPES.map((t) => t.type);
}

export function modelType(name: string): ModelType {
  const t = TYPES.find((x) => x.type === name);
  if (!t) throw new ConfigError(`unknown model type "${name}": use one of ${modelTypeNames().join(", ")}`);
  return t;
}

/**
 * A complete, checked model config of `type`: its defaults, then `overrides` (unknown keys are an
 * error naming the type's fields), vocabSize and blockSize from the data.
 */
export function modelConfig(type: string, data: { vocabSize: number; blockSize?: number }, overrides: Record<string, unknown> = {}): ModelConfigBase {
  const t = modelType(type);
  const known = new Set(["type", "vocabSize", "blockSize", ...Object.keys(t.defaults)]);
  for (const k of Object.keys(overrides)) {
    if (!known.has(k)) throw new ConfigError(`model type "${type}" has no setting "${k}" (its settings: ${[...known].slice(1).join(", ")})`);
  }
  const c = { ...t.defaults, ...overrides, type, vocabSize: data.vocabSize } as Record<string, unknown>;
  if (t.data === "sequences" || c.blockSize === undefined) c.blockSize = data.blockSize ?? overrides.blockSize;
  return checkModelConfig(c);
}

/** Checks a model config read from a file or built from flags; returns it typed. */
export function checkModelConfig(raw: unknown): ModelConfigBase {
  if (raw === null || typeof raw !== "object") throw new ConfigError("the model config must be an object");
  const c = raw as Record<string, unknown>;
  const t = modelType(String(c.type));
  const fail = (k: string, what: string) => new ConfigError(`model.${k} must be ${what} (got ${JSON.stringify(c[k])})`);
  const posInt = (k: string) => {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) < 1) throw fail(k, "a positive integer");
  };
  posInt("vocabSize");
  posInt("blockSize");
  if ((c.vocabSize as number) < 2) throw fail("vocabSize", "at least 2");
  for (const k of Object.keys(t.defaults)) {
    if (k === "type") continue;
    if (!(k in c)) throw new ConfigError(`model.${k} is missing`);
    const want = typeof (t.defaults as Record<string, unknown>)[k];
    if (typeof c[k] !== want) throw fail(k, `a ${want}`);
  }
  for (const f of t.fields) {
    const v = c[f.key];
    if (f.kind === "int" && (!Number.isSafeInteger(v) || (v as number) < (f.min ?? 1))) throw fail(f.key, `an integer >= ${f.min ?? 1}`);
    if (f.kind === "number") {
      if (typeof v !== "number" || !Number.isFinite(v)) throw fail(f.key, "a finite number");
      if (f.min !== undefined && v < f.min) throw fail(f.key, `>= ${f.min}`);
      if (f.max !== undefined && v > f.max) throw fail(f.key, `<= ${f.max}`);
    }
    if (f.kind === "choice" && !f.choices!.includes(v as string)) throw fail(f.key, `one of ${f.choices!.join(", ")}`);
  }
  t.check?.(c as never);
  return c as unknown as ModelConfigBase;
}

/** A model of `config`'s type, for up to `capacity` examples per forward pass (parameters not drawn). */
export function buildModel(config: ModelConfigBase, kernels: Kernels, capacity: number): Model {
  return modelType(config.type).build(checkModelConfig(config) as never, kernels, capacity);
}

/** Draws `model`'s initial parameters from `g` as its type does. */
export function initModel(model: Model, g: Generator): void {
  modelType(model.type).init(model, g);
}
