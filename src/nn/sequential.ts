// Sequential: layers applied in order, backward in reverse (makemore part 5's container). It holds
// the float layers; the model puts the Embedding in front (its input is token indices).

import type { F32Buf } from "../kernels/index.ts";
import type { Act, Buffer, Layer, Parameter } from "./layer.ts";

export class Sequential implements Layer {
  out: Act | null = null;
  /**
   * The gradient each layer's output received in the last backward pass (`layers[i].out.grad` in
   * makemore part 3's diagnostics); null before the first backward.
   */
  readonly outGrads: (F32Buf | null)[];

  constructor(readonly layers: Layer[]) {
    this.outGrads = layers.map(() => null);
  }

  forward(x: Act): Act {
    let a = x;
    for (const layer of this.layers) a = layer.forward(a);
    this.out = a;
    return a;
  }

  backward(dout: F32Buf): F32Buf | null {
    let d: F32Buf | null = dout;
    for (let i = this.layers.length - 1; i >= 0 && d !== null; i--) {
      this.outGrads[i] = d;
      d = this.layers[i].backward(d);
    }
    return d;
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
