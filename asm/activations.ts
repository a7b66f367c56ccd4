// The zoo's elementwise activations on float32 buffers (src/kernels/ops/activations.ts has the contract):
//
//   gelu:     y = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³)  (GPT-2's tanh approximation)
//   gelu':    dx (=|+=) (σ + x·σ(1−σ)·2√(2/π)·(1 + 3·0.044715·x²))·dy
//   sigmoid:  y = 1/(1 + exp(−x));  sigmoid': dx (=|+=) dy·(1 − y)·y   (PyTorch's sigmoid_backward order)
//   mul:      out (=|+=) a·b
//
// GELU runs through the identity 0.5·(1 + tanh(u)) = σ(2u) = 1/(1 + e), e = exp(−2u) (exp: expf.ts's
// exp4, ≤ 1 ulp): one exp and one division instead of tanh's two branches, and no cancellation in
// 1 + tanh(u) for negative x (the float32 result keeps its relative accuracy where gelu(x) is tiny).
// σ(1−σ) = 1/(2 + e + 1/e) stays finite and exact at 0 when e is 0 or +Infinity. x is clamped to
// [−16, 16] inside u and the derivative's polynomial only (beyond, σ(2u) is 0 or 1 in float32 and the
// derivative's second term is 0), so x³ never overflows; y = x·σ keeps the unclamped x.
//
// Each loop runs 4 floats per step, then a 1..3-float partial tail (lanes.ts). Pointers are byte
// offsets, n counts floats; `acc` 0 overwrites the output, 1 adds to it.

import { loadPartial, storePartial } from "./lanes";
import { exp4 } from "./expf";

// Constants as vectors in a static table (see expf.ts for why). Rows: 0 −2·√(2/π), 1 −2·√(2/π)·0.044715,
// 2 2·√(2/π), 3 6·√(2/π)·0.044715, 4 the clamp 16, 5 −16, 6 one, 7 two.
const K: usize = memory.data<f32>([
  -1.5957691216057308, -1.5957691216057308, -1.5957691216057308, -1.5957691216057308,
  -0.07135481627260025, -0.07135481627260025, -0.07135481627260025, -0.07135481627260025,
  1.5957691216057308, 1.5957691216057308, 1.5957691216057308, 1.5957691216057308,
  0.21406444881780074, 0.21406444881780074, 0.21406444881780074, 0.21406444881780074,
  16.0, 16.0, 16.0, 16.0,
  -16.0, -16.0, -16.0, -16.0,
  1.0, 1.0, 1.0, 1.0,
  2.0, 2.0, 2.0, 2.0,
], 16);

/** Row i of the constant table. */
// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/** e = exp(−2u) for GELU's u(x), x clamped to [−16, 16] (NaN kept). */
// @ts-ignore: decorator
@inline function geluExp(xc: v128): v128 {
  const x2 = f32x4.mul(xc, xc);
  return exp4(f32x4.mul(xc, f32x4.add(k(0), f32x4.mul(k(1), x2)))); // −2u = x·(−2√(2/π) − 2√(2/π)·0.044715·x²)
}

/** x clamped to [−16, 16]; NaN stays NaN (pmin/pmax return their first operand then). */
// @ts-ignore: decorator
@inline function clamp16(x: v128): v128 {
  return f32x4.pmax(f32x4.pmin(x, k(4)), k(5));
}

/** gelu of four lanes: x·σ(2u). */
// @ts-ignore: decorator
@inline function gelu4(x: v128): v128 {
  const e = geluExp(clamp16(x));
  return f32x4.mul(x, f32x4.div(k(6), f32x4.add(k(6), e)));
}

/** gelu'(x) of four lanes: σ + x·σ(1−σ)·(2√(2/π) + 6√(2/π)·0.044715·x²), σ = σ(2u). */
// @ts-ignore: decorator
@inline function geluGrad4(x: v128): v128 {
  const xc = clamp16(x);
  const e = geluExp(xc);
  const one = k(6);
  const s = f32x4.div(one, f32x4.add(one, e)); // σ(2u)
  const s1 = f32x4.div(one, f32x4.add(f32x4.add(k(7), e), f32x4.div(one, e))); // σ(1−σ) = 1/(2 + e + 1/e)
  const poly = f32x4.add(k(2), f32x4.mul(k(3), f32x4.mul(xc, xc)));
  return f32x4.add(s, f32x4.mul(f32x4.mul(xc, s1), poly));
}

/** y[0..n) = gelu(x[0..n)) (the tanh approximation); y may be x. */
export function geluF32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, gelu4(v128.load(x + o)));
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    storePartial(y + o, gelu4(loadPartial(x + o, r)), r);
  }
}

/** dx[0..n) (=|+=) gelu'(x)·dy, x the forward input; `acc` 0 overwrites dx, 1 adds to it. */
export function geluBackwardF32(dx: usize, x: usize, dy: usize, n: i32, acc: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let g = f32x4.mul(geluGrad4(v128.load(x + o)), v128.load(dy + o));
    if (acc != 0) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    let g = f32x4.mul(geluGrad4(loadPartial(x + o, r)), loadPartial(dy + o, r));
    if (acc != 0) g = f32x4.add(loadPartial(dx + o, r), g);
    storePartial(dx + o, g, r);
  }
}

/** sigmoid of four lanes: 1/(1 + exp(−x)). */
// @ts-ignore: decorator
@inline function sigmoid4(x: v128): v128 {
  return f32x4.div(k(6), f32x4.add(k(6), exp4(f32x4.neg(x))));
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
  const one = k(6);
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
