// The core of causal multi-head self-attention on float32 buffers (Vaswani et al. 2017; llm.c's
// attention_forward / attention_backward; makemore.py's CausalSelfAttention between c_attn and c_proj):
//
//   q, k, v: the three C-column blocks of qkv (B,T,3C); head h: their columns h·hs..(h+1)·hs
//   forward, per (b,h,t):
//     scores[s] = q_t·k_s · scale for s ≤ t, scale = 1/√hs
//     att[b,h,t,s] = exp(scores[s] − max_s scores) / Σ_s exp(…) for s ≤ t, 0 for s > t    // (B,NH,T,T)
//     out[b,t,h·hs+i] = Σ_{s≤t} att[b,h,t,s]·v_s[i]                                       // (B,T,C)
//   backward, per (b,h), given dout (B,T,C):
//     datt[t,s] = dout_t·v_s;  ds[t,s] = att[t,s]·(datt[t,s] − Σ_s' att[t,s']·datt[t,s'])  (kept in datt)
//     dq_t = scale·Σ_{s≤t} ds[t,s]·k_s;  dk_s = scale·Σ_{t≥s} ds[t,s]·q_t;  dv_s = Σ_{t≥s} att[t,s]·dout_t
//
// Per (b,h), in passes over all T rows (so that the rows' independent chains overlap in the CPU, where
// one row's dot products, maximum, exponentials, sum and division would wait on each other):
//   forward:  the raw dot products q_t·k_s into att (attention_blocks.ts causalDots: tiles over the
//             transposed keys); the softmax of each row in place, four rows at a time (the scores scaled
//             by log2(e)/√hs, so exp(x − max) = 2^(x' − max'), attention_blocks.ts exp2neg; lanes past t
//             masked to −∞, so exactly +0); then out_t = Σ_s att[t,s]·v_s (weightedRows).
//   backward: the raw dout_t·v_s into datt (causalDots again); ds in place, four rows at a time; dq
//             from the rows of ds; dk and dv from the columns of ds and att (weightedRows, one after the
//             other: eight accumulators at once would not fit the registers).
// Every element of out, dq, dk, dv is a complete sum kept in registers and stored once, so `acc` 1 adds
// it to dqkv (dqkv + grad, two roundings) and `acc` 0 overwrites without a zeroing pass. Rows are
// handled four at a time while four fit below T, then one at a time (the last block of a row then
// stored partially when T is not a multiple of 4). All float32 arithmetic; the order of the additions
// differs from the TS reference's (float64) and from PyTorch's.
//
// Letters: B batch, T time, C channels, NH heads, hs = C/NH; t a query position, s a key position.
// Pointers are byte offsets.

import {
  ak, causalDots, diagMask, exp2neg, lanesBelow, ld, maxAll, st, sumAll, weightedRows, zero,
} from "./attention_blocks";

const LOG2E = 1.4426950408889634;

// V8's optimizing compiler schedules a pure computation next to its uses, which can put it inside the
// innermost loop (measured: the head size's integer division and the scale's square root and division
// ran once per block of four scores); a value loaded from memory stays where its load is. So each call
// parks its scalars here and loads them back once: hs at 0, the scale vector at 16.
const PARK: usize = memory.data(32, 16);

/** hs = C/NH, computed once and read back from PARK (see there). */
// @ts-ignore: decorator
@inline function parkHeadSize(C: i32, NH: i32): i32 {
  store<i32>(PARK, C / NH);
  return load<i32>(PARK);
}

/** splat(x), computed once and read back from PARK (see there). */
// @ts-ignore: decorator
@inline function parkSplat(x: f64): v128 {
  v128.store(PARK, f32x4.splat(<f32>x), 16);
  return v128.load(PARK, 16);
}

/**
 * The softmax of four rows t0..t0+3 (t0 a multiple of 4, t0 + 4 ≤ T) in place: raw dot products in,
 * att out. Row r's keys run to the block at t0 (its diagonal block, masked to lanes 0..r); c scales the
 * raw dot products to base-2 scores. p0 is row t0, rows are `stride` bytes apart.
 */
