// The zoo's elementwise activations (asm/activations.ts): GELU (tanh approximation) and its backward,
// sigmoid and its backward, and an elementwise product. The contract, the plain-TypeScript reference
// (float64 with Math.exp, one rounding at the store) and the WebAssembly wrappers (float32 SIMD: GELU's
// exp(−2u) as 2ⁿ times a rational approximation of 2^f, no exp call; sigmoid with asm/expf.ts's exp).
// Both backends compute GELU as x·σ(2u), σ(2u) = 0.5·(1 + tanh(u)) (the same function, without the
// cancellation of 1 + tanh(u) where x is negative).
//
//   gelu(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))       GPT-2's approximation, makemore.py's NewGELU
//     (Hendrycks & Gimpel 2016; https://pytorch.org/docs/stable/generated/torch.nn.GELU.html, approximate='tanh')
//     gelu'(x) = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²),  t = tanh(√(2/π)·(x + 0.044715·x³))
//   sigmoid(x) = 1 / (1 + exp(−x))                              torch.sigmoid, the GRU's gates
//     sigmoid'(x) = y·(1 − y), y = sigmoid(x); PyTorch's sigmoid_backward computes dy·(1 − y)·y in float32
//   mul: out = a·b (the GRU's r·h_prev and z·hbar, and their gradients)
//
// Letters: n a length, defaulting to the buffer's.

import type { F32Buf } from "../arena.ts";
import { need, type WasmContext } from "../common.ts";

/** √(2/π), GELU's tanh-approximation constant. */
export const GELU_SCALE = Math.sqrt(2 / Math.PI);
/** The cubic coefficient of GELU's tanh approximation. */
export const GELU_CUBIC = 0.044715;

/** The activation kernels of `Kernels`. */
export interface ActivationKernels {
  /** y[0..n) = gelu(x[0..n)), the tanh approximation; y may be x; n defaults to x.length. */
  gelu(y: F32Buf, x: F32Buf, n?: number): void;
  /** dx[0..n) (=|+=) gelu'(x)·dy, x the forward input; n defaults to x.length; dx may be dy. */
  geluBackward(dx: F32Buf, x: F32Buf, dy: F32Buf, n?: number, accumulate?: boolean): void;
  /** y[0..n) = 1 / (1 + exp(−x[0..n))); y may be x; n defaults to x.length. */
  sigmoid(y: F32Buf, x: F32Buf, n?: number): void;
  /**
   * dx[0..n) (=|+=) dy·(1 − y)·y, y the forward output (PyTorch's sigmoid_backward, in float32, the same
   * order in both backends); n defaults to y.length; dx may be dy.
   */
  sigmoidBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n?: number, accumulate?: boolean): void;
  /** out[0..n) (=|+=) a[0..n)·b[0..n); out may be a or b; n defaults to out.length. */
  mul(out: F32Buf, a: F32Buf, b: F32Buf, n?: number, accumulate?: boolean): void;
}

// ---- TypeScript reference

const fr = Math.fround;

