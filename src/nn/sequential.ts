// Sequential: layers applied in order, backward in reverse (makemore part 5's container). It holds
// the float layers; a model puts the Embedding in front (its input is token indices).
//
// A Sequential's record holds one record per layer and the gradient buffer of every activation
// between them (grads[i]: the gradient of layer i's output; `dx`, the gradient of the input). A view
// layer (FlattenConsecutive) shares its input's gradient buffer, so it costs nothing. Each activation
// gradient has exactly one producer here (the layer above it), so backward asks each layer to
// overwrite its input gradient (`accumulate = false`) rather than zeroing it and adding: the gradients
// of one backward pass are this pass's alone.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { numel, type Act, type Buffer, type Layer, type Parameter, type Rec } from "./layer.ts";

export interface SequentialRec {
  readonly recs: Rec[];
  /** The shape of each layer's output for the largest input. */
  readonly shapes: number[][];
  /** grads[i]: gradient of layer i's output; null for the last (the caller's dout). */
  readonly grads: (F32Buf | null)[];
  /** Gradient of the input (overwritten by each backward). */
  readonly dx: F32Buf;
  /** Each layer's output gradient in the last backward pass (makemore part 3's `layer.out.grad`). */
  readonly outGrads: (F32Buf | null)[];
}

export class Sequential {
  constructor(
    private readonly kernels: Kernels,
    readonly layers: Layer[],
  ) {}

  /** The output shape for an input of `inShape`. */
  outShape(inShape: readonly number[]): number[] {
    let s = [...inShape];
    for (const l of this.layers) s = l.outShape(s);
    return s;
  }

  /** A record for inputs of up to `inShape`. */
  record(inShape: readonly number[]): SequentialRec {
    const a = this.kernels.arena;
    const dx = a.f32(numel(inShape));
    const recs: Rec[] = [];
    const shapes: number[][] = [];
    const grads: (F32Buf | null)[] = [];
    let prev = dx;
    let shape = [...inShape];
    this.layers.forEach((layer, i) => {
      recs.push(layer.record(shape));
      shape = layer.outShape(shape);
      shapes.push(shape);
      const g = i === this.layers.length - 1 ? null : layer.isView ? prev : a.f32(numel(shape));
      grads.push(g);
      if (g !== null) prev = g;
    });
    return { recs, shapes, grads, dx, outGrads: this.layers.map(() => null) };
  }

  /** The output of the layers; with `end`, of layers 0..end-1 only (the input of layer `end`). */
  forward(rec: SequentialRec, x: Act, end = this.layers.length): Act {
    let a = x;
    for (let i = 0; i < end; i++) a = this.layers[i].forward(rec.recs[i], a);
    return a;
  }

  /** Backpropagates dout (the gradient of the last output); returns the gradient of the input. */
  backward(rec: SequentialRec, dout: F32Buf): F32Buf {
    let d = dout;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      rec.outGrads[i] = d;
      const layer = this.layers[i];
      const dIn = i > 0 ? rec.grads[i - 1]! : rec.dx;
      if (!layer.isView) {
        if (rec.recs[i].x === null) throw new Error(`Sequential.backward: layer ${i} (${layer.kind}) has not run forward`);
        layer.backward(rec.recs[i], d, dIn, false);
      }
      d = dIn;
    }
    return rec.dx;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  buffers(): Buffer[] {
    return this.layers.flatMap((l) => l.buffers());
  }

  train(mode: boolean): void {
    for (const l of this.layers) l.train(mode);
  }
}
