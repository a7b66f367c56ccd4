// The optimizers of a run, behind one interface: the lectures' plain SGD (`p.data += -lr * p.grad`, see
// sgd.ts) and makemore.py's AdamW (`torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01,
// betas=(0.9, 0.99), eps=1e-8)`, see adamw.ts). The learning rate is not part of the optimizer: the
// schedule gives it to each `step(lr)`.
//
// An optimizer's state is a list of named float32 tensors in the kernels' arena (AdamW's exp_avg and
// exp_avg_sq, one of each per parameter; SGD has none) and a step count. A checkpoint saves both, and
// `--resume` writes them back into a fresh optimizer: then the next step is byte for byte the step an
// uninterrupted run would have taken.

import { ConfigError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import type { Buffer, Parameter } from "../nn/layer.ts";
import { sgdStep } from "./sgd.ts";
import { AdamW, checkLearningRate } from "./adamw.ts";

/** Plain SGD: p -= lr · grad. */
export type SgdConfig = { type: "sgd" };

/** torch.optim.AdamW's hyper-parameters (amsgrad and maximize off). */
export type AdamWConfig = { type: "adamw"; beta1: number; beta2: number; eps: number; weightDecay: number };

export type OptimizerConfig = SgdConfig | AdamWConfig;

/** makemore.py's AdamW: betas (0.9, 0.99), eps 1e-8, weight decay 0.01 (its learning rate, 5e-4, is the schedule's). */
export const ADAMW_DEFAULTS: Readonly<AdamWConfig> = Object.freeze({
  type: "adamw",
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  weightDecay: 0.01,
});

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Updates every parameter from its .grad at learning rate lr (allocates nothing). */
  step(lr: number): void;
  /** Optimizer steps taken so far (AdamW's bias correction). */
  stepCount: number;
  /**
   * State tensors to save in a checkpoint, named e.g. "optimizer.exp_avg.W1" / "optimizer.exp_avg_sq.W1"
   * (one per parameter, in parameter order); restoring = writing saved values into their .data and
   * setting stepCount. SGD has none.
   */
  state(): Buffer[];
}

/** An optimizer over `params`; its state buffers are allocated once, in `kernels.arena`, zeroed. */
export function createOptimizer(config: OptimizerConfig, params: readonly Parameter[], kernels: Kernels): Optimizer {
  const c = checkOptimizerConfig(config);
  return c.type === "sgd" ? new Sgd(c, params, kernels) : new AdamW(c, params, kernels);
}

/** The lectures' SGD through the Optimizer interface: exactly `sgdStep` (the same bytes). */
class Sgd implements Optimizer {
  stepCount = 0;

  constructor(
    readonly config: SgdConfig,
    private readonly params: readonly Parameter[],
    private readonly kernels: Kernels,
  ) {}

  step(lr: number): void {
    checkLearningRate(lr);
    sgdStep(this.kernels, this.params, lr); // p.data += -lr * p.grad
    this.stepCount++;
  }

  state(): Buffer[] {
    return [];
  }
}

const ADAMW_FIELDS = ["beta1", "beta2", "eps", "weightDecay"] as const;

/**
 * Checks an optimizer configuration (from a settings tree, a config.json, or code) and returns a copy
 * holding just its fields. The ranges are torch.optim.AdamW's: 0 <= beta < 1, eps >= 0, weight decay >= 0.
 * A field left undefined is ignored by SGD; a field set for SGD that only AdamW has is an error.
 */
export function checkOptimizerConfig(c: unknown): OptimizerConfig {
  if (typeof c !== "object" || c === null || Array.isArray(c)) {
    throw new ConfigError(`optimizer must be an object such as {"type": "adamw", ...} (got ${show(c)})`);
  }
  const o = c as Record<string, unknown>;
  const known = new Set<string>(["type", ...ADAMW_FIELDS]);
  for (const key of Object.keys(o)) {
    if (!known.has(key) && o[key] !== undefined) {
      throw new ConfigError(`optimizer.${key} is not an optimizer setting (known: ${[...known].join(", ")})`);
    }
  }
  if (o.type === "sgd") {
    for (const key of ADAMW_FIELDS) {
      if (o[key] !== undefined) {
        const flag = key === "weightDecay" ? " (--weight-decay)" : "";
        throw new ConfigError(`optimizer.${key}${flag} applies to AdamW only; this run's optimizer is SGD (--optimizer adamw to train with AdamW)`);
      }
    }
    return { type: "sgd" };
  }
  if (o.type !== "adamw") throw new ConfigError(`optimizer.type must be "sgd" or "adamw" (got ${show(o.type)})`);
  return {
    type: "adamw",
    beta1: inRange(o, "beta1", "in [0, 1)", (x) => x >= 0 && x < 1),
    beta2: inRange(o, "beta2", "in [0, 1)", (x) => x >= 0 && x < 1),
    eps: inRange(o, "eps", ">= 0", (x) => x >= 0),
    weightDecay: inRange(o, "weightDecay", ">= 0", (x) => x >= 0),
  };
}

function inRange(o: Record<string, unknown>, key: string, range: string, ok: (x: number) => boolean): number {
  const x = o[key];
  if (typeof x !== "number" || !Number.isFinite(x) || !ok(x)) {
    throw new ConfigError(`optimizer.${key} must be a finite number ${range} (got ${show(x)})`);
  }
  return x;
}

function show(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || x === null || x === undefined) return String(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
