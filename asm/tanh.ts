// tanh on float32 buffers, forward and backward (PyTorch torch.tanh and its gradient):
//
//   y = tanh(x)                    // (n) -> (n)
//   dx (=|+=) (1 - y²) · dy         // (n), (n) -> (n)
//
// WebAssembly has no tanh instruction. The forward pass follows Cephes tanhf (S. L. Moshier, Cephes
// Math Library, tanhf.c), four float32 lanes at a time in float32 arithmetic, both branches computed
// and the right one selected per lane:
//   |x| < 0.625:  tanh(x) = x + x·s·P(s), s = x²        (P: Cephes' degree-4 polynomial, Estrin)
//   |x| ≥ 0.625:  tanh(|x|) = 1 − 2 / (exp(2|x|) + 1)  (exp: expf.ts, ≤ 1 ulp), sign restored after
// 2|x| is clamped to 88 (tanh(44) rounds to 1 in float32 anyway), so exp never overflows. ±0 keep their
// sign (both branches run on |x| and the sign is copied last), NaN stays NaN (it fails |x| ≥ 0.625 and propagates through
// the polynomial), ±Infinity gives ±1. Error: ≤ 2 float32 ulp from Math.fround(Math.tanh(x)), measured
// over a dense sweep and random bit patterns in test/kernels/tanh.test.ts (the figure is in its header).

import { loadPartial, storePartial } from "./lanes";
import { exp4Upper } from "./expf";

// Constants as vectors in a static table, loaded where used (see expf.ts for why). Rows: 0..4 P's
// coefficients (highest first), 5 the branch point 0.625, 6 the clamp 88, 7 one, 8 two; int row 9 the
// sign bit.
const K: usize = memory.data<f32>([
  -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3,
  2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2,
  -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2,
  1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1,
  -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1,
  0.625, 0.625, 0.625, 0.625,
  88.0, 88.0, 88.0, 88.0,
  1.0, 1.0, 1.0, 1.0,
  2.0, 2.0, 2.0, 2.0,
  -0.0, -0.0, -0.0, -0.0,
], 16);

/** Row i of the constant table. */
// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/** tanh of four float32 lanes: both branches on |x|, then the sign of x (so tanh(-0) = -0). */
// @ts-ignore: decorator
@inline function tanh4(x: v128): v128 {
  const sign = k(9);
  const ax = v128.andnot(x, sign);
  // |x| < 0.625: |x| + |x|·s·P(s), s = x²
  const s = f32x4.mul(ax, ax);
  const s2 = f32x4.mul(s, s);
  // P(s) = p4 + p3·s + p2·s² + p1·s³ + p0·s⁴ in Estrin's scheme
  const lo = f32x4.add(f32x4.mul(k(3), s), k(4));
  const mid = f32x4.add(f32x4.mul(k(1), s), k(2));
  const p = f32x4.add(lo, f32x4.mul(s2, f32x4.add(mid, f32x4.mul(s2, k(0)))));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, s), ax), ax);
  // |x| ≥ 0.625: 1 − 2/(exp(2|x|) + 1)
  const e = exp4Upper(f32x4.pmin(f32x4.add(ax, ax), k(6)));
  const large = f32x4.sub(k(7), f32x4.div(k(8), f32x4.add(e, k(7))));
  const t = v128.bitselect(large, small, f32x4.ge(ax, k(5)));
  return v128.or(t, v128.and(x, sign));
}

/** y[0..n) = tanh(x[0..n)); y may be x. */
export function tanhF32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const a = tanh4(v128.load(p));
    const b = tanh4(v128.load(p, 16));
    v128.store(y + (<usize>i << 2), a);
    v128.store(y + (<usize>i << 2), b, 16);
  }
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
