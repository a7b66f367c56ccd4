// Embedding: a lookup table C of shape (V, C); token indices of any shape (B, T) become rows of C,
// (B, T, C) (Bengio et al. 2003: the shared matrix C of feature vectors). PyTorch: torch.nn.Embedding,
// the lectures' `emb = C[Xb]`.
//
// Letters: R rows (the number of indices, B·T), V vocabulary, E embedding width (the lectures' n_embd).
//   forward:   out[r, :] = C[idx[r], :]                 // (R) -> (R, E)
//   backward:  dC[idx[r], :] += dout[r, :]              // scatter-add: a row used twice gets both
// Both are kernels (Kernels.embeddingGather / embeddingScatterAdd), which check every index first.
// The input is integers, so there is no input gradient.

import { KernelIndexError, type F32Buf, type I32Buf, type Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { numel, sameShape, parameter, positiveInt, type Act, type Buffer, type Parameter } from "./layer.ts";

/** Token indices: int32 values in [0, V), `shape` e.g. (B, T). */
export interface Tokens {
  readonly data: I32Buf;
  readonly shape: readonly number[];
}

export interface EmbeddingRec {
  readonly capacity: number;
  readonly outBuf: F32Buf; // (R,E)
  idx: Tokens | null;
  out: Act | null;
}

export class Embedding {
  readonly kind = "Embedding";
  readonly weight: Parameter;

  constructor(
    private readonly kernels: Kernels,
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    name = "weight",
  ) {
    positiveInt("Embedding size", numEmbeddings);
    positiveInt("Embedding width", embeddingDim);
    this.weight = parameter(kernels, name, [numEmbeddings, embeddingDim]);
  }

  /** A record for up to `rows` indices. */
  record(rows: number): EmbeddingRec {
    return { capacity: rows, outBuf: this.kernels.arena.f32(rows * this.embeddingDim), idx: null, out: null };
  }

  forward(rec: EmbeddingRec, idx: Tokens): Act {
    const R = numel(idx.shape);
    if (R > rec.capacity) throw new ConfigError(`Embedding: ${R} indices exceed the ${rec.capacity} this model was built for`);
    const E = this.embeddingDim;
    const V = this.numEmbeddings;
    try {
      this.kernels.embeddingGather(rec.outBuf, this.weight.data, idx.data, R, V, E); // (R) -> (R,E)
    } catch (e) {
      if (e instanceof KernelIndexError) throw new ConfigError(`Embedding: index ${e.value} is outside the table of ${V} rows`);
      throw e;
    }
    // the same Act object while the index shape is the same (no allocation per step)
    if (rec.out === null || rec.idx === null || !sameShape(rec.idx.shape, idx.shape)) {
      rec.out = { data: rec.outBuf, shape: [...idx.shape, E] };
    }
    rec.idx = idx;
    return rec.out;
  }

  /** Accumulates dC; there is no gradient for integer inputs. */
  backward(rec: EmbeddingRec, dout: F32Buf): void {
    if (rec.idx === null) throw new Error("Embedding.backward called before forward");
    this.kernels.embeddingScatterAdd(this.weight.grad, dout, rec.idx.data, numel(rec.idx.shape), this.numEmbeddings, this.embeddingDim);
  }

  parameters(): Parameter[] {
    return [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
