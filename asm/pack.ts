// The packing scratch: static areas inside the module (below __heap_base, so the arena never hands
// them out) where a panel of B, and a block of 8 rows of A, are copied, as they are or transposed,
// before the register-blocked core (gemm_strips.ts) runs over them. A contiguous panel is read at full
// cache-line and prefetch efficiency and stays in L2 (128 KiB; the L2 of the machine this was tuned on
// is 512 KiB per core). The strip layout (packStrips, packStripsT): the panel cut into strips of 8
// columns, each strip its R rows of 8 floats one after the other, so the core's 4×8 block reads one
// contiguous run whatever B's row stride (a panel row of 512 floats put every row of a block in the same
// two L1 sets), and the columns past C are zeros, so every block is a full one (padding is not stored).
// One set of areas per thread: the instances of the module that share its memory (src/kernels/threads.ts)
// each pack into their own, picked once with setPackThread.
// Letters: R rows and C columns of the source; pointers are byte offsets, strides in floats.

import { loadPartial } from "./lanes";

/** Capacity of the packing scratch, in floats. */
export const PACK_FLOATS: i32 = 32768;
/** Most rows (the summed dimension) per panel. */
export const PACK_KC: i32 = 256;
/** Threads that can pack at once: one set of areas each (src/kernels/threads.ts's MAX_THREADS). */
export const PACK_THREADS: i32 = 4;
/** Bytes of one thread's areas: the panel of B, then the block of A. */
const AREA: usize = (<usize>PACK_FLOATS << 2) + (<usize>PACK_KC << 5);
/** Every thread's areas, one after the other (zeros: no data segment, nothing a second instance copies). */
const areas: usize = memory.data(<i32>AREA * PACK_THREADS, 16);
/** Byte offset of this instance's panel scratch (a global: each instance has its own). */
export let pack: usize = areas;
/** This instance's block of 8 rows of A, PACK_KC steps of 8 floats (packRows, packRowsT; gemm_strips.ts). */
export let packA: usize = areas + (<usize>PACK_FLOATS << 2);

/**
 * Makes this instance pack into thread t's areas (t in 0..PACK_THREADS-1; the calling thread is 0, the
 * default): two instances on one shared memory must never pack into the same bytes, so any other t
 * traps (test/kernels/threads.test.ts holds PACK_THREADS to threads.ts's MAX_THREADS).
 */
export function setPackThread(t: i32): void {
  if (<u32>t >= <u32>PACK_THREADS) unreachable();
  const base = areas + <usize>t * AREA;
  pack = base;
  packA = base + (<usize>PACK_FLOATS << 2);
}

/** dst = src[R,C] (row stride lds) as strips of 8 columns (R·8 floats each), the columns past C zero. */
export function packStrips(dst: usize, src: usize, lds: i32, R: i32, C: i32): void {
  const ss = <usize>lds << 2;
  const zero = f32x4.splat(0);
  let d = dst;
  for (let j = 0; j < C; j += 8) {
    const w = C - j;
    let p = src + (<usize>j << 2);
    if (w >= 8) {
      for (let k = 0; k < R; k++) {
        v128.store(d, v128.load(p));
        v128.store(d, v128.load(p, 16), 16);
        p += ss;
        d += 32;
      }
    } else {
      for (let k = 0; k < R; k++) {
        v128.store(d, w >= 4 ? v128.load(p) : loadPartial(p, w));
        v128.store(d, w > 4 ? loadPartial(p + 16, w - 4) : zero, 16);
        p += ss;
        d += 32;
      }
    }
  }
}

/**
 * Rows x0..x3 of a 4×4 block, transposed in registers, stored as 4 rows of a strip (32 bytes apart)
 * from q: q[0] = (x00 x10 x20 x30), q[32] = (x01 x11 x21 x31), …
 */
