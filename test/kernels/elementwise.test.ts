// fill, axpy, addRow, colSum, sum and colMoments on both backends, against float64 loops written here,
// on lengths that exercise the 16-wide body, the 4-wide steps and the 1..3-element tails; guard elements
// after each output catch writes past n. Letters: M rows, N columns; n a length.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { fillRandom, makeRandom, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const BACKENDS: Kernels[] = [wasm, createTsKernels(arena)];
const LENGTHS = [0, 1, 2, 3, 4, 5, 15, 16, 17, 27, 33, 200, 1001];
const GUARD = 5;

/** A buffer of n + GUARD random values. */
function randomBuf(n: number, rand: () => number): F32Buf {
  const b = arena.f32(n + GUARD);
  fillRandom(b.view, rand);
  return b;
}

function assertGuard(b: F32Buf, n: number, before: Float32Array, where: string): void {
  for (let i = n; i < n + GUARD; i++) assert.equal(b.view[i], before[i], `${where}: wrote element ${i} past n = ${n}`);
}

for (const k of BACKENDS) {
  test(`${k.name} fill sets exactly n elements`, () => {
    const rand = makeRandom(1);
    for (const n of LENGTHS) {
      const mark = arena.mark();
      const x = randomBuf(n, rand);
      const before = x.view.slice();
      k.fill(x, -2.5, n);
      for (let i = 0; i < n; i++) assert.equal(x.view[i], -2.5);
      assertGuard(x, n, before, `fill n=${n}`);
      k.fill(x, 0); // whole buffer by default
      assert.ok(x.view.every((v) => v === 0));
      arena.release(mark);
    }
  });

  test(`${k.name} axpy: y += alpha·x, rounded as float32 ops`, () => {
    const rand = makeRandom(2);
    for (const n of LENGTHS) {
      const mark = arena.mark();
      const x = randomBuf(n, rand);
      const y = randomBuf(n, rand);
      const y0 = y.view.slice();
      const alpha = -0.1;
      k.axpy(y, alpha, x, n);
      // float32 multiply, then float32 add (what PyTorch's p += -lr * g does): exact on both backends
      for (let i = 0; i < n; i++) {
        assert.equal(y.view[i], Math.fround(y0[i] + Math.fround(Math.fround(alpha) * x.view[i])), `axpy n=${n} i=${i}`);
      }
      assertGuard(y, n, y0, `axpy n=${n}`);
      arena.release(mark);
    }
  });

  test(`${k.name} addRow: Y[i,:] += b for every row`, () => {
    const rand = makeRandom(3);
    for (const [M, N] of [[1, 1], [3, 3], [32, 200], [32, 27], [5, 33], [2, 17], [4, 0]]) {
      const mark = arena.mark();
      const Y = randomBuf(M * N, rand);
      const b = randomBuf(N, rand);
      const y0 = Y.view.slice();
      const b0 = b.view.slice();
      k.addRow(Y, b, M, N);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) assert.equal(Y.view[i * N + j], Math.fround(y0[i * N + j] + b0[j]), `addRow ${M}x${N} [${i},${j}]`);
      }
      assertGuard(Y, M * N, y0, `addRow ${M}x${N}`);
      assert.deepEqual(b.view, b0);
      arena.release(mark);
    }
  });

  test(`${k.name} colSum: out (=|+=) column sums, rows added in order`, () => {
    const rand = makeRandom(4);
    for (const [M, N] of [[1, 1], [3, 3], [32, 200], [32, 27], [7, 33], [100, 17], [0, 5]]) {
      for (const acc of [false, true]) {
        const mark = arena.mark();
        const X = randomBuf(M * N, rand);
        const out = randomBuf(N, rand);
        const o0 = out.view.slice();
        k.colSum(out, X, M, N, acc);
        for (let j = 0; j < N; j++) {
          // rows in order, float32 after each add: both backends do exactly this
          let s = acc ? o0[j] : 0;
          for (let i = 0; i < M; i++) s = Math.fround(s + X.view[i * N + j]);
          assert.equal(out.view[j], s, `colSum ${M}x${N} acc=${acc} column ${j}`);
        }
        assertGuard(out, N, o0, `colSum ${M}x${N}`);
        arena.release(mark);
      }
    }
  });

  test(`${k.name} colMoments: float64 Σx and Σx² of each column added to sums, rows in order, bit for bit`, () => {
    const rand = makeRandom(6);
    // N: the 8-column blocks, the pairs after them, an odd last column
    for (const [M, N] of [[1, 1], [3, 2], [5, 3], [32, 200], [9, 8], [7, 9], [100, 17], [4, 27], [0, 5]]) {
      const mark = arena.mark();
      const X = randomBuf(M * N, rand);
      for (let i = 0; i < M * N; i++) X.view[i] *= 1 + 1000 * (i % 3); // magnitudes apart: the order of additions shows
      const sums = arena.f64(2 * N + GUARD);
      for (let i = 0; i < sums.length; i++) sums.view[i] = rand() * 10; // sums added to, not overwritten
      const s0 = sums.view.slice();
      k.colMoments(sums, X, M, N);
      k.colMoments(sums, X, M, N); // a second chunk
      for (let j = 0; j < N; j++) {
        let s = s0[j], q = s0[N + j];
        for (const _ of [0, 1]) {
          for (let i = 0; i < M; i++) {
            const v = X.view[i * N + j];
            s += v;
            q += v * v;
          }
        }
        assert.equal(sums.view[j], s, `colMoments ${M}x${N} Σx column ${j}`);
        assert.equal(sums.view[N + j], q, `colMoments ${M}x${N} Σx² column ${j}`);
      }
      for (let i = 2 * N; i < sums.length; i++) assert.equal(sums.view[i], s0[i], `colMoments ${M}x${N}: wrote sums[${i}] past 2N`);
      arena.release(mark);
    }
  });

  test(`${k.name} sum of a buffer`, () => {
    const rand = makeRandom(5);
    for (const n of LENGTHS) {
      const mark = arena.mark();
      const x = randomBuf(n, rand);
      let want = 0;
      let abs = 0;
      for (let i = 0; i < n; i++) {
        want += x.view[i];
        abs += Math.abs(x.view[i]);
      }
      assert.ok(Math.abs(k.sum(x, n) - want) <= (n + 1) * U32 * abs, `sum n=${n}`);
      arena.release(mark);
    }
  });

  test(`${k.name} elementwise kernels refuse lengths beyond their buffers`, () => {
    const mark = arena.mark();
    const x = arena.f32(3);
    const y = arena.f32(4);
    assert.throws(() => k.fill(x, 1, 4), /x has 3 elements, the sizes given need 4/);
    assert.throws(() => k.axpy(y, 1, x), /x has 3 elements/);
    assert.throws(() => k.addRow(y, x, 1, 4), /b has 3 elements/);
    assert.throws(() => k.colSum(x, y, 1, 4), /out has 3 elements/);
    const sums = arena.f64(7);
    assert.throws(() => k.colMoments(sums, y, 1, 4), /colMoments: sums has 7 elements, the sizes given need 8/);
    assert.throws(() => k.colMoments(arena.f64(8), x, 1, 4), /colMoments: X has 3 elements/);
    assert.throws(() => k.tanh(x, y), /tanh: y has 3 elements, the sizes given need 4/);
    assert.throws(() => k.tanhBackward(y, y, x), /dy has 3 elements/);
    arena.release(mark);
  });
}
