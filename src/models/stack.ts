// A model that is an embedding followed by a stack of float layers — the lectures' way of writing
// makemore (part 3's torch.nn-like layers, part 5's Sequential): tokens → Embedding → Sequential →
// logits. The model owns one record for the embedding and one for the stack (the activations of
// the one call a training step makes); the subclass builds the layers in PyTorch's construction order.
//
// Letters: B batch, T block size, E embedding width, V vocabulary.
//   emb    = C[X]                 // (B,T) -> (B,T,E)
//   logits = net(emb)             // (B,T,E) -> (B,V)

import type { Kernels } from "../kernels/index.ts";
import type { Embedding, EmbeddingRec, Tokens } from "../nn/embedding.ts";
import type { Act, Layer, Parameter } from "../nn/layer.ts";
import { Sequential, type SequentialRec } from "../nn/sequential.ts";
import { ModelBase, type ModelConfigBase, type NamedAct } from "./model.ts";

export abstract class StackModel extends ModelBase {
  readonly net: Sequential;
  readonly embRec: EmbeddingRec;
  readonly netRec: SequentialRec;

  /** `layers` after `embedding`, for up to `capacity` examples of `config.blockSize` tokens. */
  constructor(
    kernels: Kernels,
    capacity: number,
    config: ModelConfigBase,
    readonly embedding: Embedding,
    layers: Layer[],
  ) {
    super(kernels, capacity, config, 1);
    const T = config.blockSize;
    this.net = new Sequential(kernels, layers);
    this.embRec = embedding.record(capacity * T);
    this.netRec = this.net.record([capacity, T, embedding.embeddingDim]);
  }

  /** Logits (B, V) for contexts (B, T). */
  forward(X: Tokens): Act {
    this.logits = this.net.forward(this.netRec, this.embedding.forward(this.embRec, X));
    return this.logits;
  }

  /** The input of `layer`, one of the stack's, for contexts (B, T): the layers after it do not run. */
  override inputOf(X: Tokens, layer: Layer): Act {
    const i = this.net.layers.indexOf(layer);
    if (i < 0) throw new Error(`${this.type}: the ${layer.kind} layer is not in the stack`);
    return this.net.forward(this.netRec, this.embedding.forward(this.embRec, X), i);
  }

  backward(): void {
    const demb = this.net.backward(this.netRec, this.dlogits()); // (B,T,E)
    this.embedding.backward(this.embRec, demb); //                   scatter-add into C
  }

  protected setMode(mode: boolean): void {
    this.net.train(mode);
  }

  embeddingTable(): Parameter {
    return this.embedding.weight;
  }

  /** The record of one of the stack's layers (its last output: `.out`). */
  recordOf(layer: Layer): SequentialRec["recs"][number] {
    const i = this.net.layers.indexOf(layer);
    if (i < 0) throw new Error(`${this.type}: the layer is not in the stack`);
    return this.netRec.recs[i];
  }

  /** The stack's outputs named by `name(layer, index)` (null: left out), with the gradients they received. */
  protected namedActivations(name: (layer: Layer, index: number) => string | null): NamedAct[] {
    const out: NamedAct[] = [];
    this.net.layers.forEach((l, i) => {
      const n = name(l, i);
      if (n !== null) out.push({ name: n, kind: l.kind, act: this.netRec.recs[i].out, grad: this.netRec.outGrads[i] });
    });
    return out;
  }
}