@inline function storeTransposed(x0: v128, x1: v128, x2: v128, x3: v128, q: usize): void {
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5); // x00 x10 x01 x11
  const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5); // x20 x30 x21 x31
  const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7); // x02 x12 x03 x13
  const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7); // x22 x32 x23 x33
  v128.store(q, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(q, i64x2.shuffle(t0, t1, 1, 3), 32);
  v128.store(q, i64x2.shuffle(t2, t3, 0, 2), 64);
  v128.store(q, i64x2.shuffle(t2, t3, 1, 3), 96);
}

/**
 * dst = src[C,R]ᵀ (row stride lds) as strips of 8 columns, the columns past C zero: strip s, row k holds
 * src[8s..8s+8, k]. 4×4 blocks transposed in registers, the last 1..3 rows of each strip one by one.
 */
export function packStripsT(dst: usize, src: usize, lds: i32, R: i32, C: i32): void {
  // each strip is a block of (up to) 8 source rows packed k-major: packRows's layout
  let d = dst;
  for (let j = 0; j < C; j += 8) {
    packRows(d, src + <usize>j * (<usize>lds << 2), lds, R, min(C - j, 8));
    d += <usize>R << 5;
  }
}

/**
 * dst[k·8 + r] = src[r·lds + k] for k < kc, r < rows ≤ 8 (a block of A's rows, k-major), 0 for r ≥ rows:
 * 4×4 blocks transposed in registers, the last 1..3 steps one by one.
 */
export function packRows(dst: usize, src: usize, lds: i32, kc: i32, rows: i32): void {
  const ss = <usize>lds << 2;
  const zero = f32x4.splat(0);
  for (let h = 0; h < 8; h += 4) { // rows 0..3, then 4..7
    const n = rows - h;
    const s0 = src + <usize>h * ss;
    const dh = dst + (<usize>h << 2);
    let k = 0;
    if (n >= 4) {
      for (; k + 4 <= kc; k += 4) {
        const p = s0 + (<usize>k << 2);
        const x0 = v128.load(p), x1 = v128.load(p + ss), x2 = v128.load(p + 2 * ss), x3 = v128.load(p + 3 * ss);
        storeTransposed(x0, x1, x2, x3, dh + (<usize>k << 5));
      }
    }
    for (; k + 4 <= kc; k += 4) { // fewer than 4 rows left: the missing ones read as zeros
      const p = s0 + (<usize>k << 2);
      const x0 = n > 0 ? v128.load(p) : zero;
      const x1 = n > 1 ? v128.load(p + ss) : zero;
      const x2 = n > 2 ? v128.load(p + 2 * ss) : zero;
      const x3 = n > 3 ? v128.load(p + 3 * ss) : zero;
      storeTransposed(x0, x1, x2, x3, dh + (<usize>k << 5));
    }
    for (; k < kc; k++) {
      const p = s0 + (<usize>k << 2);
      const q = dh + (<usize>k << 5);
      store<f32>(q, n > 0 ? load<f32>(p) : 0);
      store<f32>(q, n > 1 ? load<f32>(p + ss) : 0, 4);
      store<f32>(q, n > 2 ? load<f32>(p + 2 * ss) : 0, 8);
      store<f32>(q, n > 3 ? load<f32>(p + 3 * ss) : 0, 12);
    }
  }
}

/** dst[k·8 + r] = src[k·lds + r] for k < kc, r < rows ≤ 8 (a block of Aᵀ's rows: TN), 0 for r ≥ rows. */
export function packRowsT(dst: usize, src: usize, lds: i32, kc: i32, rows: i32): void {
  const step = <usize>lds << 2;
  let q = src;
  let d = dst;
  if (rows == 8) {
    for (let k = 0; k < kc; k++) {
      v128.store(d, v128.load(q));
      v128.store(d, v128.load(q, 16), 16);
      q += step;
      d += 32;
    }
  } else {
    for (let k = 0; k < kc; k++) {
      v128.store(d, rows >= 4 ? v128.load(q) : loadPartial(q, rows));
      v128.store(d, rows > 4 ? loadPartial(q + 16, rows - 4) : f32x4.splat(0), 16);
      q += step;
      d += 32;
    }
  }
}
