// FlattenConsecutive(n): (B, T, C) -> (B, T/n, C·n), and (B, C·n) when T/n = 1 — makemore part 5's
// layer; with n = T it is the lectures' `emb.view(B, -1)`. Contiguous memory makes both directions a
// change of shape only: forward returns its input's buffer, backward passes the gradient through.

import type { F32Buf } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { positiveInt, type Act, type Buffer, type Layer, type Parameter } from "./layer.ts";

export class FlattenConsecutive implements Layer {
  out: Act | null = null;

  constructor(readonly n: number) {
    positiveInt("FlattenConsecutive n", n);
  }

  forward(x: Act): Act {
    if (x.shape.length !== 3) {
      throw new ConfigError(`FlattenConsecutive: expected a (B, T, C) input, got (${x.shape.join(", ")})`);
    }
    const [B, T, C] = x.shape;
    if (T % this.n !== 0) throw new ConfigError(`FlattenConsecutive(${this.n}): T = ${T} is not a multiple of ${this.n}`);
    const prev = this.out;
    if (prev !== null && prev.data === x.data && prev.shape[0] === B && prev.shape[prev.shape.length - 1] === C * this.n) {
      return prev; // same input shape as last time: no allocation
    }
    const shape = T === this.n ? [B, C * this.n] : [B, T / this.n, C * this.n];
    this.out = { data: x.data, shape };
    return this.out;
  }

  backward(dout: F32Buf): F32Buf {
    return dout;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
