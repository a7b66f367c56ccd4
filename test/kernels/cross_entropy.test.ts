// The fused cross-entropy kernels: crossEntropy (mean loss + dlogits) and crossEntropyRows, the wasm
// backend (float32 SIMD exp, float32 row sums) against the TS reference (float64), on R = 1, 2, 3, 33 and
// V = 1, 3, 5, 27, logits of scale 3 and 50 (a naive exp would overflow), repeated targets; bounds are
// float32 rounding: about V·u in a log-sum-exp, u = 2⁻²⁴. Out-of-range targets are a KernelIndexError.
// Letters: R rows, V classes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, KernelIndexError, wasmKernels, type F32Buf } from "../../src/kernels/index.ts";
import { makeRandom, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const CASES: [number, number, number][] = [];
for (const R of [1, 2, 3, 33]) for (const V of [1, 3, 5, 27]) for (const scale of [3, 50]) CASES.push([R, V, scale]);

function randomBuf(n: number, rand: () => number, scale: number): F32Buf {
  const b = arena.f32(n + 3);
  for (let i = 0; i < n + 3; i++) b.view[i] = scale * rand();
  return b;
}

test("crossEntropy: the mean loss and dlogits = (softmax − one_hot)/R, wasm against the float64 reference", () => {
  const rand = makeRandom(41);
  for (const [R, V, scale] of CASES) {
    const mark = arena.mark();
    const logits = randomBuf(R * V, rand, scale);
    const targets = arena.i32From(Array.from({ length: R }, (_, r) => (r * 3 + 1) % V));
    const dw = randomBuf(R * V, rand, 1);
    const dt = randomBuf(R * V, rand, 1);
    const guard = dw.view.slice(R * V);
    const lw = wasm.crossEntropy(dw, logits, targets, R, V);
    const lt = ts.crossEntropy(dt, logits, targets, R, V);
    const where = `(${R},${V}) scale ${scale}`;
    assert.ok(Math.abs(lw - lt) <= (V + 8) * U32 * (1 + Math.abs(lt)), `${where}: loss ${lw} vs ${lt}`);
    for (let i = 0; i < R * V; i++) {
      const bound = (V + 8) * U32 * (Math.abs(dt.view[i]) + 1 / R);
      assert.ok(Math.abs(dw.view[i] - dt.view[i]) <= bound, `${where}: dlogits[${i}] ${dw.view[i]} vs ${dt.view[i]}`);
    }
    assert.deepEqual(Array.from(dw.view.slice(R * V)), Array.from(guard), `${where}: wrote past R·V`);
    // each row of dlogits sums to 0
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let v = 0; v < V; v++) s += dw.view[r * V + v];
      assert.ok(Math.abs(s) <= (V + 8) * U32 * 2, `${where}: row ${r} of dlogits sums to ${s}`);
    }
    arena.release(mark);
  }
});

test("crossEntropyRows: per-row losses, and their mean is crossEntropy's loss", () => {
  const rand = makeRandom(42);
  for (const [R, V, scale] of CASES) {
    const mark = arena.mark();
    const logits = randomBuf(R * V, rand, scale);
    const targets = arena.i32From(Array.from({ length: R }, (_, r) => (r * 5 + 2) % V));
    const [lw, lt] = [wasm, ts].map((k) => {
      const losses = randomBuf(R, rand, 1);
      const guard = losses.view.slice(R);
      k.crossEntropyRows(losses, logits, targets, R, V);
      assert.deepEqual(Array.from(losses.view.slice(R)), Array.from(guard), "wrote past R");
      return losses.view;
    });
    let mean = 0;
    for (let r = 0; r < R; r++) {
      assert.ok(Math.abs(lw[r] - lt[r]) <= (V + 8) * U32 * (1 + Math.abs(lt[r])), `(${R},${V}) row ${r}: ${lw[r]} vs ${lt[r]}`);
      mean += lw[r] / R;
    }
    const d = arena.f32(R * V);
    const loss = wasm.crossEntropy(d, logits, targets, R, V);
    assert.ok(Math.abs(mean - loss) <= (V + 8) * U32 * (1 + Math.abs(loss)), `(${R},${V}) mean of rows ${mean} vs ${loss}`);
    arena.release(mark);
  }
});

test("crossEntropy kernels refuse targets outside the classes and dlogits = logits", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const logits = arena.f32From([1, 2, 3, 4, 5, 6]);
    const d = arena.f32(6);
    for (const bad of [-1, 3]) {
      const targets = arena.i32From([0, bad]);
      assert.throws(
        () => k.crossEntropy(d, logits, targets, 2, 3),
        (e: unknown) => e instanceof KernelIndexError && e.position === 1 && e.value === bad && e.limit === 3,
      );
      assert.ok(d.view.every((v) => v === 0), "wrote before failing");
      assert.throws(() => k.crossEntropyRows(d, logits, targets, 2, 3), KernelIndexError);
    }
    assert.throws(() => k.crossEntropy(logits, logits, arena.i32From([0, 1]), 2, 3), /different buffers/);
    arena.release(mark);
  }
});
