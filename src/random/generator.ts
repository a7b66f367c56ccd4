// `Generator`: PyTorch's CPU torch.Generator, reproduced draw for draw (SPEC §2–§5): manual_seed,
// the mt19937 words, rand, randn (both paths), randint (both word widths), multinomial (both
// algorithms), randperm (both loops), and a state that can be saved in a checkpoint and restored.
// Every float32 step rounds like the x86 AVX2 build of PyTorch (GCC, fused multiply-adds), so values
// match bit for bit.
//
// Sizes are a number or a shape; results are row-major typed arrays of numel elements.

import { ConfigError } from "../errors.ts";
import { MT19937, MT_N } from "./mt19937.ts";
import { cephesLn, cephesSincos, sincosOut } from "./float32.ts";
import { multinomialInto, type MultinomialOptions } from "./multinomial.ts";

/** Which PyTorch generation's streams to reproduce where they differ (SPEC §9). */
export type TorchVersion = "2.x" | "1.13";

export interface GeneratorOptions {
  /** "2.x" (default) or "1.13": randint's 64-bit threshold, log vs log1p, multinomial(k=1, replacement). */
  torchVersion?: TorchVersion;
}

/** Everything needed to continue a stream exactly: JSON-serializable, for checkpoints. */
export interface GeneratorState {
  kind: "torch.Generator";
  torchVersion: TorchVersion;
  /** The u64 seed as a decimal string. */
  seed: string;
  /** The 624 mt19937 words. */
  mt: number[];
  /** Read index 0..624. */
  idx: number;
  /** The scalar randn path's cached double normal, or null. */
  normalCache: number | null;
}

export type Size = number | readonly number[];

/** PyTorch's seed of a `torch.Generator()` that was never seeded. */
export const DEFAULT_TORCH_SEED = 67280421310721n;
const TWO_PI = 2 * Math.PI;
const TWO_PI_F32 = Math.fround(2 * Math.PI);
const U64 = (1n << 64n) - 1n;

/** Number of elements of a size; validates it. */
export function numelOf(size: Size): number {
  const dims = typeof size === "number" ? [size] : size;
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ConfigError(`invalid size ${JSON.stringify(size)}: dimensions must be non-negative integers`);
    }
    n *= d;
  }
  return n;
}

export class Generator {
  readonly torchVersion: TorchVersion;
  private readonly engine = new MT19937();
  private seedValue = DEFAULT_TORCH_SEED;
  private normalCache: number | null = null;
  /** Scratch float32 block for randn's fill path (16 values). */
  private readonly block = new Float32Array(16);

  constructor(seed?: number | bigint, options: GeneratorOptions = {}) {
    this.torchVersion = options.torchVersion ?? "2.x";
    if (this.torchVersion !== "2.x" && this.torchVersion !== "1.13") {
      throw new ConfigError(`unknown torchVersion "${String(this.torchVersion)}": use "2.x" or "1.13"`);
    }
    this.manualSeed(seed ?? DEFAULT_TORCH_SEED);
  }

  /** torch.Generator.manual_seed: the seed is taken mod 2^64; its low 32 bits seed the twister. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
      throw new ConfigError(`seed must be an integer (got ${seed}); pass a bigint for seeds beyond 2^53`);
    }
    const s = BigInt.asUintN(64, BigInt(seed));
    this.seedValue = s;
    this.engine.initGenrand(Number(s & 0xffffffffn));
    this.normalCache = null;
    return this;
  }

  /** torch.Generator.initial_seed: the full u64 seed. */
  initialSeed(): bigint {
    return this.seedValue;
  }

  /** The next raw u32 word (torch's `random()`). */
  nextU32(): number {
    return this.engine.nextU32();
  }

