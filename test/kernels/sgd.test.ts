// The whole-model kernels (src/kernels/ops/sgd.ts, asm/sgd.ts): a fused SGD step over a list of
// parameters equals one axpy per parameter BIT FOR BIT (float32 bit patterns), in each backend and
// across them, on lengths that exercise every loop of the kernel (0, 1, 3, 4, 17, 200, 6000) and on a
// list longer than the wasm module's parameter table; zeroGrads zeroes exactly each gradient; the table
// follows a change of list; bad lists throw before anything is written.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { buf, fillRandom, GUARD, guardKept, makeRandom } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const LENGTHS = [0, 1, 3, 4, 17, 200, 6000];

interface Pair {
  data: F32Buf;
  grad: F32Buf;
}

/** Parameters of the given lengths (values and gradients random, each followed by guards). */
function pairs(lengths: number[], rand: () => number): Pair[] {
  return lengths.map((n) => ({ data: buf(n, rand), grad: buf(n, rand, 0, 0.5) }));
}

/** A copy of `ps` (new buffers, the same values and guards). */
function copy(ps: Pair[]): Pair[] {
  return ps.map((p) => {
    const q = { data: arena.f32(p.data.length), grad: arena.f32(p.grad.length) };
    q.data.view.set(p.data.view);
    q.grad.view.set(p.grad.view);
    return q;
  });
}

const bits = (v: Float32Array) => Array.from(new Uint32Array(v.slice().buffer));

function sameBits(got: Pair[], want: Pair[], what: string): void {
  got.forEach((p, i) => {
    assert.deepEqual(bits(p.data.view), bits(want[i].data.view), `${what}: data of parameter ${i}`);
    assert.deepEqual(bits(p.grad.view), bits(want[i].grad.view), `${what}: grad of parameter ${i}`);
  });
}

/** Parameter lengths as Buffers hold them: n values + GUARD guards. */
const valuesOf = (ps: Pair[]) => ps.map((p) => ({ data: arena.slice(p.data, 0, p.data.length - GUARD), grad: p.grad }));

test("sgd: one call equals axpy(p.data, alpha, p.grad) for each parameter, bit for bit, both backends", () => {
  const rand = makeRandom(5);
  for (const alpha of [Math.fround(-0.1), Math.fround(-0.01), -0.037, 3]) {
    const mark = arena.mark();
    const base = pairs(LENGTHS, rand);
    const results = ([wasm, ts] as Kernels[]).map((k) => {
      const fused = copy(base), single = copy(base);
      // the guards stay outside the parameters: the kernels must not touch them
      const fusedView = valuesOf(fused);
      k.sgd(fusedView, alpha);
      for (const p of valuesOf(single)) k.axpy(p.data, alpha, p.grad);
      sameBits(fused, single, `${k.name} alpha=${alpha}`);
      fused.forEach((p, i) => guardKept(p.data, LENGTHS[i], `${k.name} data ${i}`));
      return fused;
    });
    sameBits(results[0], results[1], `wasm vs ts, alpha=${alpha}`);
    // and the update is the lectures' p += fl32(−lr)·g with two float32 roundings, written out here
    base.forEach((p, i) => {
      const a = Math.fround(alpha);
      for (let e = 0; e < LENGTHS[i]; e++) {
        const want = Math.fround(p.data.view[e] + Math.fround(a * p.grad.view[e]));
        assert.ok(Object.is(results[0][i].data.view[e], want), `parameter ${i}[${e}]: ${results[0][i].data.view[e]}, want ${want}`);
      }
    });
    arena.release(mark);
  }
});

test("sgd over more parameters than the wasm table holds, and after a change of list", () => {
  const rand = makeRandom(9);
  const mark = arena.mark();
  const entries = 300; // more than asm/sgd.ts's table (256 entries)
  const many = pairs(Array.from({ length: entries }, (_, i) => 1 + (i % 7)), rand);
  const few = pairs([5, 200, 3], rand);
  const want = { many: copy(many), few: copy(few) };
  const alpha = Math.fround(-0.1);
  // alternate the lists: each call must update its own parameters, whatever the table held before
  for (let round = 0; round < 2; round++) {
    wasm.sgd(valuesOf(many), alpha);
    for (const p of valuesOf(want.many)) ts.axpy(p.data, alpha, p.grad);
    wasm.sgd(valuesOf(few), alpha);
    for (const p of valuesOf(want.few)) ts.axpy(p.data, alpha, p.grad);
    sameBits(many, want.many, `round ${round}, 300 parameters`);
    sameBits(few, want.few, `round ${round}, 3 parameters`);
  }
  arena.release(mark);
});

test("zeroGrads: each gradient's first data.length values become 0, nothing else changes", () => {
  const rand = makeRandom(13);
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const ps = pairs(LENGTHS, rand);
    const data = ps.map((p) => p.data.view.slice());
    k.zeroGrads(valuesOf(ps));
    ps.forEach((p, i) => {
      for (let e = 0; e < LENGTHS[i]; e++) assert.ok(Object.is(p.grad.view[e], 0), `${k.name}: grad ${i}[${e}] = ${p.grad.view[e]}`);
      guardKept(p.grad, LENGTHS[i], `${k.name} grad ${i}`);
      assert.deepEqual(p.data.view, data[i], `${k.name}: data ${i} untouched`);
    });
    arena.release(mark);
  }
});

test("sgd and zeroGrads allocate nothing", () => {
  const mark = arena.mark();
  const ps = valuesOf(pairs([30, 200], makeRandom(2)));
  const used = arena.bytesUsed;
  for (const k of [wasm, ts]) {
    k.sgd(ps, -0.1);
    k.zeroGrads(ps);
  }
  assert.equal(arena.bytesUsed, used);
  arena.release(mark);
});

test("sgd and zeroGrads refuse a released buffer, a short gradient or (wasm) a buffer of another arena, before writing", () => {
  const rand = makeRandom(21);
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const ok = { data: arena.f32(4), grad: arena.f32(4) };
    fillRandom(ok.data.view, rand);
    fillRandom(ok.grad.view, rand);
    const before = ok.data.view.slice();
    const short = { data: arena.f32(4), grad: arena.f32(3) };
    assert.throws(() => k.sgd([ok, short], -0.1), /sgd: params\[1\]\.grad has 3 elements, the sizes given need 4/);
    assert.throws(() => k.zeroGrads([ok, short]), /zeroGrads: params\[1\]\.grad has 3 elements/);
    assert.deepEqual(ok.data.view, before, `${k.name}: nothing written`);
    const inner = arena.mark();
    const gone = { data: arena.f32(4), grad: arena.f32(4) };
    arena.release(inner);
    assert.throws(() => k.sgd([ok, gone], -0.1), /params\[1\]\.data was released/);
    assert.deepEqual(ok.data.view, before, `${k.name}: nothing written`);
    arena.release(mark);
  }
  const other = createTsKernels().arena;
  const foreign = { data: other.f32(4), grad: other.f32(4) };
  assert.throws(() => wasm.sgd([foreign], -0.1), /params\[0\]\.data is not in the wasm arena/);
});
