// `PyRandom`: CPython's `random` module (random.seed with an int, random(), getrandbits, _randbelow,
// shuffle, randint), reproduced exactly (SPEC §6). The lectures split names.txt with
// `random.seed(42); random.shuffle(words)`; this is what makes our split the same as theirs.

import { ConfigError } from "../errors.ts";
import { MT19937 } from "./mt19937.ts";

export class PyRandom {
  private readonly engine = new MT19937();

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** random.seed(a) for an integer a: |a| split into 32-bit words, least significant first. */
  seed(a: number | bigint): this {
    if (typeof a === "number" && !Number.isSafeInteger(a)) {
      throw new ConfigError(`PyRandom.seed expects an integer (got ${a}); pass a bigint beyond 2^53`);
    }
    let v = BigInt(a);
    if (v < 0n) v = -v;
    const key: number[] = [];
    do {
      key.push(Number(v & 0xffffffffn));
      v >>= 32n;
    } while (v > 0n);
    this.engine.initByArray(key);
    return this;
  }

  /** random.random(): a float64 in [0,1) from two words (27 + 26 high bits). */
  random(): number {
    const a = this.engine.nextU32() >>> 5;
    const b = this.engine.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** random.getrandbits(k) for 0 ≤ k ≤ 32, as a number: the top k bits of one word. */
  getrandbits32(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) throw new ConfigError(`getrandbits32 needs 0 <= k <= 32 (got ${k})`);
    if (k === 0) return 0;
    return this.engine.nextU32() >>> (32 - k);
  }

  /** random.getrandbits(k), any k ≥ 0: ⌈k/32⌉ words, least significant first, the last one shifted. */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new ConfigError(`getrandbits needs a non-negative integer (got ${k})`);
    if (k <= 32) return BigInt(this.getrandbits32(k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let w = this.engine.nextU32();
      if (left < 32) w >>>= 32 - left;
      result |= BigInt(w) << shift;
      shift += 32n;
    }
    return result;
  }

  /** random._randbelow(n): getrandbits(bit_length(n)) until below n (n ≥ 1). */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`randbelow needs an integer n >= 1 (got ${n})`);
    if (n <= 0xffffffff) {
      const k = 32 - Math.clz32(n);
      let r = this.getrandbits32(k);
      while (r >= n) r = this.getrandbits32(k);
      return r;
    }
    const big = BigInt(n);
    const k = big.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= big) r = this.getrandbits(k);
    return Number(r);
  }

  /** random.randint(a, b): an integer in [a, b], both ends included. */
  randint(a: number, b: number): number {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) {
      throw new ConfigError(`randint needs integers a <= b (got ${a}, ${b})`);
    }
    return a + this.randbelow(b - a + 1);
  }

  /** random.shuffle(x), in place: Fisher–Yates from the end, j = _randbelow(i + 1). */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }
}
