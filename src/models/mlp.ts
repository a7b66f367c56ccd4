// The MLP of Bengio et al. 2003 ("A Neural Probabilistic Language Model") as makemore parts 2–4 build
// it: embed the last `blockSize` characters with a shared table C, concatenate, a hidden layer with
// BatchNorm and tanh, and logits over the vocabulary.
//
// Letters: B batch, T block size (context), E embedding width (n_embd), H hidden (n_hidden), V vocabulary.
//   emb     = C[X]                    // (B,T) -> (B,T,E)
//   embcat  = emb.view(B, T*E)        // (B,T*E)
//   hprebn  = embcat @ W1 + b1        // (B,T*E) @ (T*E,H) -> (B,H)
//   hpreact = BatchNorm1d(hprebn)     // (B,H)       (skipped with batchNorm: false)
//   h       = tanh(hpreact)           // (B,H)
//   logits  = h @ W2 + b2             // (B,H) @ (H,V) -> (B,V)

import type { Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { BatchNorm1d } from "../nn/batchnorm.ts";
import { CrossEntropyLoss } from "../nn/cross_entropy.ts";
import { Embedding, type Tokens } from "../nn/embedding.ts";
import { FlattenConsecutive } from "../nn/flatten.ts";
import type { Act, Buffer, Layer, LayerContext, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Sequential } from "../nn/sequential.ts";
import { Tanh } from "../nn/tanh.ts";

export interface MLPConfig {
  /** V: tokens in the vocabulary, the boundary token included (27 for names.txt). */
  vocabSize: number;
  /** T: characters of context used to predict the next one. */
  blockSize: number;
  /** E: width of each character's embedding. */
  nEmbd: number;
  /** H: neurons in the hidden layer. */
  nHidden: number;
  /** BatchNorm1d between the hidden layer and tanh. */
  batchNorm: boolean;
  /** Running-statistics momentum (the lectures: 0.001). */
  bnMomentum: number;
  /** Bessel's correction in the batch variance (the lectures: true; PyTorch's nn.BatchNorm1d: false). */
  bnUnbiased: boolean;
}

/** The lectures' model for names.txt: 12297 parameters. */
export const DEFAULT_MLP_CONFIG: Omit<MLPConfig, "vocabSize"> = {
  blockSize: 3,
  nEmbd: 10,
  nHidden: 200,
  batchNorm: true,
  bnMomentum: 0.001,
  bnUnbiased: true,
};

export function mlpConfig(vocabSize: number, overrides: Partial<MLPConfig> = {}): MLPConfig {
  const c: MLPConfig = { ...DEFAULT_MLP_CONFIG, vocabSize, ...overrides };
  for (const k of ["vocabSize", "blockSize", "nEmbd", "nHidden"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new ConfigError(`${k} must be a positive integer (got ${c[k]})`);
  }
  if (c.vocabSize < 2) throw new ConfigError(`vocabSize must be at least 2 (got ${c.vocabSize})`);
  return c;
}

export class MLP {
  readonly embedding: Embedding;
  readonly flatten: FlattenConsecutive;
  readonly hidden: Linear;
  readonly bn: BatchNorm1d | null;
  readonly tanh: Tanh;
  readonly output: Linear;
  /** Everything after the embedding. */
  readonly net: Sequential;
  readonly lossFn: CrossEntropyLoss;
  readonly ctx: LayerContext;
  private readonly params: Parameter[];

  /** `capacity`: most examples one forward pass takes (the batch size, or an evaluation chunk). */
  constructor(
    readonly config: MLPConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H } = config;
    if (!Number.isInteger(capacity) || capacity < 1) throw new ConfigError(`capacity must be a positive integer`);
    const ctx: LayerContext = { kernels, capacity };
    const tokens: LayerContext = { kernels, capacity: capacity * T };
    this.ctx = ctx;
    this.embedding = new Embedding(tokens, V, E, "C");
    this.flatten = new FlattenConsecutive(T);
    this.hidden = new Linear(ctx, T * E, H, { weightName: "W1", biasName: "b1" });
    this.bn = config.batchNorm
      ? new BatchNorm1d(ctx, H, { momentum: config.bnMomentum, unbiased: config.bnUnbiased, prefix: "bn" })
      : null;
    this.tanh = new Tanh(ctx, H);
    this.output = new Linear(ctx, H, V, { weightName: "W2", biasName: "b2" });
    const layers: Layer[] = [this.flatten, this.hidden, ...(this.bn ? [this.bn] : []), this.tanh, this.output];
    this.net = new Sequential(layers);
    this.lossFn = new CrossEntropyLoss(ctx, V);
    this.params = [this.embedding.weight, ...this.hidden.parameters(), ...this.output.parameters()];
    if (this.bn) this.params.push(...this.bn.parameters());
  }

  /** Logits (B, V) for contexts (B, T). */
  forward(X: Tokens): Act {
    return this.net.forward(this.embedding.forward(X));
  }

  /** Mean cross-entropy of the last forward's logits against Y. */
  loss(Y: Int32Array): number {
    return this.lossFn.forward(this.net.out!, Y);
  }

  /** Backpropagates the last loss into every parameter's gradient (accumulating). */
  backward(): void {
    const dlogits = this.lossFn.backward();
    const demb = this.net.backward(dlogits);
    if (demb !== null) this.embedding.backward(demb);
  }

  /** The parameters in the lectures' order: C, W1, b1, W2, b2, bngain, bnbias (one array, reused). */
  parameters(): readonly Parameter[] {
    return this.params;
  }

  buffers(): Buffer[] {
    return this.bn ? this.bn.buffers() : [];
  }

  parameter(name: string): Parameter {
    const p = this.parameters().find((q) => q.name === name);
    if (!p) throw new ConfigError(`no parameter named ${name}`);
    return p;
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.data.length, 0);
  }

  /** True when every parameter value is finite (no NaN or infinity). */
  isFinite(): boolean {
    for (const p of this.parameters()) {
      const v = p.data.view;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
    }
    return true;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) this.ctx.kernels.fill(p.grad, 0);
  }

  train(mode = true): void {
    this.embedding.train();
    this.net.train(mode);
  }
}
