// makemore.py's recurrent models (types "rnn" and "gru"): a learned start state, the tokens' embeddings
// fed one position at a time through a recurrent cell (Elman's, or the GRU: src/nn/rnn_cell.ts,
// gru_cell.ts), and the logits read off every hidden state. The cells work time-major (row t·B + b), so
// one step's rows are contiguous; the tokens go in and the states come out transposed.
//
// Letters: B batch, T positions (the block size), E n_embd, H n_embd2, V vocabulary.
//   emb    = wte[X]                                   // (B,T) -> (B,T,E)
//   h_{−1} = start.expand(B, H)                       // (1,H) -> (B,H)
//   h_t    = cell(emb[:, t], h_{t−1}),  t = 0..T−1    // (B,E), (B,H) -> (B,H)
//   hs     = stack(h_0 … h_{T−1}, 1)                   // (B,T,H)
//   logits = hs @ Wᵀ + b                              // (B,T,H) @ (V,H)ᵀ -> (B,T,V)
// backward: dhs from lm_head; dh_t = dhs[:, t] + (the cell's dh_{t−1} from step t+1), t = T−1..0;
//   dstart += Σ_b dh_{−1}[b];  dwte scattered from demb.
// Parameters (makemore.py's state_dict): start (1,H), wte.weight (V,E), cell.… , lm_head.weight (V,H),
// lm_head.bias. Init: start zeros, then PyTorch's defaults in construction order.

import type { F32Buf, I32Buf, Kernels } from "../kernels/index.ts";
import { Embedding, type EmbeddingRec, type Tokens } from "../nn/embedding.ts";
import { GRUCell } from "../nn/gru_cell.ts";
import { parameter, type Act, type Parameter } from "../nn/layer.ts";
import { Linear, type LinearRec } from "../nn/linear.ts";
import { swapBT, type RecurrentLayer, type RecurrentRec } from "../nn/recurrent.ts";
import { RNNCell } from "../nn/rnn_cell.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING, N_EMBD, N_EMBD2, SequenceModel } from "./sequence_model.ts";
import { initTorchEmbedding, initTorchLinear } from "./torch_init.ts";

export interface RnnConfig {
  type: "rnn" | "gru";
  vocabSize: number;
  /** T: positions per row (the longest word + 1). */
  blockSize: number;
  nEmbd: number;
  nEmbd2: number;
}

export class MakemoreRNN extends SequenceModel {
  readonly type: "rnn" | "gru";
  readonly start: Parameter;
  readonly wte: Embedding;
  readonly cell: RNNCell | GRUCell;
  readonly lmHead: Linear;
  private readonly xT: I32Buf; //     (T,B) the tokens, time-major
  private xTokens: Tokens | null = null;
  private readonly embRec: EmbeddingRec; // (T,B,E)
  private readonly rec: RecurrentRec;
  private readonly h0: F32Buf; //     (B,H) the start state, expanded
  private readonly hs: F32Buf; //     (B,T,H) batch-major, for lm_head
  private hsAct: Act | null = null;
  private readonly headRec: LinearRec;
  private readonly dhs: F32Buf; //    (B,T,H)
  private B = 0;

