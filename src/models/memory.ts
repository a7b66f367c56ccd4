// How much of the kernels' WebAssembly memory a model of a given config takes, and the check that
// refuses, before anything is allocated, sizes the memory cannot hold (a wasm32 memory holds at most
// 4 GiB): one line naming the settings responsible, instead of a failed allocation halfway through
// building the model.
//
// Nothing here knows a model's shapes. The model is built on a PlanArena (src/kernels/arena.ts), a dry
// run in which every buffer its builder allocates is counted and none exists: its parameters and their
// gradients, its buffers (running statistics), and the records of one forward and backward pass for
// `capacity` rows (activations, their gradients, the loss's buffers). The optimizer, built by the caller
// on the same plan, adds its state; the token batches a step and an evaluation chunk feed the model are
// added here. So a new model type is checked as soon as it is registered, provided its builder allocates
// through `kernels.arena` only (a builder must not compute: `init` and `forward` do that).
//
// Which settings are responsible is found the same way: each size setting (the batch size and every
// integer field of the type) is doubled in another dry run, and those the total grows with are named.

import { ConfigError } from "../errors.ts";
import { createTsKernels, formatBytes, PlanArena, type Arena, type Kernels } from "../kernels/index.ts";
import type { Parameter } from "../nn/layer.ts";
import type { ModelConfigBase } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { checkModelConfig, modelType } from "./registry.ts";

/** How a model is used, beyond its config: what sizes its buffers besides the model itself. */
export interface MemoryUse {
  /** Examples of a training step: the trainer's token batch (B, T) lives in the arena. */
  batchSize?: number;
  /**
   * Fewest rows a forward pass is built for, whatever the batch size (a run's evaluation chunk): the
   * model's capacity is max(batchSize, minRows).
   */
  minRows?: number;
  /** Builds the optimizer over `params` in `kernels` (a plan: its state is counted, nothing allocated). */
  optimizer?: (params: readonly Parameter[], kernels: Kernels) => unknown;
}

/** Bytes of the kernels' memory a model takes in use, by kind (alignment included). */
export interface MemoryPlan {
  /** Rows one forward pass is built for. */
  capacity: number;
  /** Parameters, their gradients and the model's buffers (running statistics). */
  parameters: number;
  /** The optimizer's state (AdamW's two moments; SGD none). */
  optimizer: number;
  /**
   * Everything else: the records of a forward and backward pass for `capacity` rows (activations,
   * their gradients, the loss's buffers) and the token batches (a training step's, an evaluation chunk's
   * with its targets and per-target losses).
   */
  activations: number;
  total: number;
}

/** The rows a forward pass is built for: the batch, or `minRows` if more. */
export function capacityOf(use: MemoryUse): number {
  return Math.max(validRows(use.batchSize) ?? 1, validRows(use.minRows) ?? 1);
}

/** What a model of `config` takes when used as `use` says, from a dry run of its construction. */
export function planMemory(config: ModelConfigBase, use: MemoryUse = {}): MemoryPlan {
  const c = checkModelConfig(config);
  return planOf(modelType(c.type), c, use);
}

/**
 * Throws a ConfigError unless a model of `config`, used as `use` says, fits in what `arena` can still
 * hand out: "--batch-size 10000000 with --n-hidden 200 needs about 56.7 GiB (activations for 10000000
 * examples at a time); the WebAssembly memory holds at most 4 GiB: use a smaller --batch-size". The
 * flags are the type's (ModelType.fields) and --batch-size. Returns the plan.
 */
export function checkMemory(config: ModelConfigBase, arena: Arena, use: MemoryUse = {}): MemoryPlan {
  const c = checkModelConfig(config);
  const type = modelType(c.type);
  const plan = planOf(type, c, use);
  const free = arena.bytesFree;
  if (plan.total <= free) return plan;

  // the settings the total grows with, most first; those set above their default are the ones to lower
  const knobs = sizeKnobs(type, c, use)
    .map((k) => ({ ...k, growth: growthOf(plan.total, () => planOf(type, k.config(2 * k.value), k.use(2 * k.value)).total) }))
    .filter((k) => k.growth >= 0.25)
    .sort((a, b) => b.growth - a.growth);
  const raised = knobs.filter((k) => k.value > k.default);
  const lower = raised.length > 0 ? raised : knobs.slice(0, 1);
  const rest = knobs.filter((k) => !lower.includes(k));
  const setting = (k: Knob) => `${k.flag} ${k.value}`;
  const subject = lower.length === 0
    ? `a ${type.type} model`
    : [lower.map(setting).join(" and "), ...(rest.length > 0 ? [rest.map(setting).join(" and ")] : [])].join(" with ");

  // what is in use matters when it is much, or when it is what tips the plan over; exact bytes when
  // the rounded sizes would read the same ("needs about 4 GiB; … holds at most 4 GiB")
  const limit = arena.bytesLimit;
  const inUse = limit - free;
  const exact = formatBytes(plan.total) === formatBytes(limit);
  const size = (n: number) => (exact ? `${n} bytes` : formatBytes(n));
  const holds = `the WebAssembly memory holds at most ${size(limit)}` +
    (inUse >= 64 * 2 ** 20 || plan.total <= limit ? `, ${size(inUse)} of it in use` : "");
  const advice = lower.length > 0 ? `use a smaller ${lower.map((k) => k.flag).join(" or ")}` : "use a smaller model or batch";
  throw new ConfigError(`${subject} needs about ${size(plan.total)} (${breakdown(plan)}); ${holds}: ${advice}`);
}

