// makemore.py's BoW (type "bow"): token and position embeddings, one block that mixes each position
// with the average of the positions up to it (a causal bag of words, src/nn/causal_bow.ts) and then
// applies a residual tanh MLP, and the logits.
//
// Letters: B batch, T positions (the block size), E n_embd, E2 n_embd2, V vocabulary.
//   x0     = wte[X] + wpe[:T]                      // (B,T) -> (B,T,E)
//   x1     = x0 + bow(x0)                          // (B,T,E)   bow: the causal average
//   x2     = x1 + c_proj(tanh(c_fc(x1)))           // (B,T,E) -> (B,T,E2) -> (B,T,E)
//   logits = x2 @ Wᵀ + b                           // (B,T,E) @ (V,E)ᵀ -> (B,T,V)
// backward: the residuals copy each gradient into both branches —
//   dx1 = dx2 + (c_fc ∘ tanh ∘ c_proj)ᵀ(dx2);  dx0 = dx1 + bowᵀ(dx1)
// Parameters (makemore.py's state_dict): wte.weight, wpe.weight, context_block.mlp.c_fc.{weight,bias},
// context_block.mlp.c_proj.{weight,bias}, lm_head.{weight,bias}. Init: PyTorch's defaults in that order.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { CausalBoW, type CausalBoWRec } from "../nn/causal_bow.ts";
import { Embedding, type EmbeddingRec, type Tokens } from "../nn/embedding.ts";
import type { Act, Parameter } from "../nn/layer.ts";
import { Linear } from "../nn/linear.ts";
import { PositionEmbedding } from "../nn/position_embedding.ts";
import { Sequential, type SequentialRec } from "../nn/sequential.ts";
import { Tanh } from "../nn/tanh.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING, streamAct, N_EMBD, N_EMBD2, SequenceModel } from "./sequence_model.ts";
import { initTorchEmbedding, initTorchLinear } from "./torch_init.ts";

export interface BowConfig {
  type: "bow";
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nEmbd2: number;
}

export class MakemoreBoW extends SequenceModel {
  readonly type = "bow";
  readonly wte: Embedding;
  readonly wpe: PositionEmbedding;
  readonly bow: CausalBoW;
  readonly cFc: Linear;
  readonly cProj: Linear;
  readonly mlp: Sequential;
  readonly lmHead: Linear;
  private readonly embRec: EmbeddingRec;
  private readonly bowRec: CausalBoWRec;
  private readonly mlpRec: SequentialRec;
  private readonly headRec: ReturnType<Linear["record"]>;
  private readonly x1: F32Buf; //  (B,T,E)
  private readonly x2: F32Buf; //  (B,T,E)
  private readonly dx2: F32Buf; // (B,T,E)
  private x1Act: Act | null = null;
  private x2Act: Act | null = null;
  private B = 0;

