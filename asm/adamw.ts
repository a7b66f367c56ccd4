// The AdamW update of one parameter, in place (src/kernels/ops/adamw.ts has the contract and the
// reference; src/train/adamw.ts derives it from torch.optim.AdamW of PyTorch 1.13). Per element:
//
//   p' = fl(decay·p)                    m' = fma(a1, g, fl(b1·m))        v' = fma(fl(a2·g), g, fl(b2·v))
//   denom = fl(fl(fl(√v') / bc2Sqrt) + eps)                   p = fl(p' + fl(fl(negStepSize·m') / denom))
//
// fl is one float32 rounding, fma(a, b, c) = fl(a·b + c) rounded ONCE, as the FMA instructions of
// PyTorch's AVX2 kernels compute it. The other operations are float32 SIMD ops (multiply, divide, sqrt
// and add round once; the TS loop computes them in float64 and rounds to float32, which gives the same
// bits since 53 ≥ 2·24 + 2).
//
// Wasm SIMD has no fused multiply-add, so the two fmas run in float64x2 lanes: a·b is exact there
// (24 + 24 bits) and s = a·b + c rounds once to float64; fl(s) is then the single rounding of a·b + c
// except when s lies exactly halfway between two float32s while a·b + c does not (it rounded onto the
// halfway point), where rounding s to nearest-even may go the wrong way. The fast path checks each
// group of four for a lane where s might be such a point (`suspect`: a normal-range halfway double has
// its low 29 fraction bits 100…0; a nonzero s below 2^-126, float32's subnormal range, is flagged
// whole) and demotes s. A flagged group recomputes both fmas with s rounded to ODD instead (Boldo &
// Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd",
// IEEE Trans. Computers 57(4), 2008): with TwoSum's exact error e (Knuth), s + e = a·b + c; where e ≠ 0
// the sum truncated to 53 bits is s, or s minus one ulp when e points from s towards zero, and its last
// bit is set. A round-to-odd double (53 ≥ 24 + 2 bits) rounds to float32 exactly as the exact sum does,
// subnormal results and the overflow threshold included. A non-finite e (an infinite or NaN input)
// leaves s alone, so ±Infinity propagates as in the TypeScript loop.
//
// Each loop step runs 4 floats (the fmas as two float64x2 halves), then a 1..3-float partial tail
// (lanes.ts). Pointers are byte offsets, n counts floats.

import { loadPartial, storePartial } from "./lanes";

// Constant vectors in a static table (see expf.ts for why). int64 rows: 0 one, 1 zero (also float64 +0);
// int32 rows: 2 the low 29 bits, 3 their halfway pattern 1 << 28, 4 2^31 − 1 and 5 the bound of
// `suspect`'s tiny test (2·hi(2^-126) + 2^31 − 1, wrapped to int32).
const K: usize = memory.data<i32>([
  1, 0, 1, 0,
  0, 0, 0, 0,
  0x1fffffff, 0x1fffffff, 0x1fffffff, 0x1fffffff,
  0x10000000, 0x10000000, 0x10000000, 0x10000000,
  0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
  0xf01fffff, 0xf01fffff, 0xf01fffff, 0xf01fffff,
], 16);

/** Row i of the constant table. */
// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/** Float32 lanes 2, 3 of x as a float64x2. */
// @ts-ignore: decorator
@inline function promoteHigh(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 0));
}

/** The float32x4 of two float64x2 halves (lanes 0, 1 from lo, 2, 3 from hi). */
// @ts-ignore: decorator
@inline function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/** p + c rounded to odd, for an exact product p and a float32 c in float64x2 lanes (then to float32: fl32 once). */
// @ts-ignore: decorator
@inline function sumOdd(p: v128, c: v128): v128 {
  const s = f64x2.add(p, c);
  const bb = f64x2.sub(s, p);
  const e = f64x2.add(f64x2.sub(p, f64x2.sub(s, bb)), f64x2.sub(c, bb)); // s + e = p + c exactly (TwoSum)
  const inexact = f64x2.gt(f64x2.abs(e), k(1)); //                          false for ±0 and NaN
  const back = i64x2.lt_s(v128.xor(s, e), k(1)); //                         e and s differ in sign
  const trunc = i64x2.add(s, v128.and(back, inexact)); //                   p + c truncated to 53 bits
  return v128.or(trunc, v128.and(inexact, k(0))); //                        … with its last bit set
}

/**
 * Lanes whose float64 sum (halves lo, hi) may round twice: halfway between two normal float32s (low 29
 * fraction bits 100…0), or nonzero below 2^-126 (float32's subnormal range, halfway points elsewhere).
 */
