// makemore part 3's deeper network (type "deep"), written as the lecture writes it at its end, with its own
// torch.nn-like classes: an embedding, then n_layer times Linear (no bias) → BatchNorm1d → Tanh, then
// Linear → BatchNorm1d(V). The network the lecture's best-known plots look inside: per-layer activation
// and gradient histograms, weight-gradient histograms, update:data ratios over time, and the gain
// experiments (without BatchNorm, gain 1 shrinks the activations layer by layer, 5/3 keeps them, 3
// saturates them). Without BatchNorm (--no-batchnorm) every Linear has a bias and the last has none of
// BatchNorm's gain to scale, so its weight is scaled instead — the lecture's two versions of the cell.
//
// Letters: B batch, T block size (3), E n_embd (10), H n_hidden (100), V vocabulary, L n_layer (5).
//   x = C[X].view(B, T*E)                                        // (B,T) -> (B,T,E) -> (B,T*E)
//   L times:  x = tanh(BatchNorm1d(x @ W))                        // (B,T*E or H) @ (…,H) -> (B,H)
//   logits = BatchNorm1d(x @ Wout)                                // (B,H) @ (H,V) -> (B,V)
// Init (one Generator, the lecture's order): C = randn; each W = randn(fan_in, fan_out) / √fan_in; then
// with BatchNorm: the last BatchNorm's gamma × 0.1 and every Linear's weight × gain (layers[:-1] holds all
// of them); without: the output weight × 0.1 and the hidden weights × gain. gamma 1, beta 0, biases 0.
// BatchNorm1d: eps 1e-5, momentum 0.1, Bessel's correction (x.var), evaluation with the running statistics.
// Names: C, then layers.<i>.weight|bias|gamma|beta|running_mean|running_var, i the index in the lecture's
// `layers` list (so "layer 2 (Tanh)" is the first Tanh, as the lecture prints it).

import type { Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { BatchNorm1d } from "../nn/batchnorm.ts";
import { Embedding } from "../nn/embedding.ts";
import { FlattenConsecutive } from "../nn/flatten.ts";
import type { Buffer, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Tanh } from "../nn/tanh.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import { StackModel } from "./stack.ts";
import { boolField, intField, numberField, type ModelType } from "./model_type.ts";

export interface DeepConfig {
  type: "deep";
  vocabSize: number;
  /** T: characters of context. */
  blockSize: number;
  /** E: width of each character's embedding. */
  nEmbd: number;
  /** H: neurons of each hidden layer. */
  nHidden: number;
  /** L: hidden layers, each Linear → BatchNorm1d → Tanh (the lecture: 5). */
  nLayer: number;
  /** BatchNorm1d after every Linear (the lecture's last version); false: Linear (with bias) → Tanh. */
  batchNorm: boolean;
  /** The weights' gain on top of 1/√fan_in (5/3 for tanh; the gain experiments try 1 and 3). */
  gain: number;
  /** BatchNorm running-statistics momentum (the lecture's class: 0.1). */
  bnMomentum: number;
}

/** The lecture's `layers` list, in order: Linear, BatchNorm1d or Tanh. */
type LectureLayer = Linear | BatchNorm1d | Tanh;

export class DeepMLP extends StackModel {
  readonly type = "deep";
  readonly targetsPerRow = 1;
  /** The lecture's `layers` (the Flatten before them, its `emb.view(B, -1)`, left out). */
  readonly layers: readonly LectureLayer[];
  readonly linears: readonly Linear[];

  constructor(
    readonly config: DeepConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H, nLayer: L, batchNorm: bn } = config;
    const layers: LectureLayer[] = [];
    const name = (suffix: string) => `layers.${layers.length}.${suffix}`;
    const linear = (fanIn: number, fanOut: number) =>
      layers.push(new Linear(kernels, fanIn, fanOut, { bias: !bn, weightName: name("weight"), biasName: name("bias") }));
    const norm = (features: number) => {
      const i = layers.length;
      layers.push(
        new BatchNorm1d(kernels, features, {
          momentum: config.bnMomentum,
          unbiased: true,
          vector: true,
          names: {
            gain: `layers.${i}.gamma`, bias: `layers.${i}.beta`,
            runningMean: `layers.${i}.running_mean`, runningVar: `layers.${i}.running_var`,
            mean: `layers.${i}.mean`, var: `layers.${i}.var`,
          },
        }),
      );
    };
    let width = T * E;
    for (let l = 0; l < L; l++) {
      linear(width, H); //                                                  (B,width) @ (width,H) -> (B,H)
      if (bn) norm(H);
      layers.push(new Tanh(kernels, H));
      width = H;
    }
    linear(H, V); //                                                         (B,H) @ (H,V) -> (B,V)
    if (bn) norm(V);
    super(kernels, capacity, config, new Embedding(kernels, V, E, "C"), [new FlattenConsecutive(T), ...layers]);
    this.layers = layers;
    this.linears = layers.filter((l): l is Linear => l instanceof Linear);
  }

  /** C, then every layer's parameters in the list's order: the lecture's `parameters`. */
  protected collectParameters(): Parameter[] {
    return [this.embedding.weight, ...this.layers.flatMap((l) => l.parameters())];
  }

  buffers(): Buffer[] {
    return this.batchNorms().flatMap((b) => b.buffers());
  }

  /** "layer 2 (Tanh)", … numbered as the lecture's `layers` list; the last output is "logits". */
  activations(): NamedAct[] {
    const last = this.layers.length - 1;
    return this.namedActivations((l, i) => (l.isView ? null : i - 1 === last ? "logits" : `layer ${i - 1} (${l.kind})`));
  }

  batchNorms(): readonly BatchNorm1d[] {
    return this.layers.filter((l): l is BatchNorm1d => l instanceof BatchNorm1d);
  }
}