/** A size setting: the flag that sets it, its value and default, and the config and use with another value. */
interface Knob {
  flag: string;
  value: number;
  default: number;
  config: (v: number) => ModelConfigBase;
  use: (v: number) => MemoryUse;
}

/** The batch size and every integer field of the type (the settings that size buffers). */
function sizeKnobs(type: ModelType, c: ModelConfigBase, use: MemoryUse): Knob[] {
  const knobs: Knob[] = [];
  const batch = validRows(use.batchSize);
  if (batch !== undefined) {
    knobs.push({
      flag: "--batch-size", value: batch, default: type.training.batchSize,
      config: () => c, use: (v) => ({ ...use, batchSize: v }),
    });
  }
  const defaults = type.defaults as Record<string, unknown>;
  for (const f of type.fields) {
    const value = (c as unknown as Record<string, unknown>)[f.key];
    if (f.kind !== "int" || typeof value !== "number") continue;
    knobs.push({
      flag: f.flag, value, default: typeof defaults[f.key] === "number" ? (defaults[f.key] as number) : value,
      config: (v) => ({ ...c, [f.key]: v }), use: () => use,
    });
  }
  return knobs;
}

/** (total with the setting doubled − total) / total; 0 when the doubled setting is not a valid config. */
function growthOf(total: number, doubled: () => number): number {
  try {
    const t = doubled();
    return Number.isFinite(t) && Number.isFinite(total) && total > 0 ? (t - total) / total : 0;
  } catch (e) {
    if (e instanceof ConfigError) return 0;
    throw e;
  }
}

/** "activations for 1024 examples at a time" alone, or each kind of at least 1% with its size. */
function breakdown(p: MemoryPlan): string {
  const parts = [
    { bytes: p.activations, what: `activations for ${p.capacity} examples at a time` },
    { bytes: p.parameters, what: "parameters and gradients" },
    { bytes: p.optimizer, what: "optimizer state" },
  ].filter((x) => x.bytes >= 0.01 * p.total).sort((a, b) => b.bytes - a.bytes);
  if (parts.length === 1) return parts[0].what;
  return parts.map((x) => `${formatBytes(x.bytes)} of ${x.what}`).join(", ");
}

/** The dry run: the model, its optimizer and its token batches on a PlanArena. */
function planOf(type: ModelType, config: ModelConfigBase, use: MemoryUse): MemoryPlan {
  type.check?.(config as never);
  const arena = new PlanArena();
  const kernels = createTsKernels(arena); // never called: a builder only allocates
  const capacity = capacityOf(use);
  const model = type.build(config as never, kernels, capacity);
  const built = arena.bytesUsed;
  let parameters = 0;
  for (const p of model.parameters()) parameters += p.data.byteLength + p.grad.byteLength;
  for (const b of model.buffers()) parameters += b.data.byteLength;
  use.optimizer?.(model.parameters(), kernels);
  const optimizer = arena.bytesUsed - built;
  // the token batches: a training step's (B, T), and an evaluation chunk's (capacity, T) with its
  // targets and per-target losses (capacity · targetsPerRow each), scratch on top of everything else;
  // or, calibrating BatchNorm, a chunk's tokens on top of the layer's sums
  const T = model.blockSize;
  const batch = validRows(use.batchSize);
  if (batch !== undefined) arena.i32(batch * T);
  const mark = arena.mark();
  arena.i32(capacity * T);
  arena.i32(capacity * model.targetsPerRow);
  arena.f32(capacity * model.targetsPerRow);
  arena.release(mark);
  // BatchNorm's calibration (train/evaluate.ts): each layer's float64 sums under a chunk's tokens
  for (const bn of model.batchNorms()) {
    arena.f64(2 * bn.features);
    arena.i32(capacity * T);
    arena.release(mark);
  }
  const total = arena.bytesPeak;
  return { capacity, parameters, optimizer, activations: total - parameters - optimizer, total };
}

function validRows(n: number | undefined): number | undefined {
  return n !== undefined && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}
