// Transcendental elementwise kernels (asm/tanh.ts, asm/expf.ts): tanh and its backward, exp. The
// contract, the plain-TypeScript reference (Math.tanh, Math.exp) and the WebAssembly wrappers (float32
// SIMD polynomials, ≤ 1 ulp for exp).
//
// Letters: n a length, defaulting to the buffer's.

import type { F32Buf } from "../arena.ts";
import { need, type WasmContext } from "../common.ts";

/** The tanh and exp kernels of `Kernels`. */
export interface TanhExpKernels {
  /** y[0..n) = tanh(x[0..n)); y may be x; n defaults to x.length. */
  tanh(y: F32Buf, x: F32Buf, n?: number): void;
  /** dx[0..n) (=|+=) (1 - y²) · dy, y the forward output; n defaults to y.length. */
  tanhBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n?: number, accumulate?: boolean): void;
  /** y[0..n) = exp(x[0..n)); y may be x; n defaults to x.length (wasm: ≤ 1 ulp, float32 SIMD). */
  exp(y: F32Buf, x: F32Buf, n?: number): void;
}

// ---- TypeScript reference

/** The TS backend's tanh and exp. */
export const tsTanhExp: TanhExpKernels = {
  /** y[0..n) = tanh(x[0..n)) */
  tanh(y, x, n = x.length) {
    need(y, n, "y", "tanh");
    need(x, n, "x", "tanh");
    const yv = y.view, xv = x.view;
    for (let i = 0; i < n; i++) yv[i] = Math.tanh(xv[i]);
  },

  /** dx[0..n) (=|+=) (1 - y²) · dy */
  tanhBackward(dx, y, dy, n = y.length, accumulate = false) {
    need(dx, n, "dx", "tanhBackward");
    need(y, n, "y", "tanhBackward");
    need(dy, n, "dy", "tanhBackward");
    const d = dx.view, yv = y.view, g = dy.view;
    for (let i = 0; i < n; i++) {
      const yi = yv[i];
      const v = Math.fround(Math.fround(1 - Math.fround(yi * yi)) * g[i]);
      d[i] = accumulate ? d[i] + v : v;
    }
  },

  /** y[0..n) = exp(x[0..n)) */
  exp(y, x, n = x.length) {
    need(y, n, "y", "exp");
    need(x, n, "x", "exp");
    const yv = y.view, xv = x.view;
    for (let i = 0; i < n; i++) yv[i] = Math.exp(xv[i]);
  },
};

// ---- WebAssembly

/** The wasm backend's tanh and exp over `ctx`'s module and arena. */
export function wasmTanhExp(ctx: WasmContext): TanhExpKernels {
  const w = ctx.w;
  return {
    tanh(y, x, n = x.length) {
      ctx.own(y, n, "y", "tanh");
      ctx.own(x, n, "x", "tanh");
      w.tanhF32(y.ptr, x.ptr, n);
    },

    tanhBackward(dx, y, dy, n = y.length, accumulate = false) {
      ctx.own(dx, n, "dx", "tanhBackward");
      ctx.own(y, n, "y", "tanhBackward");
      ctx.own(dy, n, "dy", "tanhBackward");
      w.tanhBackwardF32(dx.ptr, y.ptr, dy.ptr, n, accumulate ? 1 : 0);
    },

    exp(y, x, n = x.length) {
      ctx.own(y, n, "y", "exp");
      ctx.own(x, n, "x", "exp");
      w.expF32(y.ptr, x.ptr, n);
    },
  };
}
