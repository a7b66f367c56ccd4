// The packing scratch: a static area inside the module (below __heap_base, so the arena never
// hands it out) where a panel of B is copied, contiguous or transposed, before the register-blocked
// core (gemm.ts) runs over it. A contiguous panel is read at full cache-line and prefetch efficiency
// and stays in L2 (128 KiB; the L2 of the machine this was tuned on is 512 KiB per core). One area per
// thread: the instances of the module that share its memory (src/kernels/threads.ts) each pack into
// their own, picked once with setPackThread.
// Letters: R rows and C columns of the source; pointers are byte offsets, strides in floats.

/** Capacity of the packing scratch, in floats. */
export const PACK_FLOATS: i32 = 32768;
/** Most rows (the summed dimension) per panel. */
export const PACK_KC: i32 = 256;
/** Threads that can pack at once: one scratch each (src/kernels/threads.ts's MAX_THREADS). */
export const PACK_THREADS: i32 = 4;
/** The scratch areas of all threads, one after the other (zeros: no data segment, nothing to copy). */
const packAreas: usize = memory.data((PACK_FLOATS << 2) * PACK_THREADS, 16);
/** Byte offset of this instance's scratch (a global: each instance has its own). */
export let pack: usize = packAreas;

/**
 * Makes this instance pack into thread t's scratch (t in 0..PACK_THREADS-1; the calling thread is 0, the
 * default): two instances on one shared memory must never pack into the same bytes.
 */
export function setPackThread(t: i32): void {
  pack = packAreas + (<usize>(t < 0 ? 0 : t >= PACK_THREADS ? PACK_THREADS - 1 : t) * (<usize>PACK_FLOATS << 2));
}

/** dst[R,C] = src[R,C] with row strides ldd (dst) and lds (src). */
export function copyRows(dst: usize, ldd: i32, src: usize, lds: i32, R: i32, C: i32): void {
  const bytes = <usize>C << 2;
  for (let r = 0; r < R; r++) {
    memory.copy(dst + (<usize>(r * ldd) << 2), src + (<usize>(r * lds) << 2), bytes);
  }
}

/** dst[C,R] = src[R,C]ᵀ with row strides ldd (dst) and lds (src): 4×4 blocks in registers, then tails. */
export function transpose(dst: usize, ldd: i32, src: usize, lds: i32, R: i32, C: i32): void {
  const sd = <usize>ldd << 2;
  const ss = <usize>lds << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const s = src + (<usize>r * ss);
    const d = dst + (<usize>r << 2);
    let col = 0;
    for (; col + 4 <= C; col += 4) {
      const p = s + (<usize>col << 2);
      const x0 = v128.load(p);
      const x1 = v128.load(p + ss);
      const x2 = v128.load(p + 2 * ss);
      const x3 = v128.load(p + 3 * ss);
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5); // x00 x10 x01 x11
      const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5); // x20 x30 x21 x31
      const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7); // x02 x12 x03 x13
      const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7); // x22 x32 x23 x33
      const q = d + <usize>col * sd;
      v128.store(q, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(q + sd, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(q + 2 * sd, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(q + 3 * sd, i64x2.shuffle(t2, t3, 1, 3));
    }
    for (; col < C; col++) {
      const p = s + (<usize>col << 2);
      const q = d + <usize>col * sd;
      store<f32>(q, load<f32>(p));
      store<f32>(q, load<f32>(p + ss), 4);
      store<f32>(q, load<f32>(p + 2 * ss), 8);
      store<f32>(q, load<f32>(p + 3 * ss), 12);
    }
  }
  for (; r < R; r++) {
    const s = src + (<usize>r * ss);
    const d = dst + (<usize>r << 2);
    for (let col = 0; col < C; col++) store<f32>(d + <usize>col * sd, load<f32>(s + (<usize>col << 2)));
  }
}
