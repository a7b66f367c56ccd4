// Shared by the kernel tests: a seeded PRNG (never Math.random) and float32 helpers.

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
