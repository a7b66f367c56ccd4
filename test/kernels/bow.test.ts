// The causal bag-of-words kernels (src/kernels/ops/bow.ts, asm/bow.ts). The TS reference against
// makemore.py's formulation written here in float64, att @ x with att[t,s] = fl32(1/(t+1)) for s ≤ t
// (the softmax of t+1 zeros) and 0 above the diagonal, and its backward against attᵀ @ dout and the
// adjoint identity ⟨causalMean(x), g⟩ = ⟨x, causalMeanBackward(g)⟩. The wasm backend (float32 running
// sums) against the TS reference (float64) on odd shapes (channels off the 16- and 4-float blocks, T = 1,
// B = 1) and the zoo's (B 32, T 16, C 64), outputs starting as NaN (every element must be written) and
// guards past the end; accumulate adds exactly the overwrite result; the argument checks.
// Letters: B batch, T positions, C channels. U = 2⁻²⁴.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena, createTsKernels, wasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { buf, guardKept, makeRandom, nans, near, U32 } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const SHAPES = [[1, 1, 1], [2, 5, 3], [3, 7, 17], [1, 16, 33], [2, 4, 4], [4, 2, 20], [1, 9, 64], [32, 16, 64]];

/** makemore.py's att (T,T) in float64: fl32(1/(t+1)) on and below the diagonal, 0 above. */
function uniformCausal(T: number): Float64Array {
  const att = new Float64Array(T * T);
  for (let t = 0; t < T; t++) for (let s = 0; s <= t; s++) att[t * T + s] = Math.fround(1 / (t + 1));
  return att;
}

/** att @ x per batch row, and the same with |x| (the scale of the rounding errors), float64. */
function attTimes(x: ArrayLike<number>, B: number, T: number, C: number, transpose: boolean) {
  const att = uniformCausal(T);
  const y = new Float64Array(B * T * C), mag = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) {
    const a = transpose ? att[s * T + t] : att[t * T + s]; // (attᵀ @ g)[t] = Σ_s att[s,t]·g[s]
    if (a === 0) continue;
    for (let c = 0; c < C; c++) {
      const v = x[(b * T + s) * C + c];
      y[(b * T + t) * C + c] += a * v;
      mag[(b * T + t) * C + c] += a * Math.abs(v);
    }
  }
  return { y, mag };
}

test("causalMean and causalMeanBackward (TS reference): att @ x and attᵀ @ dout in float64, and the adjoint identity", () => {
  const rand = makeRandom(61);
  for (const [B, T, C] of SHAPES) {
    const mark = arena.mark();
    const n = B * T * C;
    const x = buf(n, rand, 0, 2), g = buf(n, rand), out = nans(n), dx = nans(n);
    ts.causalMean(out, x, B, T, C);
    ts.causalMeanBackward(dx, g, B, T, C);
    guardKept(out, n, "out");
    guardKept(dx, n, "dx");
    const fwd = attTimes(x.view, B, T, C, false), bwd = attTimes(g.view, B, T, C, true);
    for (let i = 0; i < n; i++) {
      // float64 sums in another order (~T·2⁻⁵³ relative to the magnitudes), then one float32 rounding
      near(out.view[i], fwd.y[i], U32 * Math.abs(fwd.y[i]) + 1e-12 * fwd.mag[i], `(${B},${T},${C}) out[${i}]`);
      near(dx.view[i], bwd.y[i], U32 * Math.abs(bwd.y[i]) + 1e-12 * bwd.mag[i], `(${B},${T},${C}) dx[${i}]`);
    }
    // ⟨causalMean(x), g⟩ = ⟨x, causalMeanBackward(g)⟩: the backward is the forward's transpose
    let lhs = 0, rhs = 0, scale = 0;
    for (let i = 0; i < n; i++) {
      lhs += out.view[i] * g.view[i];
      rhs += x.view[i] * dx.view[i];
      scale += Math.abs(fwd.mag[i] * g.view[i]);
    }
    near(lhs, rhs, 4 * U32 * scale + 1e-30, `(${B},${T},${C}) adjoint`);
    arena.release(mark);
  }
});

