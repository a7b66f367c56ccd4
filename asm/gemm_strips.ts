// The register-blocked core of the larger matrix products (gemm.ts's strips path and NT), on B cut into
// strips of 8 columns:
//
//   C[M, 0..nc) (=|+=) A(M,kc) · P        // (M,kc) @ (kc,nc) -> (M,nc), P's strips kc × 8
//
// P is packed (pack.ts packStrips / packStripsT: each strip's kc rows of 8 floats one after the other,
// the columns past nc zeros) or B itself (its strips 8 columns apart, rows its row stride apart). A's
// rows are read in place where 8 rows of a block are full: A (NN, NT) at three row offsets from two
// pointers (copying it cost more than their additions, measured at the zoo's and the lecture's shapes),
// Aᵀ (TN) at constant offsets from one, its 8 rows adjacent (V8 then spends no instruction on
// addresses: 17 per step of 8 multiply-adds), unless M floats between steps put a block's run of steps
// in a few L1 sets (M = 1024: one). Otherwise, and for a last block of fewer than 8 rows, the rows are
// copied to packA, k-major (pack.ts packRows / packRowsT), zeros past M.
//
// Per 8 rows: two 4×8 blocks per strip (8 f32x4 accumulators each, the strip read from L1 the second
// time) and, where the last strip holds 1..4 columns, one 8×4 block for it (8 chains again, and no
// multiply-adds on a padding half). Padding rows and columns are computed and never stored. Each
// element of C is one chain c + a·b over k in order (lanes.ts's madd), as in gemm.ts's direct loops.
// Letters: M rows, kc the summed dimension (≤ PACK_KC), nc columns. Pointers are byte offsets.

import { loadPartial, madd, storePartial } from "./lanes";
import { packA, packRows, packRowsT } from "./pack";

/**
 * Whether a last 1..4 columns run as an 8×4 block (else as a padded 4×8 one): in the relaxed build
 * only, since the plain build's 8×4 block ran slower than the padded 4×8 one under Node 20's V8, the
 * runtime that loads the plain build (bench/kernels.ts, the lecture's (32,200)·(200,27)).
 */
export const TAIL8X4: bool = ASC_FEATURE_RELAXED_SIMD;

/**
 * C[M, 0..nc) (=|+=) A(M,kc) · P, A(i,k) at a + (i·sAi + k·sAk) floats, kc ≤ PACK_KC; P packed (stepB
 * 32 bytes from row to row, strips kc·32 bytes apart) or B in place (stepB its row, strips 32 bytes
 * apart; then nc mod 8 must be 0..4, and a last 1..3 columns are read exactly). `acc` adds to C.
 */
export function gemmStrips(
  c: usize, ldc: i32, a: usize, sAi: i32, sAk: i32, p: usize, stepB: usize, strip: usize,
  M: i32, kc: i32, nc: i32, acc: bool,
): void {
  // Aᵀ (TN) in place, M floats a step apart, unless a block's kc steps would crowd a few L1 sets
  const inPlaceT = sAi == 1 && kc <= l1Lines(<usize>sAk << 2) >> 1;
  // A (NN, NT) in place at three row offsets: copying it cost more than their additions
  const inPlace = sAi != 1;
  const rc = <usize>ldc << 2;
  const ri = <usize>sAi << 2;
  // the blocks of 8 rows read in place, then the others (a last block of fewer rows, or all) copied:
  // three functions, not one, so that V8 optimizes each apart and only those a model runs (one of
  // 20 KB took 33–64 ms to optimize while the first steps ran its baseline code)
  const full = inPlace || inPlaceT ? M & ~7 : 0;
  if (full > 0) {
    if (inPlace) blocksInPlace(c, rc, a, ri, <usize>sAk << 2, p, stepB, strip, full, kc, nc, acc);
    else blocksInPlaceT(c, rc, a, <usize>sAk << 2, p, stepB, strip, full, kc, nc, acc);
  }
  if (full < M) blocksPacked(c + <usize>full * rc, rc, a + <usize>full * ri, sAi, sAk, p, stepB, strip, M - full, kc, nc, acc);
}

/** Blocks of 8 rows of A (NN, NT) read in place at three row offsets (rc, ri, stepA in bytes; M mod 8 = 0). */
function blocksInPlace(
  c: usize, rc: usize, a: usize, ri: usize, stepA: usize, p: usize, stepB: usize, strip: usize,
  M: i32, kc: i32, nc: i32, acc: bool,
): void {
  for (let i = 0; i < M; i += 8) {
    const pa = a + <usize>i * ri;
    rowBlock(c + <usize>i * rc, rc, pa, pa + 4 * ri, ri, 2 * ri, 3 * ri, stepA, p, stepB, strip, kc, nc, acc, 8);
  }
}

