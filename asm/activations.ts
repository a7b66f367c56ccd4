// The zoo's elementwise activations on float32 buffers (src/kernels/ops/activations.ts has the contract):
//
//   gelu:     y = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³)  (GPT-2's tanh approximation)
//   gelu':    dx (=|+=) (σ + x·σ(1−σ)·2√(2/π)·(1 + 3·0.044715·x²))·dy
//   sigmoid:  y = 1/(1 + exp(−x));  sigmoid': dx (=|+=) dy·(1 − y)·y   (PyTorch's sigmoid_backward order)
//   mul:      out (=|+=) a·b
//
// GELU runs through the identity 0.5·(1 + tanh(u)) = σ(2u) = 1/(1 + e), e = exp(−2u) = 2^w,
// w = −2·log2(e)·u: no tanh, and no cancellation in 1 + tanh(u) for negative x (the float32 result keeps
// its relative accuracy where gelu(x) is tiny). 2^w is split as 2ⁿ·2^f, n = nearest(w), f = w − n in
// [−½, ½]: 2ⁿ from its exponent bits, 2^f as the rational R(f) = P(f)/P(−f), P(f) = 1 + a·f + b·f² +
// c·f³ (exact at f = 0 and R(f)·R(−f) = 1 as 2^f's; a, b, c fitted to 2^f's relative error on [−½, ½],
// 9.3e-11, so float32 rounding dominates). With P(f) = E + O (E its even part, O its odd part):
//
//   σ(2u) = P(−f) / (P(−f) + 2ⁿ·P(f)) = D / (D + N),   D = E − O,  N = 2ⁿ·(E + O)
//
// one division per four lanes and no exp call. x is clamped to [−10.0625, 10.03125] inside u only (y =
// x·σ keeps the unclamped x): at the upper bound w ≈ −127.005, so n = −127 and 2ⁿ's bits are 0 (σ is
// exactly 1 from there on); at the lower bound w ≈ 128.05, so n = 128 and 2ⁿ's bits are +Infinity (σ is
// exactly 0: gelu(−20) = −0, gelu'(−20) = 0); in between 2ⁿ is a normal float. The backward writes
// gelu'(x)·dy = σ·dy·(1 + (1 − σ)·t), t = x·(2√(2/π) + 6√(2/π)·0.044715·x²), t on the clamped x (finite).
// The constants are loaded into locals once per call (the loop holds them in registers, or reloads a
// few from the stack); the loops run 16 floats per step (four independent chains, so that the
// float32 adds and multiplies of one can run while another waits on its division), then single
// vectors, then a 1..3-float partial tail (lanes.ts).
//
// Pointers are byte offsets, n counts floats; `acc` 0 overwrites the output, 1 adds to it.

import { loadPartial, storePartial } from "./lanes";
import { exp4 } from "./expf";

// Constants as vectors in a static table (see expf.ts for why). GELU rows: 0 A = −2·√(2/π)·log2(e),
// 1 B = A·0.044715 (so w = A·x + B·x³), 2 the upper clamp 10.03125, 3 the lower clamp −10.0625,
// 4 1.5·2²³ + 127 (adding it to an integer n ∈ [−127, 128] leaves n + 127 in the low mantissa bits),
// 5 one (sigmoid's too), 6 2·√(2/π), 7 6·√(2/π)·0.044715, 8..10 P's a, b, c.
const K: usize = memory.data<f32>([
  -2.302208198, -2.302208198, -2.302208198, -2.302208198,
  -0.1029432435, -0.1029432435, -0.1029432435, -0.1029432435,
  10.03125, 10.03125, 10.03125, 10.03125,
  -10.0625, -10.0625, -10.0625, -10.0625,
  12583039.0, 12583039.0, 12583039.0, 12583039.0,
  1.0, 1.0, 1.0, 1.0,
  1.5957691216057308, 1.5957691216057308, 1.5957691216057308, 1.5957691216057308,
  0.21406444881780076, 0.21406444881780076, 0.21406444881780076, 0.21406444881780076,
  0.3465735896287423, 0.3465735896287423, 0.3465735896287423, 0.3465735896287423,
  0.04803322255724221, 0.04803322255724221, 0.04803322255724221, 0.04803322255724221,
  0.0027710400849751773, 0.0027710400849751773, 0.0027710400849751773, 0.0027710400849751773,
], 16);

