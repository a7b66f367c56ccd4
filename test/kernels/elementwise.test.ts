// fill, axpy, addRow, colSum and sum on both backends, against float64 loops written here, on lengths
// that exercise the 16-wide body, the 4-wide steps and the 1..3-element tails; guard elements after
// each output catch writes past n. Letters: M rows, N columns; n a length.

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
    assert.throws(() => k.tanh(x, y), /tanh: y has 3 elements, the sizes given need 4/);
    assert.throws(() => k.tanhBackward(y, y, x), /dy has 3 elements/);
    arena.release(mark);
  });
}
