// embeddingGather / embeddingScatterAdd on both backends against loops written here: exact (a gather
// copies; a scatter-add adds in row order, one float32 rounding per addition on both backends), with
// repeated indices, widths that exercise the 4-wide body and the 1..3-float tails, gradients that
// accumulate, and out-of-range indices (a KernelIndexError, nothing written).
// Letters: R indices, V table rows, E width.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, KernelIndexError, wasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { fillRandom, makeRandom } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const BACKENDS: Kernels[] = [wasm, createTsKernels(arena)];
const SHAPES = [[1, 27, 10], [3, 5, 1], [33, 5, 3], [96, 27, 10], [7, 27, 27], [2, 3, 4]];

for (const k of BACKENDS) {
  test(`${k.name} embeddingGather: out[r] = table[idx[r]], exactly R·E values`, () => {
    const rand = makeRandom(21);
    for (const [R, V, E] of SHAPES) {
      const mark = arena.mark();
      const table = arena.f32(V * E);
      fillRandom(table.view, rand);
      const idx = arena.i32From(Array.from({ length: R }, (_, r) => (r * 7 + 3) % V)); // repeats when R > V
      const out = arena.f32(R * E + 3);
      out.view.fill(9);
      k.embeddingGather(out, table, idx, R, V, E);
      for (let r = 0; r < R; r++) {
        for (let e = 0; e < E; e++) assert.equal(out.view[r * E + e], table.view[idx.view[r] * E + e], `(${R},${V},${E}) r=${r}`);
      }
      for (let i = R * E; i < R * E + 3; i++) assert.equal(out.view[i], 9, "wrote past R·E");
      arena.release(mark);
    }
  });

  test(`${k.name} embeddingScatterAdd: dtable[idx[r]] += dout[r], repeated rows add up, accumulates`, () => {
    const rand = makeRandom(22);
    for (const [R, V, E] of SHAPES) {
      const mark = arena.mark();
      const dtable = arena.f32(V * E + 3);
      fillRandom(dtable.view, rand);
      const before = dtable.view.slice();
      const dout = arena.f32(R * E);
      fillRandom(dout.view, rand);
      const idx = arena.i32From(Array.from({ length: R }, (_, r) => (r * 5 + 1) % V));
      k.embeddingScatterAdd(dtable, dout, idx, R, V, E);
      const want = before.slice();
      for (let r = 0; r < R; r++) for (let e = 0; e < E; e++) want[idx.view[r] * E + e] += dout.view[r * E + e];
      assert.deepEqual(Array.from(dtable.view), Array.from(want), `(${R},${V},${E})`);
      arena.release(mark);
    }
  });

  test(`${k.name} embedding kernels: the same row three times`, () => {
    const mark = arena.mark();
    const dtable = arena.f32(4 * 2);
    const dout = arena.f32From([1, 2, 10, 20, 100, 200]);
    const idx = arena.i32From([2, 2, 2]);
    k.embeddingScatterAdd(dtable, dout, idx, 3, 4, 2);
    assert.deepEqual(Array.from(dtable.view), [0, 0, 0, 0, 111, 222, 0, 0]);
    arena.release(mark);
  });

  test(`${k.name} embedding kernels refuse indices outside the table and write nothing`, () => {
    for (const bad of [-1, 5, 2 ** 31 - 1]) {
      const mark = arena.mark();
      const table = arena.f32From(Array.from({ length: 5 * 2 }, (_, i) => i));
      const out = arena.f32(3 * 2);
      out.view.fill(7);
      const idx = arena.i32From([0, bad, 1]);
      assert.throws(
        () => k.embeddingGather(out, table, idx, 3, 5, 2),
        (e: unknown) => e instanceof KernelIndexError && e.position === 1 && e.value === bad && e.limit === 5,
      );
      assert.ok(out.view.every((v) => v === 7), "gather wrote before failing");
      const before = table.view.slice();
      assert.throws(() => k.embeddingScatterAdd(table, out, idx, 3, 5, 2), KernelIndexError);
      assert.deepEqual(Array.from(table.view), Array.from(before), "scatter-add wrote before failing");
      assert.throws(() => k.embeddingGather(table, table, idx, 1, 5, 2), /different buffers/);
      arena.release(mark);
    }
  });
}