// @ts-ignore: decorator
@inline function softmax4(p0: usize, stride: usize, t0: i32, T: i32, c: v128): void {
  const p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
  const d = <usize>t0 << 2; // the diagonal block
  let m0 = ak(0), m1 = ak(0), m2 = ak(0), m3 = ak(0);
  for (let o: usize = 0; o < d; o += 16) {
    const x0 = f32x4.mul(v128.load(p0 + o), c), x1 = f32x4.mul(v128.load(p1 + o), c);
    const x2 = f32x4.mul(v128.load(p2 + o), c), x3 = f32x4.mul(v128.load(p3 + o), c);
    v128.store(p0 + o, x0);
    v128.store(p1 + o, x1);
    v128.store(p2 + o, x2);
    v128.store(p3 + o, x3);
    m0 = f32x4.pmax(m0, x0);
    m1 = f32x4.pmax(m1, x1);
    m2 = f32x4.pmax(m2, x2);
    m3 = f32x4.pmax(m3, x3);
  }
  const x0 = v128.bitselect(f32x4.mul(v128.load(p0 + d), c), ak(0), diagMask(0));
  const x1 = v128.bitselect(f32x4.mul(v128.load(p1 + d), c), ak(0), diagMask(1));
  const x2 = v128.bitselect(f32x4.mul(v128.load(p2 + d), c), ak(0), diagMask(2));
  const x3 = v128.bitselect(f32x4.mul(v128.load(p3 + d), c), ak(0), diagMask(3));
  v128.store(p0 + d, x0);
  v128.store(p1 + d, x1);
  v128.store(p2 + d, x2);
  v128.store(p3 + d, x3);
  m0 = maxAll(f32x4.pmax(m0, x0));
  m1 = maxAll(f32x4.pmax(m1, x1));
  m2 = maxAll(f32x4.pmax(m2, x2));
  m3 = maxAll(f32x4.pmax(m3, x3));
  // e = 2^(x − max): exactly +0 where x = −∞
  let s0 = ak(9), s1 = ak(9), s2 = ak(9), s3 = ak(9);
  for (let o: usize = 0; o <= d; o += 16) {
    const e0 = exp2neg(f32x4.sub(v128.load(p0 + o), m0)), e1 = exp2neg(f32x4.sub(v128.load(p1 + o), m1));
    const e2 = exp2neg(f32x4.sub(v128.load(p2 + o), m2)), e3 = exp2neg(f32x4.sub(v128.load(p3 + o), m3));
    v128.store(p0 + o, e0);
    v128.store(p1 + o, e1);
    v128.store(p2 + o, e2);
    v128.store(p3 + o, e3);
    s0 = f32x4.add(s0, e0);
    s1 = f32x4.add(s1, e1);
    s2 = f32x4.add(s2, e2);
    s3 = f32x4.add(s3, e3);
  }
  s0 = sumAll(s0);
  s1 = sumAll(s1);
  s2 = sumAll(s2);
  s3 = sumAll(s3);
  for (let o: usize = 0; o <= d; o += 16) {
    v128.store(p0 + o, f32x4.div(v128.load(p0 + o), s0));
    v128.store(p1 + o, f32x4.div(v128.load(p1 + o), s1));
    v128.store(p2 + o, f32x4.div(v128.load(p2 + o), s2));
    v128.store(p3 + o, f32x4.div(v128.load(p3 + o), s3));
  }
  const rest = T - t0 - 4; // the blocks past the diagonal
  zero(p0 + d + 16, rest);
  zero(p1 + d + 16, rest);
  zero(p2 + d + 16, rest);
  zero(p3 + d + 16, rest);
}

/** The softmax of one row t in place (raw dot products in, att out), its last block partial at T. */
// @ts-ignore: decorator
@inline function softmax1(p: usize, t: i32, T: i32, c: v128): void {
  const last = t & ~3; // the row's last block
  let mx = ak(0);
  for (let s = 0; s <= last; s += 4) {
    const q = p + (<usize>s << 2);
    let x = f32x4.mul(ld(q, T - s), c);
    if (s == last) x = v128.bitselect(x, ak(0), lanesBelow(t + 1 - s));
    st(q, x, T - s);
    mx = f32x4.pmax(mx, x);
  }
  const m = maxAll(mx);
  let sum = ak(9);
  for (let s = 0; s <= last; s += 4) {
    const q = p + (<usize>s << 2);
    let e = exp2neg(f32x4.sub(ld(q, T - s), m));
    if (s == last) e = v128.and(e, lanesBelow(t + 1 - s)); // lanes past T loaded as 0, not −∞
    st(q, e, T - s);
    sum = f32x4.add(sum, e);
  }
  const total = sumAll(sum);
  for (let s = 0; s <= last; s += 4) {
    const q = p + (<usize>s << 2);
    st(q, f32x4.div(ld(q, T - s), total), T - s);
  }
  zero(p + (<usize>(last + 4) << 2), T - last - 4);
}

