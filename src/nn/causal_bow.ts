// makemore.py's causal bag of words (its BoWBlock's `softmax(att) @ x` with att all zeros under a causal
// mask): each position's output is the average of the input vectors at positions ≤ t — the simplest
// causal mixing of a sequence, a stand-in for attention with uniform weights.
//
// Letters: B batch, T positions, C features; w_t = 1/(t+1), the softmax of t+1 zeros.
//   forward:   out[b,t] = w_t · Σ_{s≤t} x[b,s]             // (B,T,C) -> (B,T,C)  a running sum
//   backward:  dx[b,s] += Σ_{t≥s} w_t · dout[b,t]          // a running sum from the end
// Both run in O(B·T·C) (PyTorch's (T,T) @ (T,C) product is O(B·T²·C)): Kernels.causalMean and
// causalMeanBackward.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import {
  needForward, numel, outputAct, rowsOf, type Act, type Buffer, type Layer, type Parameter, type Rec,
} from "./layer.ts";

export interface CausalBoWRec extends Rec {
  readonly outBuf: F32Buf; // (B,T,C)
}

export class CausalBoW implements Layer<CausalBoWRec> {
  readonly kind = "CausalBoW";

  constructor(
    private readonly kernels: Kernels,
    readonly features: number,
  ) {}

  outShape(inShape: readonly number[]): number[] {
    if (inShape.length !== 3 || inShape[2] !== this.features) {
      throw new Error(`CausalBoW: expected (B, T, ${this.features}), got (${inShape.join(", ")})`);
    }
    return [...inShape];
  }

  record(inShape: readonly number[]): CausalBoWRec {
    return { capacity: rowsOf(this.outShape(inShape)), x: null, out: null, outBuf: this.kernels.arena.f32(numel(inShape)) };
  }

  forward(rec: CausalBoWRec, x: Act): Act {
    const [B, T, C] = this.outShape(x.shape);
    if (B * T > rec.capacity) throw new RangeError(`CausalBoW: ${B * T} rows exceed the record's ${rec.capacity}`);
    this.kernels.causalMean(rec.outBuf, x.data, B, T, C); //   w_t · Σ_{s≤t} x[b,s]
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, C);
    return rec.out;
  }

  backward(rec: CausalBoWRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("CausalBoW", rec);
    if (dx === null) return;
    const [B, T, C] = x.shape;
    this.kernels.causalMeanBackward(dx, dout, B, T, C, accumulate); // Σ_{t≥s} w_t · dout[b,t]
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
