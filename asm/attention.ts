// The core of causal multi-head self-attention on float32 buffers (Vaswani et al. 2017; llm.c's
// attention_forward / attention_backward; makemore.py's CausalSelfAttention between c_attn and c_proj):
//
//   q, k, v: the three C-column blocks of qkv (B,T,3C); head h: their columns h·hs..(h+1)·hs
//   forward, per (b,h,t):
//     scores[s] = q_t·k_s · scale for s ≤ t, scale = 1/√hs (a float32, as PyTorch's `* (1/√hs)`)
//     att[b,h,t,s] = exp(scores[s] − max_s scores) / Σ_s exp(…) for s ≤ t, 0 for s > t    // (B,NH,T,T)
//     out[b,t,h·hs+i] = Σ_{s≤t} att[b,h,t,s]·v_s[i]                                       // (B,T,C)
//   backward, per (b,h), given dout (B,T,C):
//     datt[t,s] = dout_t·v_s;  ds[t,s] = att[t,s]·(datt[t,s] − Σ_s' att[t,s']·datt[t,s'])  (kept in datt)
//     dq_t = scale·Σ_{s≤t} ds[t,s]·k_s;  dk_s = scale·Σ_{t≥s} ds[t,s]·q_t;  dv_s = Σ_{t≥s} att[t,s]·dout_t
//
// Every element of dq, dk, dv is a complete sum computed in registers and stored once, so `acc` 1 adds
// it to dqkv (dqkv + grad, two roundings) and `acc` 0 overwrites without a zeroing pass. The head
// dimension is walked 4 floats at a time (one f32x4), the last 1..3 as partial lanes (lanes.ts). Dot
// products against keys (and values, in the backward) go 4 key positions at a time, their four sums
// transposed into one vector; weighted sums of rows keep 4 accumulators so their additions overlap; the
// softmax runs 4 key positions at a time with expf.ts's exp4 (≤ 1 ulp). All float32 arithmetic; the
// order of the additions differs from the TS reference's (float64) and from PyTorch's.
//
// Letters: B batch, T time, C channels, NH heads, hs = C/NH; t a query position, s a key position.
// Pointers are byte offsets.

import { hsum, loadPartial, storePartial } from "./lanes";
import { exp4 } from "./expf";

/** w float32 lanes at p (w = 4: a full vector; 1..3: partial, the rest 0). */
// @ts-ignore: decorator
@inline function ld(p: usize, w: i32): v128 {
  return w == 4 ? v128.load(p) : loadPartial(p, w);
}

/** Stores w float32 lanes of v at p. */
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, w: i32): void {
  if (w == 4) v128.store(p, v);
  else storePartial(p, v, w);
}

/** Stores (acc 0) or adds (acc 1) w lanes of v at p. */
// @ts-ignore: decorator
@inline function put(p: usize, v: v128, w: i32, acc: i32): void {
  st(p, acc != 0 ? f32x4.add(ld(p, w), v) : v, w);
}

/** a·b over n floats. */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let s = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) s = f32x4.add(s, f32x4.mul(v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2))));
  if (i < n) s = f32x4.add(s, f32x4.mul(loadPartial(a + (<usize>i << 2), n - i), loadPartial(b + (<usize>i << 2), n - i)));
  return hsum(s);
}

/** The four dot products a·b_j over n floats, b_j = b + j·stride (j = 0..3), as the lanes of one vector. */
// @ts-ignore: decorator
@inline function dot4(a: usize, b: usize, stride: usize, n: i32): v128 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const av = v128.load(a + o);
    s0 = f32x4.add(s0, f32x4.mul(av, v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(av, v128.load(b + stride + o)));
    s2 = f32x4.add(s2, f32x4.mul(av, v128.load(b + 2 * stride + o)));
    s3 = f32x4.add(s3, f32x4.mul(av, v128.load(b + 3 * stride + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    const r = n - i;
    const av = loadPartial(a + o, r);
    s0 = f32x4.add(s0, f32x4.mul(av, loadPartial(b + o, r)));
    s1 = f32x4.add(s1, f32x4.mul(av, loadPartial(b + stride + o, r)));
    s2 = f32x4.add(s2, f32x4.mul(av, loadPartial(b + 2 * stride + o, r)));
    s3 = f32x4.add(s3, f32x4.mul(av, loadPartial(b + 3 * stride + o, r)));
  }
  // transpose-and-add: lane j of the result is the sum of the lanes of s_j
  const t01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const t23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t01, t23, 0, 1, 4, 5), v128.shuffle<f32>(t01, t23, 2, 3, 6, 7));
}

