// One correctly rounded float32 multiply-add, fl32(a·b + c), computed in float64: what PyTorch's x86
// builds compute wherever GCC contracts a multiply and an add into an FMA (AdamW's updates, randn's
// polynomials, uniform_'s x·(to − from) + from). Plain WebAssembly and JavaScript have no FMA; a·b of
// two float32 values is exact in float64, and the one way rounding twice (to float64, then to float32)
// can go wrong — a float64 sum exactly halfway between two float32s, in the normal or the subnormal
// range — is decided by the sum's exact error (TwoSum).

const fr = Math.fround;
const f64 = new Float64Array(1);
const f64w = new Uint32Array(f64.buffer); // [low word, high word] on little-endian hosts (all of wasm's)
const MIN_NORMAL32 = 2 ** -126;
const SUBNORMAL_ULP32 = 2 ** -149;

/**
 * fl32(a·b + c) rounded once, for float32 a, b, c: a·b is exact in float64; s = a·b + c rounded to
 * float64, e its exact error (TwoSum). fl32(s) is the single rounding unless e ≠ 0 and s lies exactly
 * halfway between two float32s: then the exact sum lies on e's side of that halfway point.
 */
export function fusedMulAddF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  if (e !== 0 && e === e) { // inexact (e is NaN only for an infinite or NaN input, where fl32(s) is right)
    if (Math.abs(s) >= MIN_NORMAL32) {
      f64[0] = s;
      if ((f64w[0] & 0x1fffffff) === 0x10000000) {
        // halfway (the low 29 of the 52 fraction bits are 100…0): one float64 ulp towards the exact sum
        // decides, and rounds right past the largest float32 too (the low word cannot carry or borrow)
        f64w[0] += e > 0 === s > 0 ? 1 : -1;
        return fr(f64[0]);
      }
    } else {
      const q = s / SUBNORMAL_ULP32; // exact: the float32 subnormals are the multiples of 2^-149
      if (Math.abs(q - Math.trunc(q)) === 0.5) return (e > 0 ? Math.ceil(q) : Math.floor(q)) * SUBNORMAL_ULP32;
    }
  }
  return fr(s);
}