/**
 * Causal multi-head self-attention forward: att (B,NH,T,T) the softmax of q·kᵀ/√hs over s ≤ t (0 for
 * s > t), out (B,T,C) = att·v with the heads side by side, from qkv (B,T,3C). NH divides C.
 */
export function attentionForwardF32(out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = parkHeadSize(C, NH);
  const c = parkSplat(LOG2E / Math.sqrt(<f64>hs)); // scores in base 2: exp(x) = 2^(x·log2 e)
  const rowBytes = <usize>(3 * C) << 2; // one position of qkv
  const outRow = <usize>C << 2;
  const attRow = <usize>T << 2;
  for (let b = 0; b < B; b++) {
    const base = qkv + <usize>b * <usize>T * rowBytes;
    for (let h = 0; h < NH; h++) {
      const head = <usize>(h * hs) << 2;
      const q0 = base + head;
      const k0 = base + (<usize>C << 2) + head;
      const v0 = base + (<usize>(2 * C) << 2) + head;
      const att0 = att + <usize>(b * NH + h) * <usize>T * attRow;
      causalDots(att0, q0, rowBytes, k0, rowBytes, T, hs); // q_t·k_s
      let t = 0;
      for (; t + 4 <= T; t += 4) softmax4(att0 + <usize>t * attRow, attRow, t, T, c);
      for (; t < T; t++) softmax1(att0 + <usize>t * attRow, t, T, c);
      // out_t = Σ_{s≤t} att[t,s]·v_s
      const out0 = out + <usize>b * <usize>T * outRow + head;
      for (t = 0; t < T; t++) {
        weightedRows(att0 + <usize>t * attRow, 4, v0, rowBytes, t + 1, hs, out0 + <usize>t * outRow, ak(8), 0);
      }
    }
  }
}

/**
 * The softmax's backward for four rows t0..t0+3 (t0 a multiple of 4, t0 + 4 ≤ T) in place: datt (raw
 * dout·v) in, ds = att·(datt − Σ att·datt) out, +0 past each row's t. dp and ap are row t0 of datt and
 * att, rows `stride` bytes apart.
 */
// @ts-ignore: decorator
@inline function dsoftmax4(dp: usize, ap: usize, stride: usize, t0: i32, T: i32): void {
  const d = <usize>t0 << 2;
  const s1 = stride, s2 = 2 * stride, s3 = 3 * stride;
  let g0 = ak(9), g1 = ak(9), g2 = ak(9), g3 = ak(9);
  for (let o: usize = 0; o <= d; o += 16) { // att is 0 past t
    g0 = f32x4.add(g0, f32x4.mul(v128.load(ap + o), v128.load(dp + o)));
    g1 = f32x4.add(g1, f32x4.mul(v128.load(ap + s1 + o), v128.load(dp + s1 + o)));
    g2 = f32x4.add(g2, f32x4.mul(v128.load(ap + s2 + o), v128.load(dp + s2 + o)));
    g3 = f32x4.add(g3, f32x4.mul(v128.load(ap + s3 + o), v128.load(dp + s3 + o)));
  }
  g0 = sumAll(g0);
  g1 = sumAll(g1);
  g2 = sumAll(g2);
  g3 = sumAll(g3);
  for (let o: usize = 0; o < d; o += 16) {
    v128.store(dp + o, f32x4.mul(v128.load(ap + o), f32x4.sub(v128.load(dp + o), g0)));
    v128.store(dp + s1 + o, f32x4.mul(v128.load(ap + s1 + o), f32x4.sub(v128.load(dp + s1 + o), g1)));
    v128.store(dp + s2 + o, f32x4.mul(v128.load(ap + s2 + o), f32x4.sub(v128.load(dp + s2 + o), g2)));
    v128.store(dp + s3 + o, f32x4.mul(v128.load(ap + s3 + o), f32x4.sub(v128.load(dp + s3 + o), g3)));
  }
  // the diagonal block: att·(…) is ±0 past t; the mask makes it +0
  v128.store(dp + d, v128.and(f32x4.mul(v128.load(ap + d), f32x4.sub(v128.load(dp + d), g0)), diagMask(0)));
  v128.store(dp + s1 + d, v128.and(f32x4.mul(v128.load(ap + s1 + d), f32x4.sub(v128.load(dp + s1 + d), g1)), diagMask(1)));
  v128.store(dp + s2 + d, v128.and(f32x4.mul(v128.load(ap + s2 + d), f32x4.sub(v128.load(dp + s2 + d), g2)), diagMask(2)));
  v128.store(dp + s3 + d, v128.and(f32x4.mul(v128.load(ap + s3 + d), f32x4.sub(v128.load(dp + s3 + d), g3)), diagMask(3)));
  const rest = T - t0 - 4;
  zero(dp + d + 16, rest);
  zero(dp + s1 + d + 16, rest);
  zero(dp + s2 + d + 16, rest);
  zero(dp + s3 + d + 16, rest);
}