/**
 * Σ_{j<count} coef[j·coefStride]·rows[j·rowStride .. +w): w lanes of a weighted sum of rows. Four
 * accumulators (rows j ≡ 0, 1, 2, 3 mod 4, added pairwise at the end), so that the additions do not wait
 * on each other.
 */
// @ts-ignore: decorator
@inline function weighted(coef: usize, coefStride: usize, rows: usize, rowStride: usize, count: i32, w: i32): v128 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let c = coef, r = rows;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(c), ld(r, w)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(c + coefStride), ld(r + rowStride, w)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(c + 2 * coefStride), ld(r + 2 * rowStride, w)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(c + 3 * coefStride), ld(r + 3 * rowStride, w)));
    c += 4 * coefStride;
    r += 4 * rowStride;
  }
  for (; j < count; j++) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(c), ld(r, w)));
    c += coefStride;
    r += rowStride;
  }
  return f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
}

/** Writes 0 to floats p[0..n). */
// @ts-ignore: decorator
@inline function zero(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** Lanes i < r set (all ones), the rest clear: masks a partial vector's dead lanes. */
// @ts-ignore: decorator
@inline function lanesBelow(r: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r));
}

/** The causal softmax of one row of n = t+1 scores in place: exp(x − max) / Σ exp(x − max). */
// @ts-ignore: decorator
@inline function softmaxRow(row: usize, n: i32, max: f32): void {
  const m = f32x4.splat(max);
  let sum = f32x4.splat(0);
  let s = 0;
  for (; s + 4 <= n; s += 4) {
    const p = row + (<usize>s << 2);
    const e = exp4(f32x4.sub(v128.load(p), m));
    v128.store(p, e);
    sum = f32x4.add(sum, e);
  }
  if (s < n) {
    const r = n - s;
    const p = row + (<usize>s << 2);
    const e = v128.and(exp4(f32x4.sub(loadPartial(p, r), m)), lanesBelow(r));
    storePartial(p, e, r);
    sum = f32x4.add(sum, e);
  }
  const total = f32x4.splat(hsum(sum));
  s = 0;
  for (; s + 4 <= n; s += 4) {
    const p = row + (<usize>s << 2);
    v128.store(p, f32x4.div(v128.load(p), total));
  }
  if (s < n) {
    const r = n - s;
    const p = row + (<usize>s << 2);
    storePartial(p, f32x4.div(loadPartial(p, r), total), r);
  }
}

/**
 * Causal multi-head self-attention forward: att (B,NH,T,T) the softmax of q·kᵀ/√hs over s ≤ t (0 for
 * s > t), out (B,T,C) = att·v with the heads side by side, from qkv (B,T,3C). NH divides C.
 */
export function attentionForwardF32(out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = C / NH;
  const hs4 = hs & ~3;
  const scale = <f32>(1.0 / Math.sqrt(<f64>hs));
  const scale4 = f32x4.splat(scale);
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
      for (let t = 0; t < T; t++) {
        const qt = q0 + <usize>t * rowBytes;
        const arow = att0 + <usize>t * attRow;
        // scores and their maximum, four keys at a time
        let mx = f32x4.splat(-Infinity);
        let s = 0;
        for (; s + 4 <= t + 1; s += 4) {
          const sc = f32x4.mul(dot4(qt, k0 + <usize>s * rowBytes, rowBytes, hs), scale4);
          v128.store(arow + (<usize>s << 2), sc);
          mx = f32x4.max(mx, sc);
        }
        let max = Mathf.max(
          Mathf.max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)),
          Mathf.max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)),
        );
        for (; s <= t; s++) {
          const sc = dot(qt, k0 + <usize>s * rowBytes, hs) * scale;
          store<f32>(arow + (<usize>s << 2), sc);
          max = Mathf.max(max, sc);
        }
        softmaxRow(arow, t + 1, max);
        zero(arow + (<usize>(t + 1) << 2), T - t - 1);
        // out_t = Σ_s att[t,s]·v_s
        const ot = out + <usize>(b * T + t) * outRow + head;
        let i = 0;
        for (; i < hs4; i += 4) {
          st(ot + (<usize>i << 2), weighted(arow, 4, v0 + (<usize>i << 2), rowBytes, t + 1, 4), 4);
        }
        if (i < hs) st(ot + (<usize>i << 2), weighted(arow, 4, v0 + (<usize>i << 2), rowBytes, t + 1, hs - i), hs - i);
      }
    }
  }
}

