// Linear: out = x @ W + b, with W of shape (fanIn, fanOut) as in the lectures (not PyTorch's
// (out, in)), bias optional. Bengio et al. 2003 §2 (the hidden and output layers).
//
// Letters: R rows (batch × positions), I fanIn, O fanOut.
//   forward:   out = x @ W + b                     // (R,I) @ (I,O) + (O) -> (R,O)
//   backward:  dW += xᵀ @ dout                      // (I,R) @ (R,O) -> (I,O)
//              db += dout.sum(0)                    // (R,O) -> (O)
//              dx += dout @ Wᵀ                      // (R,O) @ (O,I) -> (R,I)

import type { F32Buf, Kernels } from "../kernels/index.ts";
import {
  checkFeatures, checkInput, needForward, outputAct, parameter, positiveInt, rowsOf,
  type Act, type Buffer, type Layer, type Parameter, type Rec,
} from "./layer.ts";

export interface LinearOptions {
  bias?: boolean;
  /** Parameter names (the lectures' W1/b1; PyTorch's "weight"/"bias" by default). */
  weightName?: string;
  biasName?: string;
}

export interface LinearRec extends Rec {
  readonly outBuf: F32Buf; // (R,O)
}

export class Linear implements Layer<LinearRec> {
  readonly kind = "Linear";
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    private readonly kernels: Kernels,
    readonly fanIn: number,
    readonly fanOut: number,
    options: LinearOptions = {},
  ) {
    positiveInt("Linear fanIn", fanIn);
    positiveInt("Linear fanOut", fanOut);
    this.weight = parameter(kernels, options.weightName ?? "weight", [fanIn, fanOut]);
    this.bias = options.bias === false ? null : parameter(kernels, options.biasName ?? "bias", [fanOut]);
  }

  outShape(inShape: readonly number[]): number[] {
    checkFeatures("Linear", inShape, this.fanIn);
    return [...inShape.slice(0, -1), this.fanOut];
  }

  record(inShape: readonly number[]): LinearRec {
    const rows = rowsOf(this.outShape(inShape));
    return { capacity: rows, x: null, out: null, outBuf: this.kernels.arena.f32(rows * this.fanOut) };
  }

  forward(rec: LinearRec, x: Act): Act {
    const R = checkInput("Linear", x, this.fanIn, rec);
    const k = this.kernels;
    k.matmulNN(rec.outBuf, x.data, this.weight.data, R, this.fanIn, this.fanOut); // (R,I) @ (I,O)
    if (this.bias) k.addRow(rec.outBuf, this.bias.data, R, this.fanOut); // + (O)
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, this.fanOut);
    return rec.out;
  }

  backward(rec: LinearRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("Linear", rec);
    const R = rowsOf(x.shape);
    const k = this.kernels;
    k.matmulTN(this.weight.grad, x.data, dout, this.fanIn, R, this.fanOut, true); // dW += xᵀ @ dout
    if (this.bias) k.colSum(this.bias.grad, dout, R, this.fanOut, true); // db += Σ_rows dout
    if (dx !== null) k.matmulNT(dx, dout, this.weight.data, R, this.fanOut, this.fanIn, accumulate); // dx += dout @ Wᵀ
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}

