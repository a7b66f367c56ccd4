// fl32(a·b + c) rounded once, in exact rational arithmetic (BigInt): the oracle of the AdamW kernel's
// fused multiply-adds (test/kernels/adamw.test.ts). Every float32 is an integer multiple of 2^-149, so
// a·b + c is an integer N times 2^-300; N is rounded to the float32 grid of its binade (spacing
// 2^(e-23), or 2^-149 below 2^-126), ties to even, and 2^128 or more overflows to Infinity.

import assert from "node:assert/strict";

const fr = Math.fround;
const dv = new DataView(new ArrayBuffer(8));

/** x·2^scale as a BigInt, exactly (x a finite double whose x·2^scale is an integer). */
function scaled(x: number, scale: number): bigint {
  if (x === 0) return 0n;
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & 0xfffffffffffffn) | (exp === 0 ? 0n : 1n << 52n);
  const shift = BigInt(Math.max(exp, 1) - 1075 + scale);
  const v = shift >= 0n ? mant << shift : mant >> -shift;
  assert.ok(shift >= 0n || v << -shift === mant, `${x}·2^${scale} is not an integer`);
  return x < 0 ? -v : v;
}

/** N·2^-300 (N ≠ 0) rounded to the nearest float32, ties to even (subnormals and overflow included). */
function roundF32(N: bigint): number {
  const A = N < 0n ? -N : N;
  const e = Math.max(A.toString(2).length - 1 - 300, -126); // the binade, or the subnormals'
  const shift = BigInt(e - 23 + 300); //                           the float32 spacing there: 2^(e-23)
  let q = A >> shift;
  const r = A - (q << shift), half = 1n << (shift - 1n);
  if (r > half || (r === half && (q & 1n) === 1n)) q++;
  const v = fr(Number(q) * 2 ** (e - 23)); // exact, or 2^128 -> Infinity
  return N < 0n ? -v : v;
}

/** fl32(a·b + c) rounded once, in exact arithmetic (a, b, c finite float32s). */
export function exactFma(a: number, b: number, c: number): number {
  const N = scaled(a, 150) * scaled(b, 150) + scaled(c, 300);
  if (N === 0n) return Object.is(a * b, -0) && Object.is(c, -0) ? -0 : 0; // IEEE's sign of an exact zero
  return roundF32(N);
}
