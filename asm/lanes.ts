// Partial-vector loads and stores: the 1..3 float32 lanes left over when a row length is not a
// multiple of 4. They touch exactly `r` floats (never a byte past the end of a buffer), so the tails of
// the kernels stay SIMD instead of falling back to scalar loops. Lanes beyond `r` load as zero.
// And `madd`, the multiply-add of the matrix products' inner loops, which the two builds of the module
// (scripts/build-wasm.mjs) compile differently.

/** Loads floats p[0..r), r in 1..3, into lanes 0..r-1 of a vector; the other lanes are 0. */
// @ts-ignore: decorator
@inline export function loadPartial(p: usize, r: i32): v128 {
  if (r == 1) return v128.load32_zero(p);
  const lo = v128.load64_zero(p);
  if (r == 2) return lo;
  return v128.load32_lane(p, lo, 2, 8);
}

/** Stores lanes 0..r-1 of `v` (r in 1..3) to floats p[0..r); writes nothing else. */
// @ts-ignore: decorator
@inline export function storePartial(p: usize, v: v128, r: i32): void {
  if (r == 1) {
    v128.store32_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    if (r == 3) v128.store32_lane(p, v, 2, 8);
  }
}

/** The sum of the four lanes of a float32x4. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
         (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * c + a·b on four float32 lanes: the step of every matrix product's inner loop. In the module built with
 * relaxed SIMD (ASC_FEATURE_RELAXED_SIMD, a compile-time constant) it is f32x4.relaxed_madd, which V8
 * compiles to one FMA instruction where the CPU has one (rounded once, as PyTorch's AVX2 kernels round);
 * in the plain SIMD module a multiply then an add, each rounded.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
