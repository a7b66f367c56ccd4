// The lectures' model (type "lecture"): the MLP of Bengio et al. 2003 ("A Neural Probabilistic
// Language Model") as makemore parts 2–4 build it: embed the last `blockSize` characters with a shared
// table C, concatenate, a hidden layer with BatchNorm and tanh, and logits over the vocabulary.
// Parameters keep the notebooks' names (C, W1, b1, W2, b2, bngain, bnbias).
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
import { Embedding } from "../nn/embedding.ts";
import { FlattenConsecutive } from "../nn/flatten.ts";
import type { Buffer, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Tanh } from "../nn/tanh.ts";
import type { NamedAct } from "./model.ts";
import { StackModel } from "./stack.ts";
import { INIT_PRESETS, initialize, type InitPreset } from "./lecture_init.ts";
import type { Generator } from "../random/generator.ts";
import { boolField, choiceField, intField, numberField, type ModelType } from "./model_type.ts";

export interface LectureConfig {
  type: "lecture";
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
  /** How the parameters are drawn: part 4's exercise 4 ("lecture") or one of part 3's stages. */
  init: InitPreset;
}

export class LectureMLP extends StackModel {
  readonly type = "lecture";
  readonly targetsPerRow = 1;
  readonly flatten: FlattenConsecutive;
  readonly hidden: Linear;
  readonly bn: BatchNorm1d | null;
  readonly tanh: Tanh;
  readonly output: Linear;

  /** `capacity`: most examples one forward pass takes (the batch size, or an evaluation chunk). */
  constructor(
    readonly config: LectureConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H } = config;
    const flatten = new FlattenConsecutive(T); //                                 (B,T,E) -> (B,T*E)
    const hidden = new Linear(kernels, T * E, H, { weightName: "W1", biasName: "b1" }); // -> (B,H)
    const bn = config.batchNorm
      ? new BatchNorm1d(kernels, H, { momentum: config.bnMomentum, unbiased: config.bnUnbiased, prefix: "bn" })
      : null;
    const tanh = new Tanh(kernels, H);
    const output = new Linear(kernels, H, V, { weightName: "W2", biasName: "b2" }); //  (B,H) -> (B,V)
    super(kernels, capacity, config, new Embedding(kernels, V, E, "C"), [flatten, hidden, ...(bn ? [bn] : []), tanh, output]);
    this.flatten = flatten;
    this.hidden = hidden;
    this.bn = bn;
    this.tanh = tanh;
    this.output = output;
  }

  /** The lectures' order: C, W1, b1, W2, b2, bngain, bnbias. */
  protected collectParameters(): Parameter[] {
    const ps = [this.embedding.weight, ...this.hidden.parameters(), ...this.output.parameters()];
    if (this.bn) ps.push(...this.bn.parameters());
    return ps;
  }

  buffers(): Buffer[] {
    return this.bn ? this.bn.buffers() : [];
  }

  /** The notebooks' names: hprebn (hpreact without BatchNorm), hpreact, h, logits. */
  activations(): NamedAct[] {
    const names = new Map<unknown, string>([
      [this.hidden, this.bn ? "hprebn" : "hpreact"],
      [this.bn, "hpreact"],
      [this.tanh, "h"],
      [this.output, "logits"],
    ]);
    return this.namedActivations((l) => names.get(l) ?? null);
  }

  batchNorms(): readonly BatchNorm1d[] {
    return this.bn ? [this.bn] : [];
  }
}

/** The lectures' model for names.txt: 12297 parameters. */
export const LECTURE: ModelType<LectureConfig> = {
  type: "lecture",
  description: "makemore parts 2–4: the MLP of Bengio et al. 2003 with BatchNorm, the lectures' names and init",
  data: "windows",
  defaults: {
    type: "lecture",
    blockSize: 3,
    nEmbd: 10,
    nHidden: 200,
    batchNorm: true,
    bnMomentum: 0.001,
    bnUnbiased: true,
    init: "lecture",
  },
  fields: [
    intField("blockSize", "--block-size", "context length: characters used to predict the next one"),
    intField("nEmbd", "--n-embd", "width of each character's embedding"),
    intField("nHidden", "--n-hidden", "neurons in the hidden layer"),
    boolField("batchNorm", "--no-batchnorm", "no BatchNorm layer (the hidden layer feeds tanh directly)"),
    numberField("bnMomentum", "--bn-momentum", "BatchNorm running-statistics momentum", { min: 0, max: 1 }),
    choiceField("init", "--init", "initialization (makemore part 3's stages, part 4's exercise 4)", INIT_PRESETS),
  ],
  training: {
    steps: 200000,
    batchSize: 32,
    optimizer: { type: "sgd" },
    schedule: { lr: 0.1, decayStep: 100000, lrAfterDecay: 0.01 },
    seed: 2147483647,
    split: { kind: "shuffle", seed: 42 },
    evalStats: "calibrated",
  },
  check(c) {
    if (c.init === "batchnorm" && !c.batchNorm) {
      throw new ConfigError('the "batchnorm" init needs a BatchNorm layer: drop --no-batchnorm (or use --init kaiming)');
    }
    if (typeof c.bnUnbiased !== "boolean") throw new ConfigError("model.bnUnbiased must be true or false");
  },
  build: (config, kernels, capacity) => new LectureMLP(config, kernels, capacity),
  init: (model, g: Generator) => initialize(model as LectureMLP, (model as LectureMLP).config.init, g),
};
