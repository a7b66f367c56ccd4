// Shared by the kernel tests: a seeded PRNG (never Math.random), float32 helpers, and arena buffers with
// guard values after their n elements, to catch a kernel writing past the sizes it was given.

import assert from "node:assert/strict";
import { wasmKernels, type Arena, type F32Buf } from "../../src/kernels/index.ts";

/** mulberry32: a tiny seeded PRNG; uniform floats in [-1, 1). */
export function makeRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** Fills a typed array with uniform values in [-1, 1). */
export function fillRandom(v: Float32Array, rand: () => number): void {
  for (let i = 0; i < v.length; i++) v[i] = rand();
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 values ordered as integers, so that ulps(a, b) = |key(a) - key(b)|. */
function orderedKey(x: number): number {
  f32[0] = x;
  const b = u32[0];
  return b >= 0x80000000 ? 0x80000000 - b : b;
}

/** Distance in float32 ulps between two float32 values (0 for equal, including +0/-0). */
export function ulps(a: number, b: number): number {
  return Math.abs(orderedKey(a) - orderedKey(b));
}

/** The float32 whose bits are `bits`. */
export function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/** How many guard values follow a guarded buffer's n elements; guard i holds 777 + i. */
export const GUARD = 3;

/** The arena of the wasm backend, where the kernel tests' buffers live unless told otherwise. */
const wasmArena = (): Arena => wasmKernels().arena;

function writeGuards(b: F32Buf, n: number): F32Buf {
  for (let i = 0; i < GUARD; i++) b.view[n + i] = 777 + i;
  return b;
}

/** A buffer of n values offset + scale·U[-1, 1) (n draws of rand), then GUARD guard values. */
export function buf(n: number, rand: () => number, offset = 0, scale = 1, arena: Arena = wasmArena()): F32Buf {
  const b = arena.f32(n + GUARD);
  for (let i = 0; i < n; i++) b.view[i] = offset + scale * rand();
  return writeGuards(b, n);
}

/** A buffer holding `values`, then GUARD guard values. */
export function bufOf(values: ArrayLike<number>, arena: Arena = wasmArena()): F32Buf {
  const b = arena.f32(values.length + GUARD);
  b.view.set(values);
  return writeGuards(b, values.length);
}

/** A buffer of n NaNs (so every element must be written), then GUARD guard values. */
export function nans(n: number, arena: Arena = wasmArena()): F32Buf {
  const b = arena.f32(n + GUARD);
  b.view.fill(NaN, 0, n);
  return writeGuards(b, n);
}

/** Fails unless the GUARD values after b's first n elements are still the guards (777 + i). */
export function guardKept(b: F32Buf, n: number, what: string): void {
  for (let i = 0; i < GUARD; i++) assert.equal(b.view[n + i], 777 + i, `${what}: wrote element ${n + i} past ${n}`);
}

/** Fails unless |got − want| ≤ bound (NaN fails). */
export function near(got: number, want: number, bound: number, what: string): void {
  if (!(Math.abs(got - want) <= bound)) assert.fail(`${what}: got ${got}, want ${want} (bound ${bound})`);
}