/** The softmax's backward for one row t in place (datt row dp, att row ap), its last block partial at T. */
// @ts-ignore: decorator
@inline function dsoftmax1(dp: usize, ap: usize, t: i32, T: i32): void {
  const last = t & ~3;
  let dot = ak(9);
  for (let s = 0; s <= last; s += 4) {
    const o = <usize>s << 2;
    dot = f32x4.add(dot, f32x4.mul(ld(ap + o, T - s), ld(dp + o, T - s)));
  }
  const g = sumAll(dot);
  for (let s = 0; s <= last; s += 4) {
    const o = <usize>s << 2;
    let ds = f32x4.mul(ld(ap + o, T - s), f32x4.sub(ld(dp + o, T - s), g));
    if (s == last) ds = v128.and(ds, lanesBelow(t + 1 - s));
    st(dp + o, ds, T - s);
  }
  zero(dp + (<usize>(last + 4) << 2), T - last - 4);
}

/**
 * Its backward: dqkv (B,T,3C) (=|+=) the gradient of qkv given dout (B,T,C); datt (B,NH,T,T) is scratch
 * and ends up holding the gradient of the scaled scores (0 for s > t). `acc` 0 overwrites dqkv, 1 adds.
 */
export function attentionBackwardF32(
  dqkv: usize, datt: usize, dout: usize, qkv: usize, att: usize, B: i32, T: i32, C: i32, NH: i32, acc: i32,
): void {
  const hs = parkHeadSize(C, NH);
  const scale = parkSplat(1.0 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2;
  const outRow = <usize>C << 2;
  const attRow = <usize>T << 2;
  for (let b = 0; b < B; b++) {
    const base = qkv + <usize>b * <usize>T * rowBytes;
    const dbase = dqkv + <usize>b * <usize>T * rowBytes;
    for (let h = 0; h < NH; h++) {
      const head = <usize>(h * hs) << 2;
      const q0 = base + head, k0 = base + (<usize>C << 2) + head, v0 = base + (<usize>(2 * C) << 2) + head;
      const dq0 = dbase + head, dk0 = dbase + (<usize>C << 2) + head, dv0 = dbase + (<usize>(2 * C) << 2) + head;
      const dout0 = dout + <usize>b * <usize>T * outRow + head;
      const att0 = att + <usize>(b * NH + h) * <usize>T * attRow;
      const datt0 = datt + <usize>(b * NH + h) * <usize>T * attRow;
      causalDots(datt0, dout0, outRow, v0, rowBytes, T, hs); // datt[t,s] = dout_t·v_s
      let t = 0;
      for (; t + 4 <= T; t += 4) dsoftmax4(datt0 + <usize>t * attRow, att0 + <usize>t * attRow, attRow, t, T);
      for (; t < T; t++) dsoftmax1(datt0 + <usize>t * attRow, att0 + <usize>t * attRow, t, T);
      // dq_t = scale·Σ_{s≤t} ds[t,s]·k_s
      for (t = 0; t < T; t++) {
        weightedRows(datt0 + <usize>t * attRow, 4, k0, rowBytes, t + 1, hs, dq0 + <usize>t * rowBytes, scale, acc);
      }
      // dk_s = scale·Σ_{t≥s} ds[t,s]·q_t;  dv_s = Σ_{t≥s} att[t,s]·dout_t   (columns of ds and att)
      for (let s = 0; s < T; s++) {
        const down = <usize>s * attRow + (<usize>s << 2); // [s,s], then down the column
        weightedRows(datt0 + down, attRow, q0 + <usize>s * rowBytes, rowBytes, T - s, hs, dk0 + <usize>s * rowBytes, scale, acc);
        weightedRows(att0 + down, attRow, dout0 + <usize>s * outRow, outRow, T - s, hs, dv0 + <usize>s * rowBytes, ak(8), acc);
      }
    }
  }
}
