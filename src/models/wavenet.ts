// makemore part 5's WaveNet (type "wavenet"; van den Oord et al. 2016, the dilated causal tree): the
// context of `blockSize` = 2^levels characters is fused two neighbours at a time, level by level, so
// each level sees twice as far — the lecture's own torch.nn-like layers, with its init and its
// BatchNorm over (B, T) for 3-D input. Parameter names as the reference run registers them (C, W0,
// gamma0, beta0, …, Wout, bout).
//
// Letters: B batch, T block size (8), E n_embd (24), H n_hidden (128), V vocabulary.
//   x = C[X]                                                      // (B,8) -> (B,8,E)
//   for l in 0..levels-1:                                          // 3 levels for T = 8
//     x = FlattenConsecutive(2)(x)                                 // (B,T',C) -> (B,T'/2,2C); (B,2C) at T'=2
//     x = tanh(BatchNorm1d(x @ W_l))                               // (…,2C) @ (2C,H) -> (…,H), no bias
//   logits = x @ Wout + bout                                       // (B,H) @ (H,V) -> (B,V)
// Init (the lecture's Linear): W = randn(fan_in, fan_out) / √fan_in, Wout also × 0.1, bout = 0;
// BatchNorm gamma 1, beta 0, momentum 0.1, eps 1e-5, Bessel's correction in the batch variance.

import type { Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { BatchNorm1d } from "../nn/batchnorm.ts";
import { Embedding } from "../nn/embedding.ts";
import { FlattenConsecutive } from "../nn/flatten.ts";
import type { Buffer, Layer, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Tanh } from "../nn/tanh.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import { StackModel } from "./stack.ts";
import { intField, numberField, type ModelType } from "./model_type.ts";

export interface WaveNetConfig {
  type: "wavenet";
  vocabSize: number;
  /** T: characters of context, a power of two (one level of the tree per doubling). */
  blockSize: number;
  /** E: width of each character's embedding. */
  nEmbd: number;
  /** H: neurons of each level. */
  nHidden: number;
  /** BatchNorm running-statistics momentum (the lecture: 0.1). */
  bnMomentum: number;
}

export class WaveNet extends StackModel {
  readonly type = "wavenet";
  readonly targetsPerRow = 1;
  readonly levels: { linear: Linear; bn: BatchNorm1d; tanh: Tanh }[];
  readonly output: Linear;

  constructor(
    readonly config: WaveNetConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H } = config;
    const levels: { linear: Linear; bn: BatchNorm1d; tanh: Tanh }[] = [];
    const layers: Layer[] = [];
    let width = E;
    for (let l = 0; 2 ** l < T; l++) {
      const linear = new Linear(kernels, 2 * width, H, { bias: false, weightName: `W${l}` }); // (…,2C) -> (…,H)
      const bn = new BatchNorm1d(kernels, H, {
        momentum: config.bnMomentum,
        unbiased: true,
        vector: true,
        names: { gain: `gamma${l}`, bias: `beta${l}`, runningMean: `running_mean${l}`, runningVar: `running_var${l}`, mean: `mean${l}`, var: `var${l}` },
      });
      const tanh = new Tanh(kernels, H);
      levels.push({ linear, bn, tanh });
      layers.push(new FlattenConsecutive(2), linear, bn, tanh);
      width = H;
    }
    const output = new Linear(kernels, H, V, { weightName: "Wout", biasName: "bout" }); // (B,H) -> (B,V)
    super(kernels, capacity, config, new Embedding(kernels, V, E, "C"), [...layers, output]);
    this.levels = levels;
    this.output = output;
  }

  /** C, W0, gamma0, beta0, W1, …, Wout, bout: the reference's registration order. */
  protected collectParameters(): Parameter[] {
    return [
      this.embedding.weight,
      ...this.levels.flatMap(({ linear, bn }) => [...linear.parameters(), ...bn.parameters()]),
      ...this.output.parameters(),
    ];
  }

  buffers(): Buffer[] {
    return this.levels.flatMap(({ bn }) => bn.buffers());
  }

  /** "layer 2 (Linear)", … as the lecture prints them; the last is "logits". */
  activations(): NamedAct[] {
    const last = this.net.layers.length - 1;
    return this.namedActivations((l, i) => (l.isView ? null : i === last ? "logits" : `layer ${i} (${l.kind})`));
  }

  batchNorms(): readonly BatchNorm1d[] {
    return this.levels.map((l) => l.bn);
  }
}

const f = Math.fround;

/** The lecture's draws: C = randn; each W = randn / √fan_in; Wout also × 0.1; bout = 0. */
function initWaveNet(model: WaveNet, g: Generator): void {
  g.randnInto(model.embedding.weight.data.view);
  const linear = (p: Parameter, fanIn: number, gain?: number) => {
    const v = p.data.view;
    g.randnInto(v);
    const s = f(Math.sqrt(fanIn));
    for (let i = 0; i < v.length; i++) v[i] = f(v[i] / s);
    if (gain !== undefined) for (let i = 0; i < v.length; i++) v[i] = f(v[i] * f(gain));
  };
  for (const { linear: l } of model.levels) linear(l.weight, l.fanIn);
  linear(model.output.weight, model.output.fanIn, 0.1);
  model.output.bias!.data.view.fill(0);
  for (const { bn } of model.levels) {
    bn.gain.data.view.fill(1);
    bn.bias.data.view.fill(0);
  }
}

export const WAVENET: ModelType<WaveNetConfig> = {
  type: "wavenet",
  description: "makemore part 5: a WaveNet-like tree that fuses pairs of characters level by level, with BatchNorm",
  data: "windows",
  defaults: { type: "wavenet", blockSize: 8, nEmbd: 24, nHidden: 128, bnMomentum: 0.1 },
  fields: [
    intField("blockSize", "--block-size", "context length: characters used to predict the next one", 2),
    intField("nEmbd", "--n-embd", "width of each character's embedding"),
    intField("nHidden", "--n-hidden", "neurons in the hidden layer"),
    numberField("bnMomentum", "--bn-momentum", "BatchNorm running-statistics momentum", { min: 0, max: 1 }),
  ],
  training: {
    steps: 200000,
    batchSize: 32,
    optimizer: { type: "sgd" },
    schedule: { lr: 0.1, decayStep: 150000, lrAfterDecay: 0.01 },
    seed: 42,
    split: { kind: "shuffle", seed: 42 },
    evalStats: "running",
  },
  check(c) {
    const T = c.blockSize;
    if (T < 2 || (T & (T - 1)) !== 0) {
      throw new ConfigError(`wavenet: --block-size must be a power of two, at least 2 (got ${T}): each level fuses two neighbours`);
    }
  },
  build: (config, kernels, capacity) => new WaveNet(config, kernels, capacity),
  init: (model, g) => initWaveNet(model as WaveNet, g),
};
