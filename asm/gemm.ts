// The register-blocked core that every matmul layout runs:
//
//   C[M,N] (=|+=) A(M,K) · B[K,N]
//
// B is row-major with row stride `ldb`; C is row-major with row stride `ldc`; A is read through two
// strides, element (i,k) at A + (i*sAi + k*sAk) floats, so the same code reads A[M,K] (NN: sAi=K, sAk=1)
// and Aᵀ for A[K,M] (TN: sAi=1, sAk=M). Letters: M rows of C, N columns of C, K the summed dimension.
// Pointers are byte offsets into linear memory, strides and sizes are in floats.
//
// A block of 4 rows × 8 columns of C lives in 8 f32x4 accumulators; each step over k loads one B row
// segment (2 vectors), splats 4 elements of A (v128.load32_splat) and does 8 multiply-adds (lanes.ts's
// madd: one fused, once-rounded FMA in the relaxed SIMD build of the module, a multiply and an add in the
// plain one; the two builds differ in nothing else but gemm_strips.ts's TAIL8X4). Each element of C is
// one chain c + a·b over k in order (from 0, or from C when accumulating), whichever path runs it: the
// results do not depend on how the work is cut (test/kernels/matmul_order.test.ts holds every path to
// it, bit for bit).
//
// Two paths. From 8 rows of C (16 where B must be copied), gemm_strips.ts: B as strips of 8 columns,
// read in place when N ≤ 256 and N mod 8 is 0 (or 1..4 in the relaxed build, see TAIL8X4), else
// copied panel by panel into contiguous, zero-padded strips (pack.ts). Below that, and for the plain
// build's N mod 8 = 1..4 that need no copy, the direct loops here read A and B in place: column tails a
// 4-wide block, then 1..3 columns with exact partial loads and stores (lanes.ts), row tails 1-row
// blocks, B in panels that stay in L2.

import { loadPartial, madd, storePartial } from "./lanes";
import { gemmStrips, TAIL8X4 } from "./gemm_strips";
import { pack, PACK_FLOATS, PACK_KC, packStrips } from "./pack";

/** Columns of B per panel when B is read in place. */
const NC: i32 = 256;
/** Rows of B (the summed dimension) per panel when B is read in place. */
const KC: i32 = 256;
/** Rows of C from which packing B pays for its copy (each packed element is reused M/4 times). */
const PACK_MIN_M: i32 = 16;

/** C[M,N] (=|+=) A(M,K) · B[K,N]; `acc` false overwrites C, true adds to it. */
// @ts-ignore: decorator
@inline export function gemm(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32,
  M: i32, K: i32, N: i32, acc: bool,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!acc) zeroRows(c, ldc, M, N);
    return;
  }
  if (M >= PACK_MIN_M && (N > NC || (N & 7) > 4)) gemmPacked(c, ldc, a, sAi, sAk, b, ldb, M, K, N, acc);
  else if (M >= 8 && N <= NC && (N & 7) <= (TAIL8X4 ? 4 : 0)) gemmInPlace(c, ldc, a, sAi, sAk, b, ldb, M, K, N, acc);
  else if (sAk == 1) directRowsA(c, ldc, a, sAi, b, ldb, M, K, N, acc);
  else directColsA(c, ldc, a, sAk, b, ldb, M, K, N, acc);
}

// The direct loops as functions of their own, one per layout of A (gemm's callers pass sAk = 1, NN, or
// sAi = 1, TN): inlined into each product, they made each 3 KB of code for V8 to optimize in the first
// steps, also where a model never runs them (the relaxed build runs the lecture's products in strips).

/** gemmDirect for A's rows contiguous (sAk = 1: NN). */
function directRowsA(c: usize, ldc: i32, a: usize, sAi: i32, b: usize, ldb: i32, M: i32, K: i32, N: i32, acc: bool): void {
  gemmDirect(c, ldc, a, sAi, 1, b, ldb, M, K, N, acc);
}

/** gemmDirect for A's columns contiguous (sAi = 1: TN, Aᵀ read in place). */
function directColsA(c: usize, ldc: i32, a: usize, sAk: i32, b: usize, ldb: i32, M: i32, K: i32, N: i32, acc: bool): void {
  gemmDirect(c, ldc, a, 1, sAk, b, ldb, M, K, N, acc);
}

