// The memory arena: float32 and int32 buffers (and float64, for sums) carved out of a
// WebAssembly.Memory (the kernels' module's own memory, see wasm-kernels.ts), so the WebAssembly
// kernels work on them in place and a training step copies nothing in or out and allocates nothing.
//
// A bump allocator with a stack discipline: buffers for the model's lifetime are allocated first;
// scratch buffers between `mark()` and `release(mark)` (or `reset()`), which frees everything
// allocated after the mark and marks those handles released (using one throws). Every buffer starts
// on a 64-byte boundary (a cache line; 16 would do for v128). The memory grows on demand.
//
// Growing an ordinary WebAssembly.Memory detaches its old ArrayBuffer, and every typed array on it reads
// as length 0. A handle's `view` getter notices that (one length comparison) and re-creates the view on
// the new buffer, so a view taken from `.view` is always live; do not keep a view in a variable across
// an allocation that may grow the memory, take `.view` again. (The kernels' memory is shared where the
// runtime allows it, wasm_memory.ts: its old buffer is never detached, the views on it stay valid.)
//
// A wasm32 memory holds at most 65536 pages of 64 KiB, 4 GiB (less if the memory declares a smaller
// maximum; our module declares 4 GiB, see scripts/build-wasm.mjs). Node 20 and 24 grow it to exactly
// that; an engine short of address space may refuse earlier. Either way an allocation that does not
// fit is an OutOfMemoryError (one line for the CLI), never a RangeError. `PlanArena` allocates nothing:
// it counts what a sequence of allocations would take (src/models/memory.ts checks a model's sizes
// with it before building the model).

import { OutOfMemoryError } from "../errors.ts";

/** Alignment of every buffer, in bytes. */
export const ALIGN = 64;
const PAGE = 65536;
/** The most a 32-bit WebAssembly memory can hold: 65536 pages of 64 KiB, 4 GiB. */
export const WASM32_MAX_BYTES = 65536 * PAGE;

const EMPTY_F32 = new Float32Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

/** What F32Buf, I32Buf and F64Buf share: where the buffer is, how long, and whether it is still allocated. */
abstract class ArenaBuf<V extends Float32Array | Int32Array | Float64Array> {
  /** The owning arena. */
  readonly arena: Arena;
  /** Byte offset in the arena's memory (a multiple of ALIGN, but for a slice): what the wasm kernels take. */
  readonly ptr: number;
  /** Number of elements. */
  readonly length: number;
  protected cached: V;
  private isReleased = false;
  /** For a slice (Arena.slice): the buffer it lies in, whose release ends it too. */
  private readonly parent: ArenaBuf<V> | null;

  constructor(arena: Arena, ptr: number, length: number, empty: V, parent: ArenaBuf<V> | null = null) {
    this.arena = arena;
    this.ptr = ptr;
    this.length = length;
    this.cached = empty;
    this.parent = parent;
  }

  /** A typed array over the buffer, always on the memory's current ArrayBuffer (empty if length 0). */
  get view(): V {
    const v = this.cached;
    if (v.length === this.length) return v;
    return this.refresh();
  }

  /** False once a `release`/`reset` of the arena has freed this buffer. */
  get live(): boolean {
    return !this.isReleased && (this.parent === null || this.parent.live);
  }

  /** Bytes the buffer spans. */
  get byteLength(): number {
    return this.length * this.cached.BYTES_PER_ELEMENT;
  }

  protected abstract makeView(buffer: ArrayBuffer): V;
  protected abstract emptyView(): V;

  /** Called by the arena on release: later uses of `view` throw, the wasm wrappers refuse the buffer. */
  markReleased(): void {
    this.isReleased = true;
    this.cached = this.emptyView();
  }

