// Embedding: a lookup table C of shape (V, C); token indices of any shape (B, T) become rows of C,
// (B, T, C) (Bengio et al. 2003: the shared matrix C of feature vectors). PyTorch: torch.nn.Embedding,
// the lectures' `emb = C[Xb]`.
//
// Letters: R rows (the number of indices, B·T), V vocabulary, E embedding width (the lectures' n_embd).
//   forward:   out[r, :] = C[idx[r], :]                 // (R) -> (R, E)
//   backward:  dC[idx[r], :] += dout[r, :]              // scatter-add: a row used twice gets both
// Both are kernels (Kernels.embeddingGather / embeddingScatterAdd), which check every index first.

import { KernelIndexError, type F32Buf, type I32Buf } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { numel, sameShape, parameter, positiveInt, type Act, type Buffer, type LayerContext, type Parameter } from "./layer.ts";

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
  private outIdxShape: readonly number[] = [];

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
    try {
      this.ctx.kernels.embeddingGather(this.outBuf, this.weight.data, idx.data, R, V, E); // (R) -> (R,E)
    } catch (e) {
      if (e instanceof KernelIndexError) throw new ConfigError(`Embedding: index ${e.value} is outside the table of ${V} rows`);
      throw e;
    }
    this.idx = idx;
    this.rows = R;
    // the same Act object while the index shape is the same (no allocation per step)
    if (this.out === null || !sameShape(this.outIdxShape, idx.shape)) {
      this.out = { data: this.outBuf, shape: [...idx.shape, E] };
      this.outIdxShape = idx.shape;
    }
    return this.out;
  }

  /** Accumulates dC; there is no gradient for integer inputs. */
  backward(dout: F32Buf): null {
    if (this.idx === null) throw new Error("Embedding.backward called before forward");
    this.ctx.kernels.embeddingScatterAdd(this.weight.grad, dout, this.idx.data, this.rows, this.numEmbeddings, this.embeddingDim);
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
