// Exact float32 arithmetic in doubles, and the float32 `ln` / `sincos` of PyTorch's x86 AVX2 normal
// kernel (Cephes-style polynomials of aten's avx_mathfun.h), so that `randn` reproduces an x86 Linux
// (GCC) PyTorch bit for bit (SPEC §4.2 A). GCC contracts a multiply whose only use is an add into one
// fused multiply-add; those steps use `fma32`, the others round after each operation.

import { fusedMulAddF32 } from "../kernels/float32.ts";

const f = Math.fround;

const f32 = new Float32Array(1);
const f32w = new Uint32Array(f32.buffer);

/** fl32(a·b + c) with a single rounding (one implementation for the project: src/kernels/float32.ts). */
export const fma32 = fusedMulAddF32;

// Natural logarithm: Cephes logf polynomial.
const SQRTHF = f(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.12194440e-4);
const LOG_Q2 = 0.693359375;
const MIN_NORM = 2 ** -126;

/** ln(x) for float32 x > 0, as the AVX2 kernel computes it (SPEC §4.2, cephes_ln). */
export function cephesLn(x: number): number {
  f32[0] = x < MIN_NORM ? MIN_NORM : x;
  const b = f32w[0];
  const exponent = (b >>> 23) - 127;
  f32w[0] = (b & 0x807fffff) | 0x3f000000;
  const m = f32[0]; // mantissa in [0.5, 1)
  let e = exponent + 1;
  let t: number;
  if (m < SQRTHF) {
    e -= 1;
    t = f(f(m - 1) + m);
  } else {
    t = f(m - 1);
  }
  const z = f(t * t);
  let y = LOG_P[0];
  for (let k = 1; k < 9; k++) y = fma32(y, t, LOG_P[k]);
  y = f(y * t);
  y = fma32(y, z, f(e * LOG_Q1));
  y = f(y - f(z * 0.5));
  return f(f(t + y) + f(e * LOG_Q2));
}

// Sine and cosine: Cephes sinf/cosf with the extended-precision range reduction.
const FOPI = f(1.27323954473516);
const DP1 = -0.78515625;
const DP2 = -2.4187564849853515625e-4;
const DP3 = f(-3.77489497744594108e-8);
const COS_C0 = f(2.443315711809948e-5);
const COS_C1 = f(-1.388731625493765e-3);
const COS_C2 = f(4.166664568298827e-2);
const SIN_S0 = f(-1.9515295891e-4);
const SIN_S1 = f(8.3321608736e-3);
const SIN_S2 = f(-1.6666654611e-1);

/** Output of `cephesSincos`: reused, so the hot path allocates nothing. */
export const sincosOut = { sin: 0, cos: 0 };

/** sin(x) and cos(x) for float32 x, as the AVX2 kernel computes them; results in `sincosOut`. */
export function cephesSincos(x0: number): void {
  let signSin = x0 < 0;
  let x = Math.abs(x0);
  let j = Math.trunc(f(x * FOPI));
  j = (j + 1) & ~1;
  const y = j;
  if (j & 4) signSin = !signSin;
  const polyIsSin = (j & 2) === 0;
  const signCos = (~(j - 2) & 4) !== 0;
  x = fma32(y, DP1, x);
  x = fma32(y, DP2, x);
  x = fma32(y, DP3, x);
  const z = f(x * x);
  let c = fma32(COS_C0, z, COS_C1);
  c = fma32(c, z, COS_C2);
  c = f(c * z);
  c = fma32(c, z, -f(z * 0.5));
  c = f(c + 1);
  let s = fma32(SIN_S0, z, SIN_S1);
  s = fma32(s, z, SIN_S2);
  s = f(s * z);
  s = fma32(s, x, x);
  let sin = polyIsSin ? s : c;
  let cos = polyIsSin ? c : s;
  if (signSin) sin = -sin;
  if (signCos) cos = -cos;
  sincosOut.sin = sin;
  sincosOut.cos = cos;
}

/** The IEEE float32 bit pattern of a value, as 8 lowercase hex digits (for tests and fixtures). */
export function float32Bits(x: number): string {
  f32[0] = x;
  return f32w[0].toString(16).padStart(8, "0");
}