  constructor(
    readonly config: RnnConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config);
    this.type = config.type;
    const { vocabSize: V, blockSize: T, nEmbd: E, nEmbd2: H } = config;
    const a = kernels.arena;
    this.start = parameter(kernels, "start", [1, H]);
    this.wte = new Embedding(kernels, V, E, "wte.weight");
    this.cell = config.type === "gru" ? new GRUCell(kernels, E, H, capacity) : new RNNCell(kernels, E, H);
    this.lmHead = new Linear(kernels, H, V, { layout: "torch", weightName: "lm_head.weight", biasName: "lm_head.bias" });
    this.xT = a.i32(capacity * T);
    this.embRec = this.wte.record(capacity * T);
    this.rec = this.cell.record(capacity, T);
    this.h0 = a.f32(capacity * H);
    this.hs = a.f32(capacity * T * H);
    this.headRec = this.lmHead.record([capacity, T, H]);
    this.dhs = a.f32(capacity * T * H);
  }

  forward(X: Tokens): Act {
    const { B, T } = this.rowsOf(X.shape);
    const H = this.config.nEmbd2;
    this.B = B;
    const x = X.data.view, xT = this.xT.view; //                          (B,T) -> (T,B)
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) xT[t * B + b] = x[b * T + t];
    if (this.xTokens === null || this.xTokens.shape[1] !== B) this.xTokens = { data: this.xT, shape: [T, B] };
    const emb = this.wte.forward(this.embRec, this.xTokens).data; //       (T,B,E)
    const h0 = this.h0.view, s = this.start.data.view;
    for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) h0[b * H + i] = s[i]; // start.expand(B, H)
    (this.cell as RecurrentLayer).forward(this.rec, emb, this.h0, B, T); //  h_0 … h_{T−1} (T,B,H)
    swapBT(this.hs, this.rec.hs.buf, T, B, H, B * H); //                   (T,B,H) -> (B,T,H), after h_{−1}
    if (this.hsAct === null || this.hsAct.shape[0] !== B) this.hsAct = { data: this.hs, shape: [B, T, H] };
    this.logits = this.lmHead.forward(this.headRec, this.hsAct); //       (B,T,V)
    return this.logits;
  }

  backward(): void {
    const B = this.B, T = this.blockSize, H = this.config.nEmbd2;
    this.lmHead.backward(this.headRec, this.dlogits(), this.dhs, false); // dhs (B,T,H)
    swapBT(this.rec.dh.buf, this.dhs, B, T, H); //                          -> (T,B,H)
    (this.cell as RecurrentLayer).backward(this.rec, B, T); //             through time
    const ds = this.start.grad.view, dh0 = this.rec.dh0.view; //           dstart += Σ_b dh_{−1}[b]
    for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) ds[i] += dh0[b * H + i];
    this.wte.backward(this.embRec, this.rec.dx); //                        scatter by the (T,B) tokens
  }

  protected collectParameters(): Parameter[] {
    return [this.start, this.wte.weight, ...this.cell.parameters(), ...this.lmHead.parameters()];
  }

  activations(): NamedAct[] {
    return [
      { name: "hs", kind: this.cell.kind, act: this.hsAct, grad: null },
      { name: "logits", kind: "Linear", act: this.headRec.out, grad: null },
    ];
  }

  embeddingTable(): Parameter {
    return this.wte.weight;
  }
}

/** start zeros (no draw), wte, the cell's Linears, lm_head: makemore.py's construction order. */
function initRnn(m: MakemoreRNN, g: Generator): void {
  m.start.data.view.fill(0);
  initTorchEmbedding(m.wte.weight, g);
  const cell = m.cell;
  if (cell instanceof GRUCell) for (const l of [cell.xhToZ, cell.xhToR, cell.xhToHbar]) initTorchLinear(l, g);
  else initTorchLinear(cell.xhToH, g);
  initTorchLinear(m.lmHead, g);
}

function recurrentType(type: "rnn" | "gru", description: string): ModelType<RnnConfig> {
  return {
    type,
    description,
    data: "sequences",
    defaults: { type, nEmbd: 64, nEmbd2: 64 },
    fields: [N_EMBD, N_EMBD2],
    training: MAKEMORE_PY_TRAINING,
    build: (config, kernels, capacity) => new MakemoreRNN(config, kernels, capacity),
    init: (model, g) => initRnn(model as MakemoreRNN, g),
  };
}

export const RNN = recurrentType("rnn", "makemore.py's RNN: Elman's cell h = tanh(W [x; h] + b) over the word");
export const GRU = recurrentType("gru", "makemore.py's GRU: gated recurrent cells (Cho et al. 2014) over the word");
