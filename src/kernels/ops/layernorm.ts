// LayerNorm over the last dimension of (R,C) activations (asm/layernorm.ts): forward and backward, the
// pair llm.c writes as layernorm_forward / layernorm_backward. Mirrors torch.nn.LayerNorm(C) with
// eps 1e-5 and the biased variance (https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html;
// Ba, Kiros & Hinton 2016), as makemore.py's transformer uses it (ln_1, ln_2, ln_f). The contract, the
// plain-TypeScript reference and the WebAssembly wrappers.
//
//   mean[r] = Σ_j x[r,j] / C;  rstd[r] = (Σ_j (x[r,j] − mean[r])² / C + 1e-5)^-½
//   out[r,j] = (x[r,j] − mean[r])·rstd[r]·weight[j] + bias[j]
//   backward (norm = (x − mean)·rstd, dnorm = weight·dout):
//     dbias += Σ_r dout;  dweight += Σ_r norm·dout
//     dx (=|+=) rstd·(dnorm − mean_j(dnorm) − norm·mean_j(dnorm·norm))
//
// The reference computes in float64 and rounds each stored value to float32 once (the saved mean is
// rounded first and the squares are taken around it, as BatchNorm's reference does).
//
// Letters: R rows (B·T positions), C features.

import type { F32Buf } from "../arena.ts";
import { different, need, type WasmContext } from "../common.ts";

/** torch.nn.LayerNorm's default eps. */
export const LAYERNORM_EPS = 1e-5;

/** The LayerNorm kernels of `Kernels`. */
export interface LayerNormKernels {
  /**
   * LayerNorm forward over x (R,C): out (R,C) = (x − mean)·rstd·weight + bias, eps 1e-5, biased
   * variance; mean (R) and rstd (R) are saved for the backward. out ≠ x.
   */
  layerNorm(out: F32Buf, mean: F32Buf, rstd: F32Buf, x: F32Buf, weight: F32Buf, bias: F32Buf, R: number, C: number): void;
  /**
   * LayerNorm backward: dweight (C) += Σ_r norm·dout and dbias (C) += Σ_r dout ALWAYS accumulate; dx (R,C)
   * (=|+=) rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm)), norm = (x − mean)·rstd, dnorm =
   * weight·dout, per `accumulate` (default false: overwrite; true: dx = fl32(dx + fl32(grad))).
   * dx ≠ dout, dx ≠ x.
   */
  layerNormBackward(
    dx: F32Buf, dweight: F32Buf, dbias: F32Buf, dout: F32Buf, x: F32Buf, mean: F32Buf,
    rstd: F32Buf, weight: F32Buf, R: number, C: number, accumulate?: boolean,
  ): void;
}

/** The argument checks of layerNorm (both backends; `own` is need() or the wasm arena check). */
function checkForward(
  own: typeof need, out: F32Buf, mean: F32Buf, rstd: F32Buf, x: F32Buf, weight: F32Buf, bias: F32Buf, R: number, C: number,
): void {
  const op = "layerNorm";
  own(out, R * C, "out", op);
  own(mean, R, "mean", op);
  own(rstd, R, "rstd", op);
  own(x, R * C, "x", op);
  own(weight, C, "weight", op);
  own(bias, C, "bias", op);
  different(out, x, "out", "x", op);
}

/** The argument checks of layerNormBackward (both backends). */
function checkBackward(
  own: typeof need, dx: F32Buf, dweight: F32Buf, dbias: F32Buf, dout: F32Buf, x: F32Buf, mean: F32Buf,
  rstd: F32Buf, weight: F32Buf, R: number, C: number,
): void {
  const op = "layerNormBackward";
  own(dx, R * C, "dx", op);
  own(dweight, C, "dweight", op);
  own(dbias, C, "dbias", op);
  own(dout, R * C, "dout", op);
  own(x, R * C, "x", op);
  own(mean, R, "mean", op);
  own(rstd, R, "rstd", op);
  own(weight, C, "weight", op);
  different(dx, dout, "dx", "dout", op);
  different(dx, x, "dx", "x", op);
}

// ---- TypeScript reference

const fr = Math.fround;

