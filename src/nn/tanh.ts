// Tanh, the lectures' non-linearity.   forward: y = tanh(x)   backward: dx += (1 - y²) · dy

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { checkFeatures, needForward, numel, rowsOf, outputAct, type Act, type Buffer, type Layer, type Parameter, type Rec } from "./layer.ts";

export interface TanhRec extends Rec {
  readonly outBuf: F32Buf; // (R,H)
}

export class Tanh implements Layer<TanhRec> {
  readonly kind = "Tanh";

  constructor(
    private readonly kernels: Kernels,
    readonly features: number,
  ) {}

  outShape(inShape: readonly number[]): number[] {
    checkFeatures("Tanh", inShape, this.features);
    return [...inShape];
  }

  record(inShape: readonly number[]): TanhRec {
    const rows = rowsOf(this.outShape(inShape));
    return { capacity: rows, x: null, out: null, outBuf: this.kernels.arena.f32(rows * this.features) };
  }

  forward(rec: TanhRec, x: Act): Act {
    const n = numel(x.shape);
    if (n > rec.outBuf.length) throw new RangeError(`Tanh: ${n} values exceed the record's ${rec.outBuf.length}`);
    this.kernels.tanh(rec.outBuf, x.data, n);
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, x.shape[x.shape.length - 1]);
    return rec.out;
  }

  backward(rec: TanhRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    needForward("Tanh", rec);
    const out = rec.out!;
    if (dx !== null) this.kernels.tanhBackward(dx, out.data, dout, numel(out.shape), accumulate);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