/** Blocks of 8 rows of Aᵀ (TN) read in place, the 8 rows adjacent (rc, stepA in bytes; M mod 8 = 0). */
function blocksInPlaceT(
  c: usize, rc: usize, a: usize, stepA: usize, p: usize, stepB: usize, strip: usize,
  M: i32, kc: i32, nc: i32, acc: bool,
): void {
  for (let i = 0; i < M; i += 8) {
    const pa = a + (<usize>i << 2);
    rowBlock(c + <usize>i * rc, rc, pa, pa + 16, 4, 8, 12, stepA, p, stepB, strip, kc, nc, acc, 8);
  }
}

/**
 * Blocks of up to 8 rows of A copied to packA, k-major, zeros past M (A(i,k) at a + (i·sAi + k·sAk)
 * floats; rc in bytes).
 */
function blocksPacked(
  c: usize, rc: usize, a: usize, sAi: i32, sAk: i32, p: usize, stepB: usize, strip: usize,
  M: i32, kc: i32, nc: i32, acc: bool,
): void {
  const ri = <usize>sAi << 2;
  for (let i = 0; i < M; i += 8) {
    const rows = min(8, M - i);
    const pa = a + <usize>i * ri;
    if (sAi == 1) packRowsT(packA, pa, sAk, kc, rows);
    else packRows(packA, pa, sAi, kc, rows);
    rowBlock(c + <usize>i * rc, rc, packA, packA + 16, 4, 8, 12, 32, p, stepB, strip, kc, nc, acc, rows);
  }
}

/**
 * 8 rows of C (rows ≤ 8 of them stored) at c: rows 0..3 of A at a (+ r1, r2, r3 bytes), rows 4..7 at
 * a4 (the same offsets), stepA bytes a step; 4×8 blocks over the strips, an 8×4 block for a last 1..4
 * columns.
 */
// @ts-ignore: decorator
@inline function rowBlock(
  c: usize, rc: usize, a: usize, a4: usize, r1: usize, r2: usize, r3: usize, stepA: usize,
  p: usize, stepB: usize, strip: usize, kc: i32, nc: i32, acc: bool, rows: i32,
): void {
  const full = TAIL8X4 && nc & 7 && (nc & 7) <= 4 ? nc & ~7 : nc; // columns in strips run as 4×8 blocks
  const c4 = c + 4 * rc;
  let q = p;
  let j = 0;
  for (; j < full; j += 8) {
    tile4x8(c + (<usize>j << 2), rc, a, r1, r2, r3, stepA, q, stepB, kc, acc, min(4, rows), nc - j);
    if (rows > 4) tile4x8(c4 + (<usize>j << 2), rc, a4, r1, r2, r3, stepA, q, stepB, kc, acc, rows - 4, nc - j);
    q += strip;
  }
  // B in place (rows 4·N bytes apart: 32 only for N = 8, which leaves no last 1..4 columns) is read exactly
  if (j < nc) tile8x4(c + (<usize>j << 2), rc, a, a4, r1, r2, r3, stepA, q, stepB, kc, acc, rows, nc - j, stepB != 32);
}

/**
 * The lines an L1 cache of 32 KiB, 8 ways of 64 sets of 64-byte lines (the usual x64 and arm64 one),
 * keeps of a run of lines `stride` bytes apart: 8 per set the run reaches.
 */
// @ts-ignore: decorator
@inline function l1Lines(stride: usize): i32 {
  if ((stride & 63) != 0) return 512; // the run reaches every set
  return 8 * (64 >> min(<i32>ctz(stride >> 6), 6));
}

