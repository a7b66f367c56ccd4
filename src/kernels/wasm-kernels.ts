// The WebAssembly SIMD backend: thin wrappers that check sizes against the buffers (so a wrong size
// is a RangeError, never a write into another buffer) and pass byte offsets to the module's kernels
// (asm/). One arena over the module's memory, `wasmArena()`, holds every buffer these kernels touch.
// Per call: a few comparisons and one wasm call; nothing is allocated. See kernels.ts for the contract.
//
// Letters: M rows of the output, N its columns, K the dimension a product sums over; n a length.

import { Arena, type F32Buf } from "./arena.ts";
import { distinct, need, type Kernels } from "./kernels.ts";
import { wasmExports, type WasmExports } from "./wasm.ts";

let arena: Arena | undefined;
let kernels: WasmKernels | undefined;

/** The arena over the kernels' module memory (one per module instance). */
export function wasmArena(): Arena {
  if (arena === undefined) {
    const w = wasmExports();
    arena = new Arena(w.memory, w.heapBase());
  }
  return arena;
}

/** The WebAssembly backend; its buffers come from `wasmArena()` (or `kernels.arena`). */
export function wasmKernels(): Kernels {
  kernels ??= new WasmKernels(wasmExports(), wasmArena());
  return kernels;
}

class WasmKernels implements Kernels {
  readonly name = "wasm";

  constructor(
    private readonly w: WasmExports,
    readonly arena: Arena,
  ) {}

  /** Throws unless `buf` is in this backend's arena, live, and holds at least n elements. */
  private own(buf: F32Buf, n: number, what: string, op: string): void {
    if (buf.arena !== this.arena) {
      throw new RangeError(`${op}: ${what} is not in the wasm arena; allocate it with wasmArena()`);
    }
    need(buf, n, what, op);
  }

  matmulNN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulNN";
    this.own(C, M * N, "C", op);
    this.own(A, M * K, "A", op);
    this.own(B, K * N, "B", op);
    distinct(C, A, B, op);
    this.w.matmulNN(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  matmulNT(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulNT";
    this.own(C, M * N, "C", op);
    this.own(A, M * K, "A", op);
    this.own(B, N * K, "B", op);
    distinct(C, A, B, op);
    this.w.matmulNT(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  matmulTN(C: F32Buf, A: F32Buf, B: F32Buf, M: number, K: number, N: number, accumulate = false): void {
    const op = "matmulTN";
    this.own(C, M * N, "C", op);
    this.own(A, K * M, "A", op);
    this.own(B, K * N, "B", op);
    distinct(C, A, B, op);
    this.w.matmulTN(C.ptr, A.ptr, B.ptr, M, K, N, accumulate ? 1 : 0);
  }

  fill(x: F32Buf, value: number, n: number = x.length): void {
    this.own(x, n, "x", "fill");
    this.w.fillF32(x.ptr, n, value);
  }

  axpy(y: F32Buf, alpha: number, x: F32Buf, n: number = y.length): void {
    this.own(y, n, "y", "axpy");
    this.own(x, n, "x", "axpy");
    this.w.axpyF32(y.ptr, alpha, x.ptr, n);
  }

  addRow(Y: F32Buf, b: F32Buf, M: number, N: number): void {
    this.own(Y, M * N, "Y", "addRow");
    this.own(b, N, "b", "addRow");
    this.w.addRowF32(Y.ptr, b.ptr, M, N);
  }

  colSum(out: F32Buf, X: F32Buf, M: number, N: number, accumulate = false): void {
    this.own(out, N, "out", "colSum");
    this.own(X, M * N, "X", "colSum");
    this.w.colSumF32(out.ptr, X.ptr, M, N, accumulate ? 1 : 0);
  }

  tanh(y: F32Buf, x: F32Buf, n: number = x.length): void {
    this.own(y, n, "y", "tanh");
    this.own(x, n, "x", "tanh");
    this.w.tanhF32(y.ptr, x.ptr, n);
  }

  tanhBackward(dx: F32Buf, y: F32Buf, dy: F32Buf, n: number = y.length, accumulate = false): void {
    this.own(dx, n, "dx", "tanhBackward");
    this.own(y, n, "y", "tanhBackward");
    this.own(dy, n, "dy", "tanhBackward");
    this.w.tanhBackwardF32(dx.ptr, y.ptr, dy.ptr, n, accumulate ? 1 : 0);
  }

  sum(x: F32Buf, n: number = x.length): number {
    this.own(x, n, "x", "sum");
    return this.w.sumF32(x.ptr, n);
  }
}
