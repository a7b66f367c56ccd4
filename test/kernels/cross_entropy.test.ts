// The fused cross-entropy kernels: crossEntropy (mean loss + dlogits) and crossEntropyRows, the wasm
// backend (float32 SIMD exp, float32 row sums) against the TS reference (float64), on R = 1, 2, 3, 33 and
// V = 1, 3, 5, 27, logits of scale 3 and 50 (a naive exp would overflow), repeated targets; bounds are
// float32 rounding: about V·u in a log-sum-exp, u = 2⁻²⁴. Out-of-range targets are a KernelIndexError,
// but for IGNORE_INDEX (−1), as F.cross_entropy(..., ignore_index=-1): no loss, a zero gradient row, the
// mean over the other n rows. Letters: R rows, V classes, n rows not ignored.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  countTargets, createTsKernels, IGNORE_INDEX, KernelIndexError, wasmKernels, type F32Buf, type I32Buf,
} from "../../src/kernels/index.ts";
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

test("crossEntropy kernels refuse targets outside the classes (but −1) and dlogits = logits", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const logits = arena.f32From([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const d = arena.f32(9);
    const losses = arena.f32(3);
    for (const bad of [-2, 3, 1000, -2147483648, 2147483647]) {
      const targets = arena.i32From([IGNORE_INDEX, 0, bad]);
      const isBad = (e: unknown) => e instanceof KernelIndexError && e.position === 2 && e.value === bad && e.limit === 3;
      assert.throws(() => k.crossEntropy(d, logits, targets, 3, 3), isBad, `${k.name}: target ${bad}`);
      assert.ok(d.view.every((v) => v === 0), "wrote before failing");
      assert.throws(() => k.crossEntropyRows(losses, logits, targets, 3, 3), isBad);
      assert.ok(losses.view.every((v) => v === 0), "wrote before failing");
      assert.throws(() => countTargets(targets, 3, 3), isBad);
    }
    assert.throws(() => k.crossEntropy(logits, logits, arena.i32From([0, 1, 2]), 3, 3), /different buffers/);
    arena.release(mark);
  }
});

/** Targets for R rows of V classes with the rows in `ignored` set to IGNORE_INDEX. */
function targetsWith(R: number, V: number, ignored: (r: number) => boolean): I32Buf {
  return arena.i32From(Array.from({ length: R }, (_, r) => (ignored(r) ? IGNORE_INDEX : (r * 7 + 2) % V)));
}

const IGNORE_PATTERNS: [string, (r: number, R: number) => boolean][] = [
  ["first", (r) => r === 0],
  ["last", (r, R) => r === R - 1],
  ["every third", (r) => r % 3 === 1],
  ["all but one", (r, R) => r !== R >> 1],
];

test("crossEntropy with ignored rows: wasm against the reference, the reference against float64", () => {
  const rand = makeRandom(43);
  for (const [R, V, scale] of CASES) {
    for (const [pattern, ignored] of IGNORE_PATTERNS) {
      const mark = arena.mark();
      const logits = randomBuf(R * V, rand, scale);
      const targets = targetsWith(R, V, (r) => ignored(r, R));
      const y = targets.view;
      const n = countTargets(targets, R, V);
      const where = `(${R},${V}) scale ${scale}, ${pattern} ignored (n = ${n})`;
      assert.equal(n, y.filter((t) => t !== IGNORE_INDEX).length, `${where}: countTargets`);
      const [dw, dt] = [randomBuf(R * V, rand, 1), randomBuf(R * V, rand, 1)]; // garbage to overwrite
      const guard = dw.view.slice(R * V);
      const lw = wasm.crossEntropy(dw, logits, targets, R, V);
      const lt = ts.crossEntropy(dt, logits, targets, R, V);
      assert.deepEqual(Array.from(dw.view.slice(R * V)), Array.from(guard), `${where}: wrote past R·V`);
      if (n === 0) {
        assert.ok(Number.isNaN(lw) && Number.isNaN(lt), `${where}: the loss of no rows is NaN (${lw}, ${lt})`);
      } else {
        assert.ok(Math.abs(lw - lt) <= (V + 8) * U32 * (1 + Math.abs(lt)), `${where}: loss ${lw} vs ${lt}`);
      }
      // float64, straight from the definition: mean over kept rows of −log softmax[y], (p − one_hot)/n
      const x = logits.view;
      let total = 0;
      for (let r = 0; r < R; r++) {
        for (const [name, d] of [["wasm", dw], ["ts", dt]] as const) {
          if (y[r] === IGNORE_INDEX) {
            for (let v = 0; v < V; v++) assert.ok(Object.is(d.view[r * V + v], 0), `${where}: ${name} dlogits row ${r} not 0`);
          }
        }
        if (y[r] === IGNORE_INDEX) continue;
        let z = 0;
        for (let v = 0; v < V; v++) z += Math.exp(x[r * V + v]);
        total += Math.log(z) - x[r * V + y[r]];
        for (let v = 0; v < V; v++) {
          const i = r * V + v;
          const want = (Math.exp(x[i]) / z - (v === y[r] ? 1 : 0)) / n;
          assert.ok(Math.abs(dt.view[i] - want) <= U32 * Math.abs(want) + 1e-12 / n, `${where}: ts dlogits[${i}] ${dt.view[i]} vs ${want}`);
          const bound = (V + 8) * U32 * (Math.abs(dt.view[i]) + 1 / n);
          assert.ok(Math.abs(dw.view[i] - dt.view[i]) <= bound, `${where}: dlogits[${i}] ${dw.view[i]} vs ${dt.view[i]}`);
        }
      }
      if (n > 0) assert.ok(Math.abs(lt - total / n) <= 1e-12 * (1 + Math.abs(lt)), `${where}: ts loss ${lt} vs float64 ${total / n}`);
      arena.release(mark);
    }
  }
});

