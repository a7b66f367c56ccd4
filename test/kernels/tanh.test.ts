// tanh, forward and backward, on both backends. The forward pass of the wasm kernel has no tanh
// instruction to lean on (asm/tanh.ts: Cephes tanhf in float32 SIMD, a polynomial below 0.625 and
// 1 − 2/(exp(2|x|) + 1) above), so it is held to within 2 float32 ulp of Math.fround(Math.tanh(x)) over
// a sweep: a fine grid on [-20, 20], the central [-1, 1], tiny and subnormal magnitudes, ±0 (sign
// kept), ±Infinity, NaN, and a million random bit patterns. Measured when written: ≤ 1 ulp on every
// point, and on every float in ±[1e-4, 10] (~10% of points off by 1 ulp in [-1, 1], 0 ulp elsewhere mostly).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { fillRandom, fromBits, makeRandom, U32, ulps } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const BACKENDS: Kernels[] = [wasm, createTsKernels(arena)];
const MAX_ULPS = 2;

/** Runs `kernels.tanh` on xs and returns the largest ulp distance from Math.fround(Math.tanh(x)). */
function worstUlps(kernels: Kernels, xs: Float32Array, where: string): number {
  const mark = arena.mark();
  const X = arena.f32From(xs);
  const Y = arena.f32(xs.length);
  kernels.tanh(Y, X);
  const y = Y.view;
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = Math.fround(Math.tanh(xs[i]));
    if (Number.isNaN(want)) {
      assert.ok(Number.isNaN(y[i]), `${where}: tanh(NaN) = ${y[i]}`);
      continue;
    }
    const d = ulps(y[i], want);
    if (d > MAX_ULPS) assert.fail(`${where}: tanh(${xs[i]}) = ${y[i]}, want ${want} (${d} ulp)`);
    worst = Math.max(worst, d);
  }
  arena.release(mark);
  return worst;
}

function sweep(): Float32Array {
  const xs: number[] = [];
  for (let i = 0; i <= 400000; i++) xs.push(-20 + (40 * i) / 400000); // grid on [-20, 20]
  for (let i = 0; i <= 200000; i++) xs.push(-1 + (2 * i) / 200000); // the central region, finer
  for (let e = -149; e <= 7; e += 0.25) xs.push(2 ** e, -(2 ** e)); // tiny to large magnitudes
  xs.push(0, -0, 1e-45, -1e-45, 9.01, 9.02, 20, 20.5, 1e30, -1e30, Infinity, -Infinity, NaN);
  const rand = makeRandom(7);
  for (let i = 0; i < 1000000; i++) xs.push(fromBits((rand() + 1) * 2 ** 31)); // random bit patterns
  return Float32Array.from(xs);
}

for (const backend of BACKENDS) {
  test(`${backend.name} tanh is within ${MAX_ULPS} ulp of Math.tanh over a wide sweep`, () => {
    const xs = sweep();
    const worst = worstUlps(backend, xs, backend.name);
    assert.ok(worst <= MAX_ULPS);
  });

  test(`${backend.name} tanh keeps the sign of zero, saturates to ±1 and works in place with tails`, () => {
    const mark = arena.mark();
    const X = arena.f32From([0, -0, Infinity, -Infinity, 30, -30, 0.5]);
    backend.tanh(X, X); // in place, 7 = 4 + a 3-lane tail
    const y = X.view;
    assert.ok(Object.is(y[0], 0) && Object.is(y[1], -0), `tanh(±0) = ${y[0]}, ${y[1]}`);
    assert.deepEqual(Array.from(y.subarray(2, 6)), [1, -1, 1, -1]);
    assert.ok(ulps(y[6], Math.fround(Math.tanh(0.5))) <= MAX_ULPS);
    arena.release(mark);
  });

  test(`${backend.name} tanh writes exactly n elements`, () => {
    for (const n of [0, 1, 2, 3, 5, 27]) {
      const mark = arena.mark();
      const X = arena.f32From(Array.from({ length: n + 4 }, (_, i) => i / 8));
      const Y = arena.f32(n + 4);
      Y.view.fill(7);
      backend.tanh(Y, X, n);
      for (let i = 0; i < n; i++) assert.ok(ulps(Y.view[i], Math.fround(Math.tanh(X.view[i]))) <= MAX_ULPS, `n=${n} i=${i}`);
      for (let i = n; i < n + 4; i++) assert.equal(Y.view[i], 7, `n=${n}: wrote element ${i}`);
      arena.release(mark);
    }
  });

  test(`${backend.name} tanhBackward: dx (=|+=) (1 - y²)·dy`, () => {
    const rand = makeRandom(11);
    for (const n of [1, 3, 4, 27, 33, 6400]) {
      for (const acc of [false, true]) {
        const mark = arena.mark();
        const Y = arena.f32(n);
        const dY = arena.f32(n);
        const dX = arena.f32(n + 3);
        fillRandom(Y.view, rand);
        fillRandom(dY.view, rand);
        fillRandom(dX.view, rand);
        const before = dX.view.slice();
        backend.tanhBackward(dX, Y, dY, n, acc);
        for (let i = 0; i < n; i++) {
          const y = Y.view[i];
          const want = (acc ? before[i] : 0) + (1 - y * y) * dY.view[i];
          const bound = 4 * U32 * ((acc ? Math.abs(before[i]) : 0) + (1 + y * y) * Math.abs(dY.view[i]));
          assert.ok(Math.abs(dX.view[i] - want) <= bound, `n=${n} acc=${acc} i=${i}: ${dX.view[i]} vs ${want}`);
        }
        for (let i = n; i < n + 3; i++) assert.equal(dX.view[i], before[i], `n=${n}: wrote element ${i}`);
        arena.release(mark);
      }
    }
  });
}
