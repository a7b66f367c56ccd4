// The order of the matrix products' sums, bit for bit, in both builds of the module: every element of C
// must be the one chain c ← c + a_k·b_k over k = 0, 1, …, K−1 from c = 0 (or from C when accumulating),
// each step one fused, once-rounded multiply-add in the relaxed build and a multiply then an add in the
// plain one. The PyTorch fixtures and byte-exact resume rest on it; register blocks, packing, padded
// strips and ragged tails (asm/gemm.ts, asm/pack.ts) may change how the work is cut, never this order.
// The reference here is that chain in float64 arithmetic rounded to float32 (fma32 below, checked
// against the exact BigInt oracle first), on shapes that reach every block and tail, the lecture's and
// the zoo's shapes, and panels of K and N.
//
// Letters: C[M,N] = A·B summed over K; layouts NN A[M,K]·B[K,N], NT A[M,K]·B[N,K]ᵀ, TN A[K,M]ᵀ·B[K,N].

import { test } from "node:test";
import assert from "node:assert/strict";
import { createWasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { instantiateWasm, relaxedSimdSupported, WASM_VARIANTS, type WasmVariant } from "../../src/kernels/wasm.ts";
import { exactFma } from "./exact_fma.ts";
import { makeRandom } from "./helpers.ts";

type Layout = "NN" | "NT" | "TN";
const fr = Math.fround;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to x (a float32, not ±0) in the direction of `up`. */
function nextF32(x: number, up: boolean): number {
  f32[0] = x;
  u32[0] += up === x > 0 ? 1 : -1;
  return f32[0];
}

/**
 * fl32(a·b + c) rounded once, for float32 a, b, c: a·b is exact in float64, the sum s rounded once to
 * float64 with its exact error e (TwoSum). Rounding s to float32 is then right except where s is exactly
 * halfway between two float32s and e ≠ 0: there the exact sum lies on e's side of the halfway point.
 */
function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  const f = fr(s);
  if (e === 0 || f === s) return f;
  const g = nextF32(f, s > f); // the float32 on s's other side
  if (Math.abs(s - f) !== Math.abs(g - s)) return f;
  return (e > 0) === (g > f) ? g : f;
}

/** c + a·b as a build computes it: fused (relaxed) or a multiply then an add, each rounded (simd). */
function step(fused: boolean): (a: number, b: number, c: number) => number {
  return fused ? fma32 : (a, b, c) => fr(c + fr(a * b));
}

test("fma32 is the once-rounded a·b + c of the exact oracle, double-rounding cases included", () => {
  const rand = makeRandom(77);
  // exact a·b + c = 1 + 2⁻²³ + 2⁻²⁴ − 2⁻⁷⁰: float64 rounds it to the float32 halfway point, whose tie
  // goes to 1 + 2⁻²², the exact value below it to 1 + 2⁻²³
  const a = fr(2 ** -12 * (1 + 2 ** -23)), b = fr(2 ** -12 * (1 - 2 ** -23)), c = fr(1 + 2 ** -23);
  assert.equal(exactFma(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(a, b, -c), -(1 + 2 ** -23));
  for (let i = 0; i < 5000; i++) {
    const scale = 2 ** Math.round(rand() * 20);
    const [x, y, z] = [fr(rand()), fr(rand() * scale), fr(rand() / scale)];
    assert.equal(fma32(x, y, z), exactFma(x, y, z), `fma32(${x}, ${y}, ${z})`);
  }
});

/** The chain, element by element, in the layout's indexing. */
function reference(
  fused: boolean, layout: Layout, a: Float32Array, b: Float32Array, c0: Float32Array, M: number, K: number, N: number, acc: boolean,
): Float32Array {
  const madd = step(fused);
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = acc ? c0[i * N + j] : 0;
      for (let k = 0; k < K; k++) {
        const x = layout === "TN" ? a[k * M + i] : a[i * K + k];
        const y = layout === "NT" ? b[j * K + k] : b[k * N + j];
        s = madd(x, y, s);
      }
      out[i * N + j] = s;
    }
  }
  return out;
}

// Rows 1..9 and 17..23 (every tail of the 4- and 8-row blocks, unpacked and packed), 1..7 columns past
// a strip (the 4×8 blocks' padded last strip, the 8×4 block of a last 1..4 columns), K with
// and without a multiple of 4 (packStripsT's tails) and past one panel (257, 300); then the lecture's
// and the zoo's shapes (src/nn/linear.ts, src/nn/context_linear.ts) and B wider than one packed panel.
const SHAPES: [number, number, number][] = [
  ...[1, 2, 3, 5, 6, 7, 9, 17, 21, 22, 23].flatMap((M): [number, number, number][] => [[M, 5, 13], [M, 7, 11], [M, 3, 12]]),
  ...[1, 3, 4, 5, 7, 8, 9, 12, 15, 17].map((N): [number, number, number] => [18, 6, N]),
  [17, 1, 9], [16, 257, 30], [19, 300, 21], [6, 513, 9],
  [32, 30, 200], [32, 200, 27], [32, 200, 30], [32, 27, 200], [30, 32, 200], [200, 32, 27],
  [512, 64, 192], [512, 192, 64], [192, 512, 64], [512, 64, 27], [27, 512, 64], [512, 27, 64],
  [28, 64, 1024], [28, 1024, 64], [1024, 28, 64], [20, 40, 900], [16, 257, 600],
];

function run(k: Kernels, layout: Layout, C: Parameters<Kernels["matmulNN"]>[0], A: typeof C, B: typeof C, M: number, K: number, N: number, acc: boolean): void {
  if (layout === "NN") k.matmulNN(C, A, B, M, K, N, acc);
  else if (layout === "NT") k.matmulNT(C, A, B, M, K, N, acc);
  else k.matmulTN(C, A, B, M, K, N, acc);
}

for (const variant of WASM_VARIANTS as readonly WasmVariant[]) {
  const skip = variant === "relaxed" && !relaxedSimdSupported() ? "this runtime has no relaxed SIMD" : false;
  test(`${variant}: each element of C is the chain c + a·b over k in order, bit for bit, every layout and tail`, { skip }, () => {
    const k = createWasmKernels(instantiateWasm(variant));
    const arena = k.arena;
    const rand = makeRandom(variant === "relaxed" ? 11 : 12);
    for (const layout of ["NN", "NT", "TN"] as const) {
      for (const [M, K, N] of SHAPES) {
        for (const acc of [false, true]) {
          const mark = arena.mark();
          const A = arena.f32(M * K), B = arena.f32(K * N), C = arena.f32(M * N);
          for (const buf of [A, B, C]) for (let e = 0; e < buf.length; e++) buf.view[e] = rand();
          const want = reference(variant === "relaxed", layout, A.view, B.view, C.view.slice(), M, K, N, acc);
          run(k, layout, C, A, B, M, K, N, acc);
          const got = new Uint32Array(C.view.buffer, C.view.byteOffset, M * N);
          const bits = new Uint32Array(want.buffer);
          for (let e = 0; e < M * N; e++) {
            if (got[e] !== bits[e]) {
              assert.fail(`${variant} ${layout} M=${M} K=${K} N=${N} acc=${acc}: C[${Math.floor(e / N)},${e % N}] = ${C.view[e]}, the chain gives ${want[e]}`);
            }
          }
          arena.release(mark);
        }
      }
    }
  });
}
