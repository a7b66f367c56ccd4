// GELU (Hendrycks & Gimpel 2016) in GPT-2's tanh approximation, makemore.py's NewGELU:
//   forward:   y = ½·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)
//   backward:  dx += dy · (½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²))
// Both are kernels (Kernels.gelu / geluBackward); the backward reads the input, kept in the record.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { needForward, numel, outputAct, rowsOf, type Act, type Buffer, type Layer, type Parameter, type Rec } from "./layer.ts";

export interface GELURec extends Rec {
  readonly outBuf: F32Buf;
}

export class GELU implements Layer<GELURec> {
  readonly kind = "GELU";

  constructor(
    private readonly kernels: Kernels,
    readonly features: number,
  ) {}

  outShape(inShape: readonly number[]): number[] {
    if (inShape[inShape.length - 1] !== this.features) throw new Error(`GELU: expected ${this.features} features, got (${inShape.join(", ")})`);
    return [...inShape];
  }

  record(inShape: readonly number[]): GELURec {
    const rows = rowsOf(this.outShape(inShape));
    return { capacity: rows, x: null, out: null, outBuf: this.kernels.arena.f32(rows * this.features) };
  }

  forward(rec: GELURec, x: Act): Act {
    const n = numel(x.shape);
    if (n > rec.outBuf.length) throw new RangeError(`GELU: ${n} values exceed the record's ${rec.outBuf.length}`);
    this.kernels.gelu(rec.outBuf, x.data, n);
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, this.features);
    return rec.out;
  }

  backward(rec: GELURec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("GELU", rec);
    if (dx !== null) this.kernels.geluBackward(dx, x.data, dout, numel(x.shape), accumulate);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
