// The whole-model kernels of a training step (asm/sgd.ts): the lectures' SGD update of every parameter,
// `p.data += -lr * p.grad`, and zeroing every gradient, each in one call. The contract, the
// plain-TypeScript reference and the WebAssembly wrappers.
//
// The arithmetic is axpy's and fill's (ops/elementwise.ts), parameter by parameter, to the bit: the
// update is fl32(p + fl32(alpha·g)), a multiply and an add each rounded to float32 (PyTorch's
// `p.data += -lr * p.grad` with the scalar rounded to float32 first), never a fused multiply-add. What
// the fusion saves is the calls: a step of the lectures' model updates 7 parameters and zeroes their 7
// gradients, 14 wrapper calls and 14 crossings into wasm that become 2.
//
// The wasm kernels read the parameters from a table in the module's static memory (byte offsets of data
// and grad, and the length, per parameter). A list of parameters is written into it on its first call
// and only checked afterwards (every buffer still in the arena, live, its offsets the ones in the
// table): a model's list goes in once and stays, and a different list (another model, an optimizer over
// some of the parameters) rewrites only the entries that differ.
//
// Letters: n the length of one parameter.

import type { Arena, F32Buf } from "../arena.ts";
import { need, type WasmContext } from "../common.ts";

/** A parameter as these kernels see it: its values and its gradient (as many floats as the values). */
export interface GradPair {
  readonly data: F32Buf;
  readonly grad: F32Buf;
}

/** The whole-model kernels of `Kernels`. */
export interface SgdKernels {
  /**
   * p.data[0..n) += alpha · p.grad[0..n) for every p of `params` (n = p.data.length): the same bytes as
   * `axpy(p.data, alpha, p.grad)` for each in turn. alpha is rounded to float32 (the caller passes
   * fl32(−lr)).
   */
  sgd(params: readonly GradPair[], alpha: number): void;
  /** p.grad[0..n) = 0 for every p of `params` (n = p.data.length): `fill(p.grad, 0, n)` for each. */
  zeroGrads(params: readonly GradPair[]): void;
}

// ---- TypeScript reference

/** The TS backend's whole-model kernels. */
export const tsSgd: SgdKernels = {
  sgd(params, alpha) {
    checkPairs(params, "sgd", null);
    const a = Math.fround(alpha);
    for (const p of params) {
      const y = p.data.view, x = p.grad.view;
      // fl32(y + fl32(a·x)): two float32 roundings, as axpy
      for (let i = 0; i < y.length; i++) y[i] += Math.fround(a * x[i]);
    }
  },

  zeroGrads(params) {
    checkPairs(params, "zeroGrads", null);
    for (const p of params) p.grad.view.fill(0, 0, p.data.length);
  },
};

/**
 * Throws unless every pair's buffers are live, in `arena` (the wasm backend's; null: any), with grad as
 * long as data. The test allocates nothing; the messages (need's, with the parameter's index) are
 * built only for the pair that fails.
 */
function checkPairs(params: readonly GradPair[], op: string, arena: Arena | null): void {
  for (let i = 0; i < params.length; i++) {
    const { data, grad } = params[i];
    const inArena = arena === null || (data.arena === arena && grad.arena === arena);
    if (!(inArena && data.live && grad.live && grad.length >= data.length)) {
      for (const [buf, n, what] of [[data, 0, "data"], [grad, data.length, "grad"]] as const) {
        if (arena !== null && buf.arena !== arena) throw new RangeError(`${op}: params[${i}].${what} is not in the wasm arena; allocate it with wasmArena()`);
        need(buf, n, `params[${i}].${what}`, op);
      }
    }
  }
}

// ---- WebAssembly

/** Int32 words per table entry: data offset, grad offset, length (asm/sgd.ts). */
const ENTRY = 3;

/** The wasm backend's whole-model kernels over `ctx`'s module and arena. */
export function wasmSgd(ctx: WasmContext): SgdKernels {
  const w = ctx.w;
  const base = w.sgdTable();
  const capacity = w.sgdTableEntries();
  let table = new Int32Array(0);

  /**
   * Checks params[from, from + count) and makes table entries 0..count−1 theirs (writing only the
   * entries that differ: none, after the first call with a list).
   */
  function load(params: readonly GradPair[], from: number, count: number): void {
    if (table.length === 0) table = new Int32Array(ctx.arena.memory.buffer, base, capacity * ENTRY); // (again) after the memory grew
    for (let i = 0; i < count; i++) {
      const p = params[from + i];
      const e = i * ENTRY;
      if (table[e] !== p.data.ptr || table[e + 1] !== p.grad.ptr || table[e + 2] !== p.data.length) {
        table[e] = p.data.ptr;
        table[e + 1] = p.grad.ptr;
        table[e + 2] = p.data.length;
      }
    }
  }

  return {
    sgd(params, alpha) {
      checkPairs(params, "sgd", ctx.arena);
      // chunks of the table's capacity (one for any model of this repository)
      for (let from = 0; from < params.length; from += capacity) {
        const count = Math.min(capacity, params.length - from);
        load(params, from, count);
        w.sgdF32(base, count, alpha);
      }
    },

    zeroGrads(params) {
      checkPairs(params, "zeroGrads", ctx.arena);
      for (let from = 0; from < params.length; from += capacity) {
        const count = Math.min(capacity, params.length - from);
        load(params, from, count);
        w.zeroGradsF32(base, count);
      }
    },
  };
}
