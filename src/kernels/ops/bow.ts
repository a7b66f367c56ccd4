// makemore.py's causal bag of words (asm/bow.ts): its BoW block's `att @ x`, where att is the softmax of
// zeros under the causal mask, so row t weighs the positions s ≤ t uniformly by 1/(t+1) (in float32,
// fl32(1/(t+1)), as the softmax of t+1 zeros computes it). As running sums over the positions:
// O(B·T·C) where the (T,T) @ (T,C) product is O(B·T²·C). The contract, the plain-TypeScript reference
// (float64 running sums, one rounding at the store) and the WebAssembly wrappers (float32 running sums).
//
//   causalMean:          out[b,t,:] = fl32(1/(t+1)) · Σ_{s≤t} x[b,s,:]            // (B,T,C) -> (B,T,C)
//   causalMeanBackward:  dx[b,s,:] (=|+=) Σ_{t≥s} fl32(1/(t+1)) · dout[b,t,:]      // (B,T,C) -> (B,T,C)
//
// (makemore.py, CausalBoW: https://github.com/karpathy/makemore/blob/master/makemore.py; src/nn/
// causal_bow.ts is the layer.) Letters: B batch, T positions, C channels.

import type { F32Buf } from "../arena.ts";
import { different, need, type WasmContext } from "../common.ts";

/** The causal bag-of-words kernels of `Kernels`. */
export interface BowKernels {
  /**
   * out[b,t,:] = fl32(1/(t+1))·Σ_{s≤t} x[b,s,:] over x (B,T,C): the running mean over the positions
   * (out (B,T,C) overwritten; out must not be x).
   */
  causalMean(out: F32Buf, x: F32Buf, B: number, T: number, C: number): void;
  /**
   * Its backward: dx[b,s,:] (=|+=) Σ_{t≥s} fl32(1/(t+1))·dout[b,t,:] per `accumulate` (default false);
   * dx must not be dout.
   */
  causalMeanBackward(dx: F32Buf, dout: F32Buf, B: number, T: number, C: number, accumulate?: boolean): void;
}

/** Throws unless B, T, C are non-negative integers and both buffers hold B·T·C floats and differ. */
function check(
  own: typeof need, op: string, a: F32Buf, b: F32Buf, aName: string, bName: string, B: number, T: number, C: number,
): void {
  for (const [name, v] of [["B", B], ["T", T], ["C", C]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer (got ${v})`);
  }
  own(a, B * T * C, aName, op);
  own(b, B * T * C, bName, op);
  different(a, b, aName, bName, op);
}

// ---- TypeScript reference

const fr = Math.fround;

// float64 running sums (C), grown on demand, never per call
let sums = new Float64Array(0);

/** The TS backend's causal bag of words. */
export const tsBow: BowKernels = {
  /** out[b,t] = w_t·Σ_{s≤t} x[b,s]   // (B,T,C) -> (B,T,C) */
  causalMean(out, x, B, T, C) {
    check(need, "causalMean", out, x, "out", "x", B, T, C);
    if (sums.length < C) sums = new Float64Array(C);
    const acc = sums, xv = x.view, o = out.view;
    for (let b = 0; b < B; b++) {
      acc.fill(0, 0, C);
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * C;
        const w = fr(1 / (t + 1));
        for (let c = 0; c < C; c++) {
          acc[c] += xv[row + c];
          o[row + c] = w * acc[c];
        }
      }
    }
  },

  /** dx[b,s] (=|+=) Σ_{t≥s} w_t·dout[b,t]   // (B,T,C) -> (B,T,C) */
  causalMeanBackward(dx, dout, B, T, C, accumulate = false) {
    check(need, "causalMeanBackward", dx, dout, "dx", "dout", B, T, C);
    if (sums.length < C) sums = new Float64Array(C);
    const acc = sums, g = dout.view, d = dx.view;
    for (let b = 0; b < B; b++) {
      acc.fill(0, 0, C);
      for (let t = T - 1; t >= 0; t--) {
        const row = (b * T + t) * C;
        const w = fr(1 / (t + 1));
        for (let c = 0; c < C; c++) {
          acc[c] += w * g[row + c];
          d[row + c] = accumulate ? d[row + c] + fr(acc[c]) : acc[c];
        }
      }
    }
  },
};

// ---- WebAssembly

/** The wasm backend's causal bag of words over `ctx`'s module and arena. */
export function wasmBow(ctx: WasmContext): BowKernels {
  const w = ctx.w;
  const own: typeof need = (buf, n, what, op) => ctx.own(buf, n, what, op);
  return {
    causalMean(out, x, B, T, C) {
      check(own, "causalMean", out, x, "out", "x", B, T, C);
      w.causalMeanF32(out.ptr, x.ptr, B, T, C);
    },

    causalMeanBackward(dx, dout, B, T, C, accumulate = false) {
      check(own, "causalMeanBackward", dx, dout, "dx", "dout", B, T, C);
      w.causalMeanBackwardF32(dx.ptr, dout.ptr, B, T, C, accumulate ? 1 : 0);
    },
  };
}
