// The embedding-bag kernels (src/kernels/ops/embedding_bag.ts, asm/embedding_bag.ts): EmbeddingBag(mode
// "sum") with bags of K indices and its scatter-add. The TS reference against float64 sums written here
// (to K float32 roundings); the two backends against each other bit for bit (both add in float32 in the
// same order), on odd shapes (widths off the 16- and 4-float blocks, K = 1, indices repeated within and
// across bags) and makemore.py's MLP shape as src/nn/context_linear.ts uses it (R 512 rows, K 16 slots,
// V 28·16 rows of P, E 64, index ctx·16 + k); out starting as NaN (every element written), guards past the
// end; the index check (a KernelIndexError naming the flat position and value, nothing written); the
// argument checks. Letters: R bags, K indices per bag, V table rows, E width. U = 2⁻²⁴.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena, createTsKernels, KernelIndexError, wasmKernels, type I32Buf } from "../../src/kernels/index.ts";
import { bufOf, fillRandom, guardKept, makeRandom, nans, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
/** [R, K, V, E] */
const SHAPES = [[1, 1, 1, 1], [3, 2, 5, 3], [7, 4, 6, 17], [5, 16, 9, 33], [2, 3, 4, 64], [9, 5, 30, 20], [4, 1, 3, 5]];

/** R·K indices in 0..V−1 with repeats inside bags and across them. */
function indices(R: number, K: number, V: number, seed: number): I32Buf {
  const rand = makeRandom(seed);
  return arena.i32From(Array.from({ length: R * K }, (_, i) => (i % 5 === 4 ? 0 : Math.floor(((rand() + 1) / 2) * V) % V)));
}

/** makemore.py's MLP through src/nn/context_linear.ts: bag r = (b,t), slot k, index ctx[b,t,k]·T + k. */
function contextIndices(B: number, T: number, V1: number, seed: number): I32Buf {
  const rand = makeRandom(seed);
  const tok = Array.from({ length: B * T }, () => Math.floor(((rand() + 1) / 2) * (V1 - 1)) % (V1 - 1));
  const idx: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let k = 0; k < T; k++) {
    const s = t - k; // slot k holds the token k positions back (makemore.py's torch.roll), the blank V1 − 1 before the word
    idx.push((s >= 0 ? tok[b * T + s] : V1 - 1) * T + k);
  }
  return arena.i32From(idx);
}

const ALL_SHAPES = [...SHAPES.map((s) => ({ shape: s, idx: (seed: number) => indices(s[0], s[1], s[2], seed) })), {
  shape: [32 * 16, 16, 28 * 16, 64],
  idx: (seed: number) => contextIndices(32, 16, 28, seed),
}];

test("embeddingBagSum: both backends bit for bit, and within K roundings of the float64 sum", () => {
  const rand = makeRandom(71);
  for (const { shape: [R, K, V, E], idx: makeIdx } of ALL_SHAPES) {
    const mark = arena.mark();
    const table = arena.f32(V * E);
    fillRandom(table.view, rand);
    const idx = makeIdx(R + K);
    const outW = nans(R * E), outT = nans(R * E);
    wasm.embeddingBagSum(outW, table, idx, R, K, V, E);
    ts.embeddingBagSum(outT, table, idx, R, K, V, E);
    guardKept(outW, R * E, "wasm out");
    guardKept(outT, R * E, "ts out");
    assert.deepEqual(outW.view.subarray(0, R * E), outT.view.subarray(0, R * E), `(${R},${K},${V},${E})`);
    for (let r = 0; r < R; r++) for (let e = 0; e < E; e++) {
      let want = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const v = table.view[idx.view[r * K + k] * E + e];
        want += v;
        mag += Math.abs(v);
      }
      const got = outT.view[r * E + e];
      if (!(Math.abs(got - want) <= K * U32 * mag)) assert.fail(`(${R},${K},${V},${E}) out[${r},${e}] = ${got}, want ${want}`);
    }
    arena.release(mark);
  }
});

test("embeddingBagScatterAdd: both backends bit for bit, and within the float64 sums of each row's contributions", () => {
  const rand = makeRandom(72);
  for (const { shape: [R, K, V, E], idx: makeIdx } of ALL_SHAPES) {
    const mark = arena.mark();
    const dout = arena.f32(R * E);
    fillRandom(dout.view, rand);
    const idx = makeIdx(R * 3 + K);
    const start = Float32Array.from({ length: V * E }, () => rand());
    const dW = bufOf(new Float32Array(V * E)), dT = bufOf(new Float32Array(V * E));
    dW.view.set(start);
    dT.view.set(start);
    wasm.embeddingBagScatterAdd(dW, dout, idx, R, K, V, E);
    ts.embeddingBagScatterAdd(dT, dout, idx, R, K, V, E);
    guardKept(dW, V * E, "wasm dtable");
    assert.deepEqual(dW.view.subarray(0, V * E), dT.view.subarray(0, V * E), `(${R},${K},${V},${E})`);
    const want = Float64Array.from(start), mag = Float64Array.from(start, Math.abs), count = new Float64Array(V);
    for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) {
      const v = idx.view[r * K + k];
      count[v]++;
      for (let e = 0; e < E; e++) {
        want[v * E + e] += dout.view[r * E + e];
        mag[v * E + e] += Math.abs(dout.view[r * E + e]);
      }
    }
    for (let i = 0; i < V * E; i++) {
      const bound = count[Math.floor(i / E)] * U32 * mag[i];
      if (!(Math.abs(dT.view[i] - want[i]) <= bound)) assert.fail(`(${R},${K},${V},${E}) dtable[${i}] = ${dT.view[i]}, want ${want[i]}`);
    }
    arena.release(mark);
  }
});