  /** The next raw u64 (torch's `random64()`): two words, the first is the high half. */
  nextU64(): bigint {
    const hi = this.engine.nextU32();
    const lo = this.engine.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A float32 uniform in [0,1): the low 24 bits of one word. */
  uniformFloat32(): number {
    return (this.engine.nextU32() & 0xffffff) * 2 ** -24;
  }

  /** A float64 uniform in [0,1): the low 53 bits of one random64(). */
  uniformFloat64(): number {
    const a = this.engine.nextU32();
    const b = this.engine.nextU32();
    return ((a & 0x1fffff) * 4294967296 + b) * 2 ** -53;
  }

  /** torch.rand(size) in float32. */
  rand(size: Size): Float32Array {
    const out = new Float32Array(numelOf(size));
    for (let i = 0; i < out.length; i++) out[i] = this.uniformFloat32();
    return out;
  }

  /** torch.rand(size, dtype=float64). */
  randFloat64(size: Size): Float64Array {
    const out = new Float64Array(numelOf(size));
    for (let i = 0; i < out.length; i++) out[i] = this.uniformFloat64();
    return out;
  }

  /** torch.randn(size) in float32. */
  randn(size: Size): Float32Array {
    return this.randnInto(new Float32Array(numelOf(size)));
  }

  /** Fills `out` as torch.randn(out.length) would (no allocation); returns it. */
  randnInto(out: Float32Array): Float32Array {
    const n = out.length;
    if (n < 16) {
      for (let i = 0; i < n; i++) out[i] = this.scalarNormal();
      return out;
    }
    // Fill path (SPEC §4.2): n uniforms, 16-element Box–Muller blocks, the tail block redrawn.
    for (let i = 0; i < n; i++) out[i] = this.uniformFloat32();
    for (let i = 0; i + 16 <= n; i += 16) normalBlock(out, i);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = this.uniformFloat32();
      normalBlock(out, n - 16);
    }
    return out;
  }

  /** torch.randn(size, dtype=float64) (SPEC §4.3: double Box–Muller with libm). */
  randnFloat64(size: Size): Float64Array {
    const n = numelOf(size);
    const out = new Float64Array(n);
    if (n < 16) {
      for (let i = 0; i < n; i++) out[i] = this.scalarNormal();
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = this.uniformFloat64();
    const block = (start: number) => {
      for (let j = 0; j < 8; j++) {
        const u1 = 1 - out[start + j];
        const u2 = out[start + j + 8];
        const radius = Math.sqrt(-2 * Math.log(u1));
        const theta = TWO_PI * u2;
        out[start + j] = radius * Math.cos(theta);
        out[start + j + 8] = radius * Math.sin(theta);
      }
    };
    for (let i = 0; i + 16 <= n; i += 16) block(i);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = this.uniformFloat64();
      block(n - 16);
    }
    return out;
  }

