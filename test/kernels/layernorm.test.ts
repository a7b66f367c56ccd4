// The LayerNorm kernels (src/kernels/ops/layernorm.ts, asm/layernorm.ts): the TS reference against a
// float64 computation of the formula written here (forward) and against float64 central differences of
// that formula (backward, tiny shapes); the wasm backend against the TS reference on odd shapes (C = 1,
// 3, 5, 13, 67: tails of 1..3 lanes) and the zoo's (R = B·T = 512, C = 64), overwrite and accumulate,
// dweight/dbias always accumulating, guards after each output catching writes past the end; the
// argument checks. Letters: R rows, C features; U = 2⁻²⁴, the float32 unit roundoff.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { buf, guardKept, makeRandom, near, U32, ulps } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const EPS = 1e-5;

/** The float64 LayerNorm of x (R,C) from its formula: out, mean, rstd, norm. */
function layerNorm64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, R: number, C: number) {
  const out = new Float64Array(R * C), norm = new Float64Array(R * C);
  const mean = new Float64Array(R), rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let j = 0; j < C; j++) s += x[r * C + j];
    const mu = s / C;
    let q = 0;
    for (let j = 0; j < C; j++) q += (x[r * C + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(q / C + EPS);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < C; j++) {
      norm[r * C + j] = (x[r * C + j] - mu) * rs;
      out[r * C + j] = norm[r * C + j] * w[j] + b[j];
    }
  }
  return { out, mean, rstd, norm };
}

test("layerNorm (TS reference): mean and rstd to 1 ulp of float64, out to float32 rounding", () => {
  const rand = makeRandom(11);
  for (const [R, C] of [[1, 1], [7, 13], [3, 64], [512, 64]]) {
    const mark = arena.mark();
    const x = buf(R * C, rand, 3, 2); // a mean far from 0
    const w = buf(C, rand, 1, 0.5), b = buf(C, rand, 0, 0.5);
    const out = buf(R * C, rand), mean = buf(R, rand), rstd = buf(R, rand);
    ts.layerNorm(out, mean, rstd, x, w, b, R, C);
    const want = layerNorm64(x.view, w.view, b.view, R, C);
    for (let r = 0; r < R; r++) {
      assert.ok(ulps(mean.view[r], Math.fround(want.mean[r])) <= 1, `(${R},${C}) mean[${r}] ${mean.view[r]} vs ${want.mean[r]}`);
      assert.ok(ulps(rstd.view[r], Math.fround(want.rstd[r])) <= 1, `(${R},${C}) rstd[${r}] ${rstd.view[r]} vs ${want.rstd[r]}`);
      for (let j = 0; j < C; j++) {
        const i = r * C + j;
        // the saved mean and rstd are float32: their roundings, carried through, and the store's
        const wn = Math.abs(w.view[j]) * (want.rstd[r] * Math.abs(want.mean[r]) + Math.abs(want.norm[i]));
        near(out.view[i], want.out[i], 2 * U32 * (wn + Math.abs(want.out[i])) + 1e-30, `(${R},${C}) out[${i}]`);
      }
    }
    arena.release(mark);
  }
});

test("layerNormBackward (TS reference): dx, dweight, dbias against float64 central differences of the formula", () => {
  const rand = makeRandom(12);
  for (const [R, C] of [[1, 2], [3, 5], [2, 8], [4, 1]]) {
    const mark = arena.mark();
    const x = buf(R * C, rand, 0.5, 2), w = buf(C, rand, 1, 0.5), b = buf(C, rand, 0, 0.5), dout = buf(R * C, rand);
    const out = arena.f32(R * C), mean = arena.f32(R), rstd = arena.f32(R);
    ts.layerNorm(out, mean, rstd, x, w, b, R, C);
    const dx = buf(R * C, rand), dw0 = buf(C, rand), db0 = buf(C, rand);
    const dw = arena.f32From(dw0.view), db = arena.f32From(db0.view);
    ts.layerNormBackward(dx, dw, db, dout, x, mean, rstd, w, R, C);
    // L = Σ out·dout in float64; its gradient by central differences
    const xs = Float64Array.from(x.view.subarray(0, R * C));
    const ws = Float64Array.from(w.view.subarray(0, C)), bs = Float64Array.from(b.view.subarray(0, C));
    const loss = () => {
      const o = layerNorm64(xs, ws, bs, R, C).out;
      let L = 0;
      for (let i = 0; i < R * C; i++) L += o[i] * dout.view[i];
      return L;
    };
    const fd = (v: Float64Array, i: number) => {
      const h = 1e-6, keep = v[i];
      v[i] = keep + h;
      const up = loss();
      v[i] = keep - h;
      const down = loss();
      v[i] = keep;
      return (up - down) / (2 * h);
    };
    const tol = 2e-5; // float32 mean/rstd (~1e-7 relative) and the differences' error (~1e-9)
    for (let i = 0; i < R * C; i++) {
      const g = fd(xs, i);
      near(dx.view[i], g, tol * (1 + Math.abs(g)), `(${R},${C}) dx[${i}]`);
    }
    for (let j = 0; j < C; j++) {
      const gw = fd(ws, j), gb = fd(bs, j);
      near(dw.view[j] - dw0.view[j], gw, tol * (1 + Math.abs(gw) + Math.abs(dw0.view[j])), `(${R},${C}) dweight[${j}] added`);
      near(db.view[j] - db0.view[j], gb, tol * (1 + Math.abs(gb) + Math.abs(db0.view[j])), `(${R},${C}) dbias[${j}] added`);
    }
    arena.release(mark);
  }
});

