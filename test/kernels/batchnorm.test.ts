// The fused BatchNorm kernels (training forward, eval forward, backward): the wasm backend against the
// TS reference (src/kernels/ops/batchnorm.ts, float64), and the training statistics against a float64
// computation written here, on odd shapes (R = 2, 3, 33; H = 1, 3, 27, 200), both variance modes and
// fixed statistics, and the backward's `accumulate` (dX += the gradient). Statistics: ≤ 1 float32 ulp. Elementwise outputs and sums: float32 error bounds
// (u = 2⁻²⁴ per operation, R·u for a float32 sum over the rows). Guards after each output catch writes
// past R·H. Letters: R rows, H features.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type BatchNormStats, type F32Buf } from "../../src/kernels/index.ts";
import { makeRandom, U32, ulps } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const SHAPES: [number, number][] = [];
for (const R of [2, 3, 33]) for (const H of [1, 3, 27, 200]) SHAPES.push([R, H]);
const GUARD = 3;
const EPS = 1e-5;

/** A buffer of n values offset + scale·U[-1, 1), then GUARD guard values. */
function buf(n: number, rand: () => number, offset = 0, scale = 1): F32Buf {
  const b = arena.f32(n + GUARD);
  for (let i = 0; i < n + GUARD; i++) b.view[i] = offset + scale * rand();
  return b;
}

function close(got: F32Buf, want: F32Buf, n: number, bound: (i: number) => number, what: string): void {
  for (let i = 0; i < n; i++) {
    const d = Math.abs(got.view[i] - want.view[i]);
    if (!(d <= bound(i))) assert.fail(`${what}[${i}]: wasm ${got.view[i]}, ts ${want.view[i]} (bound ${bound(i)})`);
  }
}

function guardKept(b: F32Buf, n: number, before: Float32Array, what: string): void {
  for (let i = n; i < n + GUARD; i++) assert.equal(b.view[i], before[i], `${what}: wrote element ${i} past ${n}`);
}

test("batchNormTrain: statistics to 1 ulp of float64, bnraw and out to float32 rounding, both variance modes", () => {
  const rand = makeRandom(31);
  for (const [R, H] of SHAPES) {
    for (const unbiased of [true, false]) {
      const mark = arena.mark();
      const X = buf(R * H, rand, 3, 2); // a mean far from 0, as hprebn has
      const g = buf(H, rand, 1, 0.2);
      const b = buf(H, rand, 0, 0.3);
      const outs = [wasm, ts].map((k) => {
        const o = { out: buf(R * H, rand), raw: buf(R * H, rand), mean: buf(H, rand), v: buf(H, rand), inv: buf(H, rand) };
        const before = [o.out, o.raw, o.mean, o.v, o.inv].map((x) => x.view.slice());
        k.batchNormTrain(o.out, o.raw, o.mean, o.v, o.inv, X, g, b, R, H, EPS, unbiased);
        guardKept(o.out, R * H, before[0], "out");
        guardKept(o.raw, R * H, before[1], "bnraw");
        guardKept(o.mean, H, before[2], "mean");
        guardKept(o.v, H, before[3], "variance");
        guardKept(o.inv, H, before[4], "invstd");
        return o;
      });
      const [w, t] = outs;
      const where = `(${R},${H}) unbiased=${unbiased}`;
      const x = X.view;
      for (let j = 0; j < H; j++) {
        // float64 reference: the exact mean, the variance around it
        let s = 0;
        for (let r = 0; r < R; r++) s += x[r * H + j];
        const mean = s / R;
        let q = 0;
        for (let r = 0; r < R; r++) q += (x[r * H + j] - mean) ** 2;
        const inv = 1 / Math.sqrt(q / (unbiased ? R - 1 : R) + EPS);
        assert.ok(ulps(w.mean.view[j], Math.fround(mean)) <= 1, `${where} mean[${j}] ${w.mean.view[j]} vs ${mean}`);
        assert.ok(ulps(w.v.view[j], Math.fround(q / (R - 1))) <= 1, `${where} var[${j}] ${w.v.view[j]} vs ${q / (R - 1)}`);
        assert.ok(ulps(w.inv.view[j], Math.fround(inv)) <= 1, `${where} inv[${j}] ${w.inv.view[j]} vs ${inv}`);
        assert.ok(ulps(w.mean.view[j], t.mean.view[j]) <= 1 && ulps(w.v.view[j], t.v.view[j]) <= 1 && ulps(w.inv.view[j], t.inv.view[j]) <= 1);
      }
      close(w.raw, t.raw, R * H, (i) => 3 * U32 * Math.abs(t.raw.view[i]) + 1e-30, `${where} bnraw`);
      close(w.out, t.out, R * H, (i) => 4 * U32 * (Math.abs(g.view[i % H] * t.raw.view[i]) + Math.abs(b.view[i % H])) + 1e-30, `${where} out`);
      arena.release(mark);
    }
  }
});