  /** One normal from the scalar path (SPEC §4.1): double Box–Muller, the second value cached. */
  private scalarNormal(): number {
    if (this.normalCache !== null) {
      const v = this.normalCache;
      this.normalCache = null;
      return v;
    }
    const u1 = this.uniformFloat64();
    const u2 = this.uniformFloat64();
    const lnTerm = this.torchVersion === "1.13" ? Math.log(1 - u2) : Math.log1p(-u2);
    const r = Math.sqrt(-2 * lnTerm);
    const theta = TWO_PI * u1;
    this.normalCache = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * torch.randint(low, high, size): uniform integers in [low, high), returned as int32 (PyTorch
   * returns int64; use `randint64` for bounds outside int32). One word per element, or a random64()
   * when the range reaches the version's threshold (2^28 in 2.x, 2^32 in 1.13).
   */
  randint(low: number, high: number, size: Size): Int32Array {
    return this.randintInto(new Int32Array(numelOf(size)), low, high);
  }

  /** Fills `out` as torch.randint(low, high, (out.length,)) would (no allocation); returns it. */
  randintInto(out: Int32Array, low: number, high: number): Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < -(2 ** 31) || high > 2 ** 31) {
      throw new ConfigError(`randint bounds must be int32 integers (got ${low}, ${high}); use randint64`);
    }
    const range = high - low;
    if (range <= 0) throw new ConfigError(`randint expects low < high (got low=${low}, high=${high})`);
    if (range >= this.wideThreshold()) {
      const r = BigInt(range);
      for (let i = 0; i < out.length; i++) out[i] = Number(this.nextU64() % r) + low;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = (this.engine.nextU32() % range) + low;
    }
    return out;
  }

  /** torch.randint with int64 bounds. */
  randint64(low: bigint, high: bigint, size: Size): BigInt64Array {
    const range = high - low;
    if (range <= 0n) throw new ConfigError(`randint expects low < high (got low=${low}, high=${high})`);
    if (range > U64) throw new ConfigError(`randint range ${range} exceeds 2^64`);
    const out = new BigInt64Array(numelOf(size));
    const wide = range >= BigInt(this.wideThreshold());
    for (let i = 0; i < out.length; i++) {
      const v = wide ? this.nextU64() % range : BigInt(this.engine.nextU32()) % range;
      out[i] = BigInt.asIntN(64, v + low);
    }
    return out;
  }

  private wideThreshold(): number {
    return this.torchVersion === "1.13" ? 2 ** 32 : 2 ** 28;
  }

  /**
   * torch.randperm(n): a random permutation of 0..n-1, as int32 (PyTorch returns int64). n − 1 words
   * for n < RANDPERM_RANDOM64_MIN_N in every version; from there on 2.x draws 2n words (see
   * `randpermInto`). n = 0 and n = 1 draw nothing.
   */
  randperm(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) {
      throw new ConfigError(`randperm expects an integer n in 0..2^31 (got ${n})`);
    }
    return this.randpermInto(new Int32Array(n));
  }

  /**
   * Fills `out` with torch.randperm(out.length) (no allocation); returns it. PyTorch's randperm_cpu
   * (aten/src/ATen/native/TensorFactories.cpp) has two loops:
   *  - the swap loop, `for (i = 0; i < n - 1; i++) { z = generator->random() % (n - i);
   *    swap(r[i], r[z + i]); }` over r = 0..n-1: torch 1.13 uses it for every n (verified against
   *    real 1.13 up to n = 214748364, test/fixtures/rng/randperm-torch1.13.json), as did 2.0–2.5;
   *  - since pytorch/pytorch#143682 (merged Dec 2024, relanded as #143875 and #144735; in releases
   *    from about 2.6 on) the swap loop is kept only
   *    `if (n < std::numeric_limits<uint32_t>::max() / 20)`, i.e. n < 214748364; larger n use the
   *    inside-out Fisher–Yates `for (i = 0; i < n; i++) { z = generator->random64() % (i + 1);
   *    r[i] = r[z]; r[z] = i; }` (two words per element).
   * torchVersion "2.x" follows that newer source (read, not run: no torch 2.x here); "1.13" never
   * switches. Below 214748364 elements (≈ 860 MB of int32) all versions give the same permutation.
   */
  randpermInto(out: Int32Array): Int32Array {
    if (this.torchVersion === "2.x" && out.length >= RANDPERM_RANDOM64_MIN_N) return randpermInsideOutInto(this, out);
    return randpermSwapInto(this, out);
  }

  /**
   * torch.multinomial(probs, numSamples, replacement): indices drawn from each row of `probs`
   * (one distribution of `categories` entries, or `probs.length / categories` rows), row after row.
   */
  multinomial(
    probs: Float32Array | Float64Array,
    numSamples: number,
    options: MultinomialOptions = {},
  ): Int32Array {
    const categories = options.categories ?? probs.length;
    const rows = categories === 0 ? 0 : probs.length / categories;
    const out = new Int32Array(rows * numSamples);
    return multinomialInto(this, out, probs, numSamples, options);
  }

  /** exponential_(lambd): one float64 uniform per value, -ln(1-u)/lambd (log1p in 2.x). */
  exponential(lambd = 1): number {
    const u = this.uniformFloat64();
    const l = this.torchVersion === "1.13" ? Math.log(1 - u) : Math.log1p(-u);
    return (-1 / lambd) * l;
  }

  /** A snapshot of the stream, to restore with `setState` (e.g. from a checkpoint's config.json). */
  getState(): GeneratorState {
    return {
      kind: "torch.Generator",
      torchVersion: this.torchVersion,
      seed: this.seedValue.toString(),
      mt: Array.from(this.engine.mt),
      idx: this.engine.idx,
      normalCache: this.normalCache,
    };
  }

  /** Restores a state from `getState` (validated: a malformed state throws ConfigError). */
  setState(state: GeneratorState): this {
    const bad = (what: string) => new ConfigError(`invalid generator state: ${what}`);
    if (state === null || typeof state !== "object" || state.kind !== "torch.Generator") {
      throw bad('not a "torch.Generator" state');
    }
    if (state.torchVersion !== this.torchVersion) {
      throw bad(`it was saved with torchVersion ${state.torchVersion}, this generator is ${this.torchVersion}`);
    }
    if (!Array.isArray(state.mt) || state.mt.length !== MT_N) throw bad(`mt must hold ${MT_N} words`);
    if (!state.mt.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) throw bad("mt words must be u32");
    if (!Number.isInteger(state.idx) || state.idx < 0 || state.idx > MT_N) throw bad(`idx must be 0..${MT_N}`);
    if (state.normalCache !== null && typeof state.normalCache !== "number") throw bad("normalCache");
    if (typeof state.seed !== "string" || !/^\d+$/.test(state.seed)) throw bad("seed must be a decimal string");
    this.seedValue = BigInt.asUintN(64, BigInt(state.seed));
    this.engine.mt.set(state.mt);
    this.engine.idx = state.idx;
    this.normalCache = state.normalCache;
    return this;
  }

  /** An independent copy of this generator at its current position. */
  clone(): Generator {
    return new Generator(0, { torchVersion: this.torchVersion }).setState(this.getState());
  }
}