// @ts-ignore: decorator
@inline function suspect(lo: v128, hi: v128): v128 {
  const low = v128.shuffle<i32>(lo, hi, 0, 2, 4, 6); //          the low words of the four doubles
  const halfway = i32x4.eq(v128.and(low, k(2)), k(3));
  // h = 2·|high word| (0 for ±0; never a float64 subnormal here), h + 2^31 − 1 maps 0 to the largest
  // int32 and 2.. to the smallest ones in order: one signed compare tests 0 < |s| < 2^-126
  const h = i32x4.shl(v128.shuffle<i32>(lo, hi, 1, 3, 5, 7), 1);
  const tiny = i32x4.lt_s(i32x4.add(h, k(4)), k(5));
  return v128.or(halfway, tiny);
}

/** A 4-lane load (r = 4) or a partial one (r in 1..3, other lanes 0). */
// @ts-ignore: decorator
@inline function load(ptr: usize, r: i32): v128 {
  return r == 4 ? v128.load(ptr) : loadPartial(ptr, r);
}

/** A 4-lane store (r = 4) or a partial one (r in 1..3). */
// @ts-ignore: decorator
@inline function store(ptr: usize, x: v128, r: i32): void {
  if (r == 4) v128.store(ptr, x);
  else storePartial(ptr, x, r);
}

/** The update of r ≤ 4 floats at byte offset o (all splat scalars; a1 as float64). */
// @ts-ignore: decorator
@inline function update(
  p: usize, g: usize, m: usize, v: usize, o: usize, r: i32,
  decay: v128, b1: v128, a1: v128, b2: v128, a2: v128, bc2Sqrt: v128, eps: v128, negStepSize: v128,
): void {
  const gv = load(g + o, r);
  const glo = f64x2.promote_low_f32x4(gv), ghi = promoteHigh(gv);
  // m' = fma(a1, g, fl(b1·m)):  float64 products (exact) and sums (rounded once)
  const cm = f32x4.mul(b1, load(m + o, r));
  const cmLo = f64x2.promote_low_f32x4(cm), cmHi = promoteHigh(cm);
  const pmLo = f64x2.mul(a1, glo), pmHi = f64x2.mul(a1, ghi);
  const smLo = f64x2.add(pmLo, cmLo), smHi = f64x2.add(pmHi, cmHi);
  // v' = fma(fl(a2·g), g, fl(b2·v))
  const ag = f32x4.mul(a2, gv);
  const cv = f32x4.mul(b2, load(v + o, r));
  const cvLo = f64x2.promote_low_f32x4(cv), cvHi = promoteHigh(cv);
  const pvLo = f64x2.mul(f64x2.promote_low_f32x4(ag), glo), pvHi = f64x2.mul(promoteHigh(ag), ghi);
  const svLo = f64x2.add(pvLo, cvLo), svHi = f64x2.add(pvHi, cvHi);
  let mi: v128, vi: v128;
  if (v128.any_true(v128.or(suspect(smLo, smHi), suspect(svLo, svHi)))) {
    mi = demote4(sumOdd(pmLo, cmLo), sumOdd(pmHi, cmHi)); //  rare: the sums rounded to odd
    vi = demote4(sumOdd(pvLo, cvLo), sumOdd(pvHi, cvHi));
  } else {
    mi = demote4(smLo, smHi);
    vi = demote4(svLo, svHi);
  }
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc2Sqrt), eps);
  const pi = f32x4.mul(decay, load(p + o, r));
  store(m + o, mi, r);
  store(v + o, vi, r);
  store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(negStepSize, mi), denom)), r);
}

/**
 * The AdamW update of p[0..n) from its gradient g, first moment m and second moment v (m and v updated
 * in place too), with the step's float32 scalars; p, g, m, v are distinct buffers.
 */
export function adamwF32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  decay: f32, b1: f32, a1: f32, b2: f32, a2: f32, bc2Sqrt: f32, eps: f32, negStepSize: f32,
): void {
  const vDecay = f32x4.splat(decay), vB1 = f32x4.splat(b1), vA1 = f64x2.splat(<f64>a1);
  const vB2 = f32x4.splat(b2), vA2 = f32x4.splat(a2);
  const vBc2 = f32x4.splat(bc2Sqrt), vEps = f32x4.splat(eps), vStep = f32x4.splat(negStepSize);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    update(p, g, m, v, <usize>i << 2, 4, vDecay, vB1, vA1, vB2, vA2, vBc2, vEps, vStep);
  }
  if (i < n) update(p, g, m, v, <usize>i << 2, n - i, vDecay, vB1, vA1, vB2, vA2, vBc2, vEps, vStep);
}
