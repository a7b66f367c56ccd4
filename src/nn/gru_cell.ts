// makemore.py's GRUCell (Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder"),
// one time step; the frame it runs in and the Elman cell are rnn_cell.ts. Three Linears on the
// concatenated input, named as makemore.py's state_dict: xh_to_z, xh_to_r, xh_to_hbar.
//
// Letters: B batch, T positions, E input width (n_embd), H hidden width (n_embd2); σ the sigmoid.
//   xh   = [x_t ; h_{t−1}]                        // (B,E+H)
//   r    = σ(xh @ Wrᵀ + br)                       // (B,H)  reset gate
//   xrh  = [x_t ; r·h_{t−1}]                      // (B,E+H)
//   hbar = tanh(xrh @ Whᵀ + bh)                   // (B,H)  candidate state
//   z    = σ(xh @ Wzᵀ + bz)                       // (B,H)  update gate
//   h_t  = (1 − z)·h_{t−1} + z·hbar               // (B,H)
// backward, given dh = ∂loss/∂h_t:
//   dhbar = dh·z;  dz = dh·(hbar − h_{t−1});  dh_{t−1} = dh·(1 − z)
//   dhbarpre = dhbar·(1 − hbar²) -> Linear_h backward -> dxrh;  dx_t = dxrh[:, :E]
//   drh = dxrh[:, E:];  dr = drh·h_{t−1};  dh_{t−1} += drh·r
//   dzpre = dz·z(1 − z);  drpre = dr·r(1 − r) -> Linear_z, Linear_r backward -> dxh
//   dx_t += dxh[:, :E];  dh_{t−1} += dxh[:, E:]
// The gates' elementwise work is fused into plain loops, one pass each way.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import type { Act, Parameter } from "./layer.ts";
import { Linear, type LinearRec } from "./linear.ts";
import { concatStep, rowsAct, splitStep, type RecurrentCell, type StepRec } from "./rnn_cell.ts";

