// The causal self-attention kernels (src/kernels/ops/attention.ts, asm/attention.ts). The TS reference
// against a float64 computation written here the way makemore.py writes it (split q, k, v; heads as
// (B,NH,T,hs); scores masked with −∞; softmax; att·v; heads back side by side), and its backward against
// float64 central differences of that computation (dqkv, and datt as the gradient of the scaled
// scores) on tiny shapes. The wasm backend against the TS reference on odd shapes (hs = 1, 3, 5, 13: tails
// of 1..3 lanes; T = 1; NH = 1) and the zoo's (B 32, T 16, C 64, NH 4), overwrite and accumulate, with
// outputs and scratch starting as NaN (every element must be written) and guards past the end; large
// scores (the max-subtraction); the argument checks. Letters: B batch, T time, C channels, NH heads,
// hs = C/NH. U = 2⁻²⁴.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { buf, guardKept, makeRandom, nans, near, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
/** makemore.py's attention in float64: q, k, v (B,NH,T,hs) from qkv, scores (B,NH,T,T) (−∞ masked), att, out (B,T,C). */
function attention64(qkv: ArrayLike<number>, B: number, T: number, C: number, NH: number, scores?: Float64Array) {
  const hs = C / NH;
  const heads = (part: number) => {
    const x = new Float64Array(B * NH * T * hs); // .view(B, T, NH, hs).transpose(1, 2)
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < NH; h++) for (let i = 0; i < hs; i++) {
      x[((b * NH + h) * T + t) * hs + i] = qkv[(b * T + t) * 3 * C + part * C + h * hs + i];
    }
    return x;
  };
  const q = heads(0), k = heads(1), v = heads(2);
  const sc = scores ?? new Float64Array(B * NH * T * T);
  const att = new Float64Array(B * NH * T * T);
  const out = new Float64Array(B * T * C);
  for (let bh = 0; bh < B * NH; bh++) {
    for (let t = 0; t < T; t++) {
      const row = (bh * T + t) * T;
      if (scores === undefined) {
        for (let s = 0; s < T; s++) {
          let d = 0;
          for (let i = 0; i < hs; i++) d += q[(bh * T + t) * hs + i] * k[(bh * T + s) * hs + i];
          sc[row + s] = d * (1 / Math.sqrt(hs));
        }
      }
      let z = 0;
      for (let s = 0; s < T; s++) z += s <= t ? Math.exp(sc[row + s]) : 0; // masked_fill(−∞), exp(−∞) = 0
      for (let s = 0; s < T; s++) att[row + s] = s <= t ? Math.exp(sc[row + s]) / z : 0;
    }
  }
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) for (let i = 0; i < hs; i++) {
    let y = 0;
    for (let s = 0; s < T; s++) y += att[((b * NH + h) * T + t) * T + s] * v[((b * NH + h) * T + s) * hs + i];
    out[(b * T + t) * C + h * hs + i] = y; // .transpose(1, 2).view(B, T, C)
  }
  return { scores: sc, att, out };
}

test("attentionForward (TS reference): att and out against makemore.py's computation in float64", () => {
  const rand = makeRandom(41);
  for (const [B, T, C, NH] of [[1, 1, 1, 1], [2, 5, 9, 3], [1, 7, 13, 1], [3, 4, 8, 4], [2, 16, 64, 4]]) {
    const mark = arena.mark();
    const qkv = buf(B * T * 3 * C, rand, 0, 1.5), out = nans(B * T * C), att = nans(B * NH * T * T);
    ts.attentionForward(out, att, qkv, B, T, C, NH);
    const want = attention64(qkv.view, B, T, C, NH);
    const hs = C / NH;
    for (let i = 0; i < B * NH * T * T; i++) {
      near(att.view[i], want.att[i], 2 * U32 * want.att[i], `(${B},${T},${C},${NH}) att[${i}]`);
    }
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
      const i = (b * T + t) * C + c, h = Math.floor(c / hs);
      let mag = 0; // Σ_s att·|v|: att's float32 rounding carried through
      for (let s = 0; s <= t; s++) mag += want.att[((b * NH + h) * T + t) * T + s] * Math.abs(qkv.view[(b * T + s) * 3 * C + 2 * C + c]);
      near(out.view[i], want.out[i], 3 * U32 * mag + 1e-30, `(${B},${T},${C},${NH}) out[${i}]`);
    }
    guardKept(out, B * T * C, "out");
    guardKept(att, B * NH * T * T, "att");
    arena.release(mark);
  }
});

