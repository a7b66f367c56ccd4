// What makemore.py's models share (mlp, rnn, gru, bow, transformer): a row of T tokens in, a prediction
// at every position out — logits (B, T, V) against targets (B, T), -1 ignored — parameters under the
// names of makemore.py's state_dict in PyTorch's layout, no BatchNorm, and the training makemore.py
// runs: AdamW (lr 5e-4, weight decay 0.01, betas (0.9, 0.99), eps 1e-8), batches of 32 drawn with
// randint from the generator that drew the randperm split and the init (seed 3407).

import type { Kernels } from "../kernels/index.ts";
import type { BatchNorm1d } from "../nn/batchnorm.ts";
import type { Act, Buffer } from "../nn/layer.ts";
import type { F32Buf } from "../kernels/index.ts";
import { ModelBase, type ModelConfigBase } from "./model.ts";
import type { TrainingDefaults } from "./model_type.ts";
import { intField, type ConfigField } from "./model_type.ts";

/** makemore.py's training (its argparse defaults); 10000 steps: where its published losses are read. */
export const MAKEMORE_PY_TRAINING: TrainingDefaults = {
  steps: 10000,
  batchSize: 32,
  optimizer: { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 },
  schedule: { lr: 5e-4, decayStep: null, lrAfterDecay: 5e-4 },
  seed: 3407,
  split: { kind: "randperm" },
  evalStats: null,
};

/** makemore.py's --n-embd and --n-embd2 (64 each). */
export const N_EMBD = intField("nEmbd", "--n-embd", "width of each character's embedding (makemore.py: n_embd)");
export const N_EMBD2 = intField("nEmbd2", "--n-embd2", "width of the hidden state or layer (makemore.py: n_embd2)");
export const N_LAYER = intField("nLayer", "--n-layer", "transformer blocks (makemore.py: n_layer)");
export const N_HEAD = intField("nHead", "--n-head", "attention heads per block; must divide --n-embd (makemore.py: n_head)");
export type SequenceFields = readonly ConfigField[];

/** A model with a prediction at every position and no BatchNorm or buffers. */
export abstract class SequenceModel extends ModelBase {
  readonly targetsPerRow: number;

  constructor(kernels: Kernels, capacity: number, config: ModelConfigBase) {
    super(kernels, capacity, config, config.blockSize);
    this.targetsPerRow = config.blockSize;
  }

  buffers(): Buffer[] {
    return [];
  }

  batchNorms(): readonly BatchNorm1d[] {
    return [];
  }

  protected setMode(): void {}

  /** Rows (B) and positions (T) of X (B, T), checked against the capacity. */
  protected rowsOf(shape: readonly number[]): { B: number; T: number } {
    const [B, T] = shape;
    if (shape.length !== 2 || T !== this.blockSize) {
      throw new Error(`${this.type}: expected tokens (B, ${this.blockSize}), got (${shape.join(", ")})`);
    }
    if (B > this.capacity) throw new Error(`${this.type}: ${B} rows exceed the ${this.capacity} this model was built for`);
    return { B, T };
  }
}

/** An Act over `buf` shaped like `shape` (B, T, C), reused while B is the same (no allocation per step). */
export function streamAct(prev: Act | null, buf: F32Buf, shape: readonly number[]): Act {
  return prev !== null && prev.shape[0] === shape[0] ? prev : { data: buf, shape: [...shape] };
}