const f = Math.fround;

/** The lecture's draws and its `with torch.no_grad()` cell (see the file's top). */
function initDeep(model: DeepMLP, g: Generator): void {
  g.randnInto(model.embedding.weight.data.view);
  for (const l of model.linears) {
    const v = l.weight.data.view;
    g.randnInto(v);
    const s = f(Math.sqrt(l.fanIn));
    for (let i = 0; i < v.length; i++) v[i] = f(v[i] / s); //   randn((fan_in, fan_out)) / fan_in**0.5
    l.bias?.data.view.fill(0);
  }
  for (const b of model.batchNorms()) {
    b.gain.data.view.fill(1);
    b.bias.data.view.fill(0);
  }
  const scale = (p: Parameter, by: number) => {
    const v = p.data.view;
    const s = f(by);
    for (let i = 0; i < v.length; i++) v[i] = f(v[i] * s); //   p *= by (the scalar rounded to float32 first)
  };
  const last = model.layers[model.layers.length - 1];
  if (last instanceof BatchNorm1d) scale(last.gain, 0.1); //       last layer: make less confident
  else scale((last as Linear).weight, 0.1);
  for (const l of model.layers.slice(0, -1)) if (l instanceof Linear) scale(l.weight, model.config.gain); // all other layers: apply gain
}

export const DEEP: ModelType<DeepConfig> = {
  type: "deep",
  description: "makemore part 3's deeper network: Linear → BatchNorm1d → Tanh, 5 times, the lecture's init and gain",
  data: "windows",
  defaults: { type: "deep", blockSize: 3, nEmbd: 10, nHidden: 100, nLayer: 5, batchNorm: true, gain: 5 / 3, bnMomentum: 0.1 },
  fields: [
    intField("blockSize", "--block-size", "context length: characters used to predict the next one"),
    intField("nEmbd", "--n-embd", "width of each character's embedding"),
    intField("nHidden", "--n-hidden", "neurons in each hidden layer"),
    intField("nLayer", "--n-layer", "hidden layers, each Linear → BatchNorm1d → Tanh"),
    boolField("batchNorm", "--no-batchnorm", "no BatchNorm layers (each Linear, with a bias, feeds tanh directly)"),
    numberField("gain", "--gain", "gain of the weights on top of 1/√fan_in (5/3 for tanh; a fraction such as 5/3 is accepted)", { min: 0 }),
    numberField("bnMomentum", "--bn-momentum", "BatchNorm running-statistics momentum", { min: 0, max: 1 }),
  ],
  training: {
    steps: 200000,
    batchSize: 32,
    optimizer: { type: "sgd" },
    schedule: { lr: 0.1, decayStep: 150000, lrAfterDecay: 0.01 },
    seed: 2147483647,
    split: { kind: "shuffle", seed: 42 },
    evalStats: "running",
  },
  check(c) {
    if (!(c.gain > 0)) throw new ConfigError(`--gain must be > 0 (got ${c.gain}): it multiplies every weight`);
  },
  build: (config, kernels, capacity) => new DeepMLP(config, kernels, capacity),
  init: (model, g) => initDeep(model as DeepMLP, g),
};
