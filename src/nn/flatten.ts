// FlattenConsecutive(n): (B, T, C) -> (B, T/n, C·n), and (B, C·n) when T/n = 1 — makemore part 5's
// layer; with n = T it is the lectures' `emb.view(B, -1)`. Contiguous memory makes both directions a
// change of shape only (`isView`): the output is the input's buffer, and the container hands the
// layer below the same gradient buffer, so backward has nothing to do.

import type { F32Buf } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { positiveInt, rowsOf, type Act, type Buffer, type Layer, type Parameter, type Rec } from "./layer.ts";

export class FlattenConsecutive implements Layer<Rec> {
  readonly kind = "FlattenConsecutive";
  readonly isView = true;

  constructor(readonly n: number) {
    positiveInt("FlattenConsecutive n", n);
  }

  outShape(inShape: readonly number[]): number[] {
    if (inShape.length !== 3) {
      throw new ConfigError(`FlattenConsecutive: expected a (B, T, C) input, got (${inShape.join(", ")})`);
    }
    const [B, T, C] = inShape;
    if (T % this.n !== 0) throw new ConfigError(`FlattenConsecutive(${this.n}): T = ${T} is not a multiple of ${this.n}`);
    return T === this.n ? [B, C * this.n] : [B, T / this.n, C * this.n];
  }

  record(inShape: readonly number[]): Rec {
    return { capacity: rowsOf(this.outShape(inShape)), x: null, out: null };
  }

  forward(rec: Rec, x: Act): Act {
    const [B, , C] = x.shape;
    rec.x = x;
    const prev = rec.out;
    if (prev !== null && prev.data === x.data && prev.shape[0] === B && prev.shape[prev.shape.length - 1] === C * this.n) {
      return prev; // same input shape as last time: no allocation
    }
    rec.out = { data: x.data, shape: this.outShape(x.shape) };
    return rec.out;
  }

  /** A view: dx is dout's own buffer (the container shares it), so there is nothing to add. */
  backward(_rec: Rec, dout: F32Buf, dx: F32Buf | null): void {
    if (dx !== null && dx !== dout) throw new Error("FlattenConsecutive.backward: a view's input gradient must be its output gradient's buffer");
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