/** B (N ≤ NC) read in place as strips 8 columns apart, in panels of KC rows, by gemmStrips. */
// @ts-ignore: decorator
@inline function gemmInPlace(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32,
  M: i32, K: i32, N: i32, acc: bool,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmStrips(
      c, ldc, a + (<usize>(k0 * sAk) << 2), sAi, sAk, b + (<usize>(k0 * ldb) << 2), <usize>ldb << 2, 32,
      M, kc, N, acc || k0 > 0,
    );
  }
}

/** B copied panel by panel (PACK_KC rows at most) into strips of 8 columns (pack.ts), then gemmStrips. */
// @ts-ignore: decorator
@inline function gemmPacked(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32,
  M: i32, K: i32, N: i32, acc: bool,
): void {
  const kcMax = min(K, PACK_KC);
  const ncMax = min(N, (PACK_FLOATS / kcMax) & ~7); // a multiple of 8 unless it is all of N
  for (let j0 = 0; j0 < N; j0 += ncMax) {
    const nc = min(ncMax, N - j0);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = min(kcMax, K - k0);
      // P = B[k0:k0+kc, j0:j0+nc] in strips
      packStrips(pack, b + (<usize>(k0 * ldb + j0) << 2), ldb, kc, nc);
      gemmStrips(
        c + (<usize>j0 << 2), ldc, a + (<usize>(k0 * sAk) << 2), sAi, sAk, pack, 32, <usize>kc << 5,
        M, kc, nc, acc || k0 > 0,
      );
    }
  }
}

/** B read in place, in panels of KC × NC (what NT runs on its already packed panels). */
// @ts-ignore: decorator
@inline export function gemmDirect(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32,
  M: i32, K: i32, N: i32, acc: bool,
): void {
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      gemmPanel(
        c + (<usize>j0 << 2), ldc,
        a + (<usize>(k0 * sAk) << 2), sAi, sAk,
        b + (<usize>(k0 * ldb + j0) << 2), ldb,
        M, kc, nc, acc || k0 > 0,
      );
    }
  }
}

/** C[M,N] = 0 for a C with row stride ldc (the K = 0 case). */
export function zeroRows(c: usize, ldc: i32, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>N << 2);
}

/** One panel: all rows of C, 4 at a time, then the 0..3 leftover rows one at a time. */
// @ts-ignore: decorator
@inline function gemmPanel(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32,
  M: i32, K: i32, N: i32, acc: bool,
): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    rows4(c + (<usize>(i * ldc) << 2), ldc, a + (<usize>(i * sAi) << 2), sAi, sAk, b, ldb, K, N, acc);
  }
  for (; i < M; i++) {
    rows1(c + (<usize>(i * ldc) << 2), a + (<usize>(i * sAi) << 2), sAk, b, ldb, K, N, acc);
  }
}

// ---------------------------------------------------------------------------------------------------
// 4 rows of C: blocks of 8 columns, one block of 4, then a partial block of 1..3 columns.

// @ts-ignore: decorator
@inline function rows4(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32, K: i32, N: i32, acc: bool,
): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    block4x8(c + (<usize>j << 2), ldc, a, sAi, sAk, b + (<usize>j << 2), ldb, K, acc);
  }
  if (j + 4 <= N) {
    block4x4(c + (<usize>j << 2), ldc, a, sAi, sAk, b + (<usize>j << 2), ldb, K, acc, 4);
    j += 4;
  }
  if (j < N) block4x4(c + (<usize>j << 2), ldc, a, sAi, sAk, b + (<usize>j << 2), ldb, K, acc, N - j);
}

/** (4,K) · (K,8) -> (4,8): the hot loop. */
// @ts-ignore: decorator
@inline function block4x8(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32, K: i32, acc: bool,
): void {
  const rc = <usize>ldc << 2;
  const r1 = <usize>sAi << 2;
  const r2 = r1 + r1;
  const r3 = r2 + r1;
  const stepA = <usize>sAk << 2;
  const stepB = <usize>ldb << 2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (acc) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + rc); c11 = v128.load(c + rc, 16);
    c20 = v128.load(c + 2 * rc); c21 = v128.load(c + 2 * rc, 16);
    c30 = v128.load(c + 3 * rc); c31 = v128.load(c + 3 * rc, 16);
  }
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa + r1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa + r2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa + r3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += stepA;
    pb += stepB;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + rc, c10); v128.store(c + rc, c11, 16);
  v128.store(c + 2 * rc, c20); v128.store(c + 2 * rc, c21, 16);
  v128.store(c + 3 * rc, c30); v128.store(c + 3 * rc, c31, 16);
}

