// Causal multi-head self-attention (Vaswani et al. 2017; GPT-2; makemore.py's CausalSelfAttention):
// one Linear makes queries, keys and values for every position, each head attends from position t to
// the positions s ≤ t with softmax weights of q·k/√hs, and a second Linear mixes the heads' outputs.
//
// Letters: B batch, T positions, C width (n_embd), NH heads, hs = C/NH head size.
//   qkv = x @ Wattnᵀ + battn                        // (B,T,C) @ (3C,C)ᵀ -> (B,T,3C)  q | k | v
//   att = softmax_{s≤t}(q_t·k_s / √hs)              // (B,NH,T,T), 0 above the diagonal
//   y   = att @ v, heads side by side               // (B,NH,T,T) @ (B,NH,T,hs) -> (B,T,C)
//   out = y @ Wprojᵀ + bproj                        // (B,T,C) @ (C,C)ᵀ -> (B,T,C)
// backward: the Linears' own; between them the attention core's (Kernels.attentionBackward): dv = attᵀ
// @ dy, datt = dy @ vᵀ, the softmax's dpre = att·(datt − Σ_s att·datt), dq = dpre @ k / √hs, dk =
// dpreᵀ @ q / √hs — llm.c's attention_backward.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import {
  checkInput, needForward, outputAct, type Act, type Buffer, type Layer, type Parameter, type Rec,
} from "./layer.ts";
import { Linear, type LinearRec } from "./linear.ts";

export interface AttentionRec extends Rec {
  readonly attn: LinearRec; //   qkv (B,T,3C)
  readonly att: F32Buf; //       (B,NH,T,T)
  readonly y: F32Buf; //         (B,T,C)
  yAct: Act | null;
  readonly proj: LinearRec; //   out (B,T,C)
}

export class CausalSelfAttention implements Layer<AttentionRec> {
  readonly kind = "CausalSelfAttention";
  readonly cAttn: Linear;
  readonly cProj: Linear;
  private readonly headSize: number;
  private dy: F32Buf | null = null; //    (B,T,C) scratch, shared by the records
  private dqkv: F32Buf | null = null; //  (B,T,3C)
  private datt: F32Buf | null = null; //  (B,NH,T,T)

  constructor(
    private readonly kernels: Kernels,
    readonly width: number,
    readonly heads: number,
    prefix = "",
  ) {
    if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0) {
      throw new ConfigError(`--n-head ${heads} must divide --n-embd ${width}: each head takes n_embd / n_head features`);
    }
    this.headSize = width / heads;
    this.cAttn = new Linear(kernels, width, 3 * width, { layout: "torch", weightName: `${prefix}c_attn.weight`, biasName: `${prefix}c_attn.bias` });
    this.cProj = new Linear(kernels, width, width, { layout: "torch", weightName: `${prefix}c_proj.weight`, biasName: `${prefix}c_proj.bias` });
  }

  outShape(inShape: readonly number[]): number[] {
    if (inShape.length !== 3 || inShape[2] !== this.width) {
      throw new Error(`CausalSelfAttention: expected (B, T, ${this.width}), got (${inShape.join(", ")})`);
    }
    return [...inShape];
  }

  record(inShape: readonly number[]): AttentionRec {
    const [B, T, C] = this.outShape(inShape);
    const a = this.kernels.arena;
    const rows = B * T;
    const attSize = B * this.heads * T * T;
    // the backward's scratch, sized for the largest record
    if (this.dy === null || this.dy.length < rows * C) this.dy = a.f32(rows * C);
    if (this.dqkv === null || this.dqkv.length < rows * 3 * C) this.dqkv = a.f32(rows * 3 * C);
    if (this.datt === null || this.datt.length < attSize) this.datt = a.f32(attSize);
    return {
      capacity: rows, x: null, out: null,
      attn: this.cAttn.record(inShape), att: a.f32(attSize), y: a.f32(rows * C), yAct: null, proj: this.cProj.record(inShape),
    };
  }

  forward(rec: AttentionRec, x: Act): Act {
    checkInput("CausalSelfAttention", x, this.width, rec);
    const [B, T, C] = x.shape;
    const qkv = this.cAttn.forward(rec.attn, x); //                                        (B,T,3C)
    this.kernels.attentionForward(rec.y, rec.att, qkv.data, B, T, C, this.heads); //        (B,T,C)
    if (rec.yAct === null || rec.yAct.shape[0] !== B || rec.yAct.shape[1] !== T) rec.yAct = { data: rec.y, shape: [B, T, C] };
    const out = this.cProj.forward(rec.proj, rec.yAct); //                                 (B,T,C)
    rec.x = x;
    rec.out = outputAct(rec.out, out.data, x.shape, C);
    return rec.out;
  }

  backward(rec: AttentionRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("CausalSelfAttention", rec);
    const [B, T, C] = x.shape;
    this.cProj.backward(rec.proj, dout, this.dy!, false); //                                dy (B,T,C)
    this.kernels.attentionBackward(this.dqkv!, this.datt!, this.dy!, rec.attn.outBuf, rec.att, B, T, C, this.heads, false);
    this.cAttn.backward(rec.attn, this.dqkv!, dx, accumulate); //                          dx (B,T,C)
  }

  parameters(): Parameter[] {
    return [...this.cAttn.parameters(), ...this.cProj.parameters()];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
