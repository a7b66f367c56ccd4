// What makemore.py's recurrent layers share (Elman's cell in rnn_cell.ts, the GRU in gru_cell.ts): a cell
// run over a whole sequence, time-major, its Linears on the concatenation [x_t ; h_{t−1}] computed as
// two products — the input's part for every position at once, the hidden state's one step at a time.
// PyTorch's W (H, E+H) is the parameter (makemore.py's state_dict); its two column blocks Wx (H,E) and
// Wh (H,H) are copied out before each forward, and their gradients added back after each backward:
//   [x ; h] @ Wᵀ = x @ Wxᵀ + h @ Whᵀ
// Only the h-products depend on the previous step; every x-product and every weight gradient is one
// (T·B)-row product, as large as the batch's positions.
//
// Letters: B batch, T positions, E input width (n_embd), H hidden width (n_embd2).

import type { F32Buf, Kernels } from "../kernels/index.ts";
import type { Parameter } from "./layer.ts";

/** What every recurrent layer's record holds: the states, and the gradients in and out. */
export interface RecurrentRec {
  /** (T+1, B, H): h_{−1} (the start), then h_0 … h_{T−1}. */
  readonly hs: TimeSteps;
  /** (T, B, H): the gradient of h_0 … h_{T−1} from above; the caller fills it before backward. */
  readonly dh: TimeSteps;
  /** (T, B, E): the gradient of the input, written by backward. */
  readonly dx: F32Buf;
  /** (B, H): the gradient of the start state, written by backward. */
  readonly dh0: F32Buf;
  /** The last forward's input (T, B, E). */
  x: F32Buf | null;
}

/** A recurrent layer over a time-major sequence. */
export interface RecurrentLayer<R extends RecurrentRec = RecurrentRec> {
  readonly kind: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** A record for up to B rows of T positions. */
  record(B: number, T: number): R;
  /** Runs the cell over x (T,B,E) from h0 (B,H) into rec.hs. */
  forward(rec: R, x: F32Buf, h0: F32Buf, B: number, T: number): void;
  /** From rec.dh (modified: it receives the recurrence's part): rec.dx, rec.dh0 and the parameters' grads. */
  backward(rec: R, B: number, T: number): void;
  parameters(): Parameter[];
}

/** The parts of a record every recurrent layer has, for up to B rows of T positions. */
export function recurrentRec(kernels: Kernels, B: number, T: number, E: number, H: number): RecurrentRec {
  const a = kernels.arena;
  return {
    hs: new TimeSteps(kernels, a.f32((T + 1) * B * H), T + 1, H),
    dh: new TimeSteps(kernels, a.f32(T * B * H), T, H),
    dx: a.f32(T * B * E),
    dh0: a.f32(B * H),
    x: null,
  };
}

/** The column blocks Wx (H,E), Wh (H,H) of a PyTorch Linear(E+H, H) and their gradients' scratch. */
export class SplitWeight {
  readonly wx: F32Buf; //  (H,E)
  readonly wh: F32Buf; //  (H,H)
  readonly dwx: F32Buf; // (H,E)
  readonly dwh: F32Buf; // (H,H)

  constructor(
    kernels: Kernels,
    readonly weight: Parameter,
    readonly E: number,
    readonly H: number,
  ) {
    const a = kernels.arena;
    this.wx = a.f32(H * E);
    this.wh = a.f32(H * H);
    this.dwx = a.f32(H * E);
    this.dwh = a.f32(H * H);
  }

  /** Wx, Wh = W[:, :E], W[:, E:]. */
  split(): void {
    const { E, H } = this;
    const w = this.weight.data.view, wx = this.wx.view, wh = this.wh.view;
    for (let o = 0; o < H; o++) {
      const row = o * (E + H);
      for (let i = 0; i < E; i++) wx[o * E + i] = w[row + i];
      for (let i = 0; i < H; i++) wh[o * H + i] = w[row + E + i];
    }
  }

  /** W.grad[:, :E] += dWx; W.grad[:, E:] += dWh. */
  addGrad(): void {
    const { E, H } = this;
    const g = this.weight.grad.view, dx = this.dwx.view, dh = this.dwh.view;
    for (let o = 0; o < H; o++) {
      const row = o * (E + H);
      for (let i = 0; i < E; i++) g[row + i] += dx[o * E + i];
      for (let i = 0; i < H; i++) g[row + E + i] += dh[o * H + i];
    }
  }
}

/**
 * The time steps of a time-major buffer (T, B, C): step t is elements [t·B·C, (t+1)·B·C), a buffer of
 * its own (Arena.slice) so a kernel can take it as a (B, C) matrix. The slices depend on B: they are
 * made the first time a batch of B rows comes and kept for the next calls (the training batch, an
 * evaluation chunk, a sample's single row), so a training step makes none.
 */
export class TimeSteps {
  private readonly cache = new Map<number, F32Buf[]>();

  constructor(
    private readonly kernels: Kernels,
    readonly buf: F32Buf,
    readonly steps: number,
    readonly width: number,
  ) {}

  /** The `steps` slices for batches of B rows. */
  of(B: number): F32Buf[] {
    let s = this.cache.get(B);
    if (s === undefined) {
      if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value!); // a few sizes at most
      const n = B * this.width;
      s = Array.from({ length: this.steps }, (_, t) => this.kernels.arena.slice(this.buf, t * n, n));
      this.cache.set(B, s);
    }
    return s;
  }
}

/** dst[0..n) = src[0..n). */
export function copy(dst: F32Buf, src: F32Buf, n: number): void {
  const d = dst.view, s = src.view;
  for (let i = 0; i < n; i++) d[i] = s[i];
}

/**
 * out (T,B,C) = x (B,T,C) with its first two dimensions swapped (the other way: swap B and T), x read
 * from element `offset` on.
 */
export function swapBT(out: F32Buf, x: F32Buf, B: number, T: number, C: number, offset = 0): void {
  const o = out.view, v = x.view;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const src = offset + (b * T + t) * C, dst = (t * B + b) * C;
      for (let c = 0; c < C; c++) o[dst + c] = v[src + c];
    }
  }
}
