// The activation kernels (src/kernels/ops/activations.ts, asm/activations.ts): GELU (tanh approximation),
// sigmoid, their backwards, and mul. The TS reference against float64 computations written here in
// another form (GELU as 0.5·x·(1 + tanh(u)), sigmoid as 0.5·(1 + tanh(x/2))) and the backwards against
// float64 central differences; the wasm backend against the TS reference over a sweep, random values,
// special values (±0, ±Infinity, NaN, huge), odd lengths (partial lanes) and the zoo's GELU size (512·256);
// sigmoidBackward and mul bit for bit (the same float32 operations in both backends); overwrite and
// accumulate, in place, n shorter than the buffer, the argument checks. U = 2⁻²⁴.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels } from "../../src/kernels/index.ts";
import { bufOf, fillRandom, guardKept, makeRandom, near, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const K = Math.sqrt(2 / Math.PI);

/** GELU's tanh approximation as the formula reads (float64). */
const gelu64 = (x: number) => 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x ** 3)));
/** The logistic function as 0.5·(1 + tanh(x/2)) (float64). */
const sigmoid64 = (x: number) => 0.5 * (1 + Math.tanh(x / 2));

/** Central difference of f at x (float64). */
function derivative(f: (x: number) => number, x: number): number {
  const h = 1e-5 * Math.max(1, Math.abs(x));
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Inputs: a dense sweep of [-lim, lim], random values, and the special ones. */
function inputs(n: number, lim: number, seed: number): number[] {
  const rand = makeRandom(seed);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(-lim + (2 * lim * i) / (n - 1));
  for (let i = 0; i < n; i++) xs.push(lim * rand());
  return xs;
}
const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-45, 16, -16, 16.5, -16.5, 20, -20, 1e3, -1e3, 3e38, -3e38, Infinity, -Infinity];

test("gelu and geluBackward (TS reference): against 0.5·x·(1 + tanh(u)) and its central differences, float64", () => {
  const mark = arena.mark();
  const xs = inputs(2001, 8, 21);
  const x = bufOf(xs), y = bufOf(xs.map(() => 0)), dy = bufOf(xs.map((_, i) => 0.5 + (i % 7) / 7)), dx = bufOf(xs.map(() => 0));
  const n = xs.length;
  ts.gelu(y, x, n);
  ts.geluBackward(dx, x, dy, n);
  for (let i = 0; i < n; i++) {
    const v = x.view[i];
    // the literal formula cancels in 1 + tanh(u) for negative x: ~1e-16 absolute error in float64
    const want = gelu64(v);
    assert.ok(Math.abs(y.view[i] - want) <= U32 * Math.abs(want) + 1e-15 * Math.abs(v) + 1e-300, `gelu(${v}) = ${y.view[i]}, want ${want}`);
    const g = derivative(gelu64, v) * dy.view[i];
    assert.ok(Math.abs(dx.view[i] - g) <= U32 * Math.abs(g) + 1e-8, `gelu'(${v})·dy = ${dx.view[i]}, want ${g}`);
  }
  guardKept(y, n, "gelu y");
  guardKept(dx, n, "geluBackward dx");
  arena.release(mark);
});

test("sigmoid and sigmoidBackward (TS reference): against 0.5·(1 + tanh(x/2)) and its central differences, float64", () => {
  const mark = arena.mark();
  const xs = inputs(2001, 12, 22);
  const n = xs.length;
  const x = bufOf(xs), y = bufOf(xs.map(() => 0)), dy = bufOf(xs.map((_, i) => 1 - (i % 5) / 5)), dx = bufOf(xs.map(() => 0));
  ts.sigmoid(y, x, n);
  ts.sigmoidBackward(dx, y, dy, n);
  for (let i = 0; i < n; i++) {
    const v = x.view[i];
    const want = sigmoid64(v);
    // 0.5·(1 + tanh(x/2)) itself cancels for negative x (~1e-16 absolute)
    assert.ok(Math.abs(y.view[i] - want) <= U32 * want + 2e-16, `sigmoid(${v}) = ${y.view[i]}, want ${want}`);
    const g = derivative(sigmoid64, v) * dy.view[i];
    // the backward sees y rounded to float32 (U·y absolute), then three float32 roundings
    near(dx.view[i], g, 4 * U32 * Math.abs(g) + 2 * U32 * Math.abs(dy.view[i]) * y.view[i] + 1e-9, `sigmoid'(${v})·dy`);
  }
  guardKept(y, n, "sigmoid y");
  guardKept(dx, n, "sigmoidBackward dx");
  arena.release(mark);
});