test("crossEntropy with ignored rows = crossEntropy of the other rows alone, bit for bit", () => {
  const rand = makeRandom(44);
  for (const [R, V, scale] of CASES) {
    for (const [pattern, ignored] of IGNORE_PATTERNS) {
      const mark = arena.mark();
      const logits = randomBuf(R * V, rand, scale);
      const targets = targetsWith(R, V, (r) => ignored(r, R));
      const kept = Array.from({ length: R }, (_, r) => r).filter((r) => targets.view[r] !== IGNORE_INDEX);
      const n = kept.length;
      if (n === 0) {
        arena.release(mark);
        continue;
      }
      const sub = arena.f32(n * V);
      kept.forEach((r, i) => sub.view.set(logits.view.subarray(r * V, r * V + V), i * V));
      const subTargets = arena.i32From(kept.map((r) => targets.view[r]));
      for (const k of [wasm, ts]) {
        const where = `${k.name} (${R},${V}) scale ${scale}, ${pattern} ignored`;
        const [d, dSub] = [arena.f32(R * V), arena.f32(n * V)];
        const [rows, rowsSub] = [randomBuf(R, rand, 1), arena.f32(n)];
        assert.equal(k.crossEntropy(d, logits, targets, R, V), k.crossEntropy(dSub, sub, subTargets, n, V), `${where}: loss`);
        k.crossEntropyRows(rows, logits, targets, R, V);
        k.crossEntropyRows(rowsSub, sub, subTargets, n, V);
        kept.forEach((r, i) => {
          assert.deepEqual(d.view.slice(r * V, r * V + V), dSub.view.slice(i * V, i * V + V), `${where}: dlogits row ${r}`);
          assert.equal(rows.view[r], rowsSub.view[i], `${where}: loss of row ${r}`);
        });
        for (let r = 0; r < R; r++) if (targets.view[r] === IGNORE_INDEX) assert.ok(Object.is(rows.view[r], 0), `${where}: row ${r} not 0`);
      }
      arena.release(mark);
    }
  }
});

test("crossEntropy with every row ignored: NaN loss, zero dlogits and row losses, as PyTorch", () => {
  for (const k of [wasm, ts]) {
    for (const [R, V] of [[1, 1], [3, 5], [33, 27], [0, 4]]) {
      const mark = arena.mark();
      const logits = randomBuf(R * V, makeRandom(45), 3);
      const targets = arena.i32From(new Array(R).fill(IGNORE_INDEX));
      const d = randomBuf(R * V, makeRandom(46), 1);
      const losses = randomBuf(R, makeRandom(47), 1);
      assert.equal(countTargets(targets, R, V), 0);
      assert.ok(Number.isNaN(k.crossEntropy(d, logits, targets, R, V)), `${k.name} (${R},${V}): loss`);
      assert.ok(d.view.subarray(0, R * V).every((v) => Object.is(v, 0)), `${k.name} (${R},${V}): dlogits`);
      k.crossEntropyRows(losses, logits, targets, R, V);
      assert.ok(losses.view.subarray(0, R).every((v) => Object.is(v, 0)), `${k.name} (${R},${V}): losses`);
      arena.release(mark);
    }
  }
});

test("countTargets counts the first R targets that are not IGNORE_INDEX", () => {
  const mark = arena.mark();
  const t = arena.i32From([0, -1, 2, -1, 1, -1, 7]);
  assert.equal(countTargets(t, 0, 3), 0);
  assert.equal(countTargets(t, 1, 3), 1);
  assert.equal(countTargets(t, 4, 3), 2);
  assert.equal(countTargets(t, 6, 3), 3);
  assert.throws(() => countTargets(t, 7, 3), (e: unknown) => e instanceof KernelIndexError && e.position === 6 && e.value === 7);
  assert.equal(countTargets(t, 7, 8), 4);
  assert.throws(() => countTargets(t, 8, 8), /has 7 elements, the sizes given need 8/);
  arena.release(mark);
});