/**
 * From this n on, newer PyTorch's randperm (≈ 2.6+, see `Generator.randpermInto`) draws random64()
 * in the inside-out loop: `std::numeric_limits<uint32_t>::max() / 20` = 4294967295 / 20 (integer
 * division).
 */
export const RANDPERM_RANDOM64_MIN_N = 214748364;

/**
 * randperm_cpu's swap loop (every n in 1.13, n < RANDPERM_RANDOM64_MIN_N in 2.x): `out` = 0..n-1,
 * then for i < n − 1 one word z = random() % (n − i) and swap out[i] ↔ out[i + z]. Exported for tests;
 * use `Generator.randperm`.
 */
export function randpermSwapInto(g: Generator, out: Int32Array): Int32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const j = i + (g.nextU32() % (n - i));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * randperm_cpu's inside-out loop (2.x, n >= RANDPERM_RANDOM64_MIN_N): for i < n, z = random64() %
 * (i + 1) (first word high), out[i] = out[z], out[z] = i. The u64 remainder is taken without BigInt:
 * (hi·2^32 + lo) mod m = ((hi mod m)·2^16·2^16 + lo) mod m, every step below 2^53 for m <= 2^31.
 * Exported for tests; use `Generator.randperm`.
 */
export function randpermInsideOutInto(g: Generator, out: Int32Array): Int32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const hi = g.nextU32();
    const lo = g.nextU32();
    const m = i + 1;
    let z = hi % m;
    z = (z * 65536) % m;
    z = (z * 65536) % m;
    z = (z + lo) % m;
    out[i] = out[z]; // when z === i this reads a stale value, overwritten just below (PyTorch: r[i] = i first)
    out[z] = i;
  }
  return out;
}

/**
 * Box–Muller on one 16-element block of float32 uniforms, in place: element j pairs with j+8
 * (SPEC §4.2: u1 = 1 − d[j], u2 = d[j+8], radius·cos → d[j], radius·sin → d[j+8]).
 */
function normalBlock(d: Float32Array, start: number): void {
  const f = Math.fround;
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - d[start + j]);
    const u2 = d[start + j + 8];
    const radius = f(Math.sqrt(f(-2 * cephesLn(u1))));
    const theta = f(TWO_PI_F32 * u2);
    cephesSincos(theta);
    d[start + j] = radius * sincosOut.cos;
    d[start + j + 8] = radius * sincosOut.sin;
  }
}
