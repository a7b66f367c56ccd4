// Reductions over float32 buffers in linear memory: the sum of a buffer, and the column sums of a
// matrix (a bias gradient, db = dout.sum(0)). Pointers are byte offsets. Letters: M rows, N columns,
// row-major and contiguous.

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