export interface GRUStepRec extends StepRec {
  readonly xh: F32Buf; //   (B,E+H)
  readonly xrh: F32Buf; //  (B,E+H)
  xhAct: Act | null;
  xrhAct: Act | null;
  readonly lz: LinearRec;
  readonly lr: LinearRec;
  readonly lh: LinearRec;
  readonly r: F32Buf; //    (B,H)
  readonly z: F32Buf; //    (B,H)
  readonly hbar: F32Buf; // (B,H)
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class GRUCell implements RecurrentCell<GRUStepRec> {
  readonly kind = "GRUCell";
  readonly xhToZ: Linear;
  readonly xhToR: Linear;
  readonly xhToHbar: Linear;
  private readonly dxh: F32Buf; //    (B,E+H) scratch shared by the steps
  private readonly dxrh: F32Buf; //   (B,E+H)
  private readonly dzpre: F32Buf; //  (B,H)
  private readonly drpre: F32Buf; //  (B,H)
  private readonly dhpre: F32Buf; //  (B,H)

  constructor(
    private readonly kernels: Kernels,
    readonly inputSize: number,
    readonly hiddenSize: number,
    capacity: number,
    prefix = "cell.",
  ) {
    const W = inputSize + hiddenSize;
    const linear = (name: string) =>
      new Linear(kernels, W, hiddenSize, { layout: "torch", weightName: `${prefix}${name}.weight`, biasName: `${prefix}${name}.bias` });
    this.xhToZ = linear("xh_to_z"); // makemore.py's construction order: z, r, hbar
    this.xhToR = linear("xh_to_r");
    this.xhToHbar = linear("xh_to_hbar");
    const a = kernels.arena;
    this.dxh = a.f32(capacity * W);
    this.dxrh = a.f32(capacity * W);
    this.dzpre = a.f32(capacity * hiddenSize);
    this.drpre = a.f32(capacity * hiddenSize);
    this.dhpre = a.f32(capacity * hiddenSize);
  }

  record(B: number): GRUStepRec {
    const a = this.kernels.arena;
    const W = this.inputSize + this.hiddenSize;
    const H = this.hiddenSize;
    return {
      xh: a.f32(B * W), xrh: a.f32(B * W), xhAct: null, xrhAct: null,
      lz: this.xhToZ.record([B, W]), lr: this.xhToR.record([B, W]), lh: this.xhToHbar.record([B, W]),
      r: a.f32(B * H), z: a.f32(B * H), hbar: a.f32(B * H), h: a.f32(B * H), hprev: null,
    };
  }

  forward(rec: GRUStepRec, x: F32Buf, t: number, T: number, hprev: F32Buf, B: number): F32Buf {
    const E = this.inputSize, H = this.hiddenSize, n = B * H;
    concatStep(rec.xh, x, t, T, hprev, B, E, H); //                       xh (B,E+H)
    rec.xhAct = rowsAct(rec.xhAct, rec.xh, B, E + H);
    rec.hprev = hprev;
    const rpre = this.xhToR.forward(rec.lr, rec.xhAct).data.view; //      (B,H)
    const zpre = this.xhToZ.forward(rec.lz, rec.xhAct).data.view; //      (B,H)
    const r = rec.r.view, z = rec.z.view, hp = hprev.view;
    for (let i = 0; i < n; i++) {
      r[i] = sigmoid(rpre[i]);
      z[i] = sigmoid(zpre[i]);
    }
    // xrh = [x_t ; r·h_{t−1}]: the concatenation, then its second half scaled by r
    concatStep(rec.xrh, x, t, T, hprev, B, E, H);
    const xrh = rec.xrh.view;
    for (let b = 0; b < B; b++) {
      const o = b * (E + H) + E, rb = b * H;
      for (let i = 0; i < H; i++) xrh[o + i] = Math.fround(r[rb + i] * hp[rb + i]);
    }
    rec.xrhAct = rowsAct(rec.xrhAct, rec.xrh, B, E + H);
    const hpre = this.xhToHbar.forward(rec.lh, rec.xrhAct).data.view; //  (B,H)
    const hbar = rec.hbar.view, h = rec.h.view;
    for (let i = 0; i < n; i++) {
      hbar[i] = Math.tanh(hpre[i]);
      // (1 − z)·h_{t−1} + z·hbar, rounded as PyTorch's three float32 ops
      h[i] = Math.fround(Math.fround(Math.fround(1 - z[i]) * hp[i]) + Math.fround(z[i] * hbar[i]));
    }
    return rec.h;
  }

  backward(rec: GRUStepRec, dh: F32Buf, dx: F32Buf, t: number, T: number, dhprev: F32Buf, B: number): void {
    const E = this.inputSize, H = this.hiddenSize, n = B * H;
    const g = dh.view, r = rec.r.view, z = rec.z.view, hbar = rec.hbar.view, hp = rec.hprev!.view;
    const dzpre = this.dzpre.view, dhpre = this.dhpre.view, drpre = this.drpre.view, dhp = dhprev.view;
    for (let i = 0; i < n; i++) {
      const zi = z[i], hb = hbar[i];
      dhpre[i] = g[i] * zi * (1 - hb * hb); //               dhbar · (1 − hbar²)
      dzpre[i] = g[i] * (hb - hp[i]) * zi * (1 - zi); //      dz · z(1 − z)
      dhp[i] = g[i] * (1 - zi); //                            dh_{t−1}, the direct path
    }
    this.xhToHbar.backward(rec.lh, this.dhpre, this.dxrh, false); // dxrh (B,E+H)
    const dxrh = this.dxrh.view;
    for (let b = 0; b < B; b++) {
      const o = b * (E + H) + E, rb = b * H;
      for (let i = 0; i < H; i++) {
        const drh = dxrh[o + i], ri = r[rb + i];
        drpre[rb + i] = drh * hp[rb + i] * ri * (1 - ri); //  dr · r(1 − r)
        dhp[rb + i] += drh * ri;
      }
    }
    splitStep(this.dxrh, dx, t, T, null, B, E, H, false); //  dx_t = dxrh[:, :E] (its second half went above)
    this.xhToZ.backward(rec.lz, this.dzpre, this.dxh, false); // dxh (B,E+H)
    this.xhToR.backward(rec.lr, this.drpre, this.dxh, true);
    splitStep(this.dxh, dx, t, T, dhprev, B, E, H, true);
  }

  parameters(): Parameter[] {
    return [...this.xhToZ.parameters(), ...this.xhToR.parameters(), ...this.xhToHbar.parameters()];
  }
}