/** The TS backend's activations. */
export const tsActivations: ActivationKernels = {
  /** y = 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)·(x + 0.044715·x³) */
  gelu(y, x, n = x.length) {
    need(y, n, "y", "gelu");
    need(x, n, "x", "gelu");
    const yv = y.view, xv = x.view;
    for (let i = 0; i < n; i++) {
      const v = xv[i];
      yv[i] = v / (1 + Math.exp(-2 * GELU_SCALE * (v + GELU_CUBIC * v * v * v)));
    }
  },

  /** dx (=|+=) gelu'(x)·dy */
  geluBackward(dx, x, dy, n = x.length, accumulate = false) {
    need(dx, n, "dx", "geluBackward");
    need(x, n, "x", "geluBackward");
    need(dy, n, "dy", "geluBackward");
    const d = dx.view, xv = x.view, g = dy.view;
    for (let i = 0; i < n; i++) {
      const v = xv[i];
      const e = Math.exp(-2 * GELU_SCALE * (v + GELU_CUBIC * v * v * v)); // exp(−2u); +Infinity far left
      const s = 1 / (1 + e); //                σ(2u) = 0.5·(1 + tanh(u))
      const s1 = 1 / (2 + e + 1 / e); //       σ(1 − σ) = (1 − tanh²(u))/4, exactly 0 when e is 0 or ∞
      // the second term is 0 where σ(1 − σ) is (so also at x = ±Infinity, as the wasm kernel)
      const local = s1 === 0 ? s : s + v * s1 * 2 * GELU_SCALE * (1 + 3 * GELU_CUBIC * v * v);
      const grad = local * g[i];
      d[i] = accumulate ? d[i] + fr(grad) : grad;
    }
  },

  /** y = 1 / (1 + exp(−x)) */
  sigmoid(y, x, n = x.length) {
    need(y, n, "y", "sigmoid");
    need(x, n, "x", "sigmoid");
    const yv = y.view, xv = x.view;
    for (let i = 0; i < n; i++) yv[i] = 1 / (1 + Math.exp(-xv[i]));
  },

  /** dx (=|+=) fl32(fl32(dy·fl32(1 − y))·y) */
  sigmoidBackward(dx, y, dy, n = y.length, accumulate = false) {
    need(dx, n, "dx", "sigmoidBackward");
    need(y, n, "y", "sigmoidBackward");
    need(dy, n, "dy", "sigmoidBackward");
    const d = dx.view, yv = y.view, g = dy.view;
    for (let i = 0; i < n; i++) {
      const yi = yv[i];
      const v = fr(fr(g[i] * fr(1 - yi)) * yi);
      d[i] = accumulate ? d[i] + v : v;
    }
  },

  /** out (=|+=) a·b */
  mul(out, a, b, n = out.length, accumulate = false) {
    need(out, n, "out", "mul");
    need(a, n, "a", "mul");
    need(b, n, "b", "mul");
    const o = out.view, av = a.view, bv = b.view;
    for (let i = 0; i < n; i++) {
      const v = fr(av[i] * bv[i]);
      o[i] = accumulate ? o[i] + v : v;
    }
  },
};

// ---- WebAssembly

/** The wasm backend's activations over `ctx`'s module and arena. */
export function wasmActivations(ctx: WasmContext): ActivationKernels {
  const w = ctx.w;
  return {
    gelu(y, x, n = x.length) {
      ctx.own(y, n, "y", "gelu");
      ctx.own(x, n, "x", "gelu");
      w.geluF32(y.ptr, x.ptr, n);
    },

    geluBackward(dx, x, dy, n = x.length, accumulate = false) {
      ctx.own(dx, n, "dx", "geluBackward");
      ctx.own(x, n, "x", "geluBackward");
      ctx.own(dy, n, "dy", "geluBackward");
      w.geluBackwardF32(dx.ptr, x.ptr, dy.ptr, n, accumulate ? 1 : 0);
    },

    sigmoid(y, x, n = x.length) {
      ctx.own(y, n, "y", "sigmoid");
      ctx.own(x, n, "x", "sigmoid");
      w.sigmoidF32(y.ptr, x.ptr, n);
    },

    sigmoidBackward(dx, y, dy, n = y.length, accumulate = false) {
      ctx.own(dx, n, "dx", "sigmoidBackward");
      ctx.own(y, n, "y", "sigmoidBackward");
      ctx.own(dy, n, "dy", "sigmoidBackward");
      w.sigmoidBackwardF32(dx.ptr, y.ptr, dy.ptr, n, accumulate ? 1 : 0);
    },

    mul(out, a, b, n = out.length, accumulate = false) {
      ctx.own(out, n, "out", "mul");
      ctx.own(a, n, "a", "mul");
      ctx.own(b, n, "b", "mul");
      w.mulF32(out.ptr, a.ptr, b.ptr, n, accumulate ? 1 : 0);
    },
  };
}
