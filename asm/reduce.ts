// Reductions over float32 buffers in linear memory: the sum of a buffer, the column sums of a
// matrix (a bias gradient, db = dout.sum(0)), and their float64 moments (BatchNorm calibration).
// Pointers are byte offsets. Letters: M rows, N columns, row-major and contiguous.

import { loadPartial, storePartial } from "./lanes";

/** Σ x[0..n), float32: four lanes of partial sums, then the tail. */
export function sumF32(x: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = f32x4.add(acc, v128.load(x + (<usize>i << 2)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
          f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(x + (<usize>i << 2));
  return s;
}

/** out[N] (=|+=) Σ_i X[i, :]  // (M,N) -> (N); rows are added in order 0..M-1 for every column. */
export function colSumF32(out: usize, x: usize, M: i32, N: i32, acc: i32): void {
  const rowBytes = <usize>N << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const po = out + (<usize>j << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    if (acc != 0) {
      s0 = v128.load(po); s1 = v128.load(po, 16); s2 = v128.load(po, 32); s3 = v128.load(po, 48);
    }
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += rowBytes;
    }
    v128.store(po, s0); v128.store(po, s1, 16); v128.store(po, s2, 32); v128.store(po, s3, 48);
  }
  for (; j < N; j += 4) {
    const w = min(4, N - j);
    const po = out + (<usize>j << 2);
    let s = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    if (w == 4) {
      if (acc != 0) s = v128.load(po);
      for (let i = 0; i < M; i++) {
        s = f32x4.add(s, v128.load(p));
        p += rowBytes;
      }
      v128.store(po, s);
    } else {
      if (acc != 0) s = loadPartial(po, w);
      for (let i = 0; i < M; i++) {
        s = f32x4.add(s, loadPartial(p, w));
        p += rowBytes;
      }
      storePartial(po, s, w);
    }
  }
}

/**
 * Float64 moments of the columns of X (M,N) float32, added to `sums`: sums[j] += Σ_i x[i,j] and
 * sums[N + j] += Σ_i x[i,j]² (2N float64; the square in float64), each column's rows added in order
 * 0..M-1 — the same sums, bit for bit, as a float64 loop over the rows. BatchNorm's calibration over a
 * whole split (src/nn/batchnorm.ts).
 */
export function colMomentsF64(sums: usize, x: usize, M: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  const sq = sums + (<usize>N << 3); // Σx² after the N sums
  let j = 0;
  for (; j + 8 <= N; j += 8) { // eight columns: four float64 pairs of each sum in registers
    const ps = sums + (<usize>j << 3), pq = sq + (<usize>j << 3);
    let s0 = v128.load(ps), s1 = v128.load(ps, 16), s2 = v128.load(ps, 32), s3 = v128.load(ps, 48);
    let q0 = v128.load(pq), q1 = v128.load(pq, 16), q2 = v128.load(pq, 32), q3 = v128.load(pq, 48);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      const v0 = f64x2.promote_low_f32x4(v128.load64_zero(p));
      const v1 = f64x2.promote_low_f32x4(v128.load64_zero(p, 8));
      const v2 = f64x2.promote_low_f32x4(v128.load64_zero(p, 16));
      const v3 = f64x2.promote_low_f32x4(v128.load64_zero(p, 24));
      s0 = f64x2.add(s0, v0); q0 = f64x2.add(q0, f64x2.mul(v0, v0));
      s1 = f64x2.add(s1, v1); q1 = f64x2.add(q1, f64x2.mul(v1, v1));
      s2 = f64x2.add(s2, v2); q2 = f64x2.add(q2, f64x2.mul(v2, v2));
      s3 = f64x2.add(s3, v3); q3 = f64x2.add(q3, f64x2.mul(v3, v3));
      p += rowBytes;
    }
    v128.store(ps, s0); v128.store(ps, s1, 16); v128.store(ps, s2, 32); v128.store(ps, s3, 48);
    v128.store(pq, q0); v128.store(pq, q1, 16); v128.store(pq, q2, 32); v128.store(pq, q3, 48);
  }
  for (; j + 2 <= N; j += 2) { // two columns at a time
    const ps = sums + (<usize>j << 3), pq = sq + (<usize>j << 3);
    let s = v128.load(ps), q = v128.load(pq);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      const v = f64x2.promote_low_f32x4(v128.load64_zero(p));
      s = f64x2.add(s, v);
      q = f64x2.add(q, f64x2.mul(v, v));
      p += rowBytes;
    }
    v128.store(ps, s);
    v128.store(pq, q);
  }
  if (j < N) { // the last column of an odd N
    const ps = sums + (<usize>j << 3), pq = sq + (<usize>j << 3);
    let s = load<f64>(ps), q = load<f64>(pq);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      const v = <f64>load<f32>(p);
      s += v;
      q += v * v;
      p += rowBytes;
    }
    store<f64>(ps, s);
    store<f64>(pq, q);
  }
}