test("embedding bag: one bag of the same row three times, K = 0, R = 0", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const table = arena.f32From([1, 2, 10, 20, 100, 200]); // (3, 2)
    const out = arena.f32(2);
    k.embeddingBagSum(out, table, arena.i32From([1, 1, 1]), 1, 3, 3, 2);
    assert.deepEqual(Array.from(out.view), [30, 60], `${k.name} sum`);
    const dtable = arena.f32(6);
    k.embeddingBagScatterAdd(dtable, arena.f32From([1, 2]), arena.i32From([2, 0, 2]), 1, 3, 3, 2);
    assert.deepEqual(Array.from(dtable.view), [1, 2, 0, 0, 2, 4], `${k.name} scatter-add`);
    const empty = arena.f32From([5, 5, 5, 5]);
    k.embeddingBagSum(empty, table, arena.i32(0), 2, 0, 3, 2); // bags of no rows: +0
    assert.deepEqual(Array.from(empty.view), [0, 0, 0, 0], `${k.name} K = 0`);
    k.embeddingBagScatterAdd(dtable, empty, arena.i32(0), 0, 4, 3, 2); // nothing
    assert.deepEqual(Array.from(dtable.view), [1, 2, 0, 0, 2, 4], `${k.name} R = 0`);
    arena.release(mark);
  }
});

test("embedding bag refuses indices outside the table, naming the flat position, and writes nothing", () => {
  for (const k of [wasm, ts]) {
    for (const bad of [-1, 4, 2 ** 31 - 1]) {
      const mark = arena.mark();
      const table = arena.f32From(Array.from({ length: 4 * 3 }, (_, i) => i));
      const out = arena.f32(2 * 3);
      out.view.fill(7);
      const idx = arena.i32From([0, 1, 2, 3, bad, 1]); // R 2, K 3: position 4 is bag 1, slot 1
      assert.throws(
        () => k.embeddingBagSum(out, table, idx, 2, 3, 4, 3),
        (e: unknown) =>
          e instanceof KernelIndexError && e.position === 4 && e.value === bad && e.limit === 4 &&
          e.message === `embeddingBagSum: idx[4] = ${bad} is outside 0..3`,
      );
      assert.ok(out.view.every((v) => v === 7), `${k.name}: the sum wrote before failing`);
      const before = table.view.slice();
      assert.throws(() => k.embeddingBagScatterAdd(table, out, idx, 2, 3, 4, 3), /embeddingBagScatterAdd: idx\[4\]/);
      assert.deepEqual(Array.from(table.view), Array.from(before), `${k.name}: the scatter-add wrote before failing`);
      arena.release(mark);
    }
  }
});

test("embedding bag: argument checks", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const table = arena.f32(4 * 3), out = arena.f32(2 * 3), idx = arena.i32From([0, 1, 2, 3, 0, 1]);
    assert.throws(() => k.embeddingBagSum(out, table, idx, 2, 3, 5, 3), /embeddingBagSum: table has 12 elements, the sizes given need 15/);
    assert.throws(() => k.embeddingBagSum(arena.f32(5), table, idx, 2, 3, 4, 3), /out has 5 elements/);
    assert.throws(() => k.embeddingBagSum(out, table, idx, 3, 3, 4, 2), /idx has 6 elements, the sizes given need 9/);
    assert.throws(() => k.embeddingBagSum(table, table, idx, 2, 3, 4, 3), /table and out must be different buffers/);
    assert.throws(() => k.embeddingBagSum(out, table, idx, 2, 1.5, 4, 3), /K must be a non-negative integer/);
    assert.throws(() => k.embeddingBagScatterAdd(table, out, idx, 2, 3, -4, 3), /V must be a non-negative integer/);
    assert.throws(() => k.embeddingBagScatterAdd(table, table, idx, 2, 3, 4, 3), /dtable and dout must be different buffers/);
    arena.release(mark);
  }
  const other = new Arena().f32(6);
  assert.throws(() => wasm.embeddingBagSum(other, arena.f32(12), arena.i32(6), 2, 3, 4, 3), /not in the wasm arena/);
});
