// Building blocks of the attention kernels (asm/attention.ts), on float32 buffers:
//
//   causalDots   raw[t,s] (=|+=) a_t·b_s for the key blocks a query row needs (s ≤ t, rounded up to 4
//                keys): the scores q_t·k_s and the backward's dout_t·v_s. The key rows are transposed
//                into a static scratch (XT, hs × keys) once per (b,h), then tiles of four query rows ×
//                eight keys (four where one block is left) run over the head dimension: per i two loads
//                of XT, four splats of a_t[i], eight multiply-adds (lanes.ts's madd) into eight
//                independent accumulators (no horizontal sums: dot products along the head, four sums
//                transposed at the end, took 1.7 times as long at the zoo's shape, spilling registers)
//   weightedRows dst (=|+=) scale·Σ_j coef_j·row_j over n floats: out = att·v and dq = ds·k (rows of
//                att and ds), dk = dsᵀ·q and dv = attᵀ·dout (their columns)
//   exp2neg      2^x for x ≤ 0, exactly 0 at x ≤ −127 and −∞
//
// Keys are transposed in chunks of at most XT_FLOATS / hs keys (a multiple of 4), and the head dimension
// in chunks of at most 4096 floats (the later chunks add into raw), so any shape fits the scratch.
// Pointers are byte offsets; strides are in bytes.

import { loadPartial, madd, storePartial } from "./lanes";

/** The transposed key rows of one chunk: hs × keys floats (64 KiB). */
const XT_FLOATS = 16384;
const XT: usize = memory.data(XT_FLOATS << 2, 16);
/** The most head dimensions one transposed chunk holds (so that a chunk has at least 4 keys). */
const I_CHUNK = XT_FLOATS >> 2;

// Constants as vectors in a static table, loaded where used (see expf.ts for why). Rows: 0 −Infinity,
// 1 exp2neg's clamp −127, 2 1.5·2²³ + 127 (adding it to an integer n ∈ [−127, 0] leaves n + 127 in the
// low mantissa bits), 3..7 the coefficients c1..c5 of 2^f ≈ 1 + c1·f + … + c5·f⁵ on [−½, ½] (fitted to
// the relative error, 7.9e-8), 8 one, 9 zero. MASKS: the masks of a diagonal block (row r of a group of
// four keeps lanes 0..r).
const K: usize = memory.data<f32>([
  -Infinity, -Infinity, -Infinity, -Infinity,
  -127.0, -127.0, -127.0, -127.0,
  12583039.0, 12583039.0, 12583039.0, 12583039.0,
  0.6931470075296984, 0.6931470075296984, 0.6931470075296984, 0.6931470075296984,
  0.24022233954345118, 0.24022233954345118, 0.24022233954345118, 0.24022233954345118,
  0.05550719734351528, 0.05550719734351528, 0.05550719734351528, 0.05550719734351528,
  0.009672051329306531, 0.009672051329306531, 0.009672051329306531, 0.009672051329306531,
  0.0013266964861751679, 0.0013266964861751679, 0.0013266964861751679, 0.0013266964861751679,
  1.0, 1.0, 1.0, 1.0,
  0.0, 0.0, 0.0, 0.0,
], 16);
const MASKS: usize = memory.data<i32>([-1, 0, 0, 0, -1, -1, 0, 0, -1, -1, -1, 0, -1, -1, -1, -1], 16);

/** Row i of the constant table: 0 −∞, 8 one, 9 zero (the others are exp2neg's). */
// @ts-ignore: decorator
@inline export function ak(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/** The mask of row r (0..3) of a group of four query rows on its diagonal block: lanes 0..r. */
// @ts-ignore: decorator
@inline export function diagMask(r: i32): v128 {
  return v128.load(MASKS + (<usize>r << 4));
}

/** Lanes i < r set (all ones), the rest clear. */
// @ts-ignore: decorator
@inline export function lanesBelow(r: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r));
}

/** w float32 lanes at p (w ≥ 4: a full vector; 1..3: partial, the rest 0). */
// @ts-ignore: decorator
@inline export function ld(p: usize, w: i32): v128 {
  return w >= 4 ? v128.load(p) : loadPartial(p, w);
}

/** Stores w float32 lanes of v at p (w ≥ 4: the whole vector). */
// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, w: i32): void {
  if (w >= 4) v128.store(p, v);
  else storePartial(p, v, w);
}

/** Stores (acc 0) or adds (acc ≠ 0) w lanes of v at p. */
// @ts-ignore: decorator
@inline export function put(p: usize, v: v128, w: i32, acc: i32): void {
  st(p, acc != 0 ? f32x4.add(ld(p, w), v) : v, w);
}

/** The sum of the four lanes, in every lane: (v0 + v2) + (v1 + v3). */
// @ts-ignore: decorator
@inline export function sumAll(v: v128): v128 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
}

/** The largest of the four lanes, in every lane (pmax: a NaN lane may be skipped). */
// @ts-ignore: decorator
@inline export function maxAll(v: v128): v128 {
  const m = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.pmax(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2));
}

