// makemore.py's RNNCell (Elman 1990, "Finding Structure in Time") run over a sequence: h_t = tanh(W [x_t ;
// h_{t−1}] + b), one Linear named xh_to_h. The split of its products between all positions at once and
// one step at a time is recurrent.ts's.
//
// Letters: B batch, T positions, E input width, H hidden width. Time-major: row t·B + b.
//   pre   = x @ Wxᵀ + b                         // (T·B,E) @ (H,E)ᵀ -> (T·B,H)   all positions at once
//   pre_t += h_{t−1} @ Whᵀ;  h_t = tanh(pre_t)   // (B,H) @ (H,H)ᵀ, t = 0..T−1
// backward (backpropagation through time), t = T−1..0:
//   dpre_t = (1 − h_t²) · dh_t;  dh_{t−1} += dpre_t @ Wh            // (B,H) @ (H,H)
// then, all positions at once:
//   dWx = dpreᵀ @ x;  dWh = dpreᵀ @ h_{−1..T−2};  db = Σ dpre;  dx = dpre @ Wx

import type { F32Buf, Kernels } from "../kernels/index.ts";
import type { Parameter } from "./layer.ts";
import { Linear } from "./linear.ts";
import { copy, recurrentRec, SplitWeight, TimeSteps, type RecurrentLayer, type RecurrentRec } from "./recurrent.ts";

export interface RNNRec extends RecurrentRec {
  /** (T,B,H): the pre-activations in forward, their gradients in backward. */
  readonly pre: TimeSteps;
}

export class RNNCell implements RecurrentLayer<RNNRec> {
  readonly kind = "RNNCell";
  /** xh_to_h: Linear(E+H, H) in PyTorch's layout (its weight W (H, E+H)). */
  readonly xhToH: Linear;
  private readonly w: SplitWeight;

  constructor(
    private readonly kernels: Kernels,
    readonly inputSize: number,
    readonly hiddenSize: number,
    prefix = "cell.",
  ) {
    this.xhToH = new Linear(kernels, inputSize + hiddenSize, hiddenSize, {
      layout: "torch", weightName: `${prefix}xh_to_h.weight`, biasName: `${prefix}xh_to_h.bias`,
    });
    this.w = new SplitWeight(kernels, this.xhToH.weight, inputSize, hiddenSize);
  }

  record(B: number, T: number): RNNRec {
    const H = this.hiddenSize;
    return { ...recurrentRec(this.kernels, B, T, this.inputSize, H), pre: new TimeSteps(this.kernels, this.kernels.arena.f32(T * B * H), T, H) };
  }

  forward(rec: RNNRec, x: F32Buf, h0: F32Buf, B: number, T: number): void {
    const k = this.kernels, E = this.inputSize, H = this.hiddenSize, n = B * H;
    this.w.split();
    const pre = rec.pre.of(B), hs = rec.hs.of(B);
    k.matmulNT(rec.pre.buf, x, this.w.wx, T * B, E, H); //          x @ Wxᵀ (T·B,H)
    k.addRow(rec.pre.buf, this.xhToH.bias!.data, T * B, H); //       + b
    copy(hs[0], h0, n); //                                           h_{−1}
    for (let t = 0; t < T; t++) {
      k.matmulNT(pre[t], hs[t], this.w.wh, B, H, H, true); //       + h_{t−1} @ Whᵀ
      k.tanh(hs[t + 1], pre[t], n); //                               h_t
    }
    rec.x = x;
  }

  backward(rec: RNNRec, B: number, T: number): void {
    const k = this.kernels, E = this.inputSize, H = this.hiddenSize, n = B * H;
    if (rec.x === null) throw new Error("RNNCell.backward called before forward");
    const dpre = rec.pre.of(B), hs = rec.hs.of(B), dh = rec.dh.of(B);
    k.fill(rec.dh0, 0, n);
    for (let t = T - 1; t >= 0; t--) {
      k.tanhBackward(dpre[t], hs[t + 1], dh[t], n); //                         dpre_t = (1 − h_t²)·dh_t
      k.matmulNN(t > 0 ? dh[t - 1] : rec.dh0, dpre[t], this.w.wh, B, H, H, true); // dh_{t−1} += dpre_t @ Wh
    }
    k.matmulTN(this.w.dwx, rec.pre.buf, rec.x, H, T * B, E); //       dWx = dpreᵀ @ x
    k.matmulTN(this.w.dwh, rec.pre.buf, rec.hs.buf, H, T * B, H); //  dWh = dpreᵀ @ h_{t−1}
    this.w.addGrad();
    k.colSum(this.xhToH.bias!.grad, rec.pre.buf, T * B, H, true); //  db
    k.matmulNN(rec.dx, rec.pre.buf, this.w.wx, T * B, H, E); //       dx = dpre @ Wx
  }

  parameters(): Parameter[] {
    return this.xhToH.parameters();
  }
}