/** Row i of the constant table. */
// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/** x clamped to [lo, hi] (NaN stays NaN: pmin/pmax return their first operand then). */
// @ts-ignore: decorator
@inline function clamp(x: v128, hi: v128, lo: v128): v128 {
  return f32x4.pmax(f32x4.pmin(x, hi), lo);
}

/**
 * σ(2u) = 1/(1 + 2^w) of four lanes, w = A·xc + B·xc³, from the clamped x (xc) and its square (x2); the
 * other arguments are the constant table's rows (loaded once by the caller).
 */
// @ts-ignore: decorator
@inline function sigma2u(
  xc: v128, x2: v128, A: v128, B: v128, magic: v128, one: v128, a: v128, b: v128, c: v128,
): v128 {
  const w = f32x4.add(f32x4.mul(A, xc), f32x4.mul(f32x4.mul(B, xc), x2));
  const n = f32x4.nearest(w);
  const f = f32x4.sub(w, n); // exact
  const scale = i32x4.shl(f32x4.add(n, magic), 23); // 2ⁿ: 0 for n = −127, +Infinity for n = 128
  const ff = f32x4.mul(f, f);
  const E = f32x4.add(one, f32x4.mul(b, ff));
  const O = f32x4.mul(f, f32x4.add(a, f32x4.mul(c, ff)));
  const D = f32x4.sub(E, O); // P(−f) ∈ [0.83, 1.2]
  const N = f32x4.mul(scale, f32x4.add(E, O)); // 2ⁿ·P(f)
  return f32x4.div(D, f32x4.add(D, N));
}

/** y[0..n) = gelu(x[0..n)) (the tanh approximation); y may be x. */
export function geluF32(y: usize, x: usize, n: i32): void {
  const A = k(0), B = k(1), hi = k(2), lo = k(3), magic = k(4), one = k(5), a = k(8), b = k(9), c = k(10);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const x0 = v128.load(x + o), x1 = v128.load(x + o, 16), x2 = v128.load(x + o, 32), x3 = v128.load(x + o, 48);
    const c0 = clamp(x0, hi, lo), c1 = clamp(x1, hi, lo), c2 = clamp(x2, hi, lo), c3 = clamp(x3, hi, lo);
    const y0 = f32x4.mul(x0, sigma2u(c0, f32x4.mul(c0, c0), A, B, magic, one, a, b, c));
    const y1 = f32x4.mul(x1, sigma2u(c1, f32x4.mul(c1, c1), A, B, magic, one, a, b, c));
    const y2 = f32x4.mul(x2, sigma2u(c2, f32x4.mul(c2, c2), A, B, magic, one, a, b, c));
    const y3 = f32x4.mul(x3, sigma2u(c3, f32x4.mul(c3, c3), A, B, magic, one, a, b, c));
    v128.store(y + o, y0);
    v128.store(y + o, y1, 16);
    v128.store(y + o, y2, 32);
    v128.store(y + o, y3, 48);
  }
  for (; i < n; i += 4) {
    const o = <usize>i << 2;
    const r = min(n - i, 4);
    const xv = r == 4 ? v128.load(x + o) : loadPartial(x + o, r);
    const xc = clamp(xv, hi, lo);
    const yv = f32x4.mul(xv, sigma2u(xc, f32x4.mul(xc, xc), A, B, magic, one, a, b, c));
    if (r == 4) v128.store(y + o, yv);
    else storePartial(y + o, yv, r);
  }
}

/**
 * gelu'(x)·dy of four lanes: σ·dy·(1 + (1 − σ)·t), t = xc·(P + Q·xc²) (xc the clamped x, x2 its square);
 * P, Q and the rest are the constant table's rows.
 */
// @ts-ignore: decorator
@inline function geluGradDy(
  xc: v128, x2: v128, dy: v128, A: v128, B: v128, magic: v128, one: v128, a: v128, b: v128, c: v128,
  P: v128, Q: v128,
): v128 {
  const s = sigma2u(xc, x2, A, B, magic, one, a, b, c);
  const t = f32x4.mul(xc, f32x4.add(P, f32x4.mul(Q, x2)));
  return f32x4.mul(f32x4.mul(s, dy), f32x4.add(one, f32x4.mul(f32x4.sub(one, s), t)));
}

