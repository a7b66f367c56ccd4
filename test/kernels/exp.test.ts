// exp on both backends. The wasm kernel (asm/expf.ts: Cephes expf range reduction and polynomial in
// float32 SIMD, the exp of the cross-entropy and of tanh) is held to 2 float32 ulp of
// Math.fround(Math.exp(x)) over a dense grid of [-104, 89] (subnormal results and overflow included),
// the central [-1, 1], and random bit patterns; special values exactly. Measured when written: ≤ 1 ulp
// everywhere (also exhaustively over every float in ±[1e-4, 10]).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { fromBits, makeRandom, ulps } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const BACKENDS: Kernels[] = [wasm, createTsKernels(arena)];
const MAX_ULPS = 2;

function sweep(): Float32Array {
  const xs: number[] = [];
  for (let i = 0; i <= 1000000; i++) xs.push(-104 + (193 * i) / 1000000);
  for (let i = 0; i <= 200000; i++) xs.push(-1 + (2 * i) / 200000);
  for (let e = -149; e <= 7; e += 0.25) xs.push(2 ** e, -(2 ** e));
  const rand = makeRandom(5);
  for (let i = 0; i < 1000000; i++) xs.push(fromBits((rand() + 1) * 2 ** 31));
  return Float32Array.from(xs);
}

for (const k of BACKENDS) {
  test(`${k.name} exp is within ${MAX_ULPS} ulp of Math.exp over a wide sweep`, () => {
    const xs = sweep();
    const mark = arena.mark();
    const X = arena.f32From(xs);
    const Y = arena.f32(xs.length);
    k.exp(Y, X);
    const y = Y.view;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = Math.fround(Math.exp(xs[i]));
      if (Number.isNaN(want)) {
        assert.ok(Number.isNaN(y[i]), `exp(NaN) = ${y[i]}`);
        continue;
      }
      const d = ulps(y[i], want);
      if (d > MAX_ULPS) assert.fail(`exp(${xs[i]}) = ${y[i]}, want ${want} (${d} ulp)`);
      worst = Math.max(worst, d);
    }
    arena.release(mark);
    assert.ok(worst <= MAX_ULPS);
  });

  test(`${k.name} exp: special values, in place, exactly n elements`, () => {
    const mark = arena.mark();
    const X = arena.f32From([0, -0, -Infinity, Infinity, NaN, 88.7, 89, -103, -200, 1, 7]);
    k.exp(X, X, 10); // in place; 10 = 8 + 2: the two-vector body, then a 2-lane tail
    const y = X.view;
    assert.equal(y[0], 1);
    assert.equal(y[1], 1);
    assert.ok(Object.is(y[2], 0), `exp(-Inf) = ${y[2]}`);
    assert.equal(y[3], Infinity);
    assert.ok(Number.isNaN(y[4]));
    assert.ok(ulps(y[5], Math.fround(Math.exp(Math.fround(88.7)))) <= MAX_ULPS, `exp(88.7) = ${y[5]}`);
    assert.equal(y[6], Infinity);
    assert.ok(ulps(y[7], Math.fround(Math.exp(-103))) <= MAX_ULPS, `exp(-103) = ${y[7]} (subnormal)`);
    assert.equal(y[8], 0);
    assert.ok(ulps(y[9], Math.fround(Math.E)) <= MAX_ULPS);
    assert.equal(y[10], 7, "wrote past n");
    arena.release(mark);
  });
}