// float64 column sums of the backward (C values each), grown on demand, never per call
let sumDw = new Float64Array(0);
let sumDb = new Float64Array(0);

/** The TS backend's LayerNorm. */
export const tsLayerNorm: LayerNormKernels = {
  /** out = (x − mean)·rstd·weight + bias   // (R,C) -> (R,C), (R) ×2 */
  layerNorm(out, mean, rstd, x, weight, bias, R, C) {
    checkForward(need, out, mean, rstd, x, weight, bias, R, C);
    const xv = x.view, o = out.view, m = mean.view, s = rstd.view, w = weight.view, b = bias.view;
    for (let r = 0; r < R; r++) {
      const row = r * C;
      let sum = 0;
      for (let j = 0; j < C; j++) sum += xv[row + j];
      const mu = fr(sum / C); // the saved mean; the squares are taken around it
      let q = 0;
      for (let j = 0; j < C; j++) {
        const d = xv[row + j] - mu; // exact in float64
        q += d * d;
      }
      const rs = fr(1 / Math.sqrt(q / C + LAYERNORM_EPS));
      m[r] = mu;
      s[r] = rs;
      for (let j = 0; j < C; j++) o[row + j] = (xv[row + j] - mu) * rs * w[j] + b[j];
    }
  },

  /** dweight += Σ_r norm·dout, dbias += Σ_r dout, dx (=|+=) rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm)) */
  layerNormBackward(dx, dweight, dbias, dout, x, mean, rstd, weight, R, C, accumulate = false) {
    checkBackward(need, dx, dweight, dbias, dout, x, mean, rstd, weight, R, C);
    if (sumDw.length < C) {
      sumDw = new Float64Array(C);
      sumDb = new Float64Array(C);
    }
    const sw = sumDw, sb = sumDb;
    sw.fill(0, 0, C);
    sb.fill(0, 0, C);
    const d = dout.view, xv = x.view, m = mean.view, s = rstd.view, w = weight.view, g = dx.view;
    for (let r = 0; r < R; r++) {
      const row = r * C;
      const mu = m[r], rs = s[r];
      let dnormMean = 0; //     Σ_j dnorm
      let dnormNormMean = 0; // Σ_j dnorm·norm
      for (let j = 0; j < C; j++) {
        const norm = (xv[row + j] - mu) * rs;
        const dn = w[j] * d[row + j];
        dnormMean += dn;
        dnormNormMean += dn * norm;
        sw[j] += norm * d[row + j];
        sb[j] += d[row + j];
      }
      dnormMean /= C;
      dnormNormMean /= C;
      for (let j = 0; j < C; j++) {
        const norm = (xv[row + j] - mu) * rs;
        const v = rs * (w[j] * d[row + j] - dnormMean - norm * dnormNormMean);
        g[row + j] = accumulate ? g[row + j] + fr(v) : v;
      }
    }
    const dw = dweight.view, db = dbias.view;
    for (let j = 0; j < C; j++) {
      dw[j] += sw[j];
      db[j] += sb[j];
    }
  },
};

// ---- WebAssembly

/** The wasm backend's LayerNorm over `ctx`'s module and arena. */
export function wasmLayerNorm(ctx: WasmContext): LayerNormKernels {
  const w = ctx.w;
  const own: typeof need = (buf, n, what, op) => ctx.own(buf, n, what, op);
  return {
    layerNorm(out, mean, rstd, x, weight, bias, R, C) {
      checkForward(own, out, mean, rstd, x, weight, bias, R, C);
      w.layerNormF32(out.ptr, mean.ptr, rstd.ptr, x.ptr, weight.ptr, bias.ptr, R, C);
    },

    layerNormBackward(dx, dweight, dbias, dout, x, mean, rstd, weight, R, C, accumulate = false) {
      checkBackward(own, dx, dweight, dbias, dout, x, mean, rstd, weight, R, C);
      w.layerNormBackwardF32(
        dx.ptr, dweight.ptr, dbias.ptr, dout.ptr, x.ptr, mean.ptr, rstd.ptr, weight.ptr, R, C, accumulate ? 1 : 0,
      );
    },
  };
}
