// makemore.py's MLP input, fused: the embedding of the blank-shifted context and the Linear over its T
// embeddings side by side, computed through the vocabulary instead of through the batch. The context of
// position t is the tokens at t, t−1, …, t−T+1, a slot before the row's start reading the blank token V
// (makemore.py rolls the indices one place per slot: `idx = torch.roll(idx, 1, 1); idx[:, 0] = V`):
//   ctx[b,t,k] = k <= t ? X[b,t−k] : V                                          // (B,T) -> (B,T,T)
// The Linear's weight W (H, T·E) is T blocks W_k (H, E), one per context slot k, so
//   pre[b,t] = b + Σ_k W_k @ wte[ctx[b,t,k]] = b + Σ_k P[ctx[b,t,k], k]     P[v,k] = W_k @ wte[v]
// and P (V+1, T, H) takes (V+1)·T·H·E multiply-adds where the unfused product takes B·T·T·E·H: for
// makemore.py's defaults (B 32, T 16, V+1 28) 18 times fewer, and no (B, T, T·E) embedding in memory.
// Bengio et al. 2003 noted the same: the hidden layer's input part depends on the word only.
//
// Letters: B batch, T positions (and context slots), E n_embd, H n_embd2, V+1 the table's rows (V: blank).
//   Q   = wte @ W'ᵀ             // (V+1,E) @ (H·T,E)ᵀ -> (V+1,H·T)  W' = W viewed as (H·T, E): row o·T+k = W_k[o]
//   P   = Q permuted            // (V+1,H,T) -> (V+1,T,H)
//   pre = b + Σ_k P[ctx[:,:,k], k]                  // (B,T,H)   an EmbeddingBag (sum) over P's rows v·T+k
// backward, given dpre (B,T,H):
//   dP[v,k] = Σ_{b,t: ctx[b,t,k]=v} dpre[b,t]      // its scatter-add -> (V+1,T,H)
//   dQ  = dP permuted                               // (V+1,H·T)
//   dW' += dQᵀ @ wte;  dwte += dQ @ W';  db += Σ dpre

import type { F32Buf, I32Buf, Kernels } from "../kernels/index.ts";
import type { Tokens } from "./embedding.ts";
import { parameter, type Act, type Parameter } from "./layer.ts";

export interface ContextLinearNames {
  table: string;
  weight: string;
  bias: string;
}

export class ContextLinear {
  readonly kind = "ContextLinear";
  /** wte (V+1, E): row V is the blank before the word. */
  readonly table: Parameter;
  /** W (H, T·E), PyTorch's Linear(T·E, H) layout. */
  readonly weight: Parameter;
  readonly bias: Parameter;
  private readonly q: F32Buf; //   (V+1, H·T)  and, in backward, dQ
  private readonly p: F32Buf; //   (V+1, T, H) and, in backward, dP
  private readonly bags: I32Buf; //   (B·T·T) the rows of P each position sums: ctx[b,t,k]·T + k
  private readonly outBuf: F32Buf; // (B,T,H)
  private out: Act | null = null;

  constructor(
    private readonly kernels: Kernels,
    readonly vocabSize: number,
    readonly positions: number,
    readonly embd: number,
    readonly hidden: number,
    capacity: number,
    names: ContextLinearNames,
  ) {
    const V1 = vocabSize + 1, T = positions, E = embd, H = hidden;
    const a = kernels.arena;
    this.table = parameter(kernels, names.table, [V1, E]);
    this.weight = parameter(kernels, names.weight, [H, T * E]);
    this.bias = parameter(kernels, names.bias, [H]);
    this.q = a.f32(V1 * H * T);
    this.p = a.f32(V1 * T * H);
    this.bags = a.i32(capacity * T * T);
    this.outBuf = a.f32(capacity * T * H);
  }

  /** pre (B,T,H) for the rows X (B,T). */
  forward(X: Tokens): Act {
    const [B, T] = X.shape;
    const V1 = this.vocabSize + 1, E = this.embd, H = this.hidden;
    this.kernels.matmulNT(this.q, this.table.data, this.weight.data, V1, E, H * T); //     Q (V+1,H·T)
    const q = this.q.view, p = this.p.view;
    for (let v = 0; v < V1; v++) { //                                                      P = Q permuted
      for (let o = 0; o < H; o++) for (let k = 0; k < T; k++) p[(v * T + k) * H + o] = q[(v * H + o) * T + k];
    }
    const x = X.data.view, bags = this.bags.view, V = this.vocabSize;
    for (let b = 0; b < B; b++) { //                                                        row ctx·T+k of P
      for (let t = 0; t < T; t++) {
        const r = (b * T + t) * T;
        for (let k = 0; k < T; k++) bags[r + k] = (k <= t ? x[b * T + t - k] : V) * T + k;
      }
    }
    this.kernels.embeddingBagSum(this.outBuf, this.p, this.bags, B * T, T, V1 * T, H); //  Σ_k P[ctx, k]
    this.kernels.addRow(this.outBuf, this.bias.data, B * T, H); //                          + b
    if (this.out === null || this.out.shape[0] !== B) this.out = { data: this.outBuf, shape: [B, T, H] };
    return this.out;
  }

  /** Adds the gradients of wte, W and b for dpre (B,T,H), the gradient of the last forward's output. */
  backward(dpre: F32Buf): void {
    if (this.out === null) throw new Error("ContextLinear.backward called before forward");
    const [B, T] = this.out.shape;
    const V1 = this.vocabSize + 1, E = this.embd, H = this.hidden;
    const k = this.kernels;
    const dp = this.p.view, dq = this.q.view;
    k.fill(this.p, 0, V1 * T * H);
    k.embeddingBagScatterAdd(this.p, dpre, this.bags, B * T, T, V1 * T, H); // dP[ctx[r,k], k] += dpre[r]
    for (let v = 0; v < V1; v++) { //                                      dQ = dP permuted
      for (let o = 0; o < H; o++) for (let s = 0; s < T; s++) dq[(v * H + o) * T + s] = dp[(v * T + s) * H + o];
    }
    k.matmulTN(this.weight.grad, this.q, this.table.data, H * T, V1, E, true); // dW' += dQᵀ @ wte
    k.matmulNN(this.table.grad, this.q, this.weight.data, V1, H * T, E, true); // dwte += dQ @ W'
    k.colSum(this.bias.grad, dpre, B * T, H, true); //                            db
  }

  parameters(): Parameter[] {
    return [this.table, this.weight, this.bias];
  }
}
