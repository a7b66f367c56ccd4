// What the op files (ops/*.ts) share: the argument checks both backends run before touching memory (a
// wrong size or a bad index is an exception, never a write into another buffer), KernelIndexError, and
// the wasm backend's context (its module's exports and arena) that each op's wasm wrappers close over.

import type { Arena, F32Buf, F64Buf, I32Buf } from "./arena.ts";
import type { WasmExports } from "./wasm.ts";

/** An index kernel (embedding, cross-entropy) got an index outside its table; nothing was written. */
export class KernelIndexError extends RangeError {
  constructor(
    op: string,
    what: string,
    /** Position in the index buffer. */
    readonly position: number,
    /** The offending value. */
    readonly value: number,
    /** Valid values are 0..limit−1. */
    readonly limit: number,
  ) {
    super(`${op}: ${what}[${position}] = ${value} is outside 0..${limit - 1}`);
    this.name = "KernelIndexError";
  }
}

/** Throws unless `buf` is live and holds at least `n` elements (NaN or negative sizes fail too). */
export function need(buf: F32Buf | I32Buf | F64Buf, n: number, what: string, op: string): void {
  if (!(buf.length >= n) || !(n >= 0) || !buf.live) {
    throw new RangeError(
      buf.live
        ? `${op}: ${what} has ${buf.length} elements, the sizes given need ${n}`
        : `${op}: ${what} was released (Arena.release/reset)`,
    );
  }
}

/** Throws if the output of a matrix product is one of its inputs (the kernels do not support it). */
export function distinct(C: F32Buf, A: F32Buf, B: F32Buf, op: string): void {
  if (C === A || C === B) throw new RangeError(`${op}: the output C must not be one of the inputs A, B`);
}

/** Throws if two buffers that must differ (an output and an input it is computed from) are one. */
export function different(a: F32Buf, b: F32Buf, whatA: string, whatB: string, op: string): void {
  if (a === b) throw new RangeError(`${op}: ${whatA} and ${whatB} must be different buffers`);
}

/** The first position r < n with idx[r] outside 0..limit−1, or −1 (the TS twin of asm checkIndices). */
export function firstBadIndex(idx: Int32Array, n: number, limit: number): number {
  for (let r = 0; r < n; r++) {
    const t = idx[r];
    if (!(t >= 0 && t < limit)) return r;
  }
  return -1;
}

/** Throws unless V, a count of table rows or classes, is a non-negative integer. */
export function checkLimit(V: number, op: string): void {
  if (!Number.isInteger(V) || V < 0) throw new RangeError(`${op}: V must be a non-negative integer (got ${V})`);
}

/** The wasm backend's module and arena, shared by the op files' wasm wrappers (one per module instance). */
export class WasmContext {
  constructor(
    readonly w: WasmExports,
    readonly arena: Arena,
  ) {}

  /** Throws unless `buf` is in this backend's arena, live, and holds at least n elements. */
  own(buf: F32Buf | I32Buf | F64Buf, n: number, what: string, op: string): void {
    if (buf.arena !== this.arena) {
      throw new RangeError(`${op}: ${what} is not in the wasm arena; allocate it with wasmArena()`);
    }
    need(buf, n, what, op);
  }
}