/** dx[0..n) (=|+=) gelu'(x)·dy, x the forward input; `acc` 0 overwrites dx, 1 adds to it. */
export function geluBackwardF32(dx: usize, x: usize, dy: usize, n: i32, acc: i32): void {
  const A = k(0), B = k(1), hi = k(2), lo = k(3), magic = k(4), one = k(5), P = k(6), Q = k(7);
  const a = k(8), b = k(9), c = k(10);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const c0 = clamp(v128.load(x + o), hi, lo), c1 = clamp(v128.load(x + o, 16), hi, lo);
    const c2 = clamp(v128.load(x + o, 32), hi, lo), c3 = clamp(v128.load(x + o, 48), hi, lo);
    const g0 = geluGradDy(c0, f32x4.mul(c0, c0), v128.load(dy + o), A, B, magic, one, a, b, c, P, Q);
    const g1 = geluGradDy(c1, f32x4.mul(c1, c1), v128.load(dy + o, 16), A, B, magic, one, a, b, c, P, Q);
    const g2 = geluGradDy(c2, f32x4.mul(c2, c2), v128.load(dy + o, 32), A, B, magic, one, a, b, c, P, Q);
    const g3 = geluGradDy(c3, f32x4.mul(c3, c3), v128.load(dy + o, 48), A, B, magic, one, a, b, c, P, Q);
    if (acc != 0) {
      v128.store(dx + o, f32x4.add(v128.load(dx + o), g0));
      v128.store(dx + o, f32x4.add(v128.load(dx + o, 16), g1), 16);
      v128.store(dx + o, f32x4.add(v128.load(dx + o, 32), g2), 32);
      v128.store(dx + o, f32x4.add(v128.load(dx + o, 48), g3), 48);
    } else {
      v128.store(dx + o, g0);
      v128.store(dx + o, g1, 16);
      v128.store(dx + o, g2, 32);
      v128.store(dx + o, g3, 48);
    }
  }
  for (; i < n; i += 4) {
    const o = <usize>i << 2;
    const r = min(n - i, 4);
    const xc = clamp(r == 4 ? v128.load(x + o) : loadPartial(x + o, r), hi, lo);
    const dyv = r == 4 ? v128.load(dy + o) : loadPartial(dy + o, r);
    let g = geluGradDy(xc, f32x4.mul(xc, xc), dyv, A, B, magic, one, a, b, c, P, Q);
    if (acc != 0) g = f32x4.add(r == 4 ? v128.load(dx + o) : loadPartial(dx + o, r), g);
    if (r == 4) v128.store(dx + o, g);
    else storePartial(dx + o, g, r);
  }
}

/** sigmoid of four lanes: 1/(1 + exp(−x)). */
// @ts-ignore: decorator
@inline function sigmoid4(x: v128): v128 {
  return f32x4.div(k(5), f32x4.add(k(5), exp4(f32x4.neg(x))));
}

/** y[0..n) = 1/(1 + exp(−x[0..n))); y may be x. */
export function sigmoidF32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, sigmoid4(v128.load(x + o)));
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    storePartial(y + o, sigmoid4(loadPartial(x + o, r)), r);
  }
}

/** dx[0..n) (=|+=) dy·(1 − y)·y, y the forward output; `acc` 0 overwrites dx, 1 adds to it. */
export function sigmoidBackwardF32(dx: usize, y: usize, dy: usize, n: i32, acc: i32): void {
  const one = k(5);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const yv = v128.load(y + o);
    let g = f32x4.mul(f32x4.mul(v128.load(dy + o), f32x4.sub(one, yv)), yv);
    if (acc != 0) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    const yv = loadPartial(y + o, r);
    let g = f32x4.mul(f32x4.mul(loadPartial(dy + o, r), f32x4.sub(one, yv)), yv);
    if (acc != 0) g = f32x4.add(loadPartial(dx + o, r), g);
    storePartial(dx + o, g, r);
  }
}

/** out[0..n) (=|+=) a[0..n)·b[0..n); out may be a or b; `acc` 0 overwrites out, 1 adds to it. */
export function mulF32(out: usize, a: usize, b: usize, n: i32, acc: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let v = f32x4.mul(v128.load(a + o), v128.load(b + o));
    if (acc != 0) v = f32x4.add(v128.load(out + o), v);
    v128.store(out + o, v);
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    let v = f32x4.mul(loadPartial(a + o, r), loadPartial(b + o, r));
    if (acc != 0) v = f32x4.add(loadPartial(out + o, r), v);
    storePartial(out + o, v, r);
  }
}
