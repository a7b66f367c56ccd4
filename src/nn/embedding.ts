// Embedding: a lookup table C of shape (V, C); token indices of any shape (B, T) become rows of C,
// (B, T, C) (Bengio et al. 2003: the shared matrix C of feature vectors). PyTorch: torch.nn.Embedding,
// the lectures' `emb = C[Xb]`.
//
// Letters: R rows (the number of indices, B·T), V vocabulary, E embedding width (the lectures' n_embd).
//   forward:   out[r, :] = C[idx[r], :]                 // (R) -> (R, E)
//   backward:  dC[idx[r], :] += dout[r, :]              // scatter-add: a row used twice gets both

import type { F32Buf, I32Buf } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { numel, parameter, positiveInt, type Act, type Buffer, type LayerContext, type Parameter } from "./layer.ts";

/** Token indices: int32 values in [0, V), `shape` e.g. (B, T). */
export interface Tokens {
  readonly data: I32Buf;
  readonly shape: readonly number[];
}

export class Embedding {
  readonly weight: Parameter;
  out: Act | null = null;
  private idx: Tokens | null = null;
  private rows = 0;
  private readonly outBuf: F32Buf;

  constructor(
    private readonly ctx: LayerContext,
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    name = "C",
  ) {
    positiveInt("Embedding size", numEmbeddings);
    positiveInt("Embedding width", embeddingDim);
    this.weight = parameter(ctx, name, [numEmbeddings, embeddingDim]);
    this.outBuf = ctx.kernels.arena.f32(ctx.capacity * embeddingDim);
  }

  forward(idx: Tokens): Act {
    const R = numel(idx.shape);
    if (R > this.ctx.capacity) {
      throw new ConfigError(`Embedding: ${R} indices exceed the capacity of ${this.ctx.capacity}`);
    }
    const E = this.embeddingDim;
    const V = this.numEmbeddings;
    const ix = idx.data.view;
    const C = this.weight.data.view;
    const out = this.outBuf.view;
    for (let r = 0; r < R; r++) {
      const t = ix[r];
      if (!(t >= 0 && t < V)) throw new ConfigError(`Embedding: index ${t} is outside the table of ${V} rows`);
      out.set(C.subarray(t * E, t * E + E), r * E); // (E)
    }
    this.idx = idx;
    this.rows = R;
    this.out = { data: this.outBuf, shape: [...idx.shape, E] };
    return this.out;
  }

  /** Accumulates dC; there is no gradient for integer inputs. */
  backward(dout: F32Buf): null {
    if (this.idx === null) throw new Error("Embedding.backward called before forward");
    const E = this.embeddingDim;
    const ix = this.idx.data.view;
    const dC = this.weight.grad.view;
    const d = dout.view;
    for (let r = 0; r < this.rows; r++) {
      const base = ix[r] * E;
      const src = r * E;
      for (let e = 0; e < E; e++) dC[base + e] += d[src + e];
    }
    return null;
  }

  parameters(): Parameter[] {
    return [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