/** Runs forward and backward on backend k with fresh outputs (guards checked); dx starts from dx0. */
function run(
  k: Kernels, x: F32Buf, w: F32Buf, b: F32Buf, dout: F32Buf, dw0: F32Buf, db0: F32Buf, dx0: F32Buf,
  R: number, C: number, accumulate: boolean, rand: () => number,
) {
  const o = {
    out: buf(R * C, rand), mean: buf(R, rand), rstd: buf(R, rand),
    dx: arena.f32From(dx0.view), dw: arena.f32From(dw0.view), db: arena.f32From(db0.view),
  };
  k.layerNorm(o.out, o.mean, o.rstd, x, w, b, R, C);
  guardKept(o.out, R * C, `${k.name} out`);
  guardKept(o.mean, R, `${k.name} mean`);
  guardKept(o.rstd, R, `${k.name} rstd`);
  k.layerNormBackward(o.dx, o.dw, o.db, dout, x, o.mean, o.rstd, w, R, C, accumulate);
  guardKept(o.dx, R * C, `${k.name} dx`);
  guardKept(o.dw, C, `${k.name} dweight`);
  guardKept(o.db, C, `${k.name} dbias`);
  return o;
}

test("layerNorm and layerNormBackward: wasm against the TS reference on odd and zoo shapes, overwrite and accumulate", () => {
  const rand = makeRandom(13);
  for (const [R, C] of [[1, 1], [2, 3], [7, 13], [5, 4], [3, 67], [4, 5], [512, 64]]) {
    for (const accumulate of [false, true]) {
      const mark = arena.mark();
      const where = `(${R},${C}) accumulate=${accumulate}`;
      const x = buf(R * C, rand, 2, 3), w = buf(C, rand, 1, 0.5), b = buf(C, rand, 0, 0.5), dout = buf(R * C, rand);
      const dw0 = buf(C, rand), db0 = buf(C, rand), dx0 = buf(R * C, rand);
      const W = run(wasm, x, w, b, dout, dw0, db0, dx0, R, C, accumulate, rand);
      const T = run(ts, x, w, b, dout, dw0, db0, dx0, R, C, accumulate, rand);
      const dn = new Float64Array(C), nm = new Float64Array(C);
      const colAbs = new Float64Array(C), colDout = new Float64Array(C);
      for (let r = 0; r < R; r++) {
        const mu = T.mean.view[r], rs = T.rstd.view[r];
        assert.ok(ulps(W.mean.view[r], mu) <= 1, `${where} mean[${r}]: wasm ${W.mean.view[r]}, ts ${mu}`);
        assert.ok(ulps(W.rstd.view[r], rs) <= 1, `${where} rstd[${r}]: wasm ${W.rstd.view[r]}, ts ${rs}`);
        let A = 0, Bs = 0, maxDn = 0, maxN = 0;
        for (let j = 0; j < C; j++) {
          const i = r * C + j;
          nm[j] = (x.view[i] - mu) * rs;
          dn[j] = w.view[j] * dout.view[i];
          A += Math.abs(dn[j]) / C;
          Bs += Math.abs(dn[j] * nm[j]) / C;
          maxDn = Math.max(maxDn, Math.abs(dn[j]));
          maxN = Math.max(maxN, Math.abs(nm[j]));
          colAbs[j] += Math.abs(nm[j] * dout.view[i]);
          colDout[j] += Math.abs(dout.view[i]);
          const bound = 4 * U32 * (Math.abs(w.view[j]) * (Math.abs(nm[j]) + rs * Math.abs(mu)) + Math.abs(b.view[j])) + 1e-30;
          near(W.out.view[i], T.out.view[i], bound, `${where} out[${i}] wasm vs ts`);
        }
        // dx: float32 sums over the row (C terms), then a few float32 operations per element
        const scale = rs * (maxDn + A + (maxN + rs * Math.abs(mu)) * Bs);
        for (let j = 0; j < C; j++) {
          const i = r * C + j;
          const bound = (C + 8) * U32 * scale + (accumulate ? 2 * U32 * Math.abs(T.dx.view[i]) : 0) + 1e-30;
          near(W.dx.view[i], T.dx.view[i], bound, `${where} dx[${i}] wasm vs ts`);
        }
      }
      for (let j = 0; j < C; j++) {
        // float32 additions of R rows onto the initial value
        const bw = (R + 4) * U32 * (Math.abs(dw0.view[j]) + colAbs[j]) + 1e-30;
        const bb = (R + 4) * U32 * (Math.abs(db0.view[j]) + colDout[j]) + 1e-30;
        near(W.dw.view[j], T.dw.view[j], bw, `${where} dweight[${j}] wasm vs ts`);
        near(W.db.view[j], T.db.view[j], bb, `${where} dbias[${j}] wasm vs ts`);
      }
      arena.release(mark);
    }
  }
});

