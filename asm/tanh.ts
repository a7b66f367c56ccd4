// tanh on float32 buffers, forward and backward (PyTorch torch.tanh and its gradient):
//
//   y = tanh(x)                    // (n) -> (n)
//   dx (=|+=) (1 - y²) · dy         // (n), (n) -> (n)
//
// WebAssembly has no tanh instruction. The forward pass widens each pair of lanes to float64 and
// evaluates tanh(|x|) = e / (e + 2) with e = expm1(2|x|), sign restored at the end:
//   expm1(y) = 2ⁿ·expm1(r) + (2ⁿ - 1),  y = n·ln2 + r, |r| ≤ ln2/2,
//   expm1(r) by its Taylor series to r¹¹ (relative truncation error < 2e-14 on |r| ≤ 0.347).
// In float64 the result is good to ~1e-14 relative before rounding to float32, so the float32 result
// is the correctly rounded tanh except in rare near-ties: ≤ 1 ulp from Math.fround(Math.tanh(x)),
// measured over a sweep in test/kernels/tanh.test.ts. ±0 keep their sign, NaN stays NaN, |x| ≥ 20
// gives ±1 (tanh(20) = 1 - 8e-18 rounds to 1 even in float64).

import { loadPartial, storePartial } from "./lanes";

// @ts-ignore: decorator
@inline const INV_LN2: f64 = 1.4426950408889634;
// ln2 split in a high part with trailing zero bits (n·LN2_HI is exact for |n| < 2¹¹) and the rest.
// @ts-ignore: decorator
@inline const LN2_HI: f64 = 6.93147180369123816490e-01;
// @ts-ignore: decorator
@inline const LN2_LO: f64 = 1.90821492927058770002e-10;

/** tanh of two float64 lanes. */
// @ts-ignore: decorator
@inline function tanh2(x: v128): v128 {
  const ax = f64x2.min(f64x2.abs(x), f64x2.splat(20.0)); // NaN propagates through min
  const y = f64x2.add(ax, ax); // 2|x|, exact
  const n = f64x2.nearest(f64x2.mul(y, f64x2.splat(INV_LN2))); // 0..58
  const r = f64x2.sub(f64x2.sub(y, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  // expm1(r) = r + r²·(1/2! + r/3! + … + r⁹/11!)
  let q = f64x2.splat(1.0 / 39916800.0); // 1/11!
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 3628800.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 362880.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 40320.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 5040.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 720.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 120.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 24.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 6.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(0.5));
  const p = f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q));
  // 2ⁿ from its bits: (n + 1023) << 52
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const two = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  const e = f64x2.add(f64x2.mul(two, p), f64x2.sub(two, f64x2.splat(1.0))); // expm1(2|x|)
  const t = f64x2.div(e, f64x2.add(e, f64x2.splat(2.0)));
  // copy the sign of x (keeps -0 and the sign of NaN)
  return v128.or(t, v128.and(x, i64x2.splat(0x8000000000000000)));
}

/** tanh of four float32 lanes, through two float64 pairs. */
// @ts-ignore: decorator
@inline function tanh4(v: v128): v128 {
  const lo = tanh2(f64x2.promote_low_f32x4(v));
  const hi = tanh2(f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)));
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/** y[0..n) = tanh(x[0..n)); y may be x. */
export function tanhF32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  }
  if (i < n) {
    const r = n - i;
    storePartial(y + (<usize>i << 2), tanh4(loadPartial(x + (<usize>i << 2), r)), r);
  }
}

/** dx[0..n) (=|+=) (1 - y²) · dy, y the forward output; `acc` 0 overwrites dx, 1 adds to it. */
export function tanhBackwardF32(dx: usize, y: usize, dy: usize, n: i32, acc: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const yv = v128.load(y + o);
    let g = f32x4.mul(f32x4.sub(one, f32x4.mul(yv, yv)), v128.load(dy + o));
    if (acc != 0) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  if (i < n) {
    const r = n - i;
    const o = <usize>i << 2;
    const yv = loadPartial(y + o, r);
    let g = f32x4.mul(f32x4.sub(one, f32x4.mul(yv, yv)), loadPartial(dy + o, r));
    if (acc != 0) g = f32x4.add(loadPartial(dx + o, r), g);
    storePartial(dx + o, g, r);
  }
}