/**
 * 2^x of four lanes for x ≤ 0, −∞ included: 2ⁿ·2^f, n = nearest(x), f = x − n ∈ [−½, ½], 2^f by the
 * table's polynomial, 2ⁿ from its exponent bits. x is clamped to −127 first, where 2ⁿ's bits are 0: the
 * result is exactly 0 there (it would be below 2⁻¹²⁶ anyway) and for −∞. NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function exp2neg(x: v128): v128 {
  const xc = f32x4.pmax(x, ak(1));
  const n = f32x4.nearest(xc);
  const f = f32x4.sub(xc, n); // exact
  let p = f32x4.add(ak(6), f32x4.mul(f, ak(7)));
  p = f32x4.add(ak(5), f32x4.mul(f, p));
  p = f32x4.add(ak(4), f32x4.mul(f, p));
  p = f32x4.add(ak(3), f32x4.mul(f, p));
  p = f32x4.add(ak(8), f32x4.mul(f, p));
  return f32x4.mul(p, i32x4.shl(f32x4.add(n, ak(2)), 23));
}

/**
 * XT[i·keys + j] = rows[j·stride + i] for j < n (n ≤ keys, keys a multiple of 4), i < ni: n rows of ni
 * floats transposed 4×4 at a time; the padding columns n..keys get zeros.
 */