test("batchNormEval: out = gain·(x − mean)·inv + bias with given statistics", () => {
  const rand = makeRandom(32);
  for (const [R, H] of [...SHAPES, [1, 5] as [number, number]]) {
    const mark = arena.mark();
    const X = buf(R * H, rand, 1, 2);
    const g = buf(H, rand, 1, 0.2);
    const b = buf(H, rand);
    const mean = buf(H, rand);
    const inv = buf(H, rand, 2, 1);
    const [w, t] = [wasm, ts].map((k) => {
      const o = { out: buf(R * H, rand), raw: buf(R * H, rand) };
      const before = o.out.view.slice();
      k.batchNormEval(o.out, o.raw, X, g, b, mean, inv, R, H);
      guardKept(o.out, R * H, before, "out");
      return o;
    });
    close(w.raw, t.raw, R * H, (i) => 3 * U32 * Math.abs(t.raw.view[i]) + 1e-30, `(${R},${H}) bnraw`);
    close(w.out, t.out, R * H, (i) => 4 * U32 * (Math.abs(g.view[i % H] * t.raw.view[i]) + Math.abs(b.view[i % H])) + 1e-30, `(${R},${H}) out`);
    arena.release(mark);
  }
});

test("batchNormBackward: dX, and dgain/dbias accumulate, for batch (unbiased, biased) and fixed statistics", () => {
  const rand = makeRandom(33);
  for (const [R, H] of SHAPES) {
    for (const stats of ["batch-unbiased", "batch-biased", "fixed"] as BatchNormStats[]) {
      const mark = arena.mark();
      const dout = buf(R * H, rand);
      const raw = buf(R * H, rand, 0, 1.5);
      const g = buf(H, rand, 1, 0.2);
      const inv = buf(H, rand, 1.5, 1);
      const dg0 = buf(H, rand);
      const db0 = buf(H, rand);
      const [w, t] = [wasm, ts].map((k) => {
        const o = { dx: buf(R * H, rand), dg: arena.f32From(dg0.view), db: arena.f32From(db0.view) };
        const before = o.dx.view.slice();
        k.batchNormBackward(o.dx, o.dg, o.db, dout, raw, g, inv, R, H, stats);
        guardKept(o.dx, R * H, before, "dX");
        guardKept(o.dg, H, dg0.view, "dgain");
        guardKept(o.db, H, db0.view, "dbias");
        return o;
      });
      const where = `(${R},${H}) ${stats}`;
      const d = dout.view, rw = raw.view;
      const S1 = new Float64Array(H); // Σ_r |dout|
      const S2 = new Float64Array(H); // Σ_r |dout·raw|
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < H; j++) {
          S1[j] += Math.abs(d[r * H + j]);
          S2[j] += Math.abs(d[r * H + j] * rw[r * H + j]);
        }
      }
      const sumU = (R + 4) * U32;
      close(w.dg, t.dg, H, (j) => sumU * (Math.abs(dg0.view[j]) + S2[j]) + 1e-30, `${where} dgain`);
      close(w.db, t.db, H, (j) => sumU * (Math.abs(db0.view[j]) + S1[j]) + 1e-30, `${where} dbias`);
      const c = stats === "batch-unbiased" ? R / (R - 1) : 1;
      close(w.dx, t.dx, R * H, (i) => {
        const j = i % H;
        const gi = Math.abs(g.view[j] * inv.view[j]);
        if (stats === "fixed") return 3 * U32 * gi * Math.abs(d[i]) + 1e-30;
        return sumU * 2 * (gi / R) * (R * Math.abs(d[i]) + S1[j] + c * Math.abs(rw[i]) * S2[j]) + 1e-30;
      }, `${where} dX`);
      arena.release(mark);
    }
  }
});