test("layerNormBackward: accumulate adds the overwrite result to dx; dweight and dbias always accumulate", () => {
  const rand = makeRandom(14);
  const R = 6, C = 7;
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const x = buf(R * C, rand, 0, 2), w = buf(C, rand, 1, 0.5), b = buf(C, rand), dout = buf(R * C, rand);
    const out = arena.f32(R * C), mean = arena.f32(R), rstd = arena.f32(R);
    k.layerNorm(out, mean, rstd, x, w, b, R, C);
    const dxOver = buf(R * C, rand), dw1 = arena.f32(C), db1 = arena.f32(C);
    k.layerNormBackward(dxOver, dw1, db1, dout, x, mean, rstd, w, R, C); // from zero: the gradient itself
    const dx0 = buf(R * C, rand), dxAcc = arena.f32From(dx0.view);
    k.layerNormBackward(dxAcc, dw1, db1, dout, x, mean, rstd, w, R, C, true);
    for (let i = 0; i < R * C; i++) {
      assert.equal(dxAcc.view[i], Math.fround(dx0.view[i] + dxOver.view[i]), `${k.name} dx[${i}] accumulated`);
    }
    const dw2 = arena.f32(C), db2 = arena.f32(C);
    k.layerNormBackward(dxOver, dw2, db2, dout, x, mean, rstd, w, R, C);
    for (let j = 0; j < C; j++) {
      // two backwards into dw1, db1 made twice what one made in dw2, db2 (to the float32 sums' rounding)
      let colW = 0, colB = 0;
      for (let r = 0; r < R; r++) {
        colW += Math.abs((x.view[r * C + j] - mean.view[r]) * rstd.view[r] * dout.view[r * C + j]);
        colB += Math.abs(dout.view[r * C + j]);
      }
      near(dw1.view[j], 2 * dw2.view[j], 4 * (R + 2) * U32 * colW, `${k.name} dweight[${j}] after two backwards`);
      near(db1.view[j], 2 * db2.view[j], 4 * (R + 2) * U32 * colB, `${k.name} dbias[${j}] after two backwards`);
    }
    arena.release(mark);
  }
});

test("layerNorm and layerNormBackward: argument checks (too-small buffers, aliasing, another arena)", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const R = 3, C = 4;
    const x = arena.f32(R * C), out = arena.f32(R * C), mean = arena.f32(R), rstd = arena.f32(R);
    const w = arena.f32(C), b = arena.f32(C), small = arena.f32(R * C - 1);
    assert.throws(() => k.layerNorm(small, mean, rstd, x, w, b, R, C), /layerNorm: out has 11 elements, the sizes given need 12/);
    assert.throws(() => k.layerNorm(out, mean, rstd, x, arena.f32(C - 1), b, R, C), /weight has 3 elements/);
    assert.throws(() => k.layerNorm(out, arena.f32(R - 1), rstd, x, w, b, R, C), /mean has 2 elements/);
    assert.throws(() => k.layerNorm(x, mean, rstd, x, w, b, R, C), /different buffers/);
    const dx = arena.f32(R * C), dw = arena.f32(C), db = arena.f32(C);
    assert.throws(() => k.layerNormBackward(small, dw, db, out, x, mean, rstd, w, R, C), /layerNormBackward: dx has 11 elements/);
    assert.throws(() => k.layerNormBackward(dx, dw, arena.f32(C - 1), out, x, mean, rstd, w, R, C), /dbias has 3 elements/);
    assert.throws(() => k.layerNormBackward(out, dw, db, out, x, mean, rstd, w, R, C), /different buffers/);
    arena.release(mark);
  }
  const other = createTsKernels().arena.f32(12);
  const mark = arena.mark();
  const [m3, r3, x12, w4, b4] = [arena.f32(3), arena.f32(3), arena.f32(12), arena.f32(4), arena.f32(4)];
  assert.throws(() => wasm.layerNorm(other, m3, r3, x12, w4, b4, 3, 4), /not in the wasm arena/);
  arena.release(mark);
});
