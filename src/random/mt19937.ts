// MT19937, the Mersenne Twister shared by PyTorch's CPU generator and CPython's `random`
// (Matsumoto & Nishimura 1998). Two seedings: `initGenrand` (PyTorch's manual_seed) and
// `initByArray` (CPython's random.seed). All arithmetic is u32: Math.imul for products, `>>> 0` after
// sums, so every word equals the C implementation's (SPEC §1).

export const MT_N = 624;
const MT_M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

export class MT19937 {
  /** The 624 state words. */
  readonly mt = new Uint32Array(MT_N);
  /** Read index into `mt`; 624 means "twist before the next read". */
  idx = MT_N;

  /** PyTorch's seeding (init_genrand) from a u32. */
  initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < MT_N; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.idx = MT_N;
  }

  /** CPython's seeding (init_by_array) from u32 key words, least significant first. */
  initByArray(key: ArrayLike<number>): void {
    const mt = this.mt;
    const len = key.length;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(MT_N, len); k > 0; k--) {
      const prev = mt[i - 1];
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] >>> 0) + j) >>> 0;
      i++;
      j++;
      if (i >= MT_N) {
        mt[0] = mt[MT_N - 1];
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = MT_N - 1; k > 0; k--) {
      const prev = mt[i - 1];
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= MT_N) {
        mt[0] = mt[MT_N - 1];
        i = 1;
      }
    }
    mt[0] = UPPER;
    this.idx = MT_N;
  }

  /** Regenerates all 624 words in place. */
  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < MT_N; k++) {
      const y = (mt[k] & UPPER) | (mt[(k + 1) % MT_N] & LOWER);
      mt[k] = (mt[(k + MT_M) % MT_N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.idx = 0;
  }

  /** The next tempered u32. */
  nextU32(): number {
    if (this.idx >= MT_N) this.twist();
    let y = this.mt[this.idx++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Copies another twister's state into this one. */
  copyFrom(other: MT19937): void {
    this.mt.set(other.mt);
    this.idx = other.idx;
  }
}
