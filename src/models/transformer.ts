// makemore.py's Transformer (type "transformer"), GPT-2 in miniature (Radford et al. 2019; Vaswani et
// al. 2017): token and position embeddings, n_layer pre-LayerNorm blocks of causal self-attention and
// an MLP with GELU, each added back to its input (the residual stream), a final LayerNorm and the
// logits (no bias).
//
// Letters: B batch, T positions (the block size), C n_embd, NH n_head, V vocabulary.
//   x      = wte[X] + wpe[:T]                          // (B,T) -> (B,T,C)
//   for each block:
//     x    = x + attn(ln_1(x))                         // (B,T,C)  src/nn/attention.ts
//     x    = x + c_proj(gelu(c_fc(ln_2(x))))           // (B,T,C) -> (B,T,4C) -> (B,T,C)
//   logits = ln_f(x) @ Wᵀ                              // (B,T,C) @ (V,C)ᵀ -> (B,T,V)
// backward: a residual passes its gradient to both the branch and the stream, so each block's input
// gradient is the stream's plus the branch's: dx = dx1 + attnᵀ(dx1), dx1 = dx2 + mlpᵀ(dx2).
// Parameters (makemore.py's state_dict): transformer.wte.weight, transformer.wpe.weight,
// transformer.h.<l>.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}.{weight,bias},
// transformer.ln_f.{weight,bias}, lm_head.weight. Init: PyTorch's defaults in construction order.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { CausalSelfAttention } from "../nn/attention.ts";
import { Embedding, type EmbeddingRec, type Tokens } from "../nn/embedding.ts";
import { GELU } from "../nn/gelu.ts";
import type { Act, Parameter } from "../nn/layer.ts";
import { LayerNorm } from "../nn/layernorm.ts";
import { Linear } from "../nn/linear.ts";
import { PositionEmbedding } from "../nn/position_embedding.ts";
import { Sequential, type SequentialRec } from "../nn/sequential.ts";
import type { Generator } from "../random/generator.ts";
import type { NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING, streamAct, N_EMBD, N_HEAD, N_LAYER, SequenceModel } from "./sequence_model.ts";
import { initTorchEmbedding, initTorchLinear } from "./torch_init.ts";

export interface TransformerConfig {
  type: "transformer";
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

/** One block: the attention branch [ln_1, attn] and the MLP branch [ln_2, c_fc, gelu, c_proj]. */
interface Block {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly cFc: Linear;
  readonly cProj: Linear;
  readonly attnBranch: Sequential;
  readonly mlpBranch: Sequential;
  readonly attnRec: SequentialRec;
  readonly mlpRec: SequentialRec;
  readonly x1: F32Buf; //  (B,T,C) the stream after the attention
  readonly x2: F32Buf; //  (B,T,C) the stream after the MLP: the block's output
  x1Act: Act | null;
  x2Act: Act | null;
}

export class MakemoreTransformer extends SequenceModel {
  readonly type = "transformer";
  readonly wte: Embedding;
  readonly wpe: PositionEmbedding;
  readonly blocks: Block[];
  readonly lnF: LayerNorm;
  readonly lmHead: Linear;
  private readonly head: Sequential;
  private readonly embRec: EmbeddingRec;
  private readonly headRec: SequentialRec;
  private B = 0;

  constructor(
    readonly config: TransformerConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config);
    const { vocabSize: V, blockSize: T, nEmbd: C, nHead: NH, nLayer: L } = config;
    const a = kernels.arena;
    const shape = [capacity, T, C];
    const n = capacity * T * C;
    this.wte = new Embedding(kernels, V, C, "transformer.wte.weight");
    this.wpe = new PositionEmbedding(kernels, T, C, "transformer.wpe.weight");
    this.blocks = [];
    for (let l = 0; l < L; l++) {
      const p = `transformer.h.${l}.`;
      const ln1 = new LayerNorm(kernels, C, `${p}ln_1.`);
      const attn = new CausalSelfAttention(kernels, C, NH, `${p}attn.`);
      const ln2 = new LayerNorm(kernels, C, `${p}ln_2.`);
      const cFc = new Linear(kernels, C, 4 * C, { layout: "torch", weightName: `${p}mlp.c_fc.weight`, biasName: `${p}mlp.c_fc.bias` });
      const cProj = new Linear(kernels, 4 * C, C, { layout: "torch", weightName: `${p}mlp.c_proj.weight`, biasName: `${p}mlp.c_proj.bias` });
      const attnBranch = new Sequential(kernels, [ln1, attn]);
      const mlpBranch = new Sequential(kernels, [ln2, cFc, new GELU(kernels, 4 * C), cProj]);
      this.blocks.push({
        ln1, attn, ln2, cFc, cProj, attnBranch, mlpBranch,
        attnRec: attnBranch.record(shape), mlpRec: mlpBranch.record(shape),
        x1: a.f32(n), x2: a.f32(n), x1Act: null, x2Act: null,
      });
    }
    this.lnF = new LayerNorm(kernels, C, "transformer.ln_f.");
    this.lmHead = new Linear(kernels, C, V, { layout: "torch", bias: false, weightName: "lm_head.weight" });
    this.head = new Sequential(kernels, [this.lnF, this.lmHead]);
    this.embRec = this.wte.record(capacity * T);
    this.headRec = this.head.record(shape);
  }