test("gelu and geluBackward: wasm against the TS reference (sweep, random, special values, odd lengths, zoo size)", () => {
  const xs = [...inputs(4001, 20, 23), ...SPECIAL];
  const rand = makeRandom(24);
  for (const n of [1, 2, 3, 5, 7, 13, xs.length, 512 * 256]) {
    for (const accumulate of [false, true]) {
      const mark = arena.mark();
      const vals = n <= xs.length ? xs.slice(0, n) : Array.from({ length: n }, () => 4 * rand());
      const x = bufOf(vals);
      const dy = bufOf(vals.map(() => rand()));
      const dx0 = vals.map(() => rand());
      const yw = bufOf(vals.map(() => 0)), yt = bufOf(vals.map(() => 0));
      const dxw = bufOf(dx0), dxt = bufOf(dx0);
      wasm.gelu(yw, x, n);
      ts.gelu(yt, x, n);
      wasm.geluBackward(dxw, x, dy, n, accumulate);
      ts.geluBackward(dxt, x, dy, n, accumulate);
      guardKept(yw, n, "wasm gelu y");
      guardKept(dxw, n, "wasm geluBackward dx");
      for (let i = 0; i < n; i++) {
        const v = x.view[i];
        const where = `x = ${v} (n ${n}, accumulate ${accumulate})`;
        if (Number.isNaN(v)) continue;
        // float32 evaluation of exp(−2u): its argument's ~4 roundings are amplified by |2u|·(1 − σ)
        const u = Math.min(Math.abs(K * (v + 0.044715 * v ** 3)), 1e6);
        const cond = 8 + 8 * u;
        const by = cond * U32 * Math.abs(yt.view[i]) + 1e-30;
        if (!Object.is(yw.view[i], yt.view[i])) near(yw.view[i], yt.view[i], by, `gelu ${where}, wasm vs ts`);
        if (!Number.isFinite(v)) continue;
        const e = Math.exp(-2 * K * (v + 0.044715 * v ** 3));
        const s = 1 / (1 + e), s1 = 1 / (2 + e + 1 / e);
        const mag = (s + Math.abs(v * s1 * 2 * K * (1 + 3 * 0.044715 * v * v))) * Math.abs(dy.view[i]);
        const bd = cond * U32 * mag + (accumulate ? 2 * U32 * Math.abs(dxt.view[i]) : 0) + 1e-30;
        assert.ok(Math.abs(dxw.view[i] - dxt.view[i]) <= bd, `geluBackward ${where}: wasm ${dxw.view[i]}, ts ${dxt.view[i]} (bound ${bd})`);
      }
      arena.release(mark);
    }
  }
  // the special values come out as the formula says
  const mark = arena.mark();
  const x = bufOf([0, -0, Infinity, -20, 20, NaN, -1e3, 1e3]), y = bufOf([0, 0, 0, 0, 0, 0, 0, 0]);
  const dy = bufOf([1, 1, 1, 1, 1, 1, 1, 1]), dx = bufOf([0, 0, 0, 0, 0, 0, 0, 0]);
  for (const k of [wasm, ts]) {
    k.gelu(y, x, 8);
    assert.deepEqual(Array.from(y.view.subarray(0, 8)), [0, -0, Infinity, -0, 20, NaN, -0, 1e3], `${k.name} gelu specials`);
    k.geluBackward(dx, x, dy, 8);
    const got = Array.from(dx.view.subarray(0, 8)).map((v) => v + 0); // −0 as 0
    assert.deepEqual(got, [0.5, 0.5, 1, 0, 1, NaN, 0, 1], `${k.name} geluBackward specials`);
  }
  arena.release(mark);
});