test("causalMean and causalMeanBackward: wasm against the TS reference on odd and zoo shapes, overwrite and accumulate", () => {
  const rand = makeRandom(62);
  for (const [B, T, C] of SHAPES) {
    for (const accumulate of [false, true]) {
      const mark = arena.mark();
      const n = B * T * C;
      const x = buf(n, rand, 0, 2), g = buf(n, rand), d0 = buf(n, rand);
      const run = (k: Kernels) => {
        const out = nans(n), dx = accumulate ? arena.f32From(d0.view.slice(0, n)) : nans(n);
        k.causalMean(out, x, B, T, C);
        k.causalMeanBackward(dx, g, B, T, C, accumulate);
        return { out, dx };
      };
      const W = run(wasm), R = run(ts);
      guardKept(W.out, n, "wasm out");
      if (!accumulate) guardKept(W.dx, n, "wasm dx");
      const fwd = attTimes(x.view, B, T, C, false), bwd = attTimes(g.view, B, T, C, true);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
        const i = (b * T + t) * C + c;
        const where = `(${B},${T},${C}) accumulate=${accumulate} [${b},${t},${c}]`;
        // a float32 running sum of t+1 terms, then the weight: (t + 2)·U relative to Σ w·|x|
        near(W.out.view[i], R.out.view[i], (t + 2) * U32 * fwd.mag[i] + 1e-30, `${where} out`);
        // T − t products, each rounded, summed: (T − t + 2)·U relative to Σ w·|dout|; + the final addition
        const extra = accumulate ? 2 * U32 * Math.abs(R.dx.view[i]) : 0;
        near(W.dx.view[i], R.dx.view[i], (T - t + 2) * U32 * bwd.mag[i] + extra + 1e-30, `${where} dx`);
      }
      arena.release(mark);
    }
  }
});

test("causalMeanBackward: accumulate adds exactly the overwrite result (both backends)", () => {
  const rand = makeRandom(63);
  const [B, T, C] = [3, 6, 21];
  const n = B * T * C;
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const g = buf(n, rand), over = nans(n);
    k.causalMeanBackward(over, g, B, T, C);
    const d0 = buf(n, rand), acc = arena.f32From(d0.view.slice(0, n));
    k.causalMeanBackward(acc, g, B, T, C, true);
    for (let i = 0; i < n; i++) assert.equal(acc.view[i], Math.fround(d0.view[i] + over.view[i]), `${k.name} dx[${i}]`);
    arena.release(mark);
  }
});

test("causalMean: the running mean of a constant is the constant; the first position is x itself", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const [B, T, C] = [2, 11, 7];
    const x = arena.f32(B * T * C), out = arena.f32(B * T * C);
    x.view.fill(3);
    k.causalMean(out, x, B, T, C);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
      // 3·(t+1) is exact in float32, times fl32(1/(t+1)): within one rounding of 3
      near(out.view[(b * T + t) * C + c], 3, 2 * 3 * U32, `${k.name} [${b},${t},${c}]`);
    }
    const rand = makeRandom(64);
    for (let i = 0; i < B * T * C; i++) x.view[i] = rand();
    k.causalMean(out, x, B, T, C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) assert.equal(out.view[b * T * C + c], x.view[b * T * C + c]);
    arena.release(mark);
  }
});

test("causal bag of words: argument checks", () => {
  for (const k of [wasm, ts]) {
    const mark = arena.mark();
    const [B, T, C] = [2, 3, 4];
    const a = arena.f32(B * T * C), b = arena.f32(B * T * C), short = arena.f32(B * T * C - 1);
    assert.throws(() => k.causalMean(a, short, B, T, C), /causalMean: x has 23 elements, the sizes given need 24/);
    assert.throws(() => k.causalMean(short, a, B, T, C), /causalMean: out has 23 elements/);
    assert.throws(() => k.causalMean(a, a, B, T, C), /out and x must be different buffers/);
    assert.throws(() => k.causalMean(a, b, B, 1.5, C), /T must be a non-negative integer/);
    assert.throws(() => k.causalMeanBackward(a, short, B, T, C), /causalMeanBackward: dout has 23 elements/);
    assert.throws(() => k.causalMeanBackward(b, b, B, T, C, true), /dx and dout must be different buffers/);
    assert.throws(() => k.causalMeanBackward(a, b, -1, T, C), /B must be a non-negative integer/);
    k.causalMean(a, b, 0, T, C); // nothing to do
    arena.release(mark);
  }
  const other = new Arena().f32(24);
  assert.throws(() => wasm.causalMean(other, arena.f32(24), 2, 3, 4), /out is not in the wasm arena/);
});
