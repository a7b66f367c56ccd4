// Elementwise kernels over float32 buffers in linear memory: fill, axpy (the SGD update), and adding a
// row vector to every row of a matrix (a bias). Pointers are byte offsets; n counts floats. Each loop
// runs 16 floats per step (4 independent vectors), then single vectors, then a 1..3-float partial tail.
// Letters for matrices: M rows, N columns, row-major and contiguous.

import { loadPartial, storePartial } from "./lanes";

/** x[0..n) = value. */
export function fillF32(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    v128.store(p, v); v128.store(p, v, 16); v128.store(p, v, 32); v128.store(p, v, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), v);
  if (i < n) storePartial(x + (<usize>i << 2), v, n - i);
}

/** y[0..n) += alpha · x[0..n) (x and y may be the same buffer). */
export function axpyF32(y: usize, alpha: f32, x: usize, n: i32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const px = x + (<usize>i << 2);
    const py = y + (<usize>i << 2);
    const y0 = f32x4.add(v128.load(py), f32x4.mul(a, v128.load(px)));
    const y1 = f32x4.add(v128.load(py, 16), f32x4.mul(a, v128.load(px, 16)));
    const y2 = f32x4.add(v128.load(py, 32), f32x4.mul(a, v128.load(px, 32)));
    const y3 = f32x4.add(v128.load(py, 48), f32x4.mul(a, v128.load(px, 48)));
    v128.store(py, y0); v128.store(py, y1, 16); v128.store(py, y2, 32); v128.store(py, y3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const px = x + (<usize>i << 2);
    const py = y + (<usize>i << 2);
    v128.store(py, f32x4.add(v128.load(py), f32x4.mul(a, v128.load(px))));
  }
  if (i < n) {
    const r = n - i;
    const px = x + (<usize>i << 2);
    const py = y + (<usize>i << 2);
    storePartial(py, f32x4.add(loadPartial(py, r), f32x4.mul(a, loadPartial(px, r))), r);
  }
}

/** Y[M,N] += b[N] broadcast over the rows: // (M,N) + (N) -> (M,N). */
export function addRowF32(y: usize, b: usize, M: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    const py = y + <usize>i * rowBytes;
    let j = 0;
    for (; j + 16 <= N; j += 16) {
      const p = py + (<usize>j << 2);
      const q = b + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(q)));
      v128.store(p, f32x4.add(v128.load(p, 16), v128.load(q, 16)), 16);
      v128.store(p, f32x4.add(v128.load(p, 32), v128.load(q, 32)), 32);
      v128.store(p, f32x4.add(v128.load(p, 48), v128.load(q, 48)), 48);
    }
    for (; j + 4 <= N; j += 4) {
      const p = py + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(b + (<usize>j << 2))));
    }
    if (j < N) {
      const r = N - j;
      const p = py + (<usize>j << 2);
      storePartial(p, f32x4.add(loadPartial(p, r), loadPartial(b + (<usize>j << 2), r)), r);
    }
  }
}