test("batchNormBackward accumulate: dX = fl32(dX₀ + the overwritten gradient), bit for bit, both backends", () => {
  const rand = makeRandom(34);
  for (const [R, H] of SHAPES) {
    for (const stats of ["batch-unbiased", "batch-biased", "fixed"] as BatchNormStats[]) {
      const mark = arena.mark();
      const dout = buf(R * H, rand);
      const raw = buf(R * H, rand, 0, 1.5);
      const g = buf(H, rand, 1, 0.2);
      const inv = buf(H, rand, 1.5, 1);
      const dx0 = buf(R * H, rand, 0, 4);
      const where = `(${R},${H}) ${stats}`;
      const results = [wasm, ts].map((k) => {
        const run = (dx: F32Buf, accumulate?: boolean) => {
          const dg = arena.f32(H);
          const db = arena.f32(H);
          if (accumulate === undefined) k.batchNormBackward(dx, dg, db, dout, raw, g, inv, R, H, stats);
          else k.batchNormBackward(dx, dg, db, dout, raw, g, inv, R, H, stats, accumulate);
          return { dx, dg, db };
        };
        const nan = () => {
          const b = arena.f32(R * H + GUARD);
          b.view.fill(NaN, 0, R * H);
          return b;
        };
        const over = run(nan(), false); // overwrites: the NaNs before must not show through
        const byDefault = run(nan());
        const acc = run(arena.f32From(dx0.view), true);
        const w = `${k.name} ${where}`;
        assert.ok(over.dx.view.subarray(0, R * H).every((v) => !Number.isNaN(v)), `${w}: accumulate=false read dX`);
        assert.deepEqual(byDefault.dx.view, over.dx.view, `${w}: the default is accumulate=false`);
        for (let i = 0; i < R * H; i++) {
          const want = Math.fround(dx0.view[i] + over.dx.view[i]);
          if (!Object.is(acc.dx.view[i], want)) assert.fail(`${w}: dX[${i}] ${acc.dx.view[i]}, want ${dx0.view[i]} + ${over.dx.view[i]} = ${want}`);
        }
        guardKept(acc.dx, R * H, dx0.view, `${w} dX`);
        assert.deepEqual(acc.dg.view, over.dg.view, `${w}: dgain does not depend on accumulate`);
        assert.deepEqual(acc.db.view, over.db.view, `${w}: dbias does not depend on accumulate`);
        return acc;
      });
      // the reference's accumulated dX against float64 straight from the formula, wasm against the reference
      const [w, t] = results;
      const d = dout.view, rw = raw.view;
      const c = stats === "batch-unbiased" ? R / (R - 1) : 1;
      for (let j = 0; j < H; j++) {
        let sd = 0, sr = 0, a1 = 0, a2 = 0;
        for (let r = 0; r < R; r++) {
          sd += d[r * H + j];
          sr += d[r * H + j] * rw[r * H + j];
          a1 += Math.abs(d[r * H + j]);
          a2 += Math.abs(d[r * H + j] * rw[r * H + j]);
        }
        const gi = g.view[j] * inv.view[j];
        for (let r = 0; r < R; r++) {
          const i = r * H + j;
          const grad = stats === "fixed" ? gi * d[i] : (gi / R) * (R * d[i] - sd - c * rw[i] * sr);
          const mag = stats === "fixed" ? Math.abs(gi * d[i]) : (Math.abs(gi) / R) * (R * Math.abs(d[i]) + a1 + c * Math.abs(rw[i]) * a2);
          const want = dx0.view[i] + grad;
          const tb = 2 * U32 * (Math.abs(dx0.view[i]) + mag) + 1e-30;
          if (!(Math.abs(t.dx.view[i] - want) <= tb)) assert.fail(`${where}: ts dX[${i}] ${t.dx.view[i]} vs float64 ${want}`);
          const wb = 2 * U32 * Math.abs(dx0.view[i]) + (R + 4) * 2 * U32 * mag + 1e-30;
          if (!(Math.abs(w.dx.view[i] - t.dx.view[i]) <= wb)) assert.fail(`${where}: wasm dX[${i}] ${w.dx.view[i]} vs ts ${t.dx.view[i]}`);
        }
      }
      arena.release(mark);
    }
  }
});

test("batchNorm kernels refuse batches of 1 in training, aliased outputs and short buffers", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const [X, out, raw, m, v, inv, g, b] = [6, 6, 6, 3, 3, 3, 3, 3].map((n) => arena.f32(n));
    assert.throws(() => k.batchNormTrain(out, raw, m, v, inv, X, g, b, 1, 3, EPS, true), /R ≥ 2/);
    assert.throws(() => k.batchNormTrain(out, out, m, v, inv, X, g, b, 2, 3, EPS, true), /different buffers/);
    assert.throws(() => k.batchNormTrain(out, raw, m, v, inv, X, g, b, 3, 3, EPS, true), /has 6 elements, the sizes given need 9/);
    assert.throws(() => k.batchNormBackward(out, m, v, out, raw, g, inv, 2, 3, "fixed"), /different buffers/);
    arena.release(mark);
  }
});

