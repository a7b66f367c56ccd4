// The compute ceiling of one core, for bench/kernels.ts to print beside each matrix product's GFLOP/s:
// the matrix products' register block (asm/gemm.ts) with its operands in L1 instead of in the matrices.
// Ten independent accumulators, five rows × two vectors, each take c + a·b per step (lanes.ts's madd: one
// fused FMA in the relaxed SIMD build, a multiply then an add in the plain one). Ten chains cover an
// FMA's latency (4–5 cycles) at two per cycle and, with their operands, fit the 15 vector registers V8
// allocates on x64. The operands are loaded (5 splats, 2 vectors, from 1 KiB that stays in L1) because
// operands kept in registers would be the same at every step, and V8 then computes a·b once and adds it
// (seen in its code for the plain build: one vmulps for 48 vaddps), which measures adds, not
// multiply-adds.

import { hsum, madd } from "./lanes";

/** Sixteen steps of operands, 32 bytes of A (five splatted, three unused) and 32 of B each. */
const STEPS = 16;
const OPS: usize = memory.data(STEPS * 64, 16);

/**
 * n steps of 10 independent f32x4 multiply-add chains, 80 flops a step (10 chains × 4 lanes × 2), from
 * A = scale·2⁻⁵ and B = 2⁻⁵; returns the sum of the chains, 40·n·scale·2⁻¹⁰, so that none of the work is
 * dead. Overwrites its 1 KiB of static scratch.
 */
export function peakMaddF32(n: i32, scale: f32): f32 {
  const a = f32x4.splat(scale * 0.03125);
  const b = f32x4.splat(0.03125);
  for (let s = 0; s < STEPS; s++) {
    const p = OPS + (<usize>s << 6);
    v128.store(p, a); v128.store(p, a, 16); v128.store(p, b, 32); v128.store(p, b, 48);
  }
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const p = OPS + (<usize>(i & (STEPS - 1)) << 6);
    const b0 = v128.load(p, 32), b1 = v128.load(p, 48);
    let av = v128.load32_splat(p);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(p, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(p, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(p, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    av = v128.load32_splat(p, 16);
    c40 = madd(av, b0, c40); c41 = madd(av, b1, c41);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31))),
    f32x4.add(c40, c41),
  );
  return hsum(s);
}