// @ts-ignore: decorator
@inline function transpose(rows: usize, stride: usize, n: i32, ni: i32, keys: i32): void {
  const zero = ak(9);
  const line = <usize>keys << 2;
  for (let j = 0; j < n; j += 4) {
    const r = n - j;
    const p = rows + <usize>j * stride;
    for (let i = 0; i < ni; i += 4) {
      const w = ni - i;
      const o = <usize>i << 2;
      const r0 = ld(p + o, w);
      const r1 = r > 1 ? ld(p + stride + o, w) : zero;
      const r2 = r > 2 ? ld(p + 2 * stride + o, w) : zero;
      const r3 = r > 3 ? ld(p + 3 * stride + o, w) : zero;
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const q = XT + <usize>i * line + (<usize>j << 2);
      v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      if (w > 1) v128.store(q + line, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      if (w > 2) v128.store(q + 2 * line, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      if (w > 3) v128.store(q + 3 * line, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
  }
}

/**
 * One 4×4 tile: dst[r·dstStride + 0..w) (=|+=) Σ_{i<ni} a_r[i]·xt[i·line + 0..w) for the query rows
 * a_r = a + min(r, rows − 1)·aStride (r < rows are stored; the rest are not read past the last row).
 */
// @ts-ignore: decorator
@inline function tile(
  a: usize, aStride: usize, rows: i32, xt: usize, line: usize, ni: i32, dst: usize, dstStride: usize, w: i32,
  add: bool,
): void {
  const a1 = a + (rows > 1 ? aStride : 0);
  const a2 = a + (rows > 2 ? 2 * aStride : rows > 1 ? aStride : 0);
  const a3 = a + <usize>(rows - 1) * aStride;
  let c0 = ak(9), c1 = ak(9), c2 = ak(9), c3 = ak(9);
  let x = xt;
  for (let i = 0; i < ni; i++) {
    const o = <usize>i << 2;
    const xv = v128.load(x);
    c0 = madd(v128.load32_splat(a + o), xv, c0);
    c1 = madd(v128.load32_splat(a1 + o), xv, c1);
    c2 = madd(v128.load32_splat(a2 + o), xv, c2);
    c3 = madd(v128.load32_splat(a3 + o), xv, c3);
    x += line;
  }
  const acc = add ? 1 : 0;
  put(dst, c0, w, acc);
  if (rows > 1) put(dst + dstStride, c1, w, acc);
  if (rows > 2) put(dst + 2 * dstStride, c2, w, acc);
  if (rows > 3) put(dst + 3 * dstStride, c3, w, acc);
}

/**
 * Two 4×4 tiles side by side (four query rows × eight keys), as `tile` for the key blocks at xt and
 * xt + 16 bytes, stored at dst and dst + 16 bytes (w2 lanes of the second).
 */
// @ts-ignore: decorator
@inline function tile2(
  a: usize, aStride: usize, rows: i32, xt: usize, line: usize, ni: i32, dst: usize, dstStride: usize, w2: i32,
  add: bool,
): void {
  const a1 = a + (rows > 1 ? aStride : 0);
  const a2 = a + (rows > 2 ? 2 * aStride : rows > 1 ? aStride : 0);
  const a3 = a + <usize>(rows - 1) * aStride;
  let c0 = ak(9), c1 = ak(9), c2 = ak(9), c3 = ak(9);
  let d0 = ak(9), d1 = ak(9), d2 = ak(9), d3 = ak(9);
  let x = xt;
  for (let i = 0; i < ni; i++) {
    const o = <usize>i << 2;
    const xv = v128.load(x), yv = v128.load(x, 16);
    const s0 = v128.load32_splat(a + o), s1 = v128.load32_splat(a1 + o);
    c0 = madd(s0, xv, c0);
    d0 = madd(s0, yv, d0);
    c1 = madd(s1, xv, c1);
    d1 = madd(s1, yv, d1);
    const s2 = v128.load32_splat(a2 + o), s3 = v128.load32_splat(a3 + o);
    c2 = madd(s2, xv, c2);
    d2 = madd(s2, yv, d2);
    c3 = madd(s3, xv, c3);
    d3 = madd(s3, yv, d3);
    x += line;
  }
  const acc = add ? 1 : 0;
  put(dst, c0, 4, acc);
  put(dst + 16, d0, w2, acc);
  if (rows > 1) {
    put(dst + dstStride, c1, 4, acc);
    put(dst + dstStride + 16, d1, w2, acc);
  }
  if (rows > 2) {
    put(dst + 2 * dstStride, c2, 4, acc);
    put(dst + 2 * dstStride + 16, d2, w2, acc);
  }
  if (rows > 3) {
    put(dst + 3 * dstStride, c3, 4, acc);
    put(dst + 3 * dstStride + 16, d3, w2, acc);
  }
}

/**
 * raw[t·T + s] (=|+=) a_t·b_s over hs floats, for every query row t < T and the key blocks it needs
 * (s from 0 to t rounded up to a multiple of 4, capped at T): query rows a_t = a + t·aStride, key rows
 * b_s = b + s·bStride. Lanes past t in a row's last block hold the dot products of later keys (or 0
 * past T's padding): the caller masks them. raw rows are T floats apart. hs = 0 writes zeros.
 */
// @ts-ignore: decorator
@inline export function causalDots(raw: usize, a: usize, aStride: usize, b: usize, bStride: usize, T: i32, hs: i32): void {
  const rawRow = <usize>T << 2;
  if (hs == 0) zero(raw, T * T); // empty dot products (C = 0)
  for (let i0 = 0; i0 < hs; i0 += I_CHUNK) {
    const ni = min(I_CHUNK, hs - i0);
    const chunk = min((XT_FLOATS / ni) & ~3, (T + 3) & ~3); // keys per transposed chunk, ≥ 4
    const io = <usize>i0 << 2;
    for (let s0 = 0; s0 < T; s0 += chunk) {
      const n = min(chunk, T - s0);
      const keys = (n + 3) & ~3;
      transpose(b + <usize>s0 * bStride + io, bStride, n, ni, keys);
      for (let g = s0 & ~3; g < T; g += 4) {
        const rows = min(4, T - g);
        const needed = min(g + rows - s0, n); // keys of this chunk the group's last row needs
        const ag = a + <usize>g * aStride + io;
        const rg = raw + <usize>g * rawRow;
        let j = 0;
        for (; j + 4 < needed; j += 8) { // two blocks at a time
          const s = s0 + j;
          tile2(ag, aStride, rows, XT + (<usize>j << 2), <usize>keys << 2, ni, rg + (<usize>s << 2), rawRow, T - s - 4, i0 > 0);
        }
        if (j < needed) {
          const s = s0 + j;
          tile(ag, aStride, rows, XT + (<usize>j << 2), <usize>keys << 2, ni, rg + (<usize>s << 2), rawRow, T - s, i0 > 0);
        }
      }
    }
  }
}

/**
 * dst[0..n) (=|+=) scale·Σ_{j<count} coef[j·coefStride]·rows[j·rowStride + 0..n): a weighted sum of
 * `count` rows of n floats. 16 floats at a time in four accumulators (one splat of the coefficient per
 * row), then single vectors, the last 1..3 floats as partial lanes. `acc` 0 overwrites dst, 1 adds.
 */
// @ts-ignore: decorator
@inline export function weightedRows(
  coef: usize, coefStride: usize, rows: usize, rowStride: usize, count: i32, n: i32, dst: usize, scale: v128, acc: i32,
): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    let a0 = ak(9), a1 = ak(9), a2 = ak(9), a3 = ak(9);
    let c = coef, r = rows + o;
    for (let j = 0; j < count; j++) {
      const cv = v128.load32_splat(c);
      a0 = madd(cv, v128.load(r), a0);
      a1 = madd(cv, v128.load(r, 16), a1);
      a2 = madd(cv, v128.load(r, 32), a2);
      a3 = madd(cv, v128.load(r, 48), a3);
      c += coefStride;
      r += rowStride;
    }
    put(dst + o, f32x4.mul(a0, scale), 4, acc);
    put(dst + o + 16, f32x4.mul(a1, scale), 4, acc);
    put(dst + o + 32, f32x4.mul(a2, scale), 4, acc);
    put(dst + o + 48, f32x4.mul(a3, scale), 4, acc);
  }
  for (; i < n; i += 4) {
    const o = <usize>i << 2;
    const w = n - i;
    let a0 = ak(9);
    let c = coef, r = rows + o;
    for (let j = 0; j < count; j++) {
      a0 = madd(v128.load32_splat(c), ld(r, w), a0);
      c += coefStride;
      r += rowStride;
    }
    put(dst + o, f32x4.mul(a0, scale), w, acc);
  }
}

/** Writes 0 to floats p[0..n). */
// @ts-ignore: decorator
@inline export function zero(p: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), ak(9));
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), 0);
}