test("attentionBackward (TS reference): dqkv and datt against float64 central differences", () => {
  const rand = makeRandom(42);
  for (const [B, T, C, NH] of [[1, 3, 4, 2], [2, 4, 6, 3], [1, 5, 3, 1], [1, 2, 2, 2]]) {
    const mark = arena.mark();
    const n = B * T * 3 * C;
    const qkv = buf(n, rand, 0, 1.5), dout = buf(B * T * C, rand);
    const out = arena.f32(B * T * C), att = arena.f32(B * NH * T * T);
    ts.attentionForward(out, att, qkv, B, T, C, NH);
    const dqkv = nans(n), datt = nans(B * NH * T * T);
    ts.attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH);
    guardKept(dqkv, n, "dqkv");
    guardKept(datt, B * NH * T * T, "datt");
    const lossOf = (o: Float64Array) => {
      let L = 0;
      for (let i = 0; i < B * T * C; i++) L += o[i] * dout.view[i];
      return L;
    };
    const x = Float64Array.from(qkv.view.subarray(0, n));
    const h = 1e-6;
    const tol = 1e-5; // att rounded to float32 in the reference (~1e-7 relative); the differences (~1e-9)
    for (let i = 0; i < n; i++) {
      const keep = x[i];
      x[i] = keep + h;
      const up = lossOf(attention64(x, B, T, C, NH).out);
      x[i] = keep - h;
      const down = lossOf(attention64(x, B, T, C, NH).out);
      x[i] = keep;
      const g = (up - down) / (2 * h);
      near(dqkv.view[i], g, tol * (1 + Math.abs(g)), `(${B},${T},${C},${NH}) dqkv[${i}]`);
    }
    // datt: the gradient of the scaled scores (0 where masked)
    const sc = attention64(x, B, T, C, NH).scores;
    for (let bh = 0; bh < B * NH; bh++) for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) {
      const i = (bh * T + t) * T + s;
      if (s > t) {
        assert.equal(datt.view[i], 0, `datt[${i}] above the diagonal`);
        continue;
      }
      const keep = sc[i];
      sc[i] = keep + h;
      const up = lossOf(attention64(x, B, T, C, NH, sc).out);
      sc[i] = keep - h;
      const down = lossOf(attention64(x, B, T, C, NH, sc).out);
      sc[i] = keep;
      const g = (up - down) / (2 * h);
      near(datt.view[i], g, tol * (1 + Math.abs(g)), `(${B},${T},${C},${NH}) datt[${i}]`);
    }
    arena.release(mark);
  }
});

/** Forward and backward on backend k, outputs and scratch starting as NaN (dqkv as dqkv0 when accumulating). */
function run(k: Kernels, qkv: F32Buf, dout: F32Buf, dqkv0: F32Buf, B: number, T: number, C: number, NH: number, accumulate: boolean) {
  const out = nans(B * T * C), att = nans(B * NH * T * T), datt = nans(B * NH * T * T);
  k.attentionForward(out, att, qkv, B, T, C, NH);
  const dqkv = nans(B * T * 3 * C);
  if (accumulate) dqkv.view.set(dqkv0.view.subarray(0, B * T * 3 * C));
  k.attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH, accumulate);
  guardKept(out, B * T * C, `${k.name} out`);
  guardKept(att, B * NH * T * T, `${k.name} att`);
  guardKept(datt, B * NH * T * T, `${k.name} datt`);
  guardKept(dqkv, B * T * 3 * C, `${k.name} dqkv`);
  return { out, att, datt, dqkv };
}

/**
 * Magnitudes for error bounds, in float64 from the TS reference's att: each output's computation with
 * every term replaced by its absolute value (the scale its float32 rounding errors are relative to, even
 * where terms cancel, as in the softmax's backward), and the largest |score| (the softmax amplifies the
 * scores' absolute errors into relative errors of att).
 */
function magnitudes(qkv: F32Buf, att: F32Buf, dout: F32Buf, B: number, T: number, C: number, NH: number) {
  const hs = C / NH, C3 = 3 * C, scale = 1 / Math.sqrt(hs);
  const x = qkv.view, a = att.view, d = dout.view;
  const out = new Float64Array(B * T * C), datt = new Float64Array(B * NH * T * T), dqkv = new Float64Array(B * T * C3);
  const A = new Float64Array(T);
  let smax = 0;
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) {
    const col = (t: number, part: number, i: number) => (b * T + t) * C3 + part * C + h * hs + i;
    for (let t = 0; t < T; t++) {
      const row = ((b * NH + h) * T + t) * T;
      let dot = 0;
      for (let s = 0; s <= t; s++) {
        let qk = 0, dv = 0;
        for (let i = 0; i < hs; i++) {
          qk += Math.abs(x[col(t, 0, i)] * x[col(s, 1, i)]);
          dv += Math.abs(d[(b * T + t) * C + h * hs + i] * x[col(s, 2, i)]);
        }
        smax = Math.max(smax, qk * scale);
        A[s] = dv;
        dot += a[row + s] * dv;
      }
      for (let s = 0; s <= t; s++) {
        const m = a[row + s] * (A[s] + dot);
        datt[row + s] = m;
        for (let i = 0; i < hs; i++) {
          out[(b * T + t) * C + h * hs + i] += a[row + s] * Math.abs(x[col(s, 2, i)]);
          dqkv[col(t, 0, i)] += scale * m * Math.abs(x[col(s, 1, i)]);
          dqkv[col(s, 1, i)] += scale * m * Math.abs(x[col(t, 0, i)]);
          dqkv[col(s, 2, i)] += a[row + s] * Math.abs(d[(b * T + t) * C + h * hs + i]);
        }
      }
    }
  }
  return { out, datt, dqkv, smax };
}

