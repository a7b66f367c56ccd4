// makemore.py's GRUCell (Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder")
// run over a sequence. Three Linears on the concatenated input, named as makemore.py's state_dict:
// xh_to_z, xh_to_r, xh_to_hbar; each product split as recurrent.ts says (the input's part for all
// positions at once, the state's one step at a time).
//
// Letters: B batch, T positions, E input width, H hidden width; σ the sigmoid. Time-major: row t·B + b.
//   xz, xr, xhb = x @ Wzxᵀ + bz, x @ Wrxᵀ + br, x @ Whxᵀ + bh          // (T·B,E) -> (T·B,H) each
//   r_t    = σ(xr_t + h_{t−1} @ Wrhᵀ)                                    // reset gate (B,H)
//   z_t    = σ(xz_t + h_{t−1} @ Wzhᵀ)                                    // update gate
//   hbar_t = tanh(xhb_t + (r_t·h_{t−1}) @ Whhᵀ)                          // candidate state
//   h_t    = (1 − z_t)·h_{t−1} + z_t·hbar_t
// backward, t = T−1..0, given dh_t:
//   dhbar = dh·z;  dz = dh·(hbar − h_{t−1});  dh_{t−1} += dh·(1 − z)
//   dhpre = dhbar·(1 − hbar²);  drh = dhpre @ Whh;  dr = drh·h_{t−1};  dh_{t−1} += drh·r
//   dzpre = dz·z(1 − z);  drpre = dr·r(1 − r);  dh_{t−1} += dzpre @ Wzh + drpre @ Wrh
// then, all positions at once: dW·x = dpreᵀ @ x, dW·h = dpreᵀ @ (h_{t−1} or r·h_{t−1}), db = Σ dpre,
//   dx = dzpre @ Wzx + drpre @ Wrx + dhpre @ Whx.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import type { Parameter } from "./layer.ts";
import { Linear } from "./linear.ts";
import { copy, recurrentRec, SplitWeight, TimeSteps, type RecurrentLayer, type RecurrentRec } from "./recurrent.ts";

export interface GRURec extends RecurrentRec {
  // (T,B,H) each: the pre-activations in forward, their gradients in backward
  readonly zpre: TimeSteps;
  readonly rpre: TimeSteps;
  readonly hpre: TimeSteps;
  // (T,B,H) each: the gates, the candidate, r·h_{t−1}
  readonly z: TimeSteps;
  readonly r: TimeSteps;
  readonly hbar: TimeSteps;
  readonly rh: TimeSteps;
}

export class GRUCell implements RecurrentLayer<GRURec> {
  readonly kind = "GRUCell";
  readonly xhToZ: Linear;
  readonly xhToR: Linear;
  readonly xhToHbar: Linear;
  private readonly wz: SplitWeight;
  private readonly wr: SplitWeight;
  private readonly wh: SplitWeight;
  private readonly drh: F32Buf; // (B,H) scratch
  /** z, r, hbar: the split weights and the Linears, in makemore.py's order. */
  private readonly gates: readonly SplitWeight[];
  private readonly linears: readonly Linear[];

  constructor(
    private readonly kernels: Kernels,
    readonly inputSize: number,
    readonly hiddenSize: number,
    capacity: number,
    prefix = "cell.",
  ) {
    const E = inputSize, H = hiddenSize;
    const linear = (name: string) =>
      new Linear(kernels, E + H, H, { layout: "torch", weightName: `${prefix}${name}.weight`, biasName: `${prefix}${name}.bias` });
    this.xhToZ = linear("xh_to_z"); // makemore.py's construction order: z, r, hbar
    this.xhToR = linear("xh_to_r");
    this.xhToHbar = linear("xh_to_hbar");
    this.wz = new SplitWeight(kernels, this.xhToZ.weight, E, H);
    this.wr = new SplitWeight(kernels, this.xhToR.weight, E, H);
    this.wh = new SplitWeight(kernels, this.xhToHbar.weight, E, H);
    this.drh = kernels.arena.f32(capacity * H);
    this.gates = [this.wz, this.wr, this.wh];
    this.linears = [this.xhToZ, this.xhToR, this.xhToHbar];
  }

  record(B: number, T: number): GRURec {
    const H = this.hiddenSize;
    const seq = () => new TimeSteps(this.kernels, this.kernels.arena.f32(T * B * H), T, H);
    return {
      ...recurrentRec(this.kernels, B, T, this.inputSize, H),
      zpre: seq(), rpre: seq(), hpre: seq(), z: seq(), r: seq(), hbar: seq(), rh: seq(),
    };
  }

