// makemore.py's MLP (type "mlp"): Bengio et al. 2003 over the whole context, at every position of a row.
// Each position sees the T tokens up to it (T = the block size, the longest word + 1), the slots before
// the row's start filled with a blank token V (one extra row of the embedding table); their embeddings
// are concatenated and go through one tanh hidden layer to the logits.
//
// Letters: B batch, T block size, E n_embd, E2 n_embd2, V vocabulary.
//   ctx    = shifted(X)                          // (B,T) -> (B,T,T)   ctx[b,t,k] = X[b,t−k] or V
//   emb    = wte[ctx]                            // (B,T,T) -> (B,T,T·E)  the T embeddings side by side
//   h      = tanh(emb @ W0ᵀ + b0)                // (B,T,T·E) @ (E2,T·E)ᵀ -> (B,T,E2)
//   logits = h @ W2ᵀ + b2                        // (B,T,E2) @ (V,E2)ᵀ -> (B,T,V)
// Parameters (makemore.py's state_dict): wte.weight (V+1,E), mlp.0.weight (E2,T·E), mlp.0.bias,
// mlp.2.weight (V,E2), mlp.2.bias. Init: PyTorch's defaults in that order (torch_init.ts).

import type { I32Buf, Kernels } from "../kernels/index.ts";
import { Embedding, type EmbeddingRec, type Tokens } from "../nn/embedding.ts";
import type { Act, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { Sequential, type SequentialRec } from "../nn/sequential.ts";
import { shiftedContext } from "../nn/shifted_context.ts";
import { Tanh } from "../nn/tanh.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING, N_EMBD, N_EMBD2, SequenceModel } from "./sequence_model.ts";
import { initTorchEmbedding, initTorchLinear } from "./torch_init.ts";

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
  readonly wte: Embedding;
  readonly hidden: Linear;
  readonly tanh: Tanh;
  readonly output: Linear;
  readonly net: Sequential;
  private readonly ctxBuf: I32Buf;
  private ctx: Tokens | null = null;
  private embcat: Act | null = null;
  private readonly embRec: EmbeddingRec;
  private readonly netRec: SequentialRec;

  constructor(
    readonly config: MlpConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config);
    const { vocabSize: V, blockSize: T, nEmbd: E, nEmbd2: E2 } = config;
    this.wte = new Embedding(kernels, V + 1, E, "wte.weight"); // token V: the blank
    this.hidden = new Linear(kernels, T * E, E2, { layout: "torch", weightName: "mlp.0.weight", biasName: "mlp.0.bias" });
    this.tanh = new Tanh(kernels, E2);
    this.output = new Linear(kernels, E2, V, { layout: "torch", weightName: "mlp.2.weight", biasName: "mlp.2.bias" });
    this.net = new Sequential(kernels, [this.hidden, this.tanh, this.output]);
    this.ctxBuf = kernels.arena.i32(capacity * T * T);
    this.embRec = this.wte.record(capacity * T * T);
    this.netRec = this.net.record([capacity, T, T * E]);
  }

  forward(X: Tokens): Act {
    const { B, T } = this.rowsOf(X.shape);
    this.ctx = shiftedContext(this.ctxBuf, X, this.vocabSize, this.ctx); //  (B,T) -> (B,T,T)
    this.wte.forward(this.embRec, this.ctx); //                                  (B,T,T,E)
    if (this.embcat === null || this.embcat.shape[0] !== B) {
      this.embcat = { data: this.embRec.outBuf, shape: [B, T, T * this.config.nEmbd] }; // (B,T,T·E), a view
    }
    this.logits = this.net.forward(this.netRec, this.embcat);
    return this.logits;
  }

  backward(): void {
    const demb = this.net.backward(this.netRec, this.dlogits()); // (B,T,T·E)
    this.wte.backward(this.embRec, demb); //                         scatter-add by ctx
  }

  protected collectParameters(): Parameter[] {
    return [this.wte.weight, ...this.hidden.parameters(), ...this.output.parameters()];
  }

  activations(): NamedAct[] {
    const r = this.netRec;
    return [
      { name: "emb", kind: "Embedding", act: this.embRec.out, grad: null },
      { name: "hpreact", kind: "Linear", act: r.recs[0].out, grad: r.outGrads[0] },
      { name: "h", kind: "Tanh", act: r.recs[1].out, grad: r.outGrads[1] },
      { name: "logits", kind: "Linear", act: r.recs[2].out, grad: r.outGrads[2] },
    ];
  }

  embeddingTable(): Parameter {
    return this.wte.weight;
  }
}

function initMlp(m: MakemoreMLP, g: Generator): void {
  initTorchEmbedding(m.wte.weight, g);
  initTorchLinear(m.hidden, g);
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
