// makemore.py's MLP (type "mlp"): Bengio et al. 2003 over the whole context, at every position of a row.
// Each position sees the T tokens up to it (T = the block size, the longest word + 1), the slots before
// the row's start filled with a blank token V (one extra row of the embedding table); their embeddings
// are concatenated and go through one tanh hidden layer to the logits.
//
// Letters: B batch, T block size, E n_embd, E2 n_embd2, V vocabulary.
//   ctx    = shifted(X)                          // (B,T) -> (B,T,T)   ctx[b,t,k] = X[b,t−k] or V
//   emb    = wte[ctx]                            // (B,T,T) -> (B,T,T·E)  the T embeddings side by side
//   h      = tanh(emb @ W0ᵀ + b0)                // (B,T,T·E) @ (E2,T·E)ᵀ -> (B,T,E2)
// The first two lines and the product are one layer, computed through the vocabulary instead of the
// batch (src/nn/context_linear.ts): the same function, 18 times fewer multiply-adds.
//   logits = h @ W2ᵀ + b2                        // (B,T,E2) @ (V,E2)ᵀ -> (B,T,V)
// Parameters (makemore.py's state_dict): wte.weight (V+1,E), mlp.0.weight (E2,T·E), mlp.0.bias,
// mlp.2.weight (V,E2), mlp.2.bias. Init: PyTorch's defaults in that order (torch_init.ts).

import type { Kernels } from "../kernels/index.ts";
import { ContextLinear } from "../nn/context_linear.ts";
import type { Tokens } from "../nn/embedding.ts";
import type { Act, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Sequential, type SequentialRec } from "../nn/sequential.ts";
import { Tanh } from "../nn/tanh.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING, N_EMBD, N_EMBD2, SequenceModel } from "./sequence_model.ts";
import { initTorchEmbedding, initTorchLinear, initTorchLinearParams } from "./torch_init.ts";

export interface MlpConfig {
  type: "mlp";
  vocabSize: number;
  /** T: positions per row (the longest word + 1); every position sees T tokens. */
  blockSize: number;
  nEmbd: number;
  nEmbd2: number;
}

export class MakemoreMLP extends SequenceModel {
  readonly type = "mlp";
  /** wte and mlp.0, fused (src/nn/context_linear.ts). */
  readonly input: ContextLinear;
  readonly tanh: Tanh;
  readonly output: Linear;
  private readonly tail: Sequential; // tanh, mlp.2
  private readonly tailRec: SequentialRec;

  constructor(
    readonly config: MlpConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config);
    const { vocabSize: V, blockSize: T, nEmbd: E, nEmbd2: E2 } = config;
    this.input = new ContextLinear(kernels, V, T, E, E2, capacity, { table: "wte.weight", weight: "mlp.0.weight", bias: "mlp.0.bias" });
    this.tanh = new Tanh(kernels, E2);
    this.output = new Linear(kernels, E2, V, { layout: "torch", weightName: "mlp.2.weight", biasName: "mlp.2.bias" });
    this.tail = new Sequential(kernels, [this.tanh, this.output]);
    this.tailRec = this.tail.record([capacity, T, E2]);
  }

  forward(X: Tokens): Act {
    this.rowsOf(X.shape);
    const pre = this.input.forward(X); //                    (B,T) -> (B,T,E2)
    this.logits = this.tail.forward(this.tailRec, pre); //   tanh, then (B,T,E2) -> (B,T,V)
    return this.logits;
  }

  backward(): void {
    this.input.backward(this.tail.backward(this.tailRec, this.dlogits()));
  }

  protected collectParameters(): Parameter[] {
    return [...this.input.parameters(), ...this.output.parameters()];
  }

  activations(): NamedAct[] {
    const r = this.tailRec;
    return [
      { name: "h", kind: "Tanh", act: r.recs[0].out, grad: r.outGrads[0] },
      { name: "logits", kind: "Linear", act: r.recs[1].out, grad: null },
    ];
  }

  embeddingTable(): Parameter {
    return this.input.table;
  }
}

function initMlp(m: MakemoreMLP, g: Generator): void {
  const { blockSize: T, nEmbd: E } = m.config;
  initTorchEmbedding(m.input.table, g);
  initTorchLinearParams(m.input.weight, m.input.bias, T * E, g); // mlp.0: Linear(T·E, E2)
  initTorchLinear(m.output, g);
}

export const MLP: ModelType<MlpConfig> = {
  type: "mlp",
  description: "makemore.py's MLP: Bengio et al. 2003 over the whole context at every position",
  data: "sequences",
  defaults: { type: "mlp", nEmbd: 64, nEmbd2: 64 },
  fields: [N_EMBD, N_EMBD2],
  training: MAKEMORE_PY_TRAINING,
  build: (config, kernels, capacity) => new MakemoreMLP(config, kernels, capacity),
  init: (model, g) => initMlp(model as MakemoreMLP, g),
};