/** (4,K) · (K,w) -> (4,w) for w = 4 (full vectors) or 1..3 (partial loads and stores). */
// @ts-ignore: decorator
@inline function block4x4(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, b: usize, ldb: i32, K: i32, acc: bool, w: i32,
): void {
  const rc = <usize>ldc << 2;
  const r1 = <usize>sAi << 2;
  const r2 = r1 + r1;
  const r3 = r2 + r1;
  const stepA = <usize>sAk << 2;
  const stepB = <usize>ldb << 2;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  if (w == 4) {
    if (acc) {
      c0 = v128.load(c); c1 = v128.load(c + rc); c2 = v128.load(c + 2 * rc); c3 = v128.load(c + 3 * rc);
    }
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(pb);
      c0 = madd(v128.load32_splat(pa), b0, c0);
      c1 = madd(v128.load32_splat(pa + r1), b0, c1);
      c2 = madd(v128.load32_splat(pa + r2), b0, c2);
      c3 = madd(v128.load32_splat(pa + r3), b0, c3);
      pa += stepA;
      pb += stepB;
    }
    v128.store(c, c0); v128.store(c + rc, c1); v128.store(c + 2 * rc, c2); v128.store(c + 3 * rc, c3);
  } else {
    if (acc) {
      c0 = loadPartial(c, w); c1 = loadPartial(c + rc, w);
      c2 = loadPartial(c + 2 * rc, w); c3 = loadPartial(c + 3 * rc, w);
    }
    for (let k = 0; k < K; k++) {
      const b0 = loadPartial(pb, w);
      c0 = madd(v128.load32_splat(pa), b0, c0);
      c1 = madd(v128.load32_splat(pa + r1), b0, c1);
      c2 = madd(v128.load32_splat(pa + r2), b0, c2);
      c3 = madd(v128.load32_splat(pa + r3), b0, c3);
      pa += stepA;
      pb += stepB;
    }
    storePartial(c, c0, w); storePartial(c + rc, c1, w);
    storePartial(c + 2 * rc, c2, w); storePartial(c + 3 * rc, c3, w);
  }
}

// ---------------------------------------------------------------------------------------------------
// 1 row of C (the 0..3 rows left over): 16 columns at a time, then 4, then 1..3.

// @ts-ignore: decorator
@inline function rows1(
  c: usize, a: usize, sAk: i32, b: usize, ldb: i32, K: i32, N: i32, acc: bool,
): void {
  const stepA = <usize>sAk << 2;
  const stepB = <usize>ldb << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const pc = c + (<usize>j << 2);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    if (acc) {
      c0 = v128.load(pc); c1 = v128.load(pc, 16); c2 = v128.load(pc, 32); c3 = v128.load(pc, 48);
    }
    let pa = a;
    let pb = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const av = v128.load32_splat(pa);
      c0 = madd(av, v128.load(pb), c0);
      c1 = madd(av, v128.load(pb, 16), c1);
      c2 = madd(av, v128.load(pb, 32), c2);
      c3 = madd(av, v128.load(pb, 48), c3);
      pa += stepA;
      pb += stepB;
    }
    v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32); v128.store(pc, c3, 48);
  }
  for (; j < N; j += 4) {
    const w = min(4, N - j);
    const pc = c + (<usize>j << 2);
    let c0 = f32x4.splat(0);
    let pa = a;
    let pb = b + (<usize>j << 2);
    if (w == 4) {
      if (acc) c0 = v128.load(pc);
      for (let k = 0; k < K; k++) {
        c0 = madd(v128.load32_splat(pa), v128.load(pb), c0);
        pa += stepA;
        pb += stepB;
      }
      v128.store(pc, c0);
    } else {
      if (acc) c0 = loadPartial(pc, w);
      for (let k = 0; k < K; k++) {
        c0 = madd(v128.load32_splat(pa), loadPartial(pb, w), c0);
        pa += stepA;
        pb += stepB;
      }
      storePartial(pc, c0, w);
    }
  }
}
