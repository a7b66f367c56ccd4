// What every model type gives the rest of makemore-ts (training, evaluation, sampling, checkpoints,
// diagnostics, reports, the CLI): token indices in, logits out, a loss with an ignored target index,
// a hand-written backward, named parameters (the names PyTorch's `state_dict` would use), buffers
// (running statistics), train/eval mode, and its activations by name for the diagnostics.
//
// Letters: B batch (examples), T block size (the input's positions), V vocabulary.
//   forward:  X (B, T) int32 -> logits (B, V)     one prediction per example (the lectures' windows)
//                            -> logits (B, T, V)  one per position (makemore.py's sequences)
//   loss:     mean cross-entropy over the targets that are not -1
//   backward: p.grad += ∂loss/∂p for every parameter (zeroGrad first)
// `targetsPerRow` says which (1 or T): a dataset row's Y holds that many targets.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import type { BatchNorm1d } from "../nn/batchnorm.ts";
import { CrossEntropyLoss } from "../nn/cross_entropy.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { Act, Buffer, Layer, Parameter } from "../nn/layer.ts";

/** A model's configuration: tagged by its type; vocabSize and blockSize come from the data. */
export interface ModelConfigBase {
  type: string;
  vocabSize: number;
  blockSize: number;
}

/** An activation by name, for the diagnostics: its last output and the gradient it received. */
export interface NamedAct {
  /** The lectures' name where they give one (hprebn, hpreact, h, logits), else `<kind><index>`. */
  readonly name: string;
  /** PyTorch's class of the layer that produced it: "Linear", "BatchNorm1d", "Tanh", … */
  readonly kind: string;
  readonly act: Act | null;
  /** Gradient of the output in the last backward pass (null before one). */
  readonly grad: F32Buf | null;
}

export interface Model {
  readonly type: string;
  readonly config: ModelConfigBase;
  readonly kernels: Kernels;
  /** Most examples (rows of X) one forward pass takes. */
  readonly capacity: number;
  readonly vocabSize: number;
  readonly blockSize: number;
  /** Targets per example: 1 (the token after the context) or blockSize (one per position). */
  readonly targetsPerRow: number;
  /** Logits for X (B, T): (B, V) or (B, T, V). */
  forward(X: Tokens): Act;
  /** Mean cross-entropy of the last forward's logits against Y (B·targetsPerRow; -1 is ignored). */
  loss(Y: Int32Array): number;
  /** Backpropagates the last loss into every parameter's gradient (accumulating). */
  backward(): void;
  /** Parameters in PyTorch's construction order, under their state_dict names (one array, reused). */
  parameters(): readonly Parameter[];
  /** Non-trainable state saved with the model. */
  buffers(): Buffer[];
  train(mode: boolean): void;
  readonly training: boolean;
  /** Every activation worth looking at, in forward order, the logits last. */
  activations(): NamedAct[];
  /** The BatchNorm layers, in forward order (calibration, the choice of evaluation statistics). */
  batchNorms(): readonly BatchNorm1d[];
  /**
   * The input `layer` (one of `batchNorms()`) receives for X: the forward pass run as far as that
   * layer and no further (calibration needs nothing after it).
   */
  inputOf(X: Tokens, layer: Layer): Act;
  /** The character embedding table (V, E) for the embedding plot, or null. */
  embeddingTable(): Parameter | null;
}

/** The parts every model shares: parameter lookup, zeroGrad, the loss, the parameter count. */
export abstract class ModelBase implements Model {
  abstract readonly type: string;
  abstract readonly config: ModelConfigBase;
  readonly vocabSize: number;
  readonly blockSize: number;
  abstract readonly targetsPerRow: number;
  training = true;
  readonly lossFn: CrossEntropyLoss;
  protected logits: Act | null = null;
  private params: Parameter[] | null = null;

  constructor(
    readonly kernels: Kernels,
    readonly capacity: number,
    config: ModelConfigBase,
    targetsPerRow: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new ConfigError(`capacity must be a positive integer (got ${capacity})`);
    this.vocabSize = config.vocabSize;
    this.blockSize = config.blockSize;
    this.lossFn = new CrossEntropyLoss(kernels, config.vocabSize, capacity * targetsPerRow);
  }

  abstract forward(X: Tokens): Act;
  abstract backward(): void;
  protected abstract collectParameters(): Parameter[];
  abstract buffers(): Buffer[];
  abstract activations(): NamedAct[];
  abstract batchNorms(): readonly BatchNorm1d[];
  abstract embeddingTable(): Parameter | null;
  protected abstract setMode(mode: boolean): void;

  /** A model without BatchNorm has no layer to run up to (StackModel has). */
  inputOf(_X: Tokens, layer: Layer): Act {
    throw new Error(`${this.type}: no ${layer.kind} layer to run the forward pass up to`);
  }

  train(mode = true): void {
    this.training = mode;
    this.setMode(mode);
  }

  loss(Y: Int32Array): number {
    if (this.logits === null) throw new Error(`${this.type}: loss called before forward`);
    return this.lossFn.forward(this.logits, Y);
  }

  /** dloss/dlogits of the last loss. */
  protected dlogits(): F32Buf {
    return this.lossFn.backward();
  }

  parameters(): readonly Parameter[] {
    return (this.params ??= this.collectParameters());
  }

  parameter(name: string): Parameter {
    return parameterOf(this, name);
  }

  numParameters(): number {
    return numParameters(this);
  }

  zeroGrad(): void {
    zeroGrad(this);
  }
}

export function numParameters(model: Model): number {
  return model.parameters().reduce((n, p) => n + p.data.length, 0);
}

/** True when every parameter value is finite (no NaN or infinity). */
export function isFiniteModel(model: Model): boolean {
  for (const p of model.parameters()) {
    const v = p.data.view;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  }
  return true;
}

/** Sets every gradient to zero (PyTorch's `p.grad = None` before a backward). */
export function zeroGrad(model: Model): void {
  for (const p of model.parameters()) model.kernels.fill(p.grad, 0);
}

/** A parameter by name. */
export function parameterOf(model: Model, name: string): Parameter {
  const p = model.parameters().find((q) => q.name === name);
  if (!p) throw new ConfigError(`${model.type} has no parameter named ${name}`);
  return p;
}
