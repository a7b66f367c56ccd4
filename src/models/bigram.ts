// makemore.py's bigram (type "bigram"): a (V, V) table of logits, the next character's scores looked
// up from the current one — makemore part 1's counts, learned by gradient descent. Trained on
// makemore.py's sequences (every position of a word predicts the next), with AdamW.
//
// Letters: B batch, L sequence length (longest word + 1), V vocabulary.
//   logits = table[X]                 // (B,L) -> (B,L,V)    an Embedding of width V
//   dtable[X[b,t], :] += dlogits[b,t] // scatter-add
// Init: zeros (nn.Parameter(torch.zeros((V, V)))): no draws from the generator.

import type { Kernels } from "../kernels/index.ts";
import type { BatchNorm1d } from "../nn/batchnorm.ts";
import { Embedding, type EmbeddingRec, type Tokens } from "../nn/embedding.ts";
import type { Act, Buffer, Parameter } from "../nn/layer.ts";
import { ModelBase, type NamedAct } from "./model.ts";
import type { ModelType } from "./model_type.ts";
import { MAKEMORE_PY_TRAINING } from "./sequence_model.ts";

export interface BigramConfig {
  type: "bigram";
  vocabSize: number;
  /** L: positions per row (makemore.py's block size, the longest word + 1). */
  blockSize: number;
}

export class Bigram extends ModelBase {
  readonly type = "bigram";
  readonly targetsPerRow: number;
  readonly table: Embedding;
  readonly rec: EmbeddingRec;

  constructor(
    readonly config: BigramConfig,
    kernels: Kernels,
    capacity: number,
  ) {
    super(kernels, capacity, config, config.blockSize);
    this.targetsPerRow = config.blockSize;
    this.table = new Embedding(kernels, config.vocabSize, config.vocabSize, "logits");
    this.rec = this.table.record(capacity * config.blockSize);
  }

  forward(X: Tokens): Act {
    this.logits = this.table.forward(this.rec, X); // (B,L) -> (B,L,V)
    return this.logits;
  }

  backward(): void {
    this.table.backward(this.rec, this.dlogits());
  }

  protected collectParameters(): Parameter[] {
    return [this.table.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  protected setMode(): void {}

  activations(): NamedAct[] {
    return [{ name: "logits", kind: "Embedding", act: this.rec.out, grad: null }];
  }

  batchNorms(): readonly BatchNorm1d[] {
    return [];
  }

  embeddingTable(): null {
    return null;
  }
}

export const BIGRAM: ModelType<BigramConfig> = {
  type: "bigram",
  description: "makemore.py's bigram: a table of next-character logits, trained with AdamW",
  data: "sequences",
  defaults: { type: "bigram" },
  fields: [],
  training: { ...MAKEMORE_PY_TRAINING, steps: 20000 },
  build: (config, kernels, capacity) => new Bigram(config, kernels, capacity),
  init: (model) => (model as Bigram).table.weight.data.view.fill(0),
};
