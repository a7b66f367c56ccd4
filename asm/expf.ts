// exp on four float32 lanes in float32 arithmetic (the softmax of the cross-entropy, and tanh), after
// Cephes expf (S. L. Moshier, Cephes Math Library, expf.c):
//
//   n = nearest(x · log2(e)),  r = x − n·ln2   (Cody–Waite: ln2 = C1 + C2, n·C1 exact, |r| ≤ 0.35)
//   exp(r) ≈ 1 + r + r²·P(r)                   (P: Cephes' degree-5 polynomial, Estrin's scheme)
//   exp(x) = exp(r) · 2ⁿ                        (2ⁿ built from its exponent bits, in two halves)
//
// Scaling by 2^(n>>1) and then 2^(n − n>>1) keeps both factors normal, so results in the subnormal
// range round once (correctly, from exp(r)) and x ≥ 88.73 overflows to +Infinity. x is clamped to
// [-104, 89] first: exp(-104) < the smallest subnormal / 2 rounds to +0, exp(89) overflows.
// NaN propagates (f32x4.min/max return NaN). Error measured over a dense sweep of [-104, 89] and random
// bit patterns (test/kernels/exp.test.ts): ≤ 1 ulp from Math.fround(Math.exp(x)).

import { loadPartial, storePartial } from "./lanes";

// Every constant is a vector in a static table, loaded where it is used: V8 (x64) materializes each
// v128.const in a loop as movq + vmovq + vpunpcklqdq, which made the kernel instruction-bound (about
// 2× slower); a load is one instruction and the table stays in L1.
// Rows of 4 lanes: 0 clamp high, 1 clamp low, 2 log2(e), 3 1.5·2²³ (round to nearest by addition),
// 4 C1, 5 C2, 6..11 P's coefficients, 12 one; int rows: 0 the bits of 1.5·2²³, 1 the exponent bias.
const K: usize = memory.data<f32>([
  89.0, 89.0, 89.0, 89.0,
  -104.0, -104.0, -104.0, -104.0,
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341,
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  // ln2 = C1 + C2: C1 has 9 significant bits, so n·C1 is exact for |n| < 2¹⁵
  0.693359375, 0.693359375, 0.693359375, 0.693359375,
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4,
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
  1.0, 1.0, 1.0, 1.0,
], 16);
const KI: usize = memory.data<i32>([0x4b400000, 0x4b400000, 0x4b400000, 0x4b400000, 127, 127, 127, 127], 16);

/** Row i of the constant table. */
// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/**
 * exp(r)·2ⁿ before the scaling by 2ⁿ: returns exp(r) for the reduced argument; `kf` gets n + 1.5·2²³
 * (n in its low mantissa bits). x must be clamped already.
 */
// @ts-ignore: decorator
@inline function expReduced(x0: v128, kf: v128): v128 {
  const n = f32x4.sub(kf, k(3)); // nearest(x · log2 e), exact
  let x = f32x4.sub(x0, f32x4.mul(n, k(4)));
  x = f32x4.sub(x, f32x4.mul(n, k(5)));
  const x2 = f32x4.mul(x, x);
  // P(x) = c0 + c1·x + … + c5·x⁵ in Estrin's scheme (3 levels instead of Horner's 5)
  const a = f32x4.add(f32x4.mul(k(6), x), k(7));
  const b = f32x4.add(f32x4.mul(k(8), x), k(9));
  const c = f32x4.add(f32x4.mul(k(10), x), k(11));
  const p = f32x4.add(a, f32x4.mul(x2, f32x4.add(b, f32x4.mul(x2, c))));
  return f32x4.add(f32x4.add(f32x4.mul(p, x2), x), k(12)); // 1 + x + x²·P(x)
}

/** exp of four float32 lanes (≤ 1 ulp; subnormal results, overflow to +Inf, NaN kept). */
// @ts-ignore: decorator
@inline export function exp4(v: v128): v128 {
  // pmin/pmax with v first return v when it is NaN (one instruction each, unlike min/max)
  const x0 = f32x4.pmax(f32x4.pmin(v, k(0)), k(1));
  const kf = f32x4.add(f32x4.mul(x0, k(2)), k(3));
  const y = expReduced(x0, kf);
  // 2ⁿ = 2^n1 · 2^n2, n1 = n >> 1 (-75..64), n2 = n − n1 (-75..64): both factors normal floats
  const ni = i32x4.sub(kf, v128.load(KI));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, v128.load(KI, 16)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, v128.load(KI, 16)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** exp of four float32 lanes known to be finite and ≤ 88 (tanh's exp(2|x|) after clamping): one scaling. */
// @ts-ignore: decorator
@inline export function exp4Upper(x0: v128): v128 {
  const kf = f32x4.add(f32x4.mul(x0, k(2)), k(3));
  const y = expReduced(x0, kf);
  const s = i32x4.shl(i32x4.add(i32x4.sub(kf, v128.load(KI)), v128.load(KI, 16)), 23);
  return f32x4.mul(y, s);
}

/** y[0..n) = exp(x[0..n)); y may be x. */
export function expF32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const a = exp4(v128.load(p));
    const b = exp4(v128.load(p, 16));
    v128.store(y + (<usize>i << 2), a);
    v128.store(y + (<usize>i << 2), b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    v128.store(y + (<usize>i << 2), exp4(v128.load(x + (<usize>i << 2))));
  }
  if (i < n) {
    const r = n - i;
    storePartial(y + (<usize>i << 2), exp4(loadPartial(x + (<usize>i << 2), r)), r);
  }
}