test("sigmoid: wasm against the TS reference to 4 ulp-relative; sigmoidBackward and mul bit for bit", () => {
  const xs = [...inputs(4001, 100, 25), ...SPECIAL, NaN];
  const rand = makeRandom(26);
  for (const n of [1, 2, 3, 6, 11, xs.length]) {
    for (const accumulate of [false, true]) {
      const mark = arena.mark();
      const vals = xs.slice(xs.length - n);
      const x = bufOf(vals), yw = bufOf(vals.map(() => 0)), yt = bufOf(vals.map(() => 0));
      wasm.sigmoid(yw, x, n);
      ts.sigmoid(yt, x, n);
      guardKept(yw, n, "wasm sigmoid y");
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(x.view[i])) {
          assert.ok(Number.isNaN(yw.view[i]) && Number.isNaN(yt.view[i]), "sigmoid(NaN) is NaN");
          continue;
        }
        // exp(−x) overflows to +Infinity below x ≈ −88.7, where sigmoid(x) < 3e-39 becomes 0
        const bound = 4 * U32 * yt.view[i] + 1e-37;
        assert.ok(Math.abs(yw.view[i] - yt.view[i]) <= bound, `sigmoid(${x.view[i]}): wasm ${yw.view[i]}, ts ${yt.view[i]}`);
      }
      const dy = bufOf(vals.map(() => rand())), dx0 = vals.map(() => rand());
      const dxw = bufOf(dx0), dxt = bufOf(dx0);
      wasm.sigmoidBackward(dxw, yt, dy, n, accumulate);
      ts.sigmoidBackward(dxt, yt, dy, n, accumulate);
      guardKept(dxw, n, "wasm sigmoidBackward dx");
      assert.deepEqual(dxw.view.subarray(0, n), dxt.view.subarray(0, n), `sigmoidBackward n ${n} accumulate ${accumulate}`);
      const a = bufOf(vals.map(() => 3 * rand())), mw = bufOf(dx0), mt = bufOf(dx0);
      wasm.mul(mw, a, dy, n, accumulate);
      ts.mul(mt, a, dy, n, accumulate);
      guardKept(mw, n, "wasm mul");
      assert.deepEqual(mw.view.subarray(0, n), mt.view.subarray(0, n), `mul n ${n} accumulate ${accumulate}`);
      for (let i = 0; i < n; i++) {
        const p = Math.fround(a.view[i] * dy.view[i]);
        assert.equal(mw.view[i], accumulate ? Math.fround(Math.fround(dx0[i]) + p) : p, `mul[${i}]`);
      }
      arena.release(mark);
    }
  }
});

test("activations: in place, n defaults to the buffer's length, overwrite vs accumulate", () => {
  const rand = makeRandom(27);
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const n = 37;
    const x = arena.f32(n);
    fillRandom(x.view, rand);
    const y = arena.f32(n), z = arena.f32From(x.view);
    k.gelu(y, x);
    k.gelu(z, z); // in place
    assert.deepEqual(z.view, y.view, `${k.name} gelu in place`);
    k.sigmoid(y, x);
    z.view.set(x.view);
    k.sigmoid(z, z);
    assert.deepEqual(z.view, y.view, `${k.name} sigmoid in place`);
    const dy = arena.f32(n);
    fillRandom(dy.view, rand);
    const g = arena.f32(n), g2 = arena.f32(n);
    k.geluBackward(g, x, dy); // the gradient, from any prior contents
    g2.view.fill(0.25);
    k.geluBackward(g2, x, dy, n, true);
    for (let i = 0; i < n; i++) assert.equal(g2.view[i], Math.fround(0.25 + g.view[i]), `${k.name} geluBackward accumulate [${i}]`);
    g2.view.fill(7);
    k.geluBackward(g2, x, dy, n, false);
    assert.deepEqual(g2.view, g.view, `${k.name} geluBackward overwrite`);
    const a = arena.f32From(x.view);
    k.mul(a, a, dy); // out aliasing a
    for (let i = 0; i < n; i++) assert.equal(a.view[i], Math.fround(x.view[i] * dy.view[i]), `${k.name} mul in place [${i}]`);
    arena.release(mark);
  }
});

test("activations: argument checks", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const a = arena.f32(8), b = arena.f32(7);
    assert.throws(() => k.gelu(b, a), /gelu: y has 7 elements, the sizes given need 8/);
    assert.throws(() => k.geluBackward(a, a, b), /geluBackward: dy has 7 elements/);
    assert.throws(() => k.sigmoid(a, b, 8), /sigmoid: x has 7 elements/);
    assert.throws(() => k.sigmoidBackward(b, a, a), /sigmoidBackward: dx has 7 elements/);
    assert.throws(() => k.mul(a, a, b), /mul: b has 7 elements/);
    assert.throws(() => k.gelu(a, a, -1), /need -1/);
    arena.release(mark);
  }
});
