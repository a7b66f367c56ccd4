// EmbeddingBag in sum mode with fixed bags of K indices (asm/embedding_bag.ts): torch.nn.EmbeddingBag(
// mode="sum") on an (R, K) input (https://pytorch.org/docs/stable/generated/torch.nn.EmbeddingBag.html),
// and its gradient. makemore.py's MLP, as src/nn/context_linear.ts computes it, is one: pre = b +
// Σ_k P[ctx[r,k]·T + k] over P's V = (vocabulary + 1)·T rows. The contract, the plain-TypeScript
// reference and the WebAssembly wrappers (which check the indices with one wasm call, asm checkIndices,
// first). Both backends add in float32 in the same order (a bag's rows for k = 0..K−1 from +0; a table
// element's contributions in the order (r, k)), so they agree bit for bit.
//
//   embeddingBagSum:         out[r,:] = Σ_{k<K} table[idx[r·K+k],:]     // (V,E), (R·K) -> (R,E)
//   embeddingBagScatterAdd:  dtable[idx[r·K+k],:] += dout[r,:]          // (R,E), (R·K) -> (V,E)
//
// Letters: R bags (rows of the output), K indices per bag, V rows of the table, E its width.

import type { F32Buf, I32Buf } from "../arena.ts";
import { checkLimit, different, firstBadIndex, KernelIndexError, need, type WasmContext } from "../common.ts";

/** The embedding-bag kernels of `Kernels`. */
export interface EmbeddingBagKernels {
  /**
   * out[r,:] = Σ_{k<K} table[idx[r·K+k],:] for r < R  // (V,E), (R·K) -> (R,E), out overwritten; idx in
   * 0..V−1 (a KernelIndexError naming the first bad position otherwise, nothing written).
   */
  embeddingBagSum(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, K: number, V: number, E: number): void;
  /**
   * dtable[idx[r·K+k],:] += dout[r,:] for r < R, then k < K, in order (repeated indices add up)
   * // (R,E) -> (V,E); the same index check.
   */
  embeddingBagScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, K: number, V: number, E: number): void;
}

/** Throws unless R, K, E are non-negative integers (V is checked by checkLimit). */
function checkDims(op: string, R: number, K: number, E: number): void {
  for (const [name, v] of [["R", R], ["K", K], ["E", E]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer (got ${v})`);
  }
}

// ---- TypeScript reference

const fr = Math.fround;

function checkBag(
  op: string, table: F32Buf, rows: F32Buf, idx: I32Buf, R: number, K: number, V: number, E: number,
  tableName: string, rowsName: string,
): void {
  checkDims(op, R, K, E);
  checkLimit(V, op);
  need(table, V * E, tableName, op);
  need(rows, R * E, rowsName, op);
  need(idx, R * K, "idx", op);
  different(table, rows, tableName, rowsName, op);
  const bad = firstBadIndex(idx.view, R * K, V);
  if (bad >= 0) throw new KernelIndexError(op, "idx", bad, idx.view[bad], V);
}

/** The TS backend's embedding-bag kernels. */
export const tsEmbeddingBag: EmbeddingBagKernels = {
  /** out[r,:] = Σ_k table[idx[r·K+k],:], float32 from +0 in k order */
  embeddingBagSum(out, table, idx, R, K, V, E) {
    checkBag("embeddingBagSum", table, out, idx, R, K, V, E, "table", "out");
    const t = table.view, o = out.view, ix = idx.view;
    for (let r = 0; r < R; r++) {
      for (let e = 0; e < E; e++) {
        let s = 0;
        for (let k = 0; k < K; k++) s = fr(s + t[ix[r * K + k] * E + e]);
        o[r * E + e] = s;
      }
    }
  },

  /** dtable[idx[r·K+k],:] += dout[r,:] in (r, k) order */
  embeddingBagScatterAdd(dtable, dout, idx, R, K, V, E) {
    checkBag("embeddingBagScatterAdd", dtable, dout, idx, R, K, V, E, "dtable", "dout");
    const dt = dtable.view, d = dout.view, ix = idx.view;
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) {
        const base = ix[r * K + k] * E;
        for (let e = 0; e < E; e++) dt[base + e] += d[r * E + e];
      }
    }
  },
};

// ---- WebAssembly

/** The wasm backend's embedding-bag kernels over `ctx`'s module and arena. */
export function wasmEmbeddingBag(ctx: WasmContext): EmbeddingBagKernels {
  const w = ctx.w;

  /** Checks the sizes, a table of V·E floats and R·K indices into its V rows (a KernelIndexError for a bad one). */
  function ownBag(
    op: string, table: F32Buf, tableName: string, rows: F32Buf, rowsName: string, idx: I32Buf,
    R: number, K: number, V: number, E: number,
  ): void {
    checkDims(op, R, K, E);
    checkLimit(V, op);
    ctx.own(table, V * E, tableName, op);
    ctx.own(rows, R * E, rowsName, op);
    ctx.own(idx, R * K, "idx", op);
    different(table, rows, tableName, rowsName, op);
    const bad = R * K > 0 ? w.checkIndices(idx.ptr, R * K, V) : -1;
    if (bad >= 0) throw new KernelIndexError(op, "idx", bad, idx.view[bad], V);
  }

  return {
    embeddingBagSum(out, table, idx, R, K, V, E) {
      ownBag("embeddingBagSum", table, "table", out, "out", idx, R, K, V, E);
      w.embeddingBagSumF32(out.ptr, table.ptr, idx.ptr, R, K, E);
    },

    embeddingBagScatterAdd(dtable, dout, idx, R, K, V, E) {
      ownBag("embeddingBagScatterAdd", dtable, "dtable", dout, "dout", idx, R, K, V, E);
      w.embeddingBagScatterAddF32(dtable.ptr, dout.ptr, idx.ptr, R, K, E);
    },
  };
}
