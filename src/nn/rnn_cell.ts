// The recurrent cells of makemore.py, one time step at a time, and what they share. Elman's cell (Elman
// 1990, makemore.py's RNNCell) is here; the GRU (Cho et al. 2014) is gru_cell.ts. A cell holds its
// parameters; each time step of each forward pass has its own record (the activations backward needs),
// so the same cell runs at every position and backpropagation through time walks the records back.
//
// Letters: B batch, T positions, E input width (n_embd), H hidden width (n_embd2).
//   xh  = [x_t ; h_{t−1}]                       // (B,E), (B,H) -> (B,E+H)
//   h_t = tanh(xh @ Wᵀ + b)                     // (B,E+H) @ (H,E+H)ᵀ -> (B,H)
// backward, given dh_t (from the output at t and from step t+1):
//   dpre = (1 − h_t²) · dh_t;  dW += dpreᵀ @ xh;  db += Σ_b dpre;  dxh = dpre @ W
//   dx_t = dxh[:, :E];  dh_{t−1} = dxh[:, E:]
// x_t is row t of each row of a (B,T,E) buffer and dx_t is written there: the cell reads and writes
// the sequence in place, with no copy of the whole sequence per step.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import type { Act, Parameter } from "./layer.ts";
import { Linear, type LinearRec } from "./linear.ts";
import { Tanh, type TanhRec } from "./tanh.ts";

/** One step of a cell: the hidden state it produced (B,H) and whatever its backward needs. */
export interface StepRec {
  /** h_t (B,H), contiguous. */
  readonly h: F32Buf;
  /** h_{t−1} of the last forward (the start state at t = 0). */
  hprev: F32Buf | null;
}

/** A recurrent cell: h_t from x_t and h_{t−1}, and the step's backward. */
export interface RecurrentCell<R extends StepRec = StepRec> {
  readonly kind: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** A record for one time step of up to `B` rows. */
  record(B: number): R;
  /** h_t = cell(x[:, t], hprev): x (B,T,E) row-major, hprev (B,H). */
  forward(rec: R, x: F32Buf, t: number, T: number, hprev: F32Buf, B: number): F32Buf;
  /**
   * Given dh (B,H), the gradient of h_t: adds into every parameter's grad, writes dx[:, t] (B,T,E;
   * overwritten) and dhprev (B,H; overwritten). `dh` may be modified.
   */
  backward(rec: R, dh: F32Buf, dx: F32Buf, t: number, T: number, dhprev: F32Buf, B: number): void;
  parameters(): Parameter[];
}

/** out[b, :] = [x[b, t, :] ; h[b, :]] for b < B: the concatenated input of a cell (B,E+H). */
export function concatStep(out: F32Buf, x: F32Buf, t: number, T: number, h: F32Buf, B: number, E: number, H: number): void {
  const o = out.view, xv = x.view, hv = h.view;
  const W = E + H;
  for (let b = 0; b < B; b++) {
    const ob = b * W, xb = (b * T + t) * E, hb = b * H;
    for (let i = 0; i < E; i++) o[ob + i] = xv[xb + i];
    for (let i = 0; i < H; i++) o[ob + E + i] = hv[hb + i];
  }
}

/** Splits d[b, :] (B,E+H) into dx[b, t, :] (=|+=) d[b, :E] and dh[b, :] (=|+=) d[b, E:] (dh null: not wanted). */
export function splitStep(
  d: F32Buf, dx: F32Buf, t: number, T: number, dh: F32Buf | null, B: number, E: number, H: number, accumulate: boolean,
): void {
  const dv = d.view, xv = dx.view, hv = dh === null ? null : dh.view;
  const W = E + H;
  for (let b = 0; b < B; b++) {
    const db = b * W, xb = (b * T + t) * E, hb = b * H;
    if (accumulate) {
      for (let i = 0; i < E; i++) xv[xb + i] += dv[db + i];
      if (hv !== null) for (let i = 0; i < H; i++) hv[hb + i] += dv[db + E + i];
    } else {
      for (let i = 0; i < E; i++) xv[xb + i] = dv[db + i];
      if (hv !== null) for (let i = 0; i < H; i++) hv[hb + i] = dv[db + E + i];
    }
  }
}

/** An Act over the first B rows of `buf` (B, width), reused while B is the same. */
export function rowsAct(prev: Act | null, buf: F32Buf, B: number, width: number): Act {
  return prev !== null && prev.shape[0] === B ? prev : { data: buf, shape: [B, width] };
}

export interface RNNStepRec extends StepRec {
  readonly xh: F32Buf; //    (B,E+H)
  xhAct: Act | null;
  readonly linear: LinearRec;
  readonly tanh: TanhRec;
}

/** makemore.py's RNNCell: h_t = tanh(W [x_t; h_{t−1}] + b), one Linear named xh_to_h. */
export class RNNCell implements RecurrentCell<RNNStepRec> {
  readonly kind = "RNNCell";
  readonly xhToH: Linear;
  private readonly act: Tanh;
  private readonly dxh: F32Buf; // (B,E+H) scratch, shared by the steps
  private readonly dpre: F32Buf; // (B,H)

  constructor(
    private readonly kernels: Kernels,
    readonly inputSize: number,
    readonly hiddenSize: number,
    capacity: number,
    prefix = "cell.",
  ) {
    const W = inputSize + hiddenSize;
    this.xhToH = new Linear(kernels, W, hiddenSize, { layout: "torch", weightName: `${prefix}xh_to_h.weight`, biasName: `${prefix}xh_to_h.bias` });
    this.act = new Tanh(kernels, hiddenSize);
    this.dxh = kernels.arena.f32(capacity * W);
    this.dpre = kernels.arena.f32(capacity * hiddenSize);
  }

  record(B: number): RNNStepRec {
    const W = this.inputSize + this.hiddenSize;
    const tanh = this.act.record([B, this.hiddenSize]);
    return { xh: this.kernels.arena.f32(B * W), xhAct: null, linear: this.xhToH.record([B, W]), tanh, h: tanh.outBuf, hprev: null };
  }

  forward(rec: RNNStepRec, x: F32Buf, t: number, T: number, hprev: F32Buf, B: number): F32Buf {
    const E = this.inputSize, H = this.hiddenSize;
    concatStep(rec.xh, x, t, T, hprev, B, E, H); //                        (B,E+H)
    rec.xhAct = rowsAct(rec.xhAct, rec.xh, B, E + H);
    rec.hprev = hprev;
    this.act.forward(rec.tanh, this.xhToH.forward(rec.linear, rec.xhAct)); // (B,H)
    return rec.h;
  }

  backward(rec: RNNStepRec, dh: F32Buf, dx: F32Buf, t: number, T: number, dhprev: F32Buf, B: number): void {
    this.act.backward(rec.tanh, dh, this.dpre, false); //            dpre = (1 − h²)·dh
    this.xhToH.backward(rec.linear, this.dpre, this.dxh, false); //  dW, db; dxh = dpre @ W
    splitStep(this.dxh, dx, t, T, dhprev, B, this.inputSize, this.hiddenSize, false);
  }

  parameters(): Parameter[] {
    return this.xhToH.parameters();
  }
}