  forward(X: Tokens): Act {
    const { B, T } = this.rowsOf(X.shape);
    const n = B * T * this.config.nEmbd;
    this.B = B;
    let x = this.wte.forward(this.embRec, X); //                          (B,T,C)
    this.wpe.forward(x.data, B, T); //                                     + wpe[:T]
    for (const blk of this.blocks) {
      const a = blk.attnBranch.forward(blk.attnRec, x);
      blk.x1Act = streamAct(blk.x1Act, blk.x1, x.shape);
      add(blk.x1, x.data, a.data, n); //                                  x1 = x + attn(ln_1(x))
      const m = blk.mlpBranch.forward(blk.mlpRec, blk.x1Act);
      blk.x2Act = streamAct(blk.x2Act, blk.x2, x.shape);
      add(blk.x2, blk.x1, m.data, n); //                                  x2 = x1 + mlp(ln_2(x1))
      x = blk.x2Act;
    }
    this.logits = this.head.forward(this.headRec, x); //                  (B,T,V)
    return this.logits;
  }

  backward(): void {
    const B = this.B, T = this.blockSize, n = B * T * this.config.nEmbd;
    const k = this.kernels;
    let d = this.head.backward(this.headRec, this.dlogits()); //          d x_L (B,T,C)
    for (let l = this.blocks.length - 1; l >= 0; l--) {
      const blk = this.blocks[l];
      const dx1 = blk.mlpBranch.backward(blk.mlpRec, d); //               the MLP branch's …
      k.axpy(dx1, 1, d, n); //                                            … plus the stream's
      const dx = blk.attnBranch.backward(blk.attnRec, dx1);
      k.axpy(dx, 1, dx1, n);
      d = dx;
    }
    this.wpe.backward(d, B, T);
    this.wte.backward(this.embRec, d);
  }

  protected collectParameters(): Parameter[] {
    return [
      this.wte.weight, this.wpe.weight,
      ...this.blocks.flatMap((b) => [...b.ln1.parameters(), ...b.attn.parameters(), ...b.ln2.parameters(), ...b.cFc.parameters(), ...b.cProj.parameters()]),
      ...this.lnF.parameters(), this.lmHead.weight,
    ];
  }

  activations(): NamedAct[] {
    const acts: NamedAct[] = [{ name: "x", kind: "Embedding", act: this.embRec.out, grad: null }];
    this.blocks.forEach((b, l) => {
      acts.push({ name: `h.${l}.attn`, kind: "CausalSelfAttention", act: b.attnRec.recs[1].out, grad: b.attnRec.outGrads[1] });
      acts.push({ name: `h.${l}.mlp.gelu`, kind: "GELU", act: b.mlpRec.recs[2].out, grad: b.mlpRec.outGrads[2] });
    });
    acts.push({ name: "logits", kind: "Linear", act: this.headRec.recs[1].out, grad: null });
    return acts;
  }

  embeddingTable(): Parameter {
    return this.wte.weight;
  }
}

/** out[0..n) = a + b (float32). */
function add(out: F32Buf, a: F32Buf, b: F32Buf, n: number): void {
  const o = out.view, av = a.view, bv = b.view;
  for (let i = 0; i < n; i++) o[i] = av[i] + bv[i];
}

function initTransformer(m: MakemoreTransformer, g: Generator): void {
  initTorchEmbedding(m.wte.weight, g);
  initTorchEmbedding(m.wpe.weight, g);
  for (const b of m.blocks) {
    for (const ln of [b.ln1, b.ln2]) {
      ln.weight.data.view.fill(1);
      ln.bias.data.view.fill(0);
    }
    initTorchLinear(b.attn.cAttn, g);
    initTorchLinear(b.attn.cProj, g);
    initTorchLinear(b.cFc, g);
    initTorchLinear(b.cProj, g);
  }
  m.lnF.weight.data.view.fill(1);
  m.lnF.bias.data.view.fill(0);
  initTorchLinear(m.lmHead, g);
}

export const TRANSFORMER: ModelType<TransformerConfig> = {
  type: "transformer",
  description: "makemore.py's Transformer: GPT-2's pre-LayerNorm blocks of causal self-attention and a GELU MLP",
  data: "sequences",
  defaults: { type: "transformer", nLayer: 4, nHead: 4, nEmbd: 64 },
  fields: [N_LAYER, N_HEAD, N_EMBD], // makemore.py's n_embd2 is unused here: --n-embd2 is refused
  training: MAKEMORE_PY_TRAINING,
  check(c) {
    if (c.nEmbd % c.nHead !== 0) {
      throw new ConfigError(`--n-head ${c.nHead} does not divide --n-embd ${c.nEmbd}: each of the heads takes n_embd / n_head features`);
    }
  },
  build: (config, kernels, capacity) => new MakemoreTransformer(config, kernels, capacity),
  init: (model, g) => initTransformer(model as MakemoreTransformer, g),
};