  forward(rec: GRURec, x: F32Buf, h0: F32Buf, B: number, T: number): void {
    const k = this.kernels, E = this.inputSize, H = this.hiddenSize, n = B * H, rows = T * B;
    // the input's part of every product, all positions at once: x @ W·xᵀ + b (T·B,H) for z, r, hbar
    for (let g = 0; g < 3; g++) {
      const w = this.gates[g];
      const pre = (g === 0 ? rec.zpre : g === 1 ? rec.rpre : rec.hpre).buf;
      w.split();
      k.matmulNT(pre, x, w.wx, rows, E, H);
      k.addRow(pre, this.linears[g].bias!.data, rows, H);
    }
    const hs = rec.hs.of(B), zpre = rec.zpre.of(B), rpre = rec.rpre.of(B), hpre = rec.hpre.of(B);
    const zs = rec.z.of(B), rs = rec.r.of(B), hbars = rec.hbar.of(B), rhs = rec.rh.of(B);
    copy(hs[0], h0, n); //                                                             h_{−1}
    for (let t = 0; t < T; t++) {
      const hprev = hs[t];
      k.matmulNT(rpre[t], hprev, this.wr.wh, B, H, H, true); //                       + h_{t−1} @ Wrhᵀ
      k.sigmoid(rs[t], rpre[t], n); //                                                 r_t
      k.matmulNT(zpre[t], hprev, this.wz.wh, B, H, H, true); //                       + h_{t−1} @ Wzhᵀ
      k.sigmoid(zs[t], zpre[t], n); //                                                 z_t
      const r = rs[t].view, hp = hprev.view, rh = rhs[t].view;
      for (let i = 0; i < n; i++) rh[i] = r[i] * hp[i]; //                             r_t·h_{t−1}
      k.matmulNT(hpre[t], rhs[t], this.wh.wh, B, H, H, true); //                      + (r·h) @ Whhᵀ
      k.tanh(hbars[t], hpre[t], n); //                                                 hbar_t
      const z = zs[t].view, hb = hbars[t].view, h = hs[t + 1].view;
      // (1 − z)·h_{t−1} + z·hbar, rounded as PyTorch's float32 ops
      for (let i = 0; i < n; i++) h[i] = Math.fround(Math.fround(1 - z[i]) * hp[i]) + Math.fround(z[i] * hb[i]);
    }
    rec.x = x;
  }

  backward(rec: GRURec, B: number, T: number): void {
    const k = this.kernels, E = this.inputSize, H = this.hiddenSize, n = B * H, rows = T * B;
    if (rec.x === null) throw new Error("GRUCell.backward called before forward");
    const hs = rec.hs.of(B), dhs = rec.dh.of(B);
    const dz = rec.zpre.of(B), dr = rec.rpre.of(B), dhp = rec.hpre.of(B); // the pre-activations' gradients
    const zs = rec.z.of(B), rs = rec.r.of(B), hbars = rec.hbar.of(B);
    k.fill(rec.dh0, 0, n);
    const drhv = this.drh.view;
    for (let t = T - 1; t >= 0; t--) {
      const dprev = t > 0 ? dhs[t - 1] : rec.dh0;
      const g = dhs[t].view, z = zs[t].view, r = rs[t].view, hb = hbars[t].view, hp = hs[t].view;
      const dzv = dz[t].view, dhv = dhp[t].view, dpv = dprev.view;
      for (let i = 0; i < n; i++) {
        const zi = z[i], hbi = hb[i];
        dhv[i] = g[i] * zi * (1 - hbi * hbi); //                       dhbar·(1 − hbar²)
        dzv[i] = g[i] * (hbi - hp[i]) * zi * (1 - zi); //               dz·z(1 − z)
        dpv[i] += g[i] * (1 - zi); //                                   the direct path
      }
      k.matmulNN(this.drh, dhp[t], this.wh.wh, B, H, H); //             drh = dhpre @ Whh
      const drv = dr[t].view;
      for (let i = 0; i < n; i++) {
        const ri = r[i];
        drv[i] = drhv[i] * hp[i] * ri * (1 - ri); //                    dr·r(1 − r)
        dpv[i] += drhv[i] * ri;
      }
      k.matmulNN(dprev, dz[t], this.wz.wh, B, H, H, true); //          + dzpre @ Wzh
      k.matmulNN(dprev, dr[t], this.wr.wh, B, H, H, true); //          + drpre @ Wrh
    }
    const x = rec.x;
    for (let g = 0; g < 3; g++) {
      const w = this.gates[g];
      const d = (g === 0 ? rec.zpre : g === 1 ? rec.rpre : rec.hpre).buf; // the gate's dpre (T·B,H)
      const hIn = g === 2 ? rec.rh.buf : rec.hs.buf; //                     what W·h multiplied
      k.matmulTN(w.dwx, d, x, H, rows, E); //                                dW·x = dpreᵀ @ x
      k.matmulTN(w.dwh, d, hIn, H, rows, H); //                              dW·h = dpreᵀ @ h_{t−1} (r·h_{t−1})
      w.addGrad();
      k.colSum(this.linears[g].bias!.grad, d, rows, H, true);
      k.matmulNN(rec.dx, d, w.wx, rows, H, E, g > 0); //                     dx += dpre @ W·x
    }
  }

  parameters(): Parameter[] {
    return [...this.xhToZ.parameters(), ...this.xhToR.parameters(), ...this.xhToHbar.parameters()];
  }
}