test("batchNormTrain with running estimates: the layer's old JS update bit for bit, the rest of the call unchanged", () => {
  // The formula BatchNorm1d applied in JS after the kernel, before the kernel took it over (PyTorch's
  // roundings): running = fl32(fl32(keep·running) + fl32(m·stat)), keep = fl32(1 − momentum), m = fl32(momentum).
  const rand = makeRandom(47);
  for (const [R, H] of SHAPES) {
    for (const momentum of [0.001, 0.1, 0.3, 0, 1]) {
      const mark = arena.mark();
      const X = buf(R * H, rand, 3, 2);
      const g = buf(H, rand, 1, 0.2);
      const b = buf(H, rand, 0, 0.3);
      const rm0 = buf(H, rand, 2, 1); // running estimates some steps into a run
      const rv0 = buf(H, rand, 3, 2);
      const where = `(${R},${H}) momentum=${momentum}`;
      const plain = [wasm, ts].map((k) => {
        const o = { out: arena.f32(R * H), raw: arena.f32(R * H), mean: arena.f32(H), v: arena.f32(H), inv: arena.f32(H) };
        k.batchNormTrain(o.out, o.raw, o.mean, o.v, o.inv, X, g, b, R, H, EPS, true);
        return o;
      });
      [wasm, ts].forEach((k, i) => {
        const o = { out: arena.f32(R * H), raw: arena.f32(R * H), mean: arena.f32(H), v: arena.f32(H), inv: arena.f32(H) };
        const running = { mean: buf(H, () => 0), variance: buf(H, () => 0), momentum };
        running.mean.view.set(rm0.view);
        running.variance.view.set(rv0.view);
        const before = [running.mean.view.slice(), running.variance.view.slice()];
        k.batchNormTrain(o.out, o.raw, o.mean, o.v, o.inv, X, g, b, R, H, EPS, true, running);
        const keep = Math.fround(1 - momentum);
        const m = Math.fround(momentum);
        for (let j = 0; j < H; j++) {
          const wantMean = Math.fround(Math.fround(keep * rm0.view[j]) + Math.fround(m * o.mean.view[j]));
          const wantVar = Math.fround(Math.fround(keep * rv0.view[j]) + Math.fround(m * o.v.view[j]));
          assert.ok(Object.is(running.mean.view[j], wantMean), `${k.name} ${where}: running mean[${j}] ${running.mean.view[j]}, want ${wantMean}`);
          assert.ok(Object.is(running.variance.view[j], wantVar), `${k.name} ${where}: running var[${j}] ${running.variance.view[j]}, want ${wantVar}`);
        }
        guardKept(running.mean, H, before[0], `${where} running mean`);
        guardKept(running.variance, H, before[1], `${where} running variance`);
        // the same outputs as the call without running estimates, bit for bit
        for (const key of ["out", "raw", "mean", "v", "inv"] as const) {
          assert.deepEqual(o[key].view, plain[i][key].view, `${k.name} ${where}: ${key} changed by the running update`);
        }
      });
      arena.release(mark);
    }
  }
});

test("batchNormTrain refuses running estimates that are short, alias the statistics, or a momentum outside [0, 1]", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const [X, out, raw, m, v, inv, g, b, rm, rv, short] = [6, 6, 6, 3, 3, 3, 3, 3, 3, 3, 2].map((n) => arena.f32(n));
    const call = (running: { mean: F32Buf; variance: F32Buf; momentum: number }) =>
      k.batchNormTrain(out, raw, m, v, inv, X, g, b, 2, 3, EPS, true, running);
    const before = [rm.view.slice(), rv.view.slice()];
    assert.throws(() => call({ mean: short, variance: rv, momentum: 0.1 }), /running\.mean has 2 elements, the sizes given need 3/);
    assert.throws(() => call({ mean: rm, variance: m, momentum: 0.1 }), /running\.variance and mean must be different buffers/);
    assert.throws(() => call({ mean: rm, variance: rm, momentum: 0.1 }), /running\.mean and running\.variance must be different/);
    assert.throws(() => call({ mean: rm, variance: rv, momentum: 1.5 }), /momentum must be in \[0, 1\]/);
    assert.throws(() => call({ mean: rm, variance: rv, momentum: NaN }), /momentum must be in \[0, 1\]/);
    assert.deepEqual([rm.view, rv.view], before, "nothing written");
    arena.release(mark);
  }
});