  private refresh(): V {
    if (this.arena.planOnly) return this.cached; // a planned buffer has no memory: its view stays empty
    if (!this.live) {
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

  protected emptyView(): Float32Array {
    return EMPTY_F32;
  }
}

/** An int32 buffer in an arena (e.g. the character indices an embedding looks up). */
export class I32Buf extends ArenaBuf<Int32Array> {
  protected makeView(buffer: ArrayBuffer): Int32Array {
    return new Int32Array(buffer, this.ptr, this.length);
  }

  protected emptyView(): Int32Array {
    return EMPTY_I32;
  }
}

/** A float64 buffer in an arena (sums that must not round to float32: BatchNorm's calibration). */
export class F64Buf extends ArenaBuf<Float64Array> {
  protected makeView(buffer: ArrayBuffer): Float64Array {
    return new Float64Array(buffer, this.ptr, this.length);
  }

  protected emptyView(): Float64Array {
    return EMPTY_F64;
  }
}

/** A position to return to with `release`. */
export type ArenaMark = number;

export interface ArenaOptions {
  /**
   * The most bytes the memory may grow to (default: the memory's declared maximum where the engine
   * tells it, else 4 GiB, the wasm32 limit).
   */
  maxBytes?: number;
}

/** Bump allocator of F32Buf/I32Buf/F64Buf over a WebAssembly.Memory, from byte `base` upwards. */
export class Arena {
  readonly memory: WebAssembly.Memory;
  /** First byte the arena may use (aligned). */
  readonly base: number;
  private readonly limit: number;
  private top: number;
  private peak: number;
  private readonly bufs: (F32Buf | I32Buf | F64Buf)[] = [];

  /**
   * An arena over `memory` from byte `base` up. Use `wasmArena()` (wasm-kernels.ts) for the kernels'
   * module and `new Arena()` for a standalone memory (the TS backend); never two arenas on one memory.
   */
  constructor(memory: WebAssembly.Memory = new WebAssembly.Memory({ initial: 1 }), base = 0, options: ArenaOptions = {}) {
    this.memory = memory;
    this.base = alignUp(base);
    this.top = this.base;
    this.peak = this.base;
    this.limit = Math.min(options.maxBytes ?? declaredMaximum(memory), WASM32_MAX_BYTES);
  }

  /** The most bytes the memory can hold: no buffer ends above this (4 GiB, or the declared maximum). */
  get bytesLimit(): number {
    return this.limit;
  }

  /** True for a PlanArena: buffers have a place and a size but no memory (their views are empty). */
  get planOnly(): boolean {
    return false;
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

  /** A float64 buffer of `length` elements, zero-filled. */
  f64(length: number): F64Buf {
    const buf = new F64Buf(this, this.take(length, "f64", 8), length, EMPTY_F64);
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

  /**
   * Elements [offset, offset + length) of `buf` as a buffer of their own, in the same memory (no copy):
   * one time step of a (T, B, H) sequence, for a kernel that takes (B, H). Made once, when a model is
   * built, not per step; released with `buf`.
   */
  slice(buf: F32Buf, offset: number, length: number): F32Buf {
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= buf.length)) {
      throw new RangeError(`Arena.slice: [${offset}, ${offset + length}) is outside the buffer's ${buf.length} elements`);
    }
    if (buf.arena !== this) throw new RangeError("Arena.slice: the buffer is not in this arena");
    return new F32Buf(this, buf.ptr + 4 * offset, length, EMPTY_F32, buf);
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
      bufs.pop()!.markReleased();
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

  /** The most bytes that were handed out at once (scratch released since included). */
  get bytesPeak(): number {
    return this.peak - this.base;
  }

  /** Bytes that can still be handed out before the memory is full (`bytesLimit` minus the top). */
  get bytesFree(): number {
    return Math.max(0, this.bytesLimit - this.top);
  }

  /** Bytes of memory in all (grows with allocation). */
  get bytesCapacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Reserves room for `length` elements of `bytes` bytes and returns its byte offset. */
  private take(length: number, what: string, bytes = 4): number {
    if (!(length >= 0) || !(Number.isInteger(length) || (length === Infinity && this.planOnly))) {
      throw new RangeError(`Arena.${what}: length must be a non-negative integer, got ${length}`);
    }
    const ptr = this.top;
    // even a 0-length buffer takes ALIGN bytes, so every handle has its own ptr (release relies on it)
    const end = ptr + alignUp(Math.max(length * bytes, 1));
    this.ensure(end, length * bytes);
    this.top = end;
    if (end > this.peak) this.peak = end;
    return ptr;
  }

  /**
   * Makes bytes [0, end) exist: grows the memory at least 1 MiB or a quarter more at a time. Throws an
   * OutOfMemoryError (nothing allocated) above `bytesLimit` or when the engine refuses to grow.
   */
  protected ensure(end: number, bytes: number): void {
    const refuse = (why: string) =>
      new OutOfMemoryError(
        `the WebAssembly memory cannot take another buffer of ${formatBytes(bytes)}: ` +
          `it would need ${formatBytes(end)} in all and ${why}; the model or the batch is too large, use smaller sizes`,
      );
    if (end > this.bytesLimit) throw refuse(`holds at most ${formatBytes(this.bytesLimit)}`);
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE) - havePages;
    const room = Math.max(needPages, Math.floor(this.bytesLimit / PAGE) - havePages);
    const pages = Math.min(Math.max(needPages, 16, Math.ceil(havePages / 4)), room);
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch (e) {
        throw refuse(`this engine refused to grow it beyond ${formatBytes(have)} (${(e as Error).message})`);
      }
    }
  }
}

/**
 * An arena that allocates nothing: it hands out buffers with a place and a size but no memory (their
 * views are empty, writes to them are lost) and counts the bytes, so that `bytesPeak` is what the same
 * allocations would take in a real arena (alignment included). A dry run of a model's construction.
 */
export class PlanArena extends Arena {
  constructor() {
    // no WebAssembly.Memory either: creating one reserves address space (V8: about 10 GiB of it on
    // 64-bit hosts), which a process under `ulimit -v` may not have
    super(NO_MEMORY, 0);
  }

  override get planOnly(): boolean {
    return true;
  }

  /** No limit: a plan counts what allocations would take, whatever their size. */
  override get bytesLimit(): number {
    return Infinity;
  }

  override f32From(values: ArrayLike<number>): F32Buf {
    return this.f32(values.length);
  }

  override i32From(values: ArrayLike<number>): I32Buf {
    return this.i32(values.length);
  }

  /** Nothing to grow: sizes beyond any memory are counted too (as floating-point numbers when huge). */
  protected override ensure(): void {}
}

/** PlanArena's memory: empty, and never grown (its `ensure` does nothing, its views stay empty). */
const NO_MEMORY = {
  buffer: new ArrayBuffer(0),
  grow(): number {
    throw new Error("a PlanArena has no memory to grow");
  },
} as unknown as WebAssembly.Memory;

/** The memory's declared maximum in bytes if the engine tells it (the type-reflection API), else 4 GiB. */
function declaredMaximum(memory: WebAssembly.Memory): number {
  const type = (memory as { type?: () => { maximum?: number } }).type;
  const max = typeof type === "function" ? type.call(memory).maximum : undefined;
  return typeof max === "number" && Number.isFinite(max) ? max * PAGE : WASM32_MAX_BYTES;
}

/** Bytes in the largest unit that keeps a number of at least 1: "512 B", "96 KiB", "23.3 GiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (!Number.isFinite(v)) return "an unbounded amount";
  const digits = u === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${parseFloat(v.toFixed(digits))} ${units[u]}`;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