/** |got − want| ≤ tol·mag[i] (+ 2U·|want| when the result was added to a prior value) for each element. */
function close(got: F32Buf, want: F32Buf, mag: ArrayLike<number>, n: number, tol: number, accumulated: boolean, what: string): void {
  for (let i = 0; i < n; i++) {
    const bound = tol * mag[i] + (accumulated ? 2 * U32 * Math.abs(want.view[i]) : 0) + 1e-30;
    near(got.view[i], want.view[i], bound, `${what}[${i}] wasm vs ts`);
  }
}

test("attentionForward and attentionBackward: wasm against the TS reference on odd and zoo shapes, overwrite and accumulate", () => {
  const rand = makeRandom(43);
  const shapes = [[1, 1, 1, 1], [2, 5, 9, 3], [3, 7, 13, 1], [2, 6, 20, 4], [1, 9, 14, 2], [2, 3, 12, 4], [32, 16, 64, 4]];
  for (const [B, T, C, NH] of shapes) {
    for (const accumulate of [false, true]) {
      const mark = arena.mark();
      const hs = C / NH;
      const qkv = buf(B * T * 3 * C, rand, 0, 1.5), dout = buf(B * T * C, rand), dqkv0 = buf(B * T * 3 * C, rand);
      const W = run(wasm, qkv, dout, dqkv0, B, T, C, NH, accumulate);
      const R = run(ts, qkv, dout, dqkv0, B, T, C, NH, accumulate);
      // float32 dot products of hs terms and sums of T terms, relative to the magnitudes; the scores'
      // absolute errors (relative to smax) become relative errors of att through the softmax
      const m = magnitudes(qkv, R.att, dout, B, T, C, NH);
      const tol = 4 * (hs + T + 8) * (1 + m.smax) * U32;
      const where = `(${B},${T},${C},${NH}) accumulate=${accumulate}`;
      close(W.att, R.att, R.att.view, B * NH * T * T, tol, false, `${where} att`);
      close(W.out, R.out, m.out, B * T * C, tol, false, `${where} out`);
      close(W.datt, R.datt, m.datt, B * NH * T * T, tol, false, `${where} datt`);
      close(W.dqkv, R.dqkv, m.dqkv, B * T * 3 * C, tol, accumulate, `${where} dqkv`);
      for (const r of [W, R]) {
        for (let bh = 0; bh < B * NH; bh++) for (let t = 0; t < T; t++) {
          let sum = 0;
          for (let s = 0; s < T; s++) {
            const i = (bh * T + t) * T + s;
            if (s > t) {
              assert.ok(Object.is(r.att.view[i], 0), `${where} att[${i}] above the diagonal must be +0`);
              assert.ok(Object.is(r.datt.view[i], 0), `${where} datt[${i}] above the diagonal must be +0`);
            }
            sum += r.att.view[i];
          }
          assert.ok(Math.abs(sum - 1) <= (T + 2) * U32, `${where} row ${bh},${t} of att sums to ${sum}`);
        }
      }
      arena.release(mark);
    }
  }
});

test("attention: wasm against the TS reference where the transposed key rows take several scratch chunks", () => {
  // the wasm kernels transpose key rows into a 16384-float scratch: hs = 1000 takes 16 keys per chunk
  // (T 37: three chunks, the last partial); hs = 4100 also splits the head into 4096 + 4 floats
  const rand = makeRandom(46);
  for (const [B, T, C, NH] of [[1, 37, 2000, 2], [2, 5, 4100, 1]]) {
    const mark = arena.mark();
    const hs = C / NH;
    const qkv = buf(B * T * 3 * C, rand, 0, 0.2), dout = buf(B * T * C, rand), dqkv0 = buf(B * T * 3 * C, rand);
    const W = run(wasm, qkv, dout, dqkv0, B, T, C, NH, true);
    const R = run(ts, qkv, dout, dqkv0, B, T, C, NH, true);
    const m = magnitudes(qkv, R.att, dout, B, T, C, NH);
    const tol = 4 * (hs + T + 8) * (1 + m.smax) * U32;
    const where = `(${B},${T},${C},${NH})`;
    close(W.att, R.att, R.att.view, B * NH * T * T, tol, false, `${where} att`);
    close(W.out, R.out, m.out, B * T * C, tol, false, `${where} out`);
    close(W.datt, R.datt, m.datt, B * NH * T * T, tol, false, `${where} datt`);
    close(W.dqkv, R.dqkv, m.dqkv, B * T * 3 * C, tol, true, `${where} dqkv`);
    arena.release(mark);
  }
});