/** (rows,kc) · (kc,4) -> (rows,w), rows ≤ 8, w ≤ 4, from a strip's left half; A as in rowBlock. */
// @ts-ignore: decorator
@inline function tile8x4(
  c: usize, rc: usize, a: usize, a4: usize, r1: usize, r2: usize, r3: usize, stepA: usize,
  b: usize, stepB: usize, K: i32, acc: bool, rows: i32, w: i32, exact: bool,
): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  if (acc) {
    c0 = loadLeft(c, w);
    if (rows > 1) c1 = loadLeft(c + rc, w);
    if (rows > 2) c2 = loadLeft(c + 2 * rc, w);
    if (rows > 3) c3 = loadLeft(c + 3 * rc, w);
    if (rows > 4) c4 = loadLeft(c + 4 * rc, w);
    if (rows > 5) c5 = loadLeft(c + 5 * rc, w);
    if (rows > 6) c6 = loadLeft(c + 6 * rc, w);
    if (rows > 7) c7 = loadLeft(c + 7 * rc, w);
  }
  let pb = b;
  let pa4 = a4;
  const end = a + <usize>K * stepA;
  if (exact && w < 4) {
    for (let pa = a; pa < end; pa += stepA) {
      const b0 = loadPartial(pb, w);
      c0 = madd(v128.load32_splat(pa), b0, c0);
      c1 = madd(v128.load32_splat(pa + r1), b0, c1);
      c2 = madd(v128.load32_splat(pa + r2), b0, c2);
      c3 = madd(v128.load32_splat(pa + r3), b0, c3);
      c4 = madd(v128.load32_splat(pa4), b0, c4);
      c5 = madd(v128.load32_splat(pa4 + r1), b0, c5);
      c6 = madd(v128.load32_splat(pa4 + r2), b0, c6);
      c7 = madd(v128.load32_splat(pa4 + r3), b0, c7);
      pa4 += stepA;
      pb += stepB;
    }
  } else {
    for (let pa = a; pa < end; pa += stepA) {
      const b0 = v128.load(pb);
      c0 = madd(v128.load32_splat(pa), b0, c0);
      c1 = madd(v128.load32_splat(pa + r1), b0, c1);
      c2 = madd(v128.load32_splat(pa + r2), b0, c2);
      c3 = madd(v128.load32_splat(pa + r3), b0, c3);
      c4 = madd(v128.load32_splat(pa4), b0, c4);
      c5 = madd(v128.load32_splat(pa4 + r1), b0, c5);
      c6 = madd(v128.load32_splat(pa4 + r2), b0, c6);
      c7 = madd(v128.load32_splat(pa4 + r3), b0, c7);
      pa4 += stepA;
      pb += stepB;
    }
  }
  storeRow(c, c0, c0, w);
  if (rows > 1) storeRow(c + rc, c1, c1, w);
  if (rows > 2) storeRow(c + 2 * rc, c2, c2, w);
  if (rows > 3) storeRow(c + 3 * rc, c3, c3, w);
  if (rows > 4) storeRow(c + 4 * rc, c4, c4, w);
  if (rows > 5) storeRow(c + 5 * rc, c5, c5, w);
  if (rows > 6) storeRow(c + 6 * rc, c6, c6, w);
  if (rows > 7) storeRow(c + 7 * rc, c7, c7, w);
}

/** (rows,kc) · (kc,8) -> (rows,w), rows ≤ 4, from a strip: A's rows at a (+ r1, r2, r3), stepA a step. */
// @ts-ignore: decorator
@inline function tile4x8(
  c: usize, rc: usize, a: usize, r1: usize, r2: usize, r3: usize, stepA: usize,
  b: usize, stepB: usize, K: i32, acc: bool, rows: i32, w: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (acc) {
    c00 = loadLeft(c, w); c01 = loadRight(c, w);
    if (rows > 1) { c10 = loadLeft(c + rc, w); c11 = loadRight(c + rc, w); }
    if (rows > 2) { c20 = loadLeft(c + 2 * rc, w); c21 = loadRight(c + 2 * rc, w); }
    if (rows > 3) { c30 = loadLeft(c + 3 * rc, w); c31 = loadRight(c + 3 * rc, w); }
  }
  let pb = b;
  const end = a + <usize>K * stepA;
  for (let pa = a; pa < end; pa += stepA) {
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
    pb += stepB;
  }
  storeRow(c, c00, c01, w);
  if (rows > 1) storeRow(c + rc, c10, c11, w);
  if (rows > 2) storeRow(c + 2 * rc, c20, c21, w);
  if (rows > 3) storeRow(c + 3 * rc, c30, c31, w);
}

/** Floats p[0..min(w,4)) (the rest of the vector 0). */
// @ts-ignore: decorator
@inline function loadLeft(p: usize, w: i32): v128 {
  return w >= 4 ? v128.load(p) : loadPartial(p, w);
}

/** Floats p[4..w) for w > 4, in lanes 0..w−5 (the rest 0); zeros for w ≤ 4. */
// @ts-ignore: decorator
@inline function loadRight(p: usize, w: i32): v128 {
  return w >= 8 ? v128.load(p, 16) : w > 4 ? loadPartial(p + 16, w - 4) : f32x4.splat(0);
}

/** Stores the first min(w, 8) floats of the row (v0, v1) at p. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, v0: v128, v1: v128, w: i32): void {
  if (w >= 8) {
    v128.store(p, v0);
    v128.store(p, v1, 16);
  } else if (w > 4) {
    v128.store(p, v0);
    storePartial(p + 16, v1, w - 4);
  } else if (w == 4) {
    v128.store(p, v0);
  } else {
    storePartial(p, v0, w);
  }
}