  constructor(
    readonly config: BowConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config);
    const { vocabSize: V, blockSize: T, nEmbd: E, nEmbd2: E2 } = config;
    this.wte = new Embedding(kernels, V, E, "wte.weight");
    this.wpe = new PositionEmbedding(kernels, T, E, "wpe.weight");
    this.bow = new CausalBoW(kernels, E);
    const p = "context_block.mlp.";
    this.cFc = new Linear(kernels, E, E2, { layout: "torch", weightName: `${p}c_fc.weight`, biasName: `${p}c_fc.bias` });
    this.cProj = new Linear(kernels, E2, E, { layout: "torch", weightName: `${p}c_proj.weight`, biasName: `${p}c_proj.bias` });
    this.mlp = new Sequential(kernels, [this.cFc, new Tanh(kernels, E2), this.cProj]);
    this.lmHead = new Linear(kernels, E, V, { layout: "torch", weightName: "lm_head.weight", biasName: "lm_head.bias" });
    const shape = [capacity, T, E];
    const a = kernels.arena;
    this.embRec = this.wte.record(capacity * T);
    this.bowRec = this.bow.record(shape);
    this.mlpRec = this.mlp.record(shape);
    this.headRec = this.lmHead.record(shape);
    this.x1 = a.f32(capacity * T * E);
    this.x2 = a.f32(capacity * T * E);
    this.dx2 = a.f32(capacity * T * E);
  }

  forward(X: Tokens): Act {
    const { B, T } = this.rowsOf(X.shape);
    const n = B * T * this.config.nEmbd;
    const k = this.kernels;
    this.B = B;
    const x0 = this.wte.forward(this.embRec, X); //                 (B,T,E)
    this.wpe.forward(x0.data, B, T); //                              + wpe[:T]
    const c = this.bow.forward(this.bowRec, x0); //                  the causal average
    this.x1Act = streamAct(this.x1Act, this.x1, x0.shape);
    k.fill(this.x1, 0, n);
    k.axpy(this.x1, 1, x0.data, n);
    k.axpy(this.x1, 1, c.data, n); //                                 x1 = x0 + bow(x0)
    const m = this.mlp.forward(this.mlpRec, this.x1Act); //          (B,T,E)
    this.x2Act = streamAct(this.x2Act, this.x2, x0.shape);
    k.fill(this.x2, 0, n);
    k.axpy(this.x2, 1, this.x1, n);
    k.axpy(this.x2, 1, m.data, n); //                                 x2 = x1 + mlp(x1)
    this.logits = this.lmHead.forward(this.headRec, this.x2Act); //  (B,T,V)
    return this.logits;
  }

  backward(): void {
    const B = this.B, T = this.blockSize, n = B * T * this.config.nEmbd;
    const k = this.kernels;
    this.lmHead.backward(this.headRec, this.dlogits(), this.dx2, false); // dx2 (B,T,E)
    const dx1 = this.mlp.backward(this.mlpRec, this.dx2); //                  the MLP branch
    k.axpy(dx1, 1, this.dx2, n); //                                           + the residual
    const dx0 = this.dx2; // dx2 is spent: reuse it for dx0 = dx1 + bowᵀ(dx1)
    k.fill(dx0, 0, n);
    k.axpy(dx0, 1, dx1, n);
    this.bow.backward(this.bowRec, dx1, dx0, true);
    this.wpe.backward(dx0, B, T);
    this.wte.backward(this.embRec, dx0);
  }

  protected collectParameters(): Parameter[] {
    return [this.wte.weight, this.wpe.weight, ...this.cFc.parameters(), ...this.cProj.parameters(), ...this.lmHead.parameters()];
  }

  activations(): NamedAct[] {
    return [
      { name: "x", kind: "Embedding", act: this.embRec.out, grad: null },
      { name: "bow", kind: "CausalBoW", act: this.bowRec.out, grad: null },
      { name: "h", kind: "Tanh", act: this.mlpRec.recs[1].out, grad: this.mlpRec.outGrads[1] },
      { name: "logits", kind: "Linear", act: this.headRec.out, grad: null },
    ];
  }

  embeddingTable(): Parameter {
    return this.wte.weight;
  }
}

function initBow(m: MakemoreBoW, g: Generator): void {
  initTorchEmbedding(m.wte.weight, g);
  initTorchEmbedding(m.wpe.weight, g);
  initTorchLinear(m.cFc, g);
  initTorchLinear(m.cProj, g);
  initTorchLinear(m.lmHead, g);
}

export const BOW: ModelType<BowConfig> = {
  type: "bow",
  description: "makemore.py's BoW: each position averages the embeddings up to it, then a residual tanh MLP",
  data: "sequences",
  defaults: { type: "bow", nEmbd: 64, nEmbd2: 64 },
  fields: [N_EMBD, N_EMBD2],
  training: MAKEMORE_PY_TRAINING,
  build: (config, kernels, capacity) => new MakemoreBoW(config, kernels, capacity),
  init: (model, g) => initBow(model as MakemoreBoW, g),
};
