// The matrix products of both backends (WebAssembly SIMD and plain TS) against an independent float64
// triple loop written here: exactly on small-integer matrices (every product and partial sum is exact
// in float32, so any wrong, missing or doubled term shows), and within a float32 rounding bound on
// random matrices. Shapes include 1, 3, 27, 33 (SIMD tails), the lecture's, and ones that cross the
// panel and packing boundaries; accumulate on and off; writes past C and changes to A, B are caught.
//
// Letters: C[M,N] = A·B summed over K; layouts NN A[M,K]·B[K,N], NT A[M,K]·B[N,K]ᵀ, TN A[K,M]ᵀ·B[K,N].

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { fillRandom, makeRandom, U32 } from "./helpers.ts";

type Layout = "NN" | "NT" | "TN";
const LAYOUTS: Layout[] = ["NN", "NT", "TN"];
const wasm = wasmKernels();
const arena = wasm.arena;
const BACKENDS: Kernels[] = [wasm, createTsKernels(arena)];
const SENTINEL = 12345.5;
const GUARD = 7; // extra elements after C that must stay SENTINEL

/** A(i,k) and B(k,j) for a layout, as indices into the flat arrays. */
function indexA(layout: Layout, M: number, K: number, i: number, k: number): number {
  return layout === "TN" ? k * M + i : i * K + k;
}
function indexB(layout: Layout, K: number, N: number, k: number, j: number): number {
  return layout === "NT" ? j * K + k : k * N + j;
}

/** float64 C (=|+=) A·B and Σ|terms| per element, the plain triple loop. */
function exact(layout: Layout, a: Float32Array, b: Float32Array, c0: Float32Array, M: number, K: number, N: number, acc: boolean) {
  const value = new Float64Array(M * N);
  const absSum = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = acc ? c0[i * N + j] : 0;
      let t = Math.abs(s);
      for (let k = 0; k < K; k++) {
        const p = a[indexA(layout, M, K, i, k)] * b[indexB(layout, K, N, k, j)];
        s += p;
        t += Math.abs(p);
      }
      value[i * N + j] = s;
      absSum[i * N + j] = t;
    }
  }
  return { value, absSum };
}

function run(kernels: Kernels, layout: Layout, C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, acc: boolean): void {
  if (layout === "NN") kernels.matmulNN(C, A, B, M, K, N, acc);
  else if (layout === "NT") kernels.matmulNT(C, A, B, M, K, N, acc);
  else kernels.matmulTN(C, A, B, M, K, N, acc);
}

/**
 * Runs one product on one backend and checks every element: `integers` true fills small integers and
 * demands exact equality; false fills uniform floats and allows (K + 2)·2u·Σ|terms|.
 */
function check(kernels: Kernels, layout: Layout, M: number, K: number, N: number, acc: boolean, seed: number, integers: boolean): void {
  const rand = makeRandom(seed);
  const mark = arena.mark();
  try {
    const A = arena.f32(M * K);
    const B = arena.f32(K * N);
    const C = arena.f32(M * N + GUARD);
    const gen = integers ? () => Math.round(rand() * 4) : rand;
    for (const buf of [A, B]) for (let i = 0; i < buf.length; i++) buf.view[i] = gen();
    for (let i = 0; i < M * N; i++) C.view[i] = gen();
    C.view.fill(SENTINEL, M * N);
    const a0 = A.view.slice();
    const b0 = B.view.slice();
    const c0 = C.view.slice(0, M * N);
    const want = exact(layout, a0, b0, c0, M, K, N, acc);

    run(kernels, layout, C, A, B, M, K, N, acc);

    const where = `${kernels.name} ${layout} M=${M} K=${K} N=${N} acc=${acc}`;
    const c = C.view;
    for (let e = 0; e < M * N; e++) {
      const bound = integers ? 0 : (K + 2) * 2 * U32 * want.absSum[e];
      const err = Math.abs(c[e] - want.value[e]);
      if (!(err <= bound)) {
        assert.fail(`${where}: C[${Math.floor(e / N)},${e % N}] = ${c[e]}, want ${want.value[e]} (±${bound})`);
      }
    }
    for (let e = M * N; e < M * N + GUARD; e++) assert.equal(c[e], SENTINEL, `${where}: wrote past C at ${e}`);
    assert.deepEqual(A.view, a0, `${where}: A changed`);
    assert.deepEqual(B.view, b0, `${where}: B changed`);
  } finally {
    arena.release(mark);
  }
}