/**
 * Its backward: dqkv (B,T,3C) (=|+=) the gradient of qkv given dout (B,T,C); datt (B,NH,T,T) is scratch
 * and ends up holding the gradient of the scaled scores (0 for s > t). `acc` 0 overwrites dqkv, 1 adds.
 */
export function attentionBackwardF32(
  dqkv: usize, datt: usize, dout: usize, qkv: usize, att: usize, B: i32, T: i32, C: i32, NH: i32, acc: i32,
): void {
  const hs = C / NH;
  const hs4 = hs & ~3;
  const tail = hs - hs4;
  const scale = f32x4.splat(<f32>(1.0 / Math.sqrt(<f64>hs)));
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
      // datt[t,s] = dout_t·v_s, then ds = att·(datt − Σ att·datt) in place
      for (let t = 0; t < T; t++) {
        const arow = att0 + <usize>t * attRow;
        const drow = datt0 + <usize>t * attRow;
        const dt = dout0 + <usize>t * outRow;
        const n = t + 1;
        let s = 0;
        for (; s + 4 <= n; s += 4) v128.store(drow + (<usize>s << 2), dot4(dt, v0 + <usize>s * rowBytes, rowBytes, hs));
        for (; s < n; s++) store<f32>(drow + (<usize>s << 2), dot(dt, v0 + <usize>s * rowBytes, hs));
        let sum = f32x4.splat(0);
        s = 0;
        for (; s + 4 <= n; s += 4) {
          const o = <usize>s << 2;
          sum = f32x4.add(sum, f32x4.mul(v128.load(arow + o), v128.load(drow + o)));
        }
        if (s < n) {
          const o = <usize>s << 2;
          sum = f32x4.add(sum, f32x4.mul(loadPartial(arow + o, n - s), loadPartial(drow + o, n - s)));
        }
        const d = f32x4.splat(hsum(sum));
        s = 0;
        for (; s + 4 <= n; s += 4) {
          const o = <usize>s << 2;
          v128.store(drow + o, f32x4.mul(v128.load(arow + o), f32x4.sub(v128.load(drow + o), d)));
        }
        if (s < n) {
          const o = <usize>s << 2;
          storePartial(drow + o, f32x4.mul(loadPartial(arow + o, n - s), f32x4.sub(loadPartial(drow + o, n - s), d)), n - s);
        }
        zero(drow + (<usize>n << 2), T - n);
      }
      // dq_t = scale·Σ_{s≤t} ds[t,s]·k_s
      for (let t = 0; t < T; t++) {
        const drow = datt0 + <usize>t * attRow;
        const dqt = dq0 + <usize>t * rowBytes;
        let i = 0;
        for (; i < hs4; i += 4) {
          const o = <usize>i << 2;
          put(dqt + o, f32x4.mul(scale, weighted(drow, 4, k0 + o, rowBytes, t + 1, 4)), 4, acc);
        }
        if (tail != 0) {
          const o = <usize>i << 2;
          put(dqt + o, f32x4.mul(scale, weighted(drow, 4, k0 + o, rowBytes, t + 1, tail)), tail, acc);
        }
      }
      // dk_s = scale·Σ_{t≥s} ds[t,s]·q_t;  dv_s = Σ_{t≥s} att[t,s]·dout_t   (columns of ds and att)
      for (let s = 0; s < T; s++) {
        const dcol = datt0 + <usize>s * attRow + (<usize>s << 2); // ds[s,s], then down the column
        const acol = att0 + <usize>s * attRow + (<usize>s << 2);
        const qs = q0 + <usize>s * rowBytes;
        const ds = dout0 + <usize>s * outRow;
        const dks = dk0 + <usize>s * rowBytes;
        const dvs = dv0 + <usize>s * rowBytes;
        const count = T - s;
        let i = 0;
        for (; i < hs4; i += 4) {
          const o = <usize>i << 2;
          put(dks + o, f32x4.mul(scale, weighted(dcol, attRow, qs + o, rowBytes, count, 4)), 4, acc);
          put(dvs + o, weighted(acol, attRow, ds + o, outRow, count, 4), 4, acc);
        }
        if (tail != 0) {
          const o = <usize>i << 2;
          put(dks + o, f32x4.mul(scale, weighted(dcol, attRow, qs + o, rowBytes, count, tail)), tail, acc);
          put(dvs + o, weighted(acol, attRow, ds + o, outRow, count, tail), tail, acc);
        }
      }
    }
  }
}
