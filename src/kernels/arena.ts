// The memory arena: float32 and int32 buffers carved out of a WebAssembly.Memory (the kernels'
// module's own memory, see wasm-kernels.ts), so the WebAssembly kernels work on them in place and a
// training step copies nothing in or out and allocates nothing.
//
// A bump allocator with a stack discipline: buffers for the model's lifetime are allocated first;
// scratch buffers between `mark()` and `release(mark)` (or `reset()`), which frees everything
// allocated after the mark and marks those handles released (using one throws). Every buffer starts
// on a 64-byte boundary (a cache line; 16 would do for v128). The memory grows on demand.
//
// Growing a WebAssembly.Memory detaches its old ArrayBuffer, and every typed array on it reads as
// length 0. A handle's `view` getter notices that (one length comparison) and re-creates the view on
// the new buffer, so a view taken from `.view` is always live; do not keep a view in a variable across
// an allocation that may grow the memory, take `.view` again.

/** Alignment of every buffer, in bytes. */
export const ALIGN = 64;
const PAGE = 65536;

const EMPTY_F32 = new Float32Array(0);
const EMPTY_I32 = new Int32Array(0);

/** What F32Buf and I32Buf share: where the buffer is, how long, and whether it is still allocated. */
abstract class ArenaBuf<V extends Float32Array | Int32Array> {
  /** The owning arena. */
  readonly arena: Arena;
  /** Byte offset in the arena's memory (a multiple of ALIGN): what the wasm kernels take. */
  readonly ptr: number;
  /** Number of elements. */
  readonly length: number;
  protected cached: V;
  private isReleased = false;

  constructor(arena: Arena, ptr: number, length: number, empty: V) {
    this.arena = arena;
    this.ptr = ptr;
    this.length = length;
    this.cached = empty;
  }

  /** A typed array over the buffer, always on the memory's current ArrayBuffer (empty if length 0). */
  get view(): V {
    const v = this.cached;
    if (v.length === this.length) return v;
    return this.refresh();
  }

  /** False once a `release`/`reset` of the arena has freed this buffer. */
  get live(): boolean {
    return !this.isReleased;
  }

  /** Bytes the buffer spans. */
  get byteLength(): number {
    return this.length * 4;
  }

  protected abstract makeView(buffer: ArrayBuffer): V;

  /** Called by the arena on release: later uses of `view` throw, the wasm wrappers refuse the buffer. */
  markReleased(empty: V): void {
    this.isReleased = true;
    this.cached = empty;
  }

  private refresh(): V {
    if (this.isReleased) {
      throw new Error(
        `arena buffer at byte ${this.ptr} (${this.length} elements) was released by Arena.release/reset; ` +
          "allocate a new one",
      );
    }
    this.cached = this.makeView(this.arena.memory.buffer);
    return this.cached;
  }
}

/** A float32 buffer in an arena. */
export class F32Buf extends ArenaBuf<Float32Array> {
  protected makeView(buffer: ArrayBuffer): Float32Array {
    return new Float32Array(buffer, this.ptr, this.length);
  }
}

/** An int32 buffer in an arena (e.g. the character indices an embedding looks up). */
export class I32Buf extends ArenaBuf<Int32Array> {
  protected makeView(buffer: ArrayBuffer): Int32Array {
    return new Int32Array(buffer, this.ptr, this.length);
  }
}

/** A position to return to with `release`. */
export type ArenaMark = number;

/** Bump allocator of F32Buf/I32Buf over a WebAssembly.Memory, from byte `base` upwards. */
export class Arena {
  readonly memory: WebAssembly.Memory;
  /** First byte the arena may use (aligned). */
  readonly base: number;
  private top: number;
  private readonly bufs: (F32Buf | I32Buf)[] = [];

  /**
   * An arena over `memory` from byte `base` up. Use `wasmArena()` (wasm-kernels.ts) for the kernels'
   * module and `new Arena()` for a standalone memory (the TS backend); never two arenas on one memory.
   */
  constructor(memory: WebAssembly.Memory = new WebAssembly.Memory({ initial: 1 }), base = 0) {
    this.memory = memory;
    this.base = alignUp(base);
    this.top = this.base;
  }

  /** A float32 buffer of `length` elements, zero-filled. */
  f32(length: number): F32Buf {
    const buf = new F32Buf(this, this.take(length, "f32"), length, EMPTY_F32);
    this.bufs.push(buf);
    buf.view.fill(0);
    return buf;
  }

  /** A float32 buffer holding a copy of `values`. */
  f32From(values: ArrayLike<number>): F32Buf {
    const buf = this.f32(values.length);
    buf.view.set(values);
    return buf;
  }

  /** An int32 buffer of `length` elements, zero-filled. */
  i32(length: number): I32Buf {
    const buf = new I32Buf(this, this.take(length, "i32"), length, EMPTY_I32);
    this.bufs.push(buf);
    buf.view.fill(0);
    return buf;
  }

  /** An int32 buffer holding a copy of `values`. */
  i32From(values: ArrayLike<number>): I32Buf {
    const buf = this.i32(values.length);
    buf.view.set(values);
    return buf;
  }

  /** The current top, to `release` back to (scratch allocation). */
  mark(): ArenaMark {
    return this.top;
  }

  /** Frees every buffer allocated since `mark` (their handles become unusable). */
  release(mark: ArenaMark): void {
    if (!(mark >= this.base && mark <= this.top && mark % ALIGN === 0)) {
      throw new RangeError(`Arena.release: ${mark} is not a mark of this arena (base ${this.base}, top ${this.top})`);
    }
    const bufs = this.bufs;
    while (bufs.length > 0 && bufs[bufs.length - 1].ptr >= mark) {
      const buf = bufs.pop()!;
      if (buf instanceof F32Buf) buf.markReleased(EMPTY_F32);
      else buf.markReleased(EMPTY_I32);
    }
    this.top = mark;
  }

  /** Frees every buffer. */
  reset(): void {
    this.release(this.base);
  }

  /** Bytes handed out (including alignment padding). */
  get bytesUsed(): number {
    return this.top - this.base;
  }

  /** Bytes of memory in all (grows with allocation). */
  get bytesCapacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Reserves room for `length` 4-byte elements and returns its byte offset. */
  private take(length: number, what: string): number {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`Arena.${what}: length must be a non-negative integer, got ${length}`);
    }
    const ptr = this.top;
    // even a 0-length buffer takes ALIGN bytes, so every handle has its own ptr (release relies on it)
    const end = ptr + alignUp(Math.max(length * 4, 1));
    this.ensure(end);
    this.top = end;
    return ptr;
  }

  /** Grows the memory so that bytes [0, end) exist; at least 1 MiB or a quarter more at a time. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE) - havePages;
    const pages = Math.max(needPages, 16, Math.ceil(havePages / 4));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch (e) {
        throw new RangeError(
          `Arena: cannot grow the WebAssembly memory to ${end} bytes (${(e as Error).message}); ` +
            "the model or batch is too large for one wasm32 memory (4 GiB)",
        );
      }
    }
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