const ODD = [1, 3, 4, 8, 27, 33];
const LECTURE: [Layout, number, number, number, string][] = [
  ["NN", 32, 30, 200, "hpreact = embcat @ W1"],
  ["NN", 32, 200, 27, "logits = h @ W2"],
  ["NT", 32, 200, 30, "dembcat = dhpreact @ W1ᵀ"],
  ["NT", 32, 27, 200, "dh = dlogits @ W2ᵀ"],
  ["TN", 30, 32, 200, "dW1 = embcatᵀ @ dhpreact"],
  ["TN", 200, 32, 27, "dW2 = hᵀ @ dlogits"],
];
// Panel and packing boundaries: K > 256 (several K panels), N > 256 with M ≥ 16 (packed B), NT panels
// that do not fit the scratch in one piece, and the row/column tails at the edges of each.
const LARGE: [number, number, number][] = [
  [17, 300, 270],
  [16, 257, 257],
  [15, 64, 300],
  [5, 600, 70],
  [20, 40, 900],
  [6, 513, 9],
];

for (const backend of BACKENDS) {
  for (const layout of LAYOUTS) {
    test(`${backend.name} matmul${layout} is exact on integer matrices of sizes 1, 3, 4, 8, 27, 33`, () => {
      let seed = 1;
      for (const M of ODD) for (const K of ODD) for (const N of ODD) {
        for (const acc of [false, true]) check(backend, layout, M, K, N, acc, seed++, true);
      }
    });

    test(`${backend.name} matmul${layout} agrees with float64 on random shapes within float32 rounding`, () => {
      const rand = makeRandom(1000 + LAYOUTS.indexOf(layout));
      for (let t = 0; t < 60; t++) {
        const dim = () => 1 + Math.floor(((rand() + 1) / 2) * 70);
        check(backend, layout, dim(), dim(), dim(), t % 2 === 1, 2000 + t, false);
      }
    });

    test(`${backend.name} matmul${layout} across panel and packing boundaries`, () => {
      for (const [M, K, N] of LARGE) {
        check(backend, layout, M, K, N, false, 3000 + M, true);
        check(backend, layout, M, K, N, true, 4000 + M, false);
      }
    });
  }

  test(`${backend.name} matmul: the lecture's shapes, accumulate off and on`, () => {
    for (const [layout, M, K, N] of LECTURE) {
      for (const acc of [false, true]) {
        check(backend, layout, M, K, N, acc, 5000 + M + K + N, false);
        check(backend, layout, M, K, N, acc, 6000 + M + K + N, true);
      }
    }
  });

  test(`${backend.name} matmul: K = 0 gives zeros (or leaves C when accumulating), empty M or N is a no-op`, () => {
    for (const layout of LAYOUTS) {
      check(backend, layout, 5, 0, 7, false, 1, true);
      check(backend, layout, 5, 0, 7, true, 2, true);
      check(backend, layout, 0, 3, 7, false, 3, true);
      check(backend, layout, 5, 3, 0, true, 4, true);
    }
  });

  test(`${backend.name} matmul refuses sizes that do not fit the buffers and an output that is an input`, () => {
    const mark = arena.mark();
    const A = arena.f32(6);
    const B = arena.f32(6);
    const C = arena.f32(4);
    assert.throws(() => backend.matmulNN(C, A, B, 2, 3, 3), /C has 4 elements, the sizes given need 6/);
    assert.throws(() => backend.matmulNT(C, A, B, 2, 4, 2), /A has 6 elements/);
    assert.throws(() => backend.matmulTN(C, A, B, 2, 3, 3, true), /C has 4 elements/);
    assert.throws(() => backend.matmulNN(A, A, B, 2, 3, 2), /must not be one of the inputs/);
    assert.throws(() => backend.matmulNN(C, A, B, Number.NaN, 3, 2), RangeError);
    backend.matmulNN(C, A, B, 2, 3, 2); // fits: no throw
    arena.release(mark);
    assert.throws(() => backend.matmulNN(C, A, B, 2, 3, 2), /released/);
  });
}

test("the wasm backend refuses buffers from another arena", () => {
  const ts = createTsKernels();
  const mark = arena.mark();
  const A = arena.f32(4);
  const B = arena.f32(4);
  assert.throws(() => wasm.matmulNN(ts.arena.f32(4), A, B, 2, 2, 2), /not in the wasm arena/);
  arena.release(mark);
});