test("attentionBackward: accumulate adds the overwrite result (both backends)", () => {
  const rand = makeRandom(44);
  const [B, T, C, NH] = [2, 5, 10, 2];
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const qkv = buf(B * T * 3 * C, rand), dout = buf(B * T * C, rand);
    const out = arena.f32(B * T * C), att = arena.f32(B * NH * T * T), datt = arena.f32(B * NH * T * T);
    k.attentionForward(out, att, qkv, B, T, C, NH);
    const over = nans(B * T * 3 * C);
    k.attentionBackward(over, datt, dout, qkv, att, B, T, C, NH);
    const d0 = buf(B * T * 3 * C, rand), acc = arena.f32From(d0.view);
    k.attentionBackward(acc, datt, dout, qkv, att, B, T, C, NH, true);
    for (let i = 0; i < B * T * 3 * C; i++) {
      assert.equal(acc.view[i], Math.fround(d0.view[i] + over.view[i]), `${k.name} dqkv[${i}] accumulated`);
    }
    arena.release(mark);
  }
});

test("attentionForward: scores far beyond exp's range (the row maximum is subtracted first)", () => {
  const rand = makeRandom(45);
  const [B, T, C, NH] = [2, 8, 12, 3];
  const mark = arena.mark();
  const qkv = buf(B * T * 3 * C, rand, 0, 25); // |scores| up to ~1000
  const W = run(wasm, qkv, buf(B * T * C, rand), buf(B * T * 3 * C, rand), B, T, C, NH, false);
  const R = run(ts, qkv, buf(B * T * C, rand), buf(B * T * 3 * C, rand), B, T, C, NH, false);
  for (let i = 0; i < B * NH * T * T; i++) {
    assert.ok(Number.isFinite(W.att.view[i]), `att[${i}] = ${W.att.view[i]}`);
    // exp's argument (a score minus the max, up to ~2000) carries ~(hs + 4)·U·|score| of absolute error
    near(W.att.view[i], R.att.view[i], 1e-2 * R.att.view[i] + 1e-30, `att[${i}] wasm vs ts`);
  }
  for (let i = 0; i < B * T * C; i++) assert.ok(Number.isFinite(W.out.view[i]), `out[${i}] = ${W.out.view[i]}`);
  arena.release(mark);
});

test("attention: argument checks", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const [B, T, C, NH] = [2, 3, 6, 2];
    const qkv = arena.f32(B * T * 3 * C), out = arena.f32(B * T * C), att = arena.f32(B * NH * T * T);
    const short = arena.f32(B * T * 3 * C - 1);
    assert.throws(() => k.attentionForward(out, att, short, B, T, C, NH), /attentionForward: qkv has 107 elements, the sizes given need 108/);
    assert.throws(() => k.attentionForward(out, arena.f32(B * NH * T * T - 1), qkv, B, T, C, NH), /att has 35 elements/);
    assert.throws(() => k.attentionForward(out, att, qkv, B, T, C, 4), /NH = 4 heads must divide C = 6/);
    assert.throws(() => k.attentionForward(out, att, qkv, B, T, C, 0), /must divide/);
    assert.throws(() => k.attentionForward(out, att, qkv, B, 2.5, C, NH), /T must be a non-negative integer/);
    assert.throws(() => k.attentionForward(qkv, att, qkv, B, T, C, NH), /different buffers/);
    const dqkv = arena.f32(B * T * 3 * C), datt = arena.f32(B * NH * T * T);
    const shortOut = arena.f32(B * T * C - 1);
    assert.throws(() => k.attentionBackward(dqkv, datt, shortOut, qkv, att, B, T, C, NH), /attentionBackward: dout has 35 elements/);
    assert.throws(() => k.attentionBackward(dqkv, arena.f32(1), out, qkv, att, B, T, C, NH), /datt has 1 elements/);
    assert.throws(() => k.attentionBackward(dqkv, att, out, qkv, att, B, T, C, NH), /datt and att must be different buffers/);
    assert.throws(() => k.attentionBackward(qkv, datt, out, qkv, att, B, T, C, NH), /dqkv and qkv must be different buffers/);
    arena.release(mark);
  }
});
