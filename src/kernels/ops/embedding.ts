// Embedding lookup and its gradient with int32 indices (asm/embedding.ts; torch.nn.Embedding, the
// lectures' C[Xb]): gather and scatter-add. The contract, the plain-TypeScript reference and the
// WebAssembly wrappers (which check the indices with one wasm call, asm checkIndices, first).
//
// Letters: R indices, V rows of the table, E its width.

import type { F32Buf, I32Buf } from "../arena.ts";
import { checkLimit, different, firstBadIndex, KernelIndexError, need, type WasmContext } from "../common.ts";

/** The embedding kernels of `Kernels`. */
export interface EmbeddingKernels {
  /** out[r,:] = table[idx[r],:]  // (V,E), (R) -> (R,E); idx in 0..V−1 (a KernelIndexError otherwise). */
  embeddingGather(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, V: number, E: number): void;
  /** dtable[idx[r],:] += dout[r,:] for r in order (repeated indices add up)  // (R,E) -> (V,E). */
  embeddingScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, V: number, E: number): void;
}

// ---- TypeScript reference

/** The TS backend's embedding kernels. */
export const tsEmbedding: EmbeddingKernels = { embeddingGather, embeddingScatterAdd };

function checkEmbedding(
  op: string, table: F32Buf, rows: F32Buf, idx: I32Buf, R: number, V: number, E: number, tableName: string, rowsName: string,
): void {
  need(table, V * E, tableName, op);
  need(rows, R * E, rowsName, op);
  need(idx, R, "idx", op);
  different(table, rows, tableName, rowsName, op);
  const bad = firstBadIndex(idx.view, R, V);
  if (bad >= 0) throw new KernelIndexError(op, "idx", bad, idx.view[bad], V);
}

/** out[r,:] = table[idx[r],:] (see EmbeddingKernels.embeddingGather). */
function embeddingGather(out: F32Buf, table: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
  checkEmbedding("embeddingGather", table, out, idx, R, V, E, "table", "out");
  const t = table.view, o = out.view, ix = idx.view;
  for (let r = 0; r < R; r++) o.set(t.subarray(ix[r] * E, ix[r] * E + E), r * E);
}

/** dtable[idx[r],:] += dout[r,:] (see EmbeddingKernels.embeddingScatterAdd). */
function embeddingScatterAdd(dtable: F32Buf, dout: F32Buf, idx: I32Buf, R: number, V: number, E: number): void {
  checkEmbedding("embeddingScatterAdd", dtable, dout, idx, R, V, E, "dtable", "dout");
  const dt = dtable.view, d = dout.view, ix = idx.view;
  for (let r = 0; r < R; r++) {
    const base = ix[r] * E;
    for (let e = 0; e < E; e++) dt[base + e] += d[r * E + e];
  }
}

// ---- WebAssembly

/** The wasm backend's embedding kernels over `ctx`'s module and arena. */
export function wasmEmbedding(ctx: WasmContext): EmbeddingKernels {
  const w = ctx.w;

  /** Checks a table of n floats and R indices into its V rows (a KernelIndexError for a bad one). */
  function ownIndexed(op: string, table: F32Buf, n: number, tableName: string, idx: I32Buf, R: number, V: number): void {
    ctx.own(table, n, tableName, op);
    ctx.own(idx, R, "idx", op);
    checkLimit(V, op);
    const bad = R > 0 ? w.checkIndices(idx.ptr, R, V) : -1;
    if (bad >= 0) throw new KernelIndexError(op, "idx", bad, idx.view[bad], V);
  }

  return {
    embeddingGather(out, table, idx, R, V, E) {
      const op = "embeddingGather";
      ctx.own(out, R * E, "out", op);
      ownIndexed(op, table, V * E, "table", idx, R, V);
      different(out, table, "out", "table", op);
      w.embeddingGatherF32(out.ptr, table.ptr, idx.ptr, R, E);
    },

    embeddingScatterAdd(dtable, dout, idx, R, V, E) {
      const op = "embeddingScatterAdd";
      ctx.own(dout, R * E, "dout", op);
      ownIndexed(op, dtable, V * E, "dtable", idx, R, V);
      different(dtable, dout, "dtable", "dout", op);
      w.embeddingScatterAddF32(dtable.ptr, dout.ptr, idx.ptr, R, E);
    },
  };
}
