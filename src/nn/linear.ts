// Linear: out = x @ W + b, bias optional. Bengio et al. 2003 §2 (the hidden and output layers). W is
// stored as the lectures write it, (fanIn, fanOut), or with `layout: "torch"` as torch.nn.Linear and
// its state_dict do, (fanOut, fanIn) — makemore.py's models, so their files load into PyTorch as they are.
//
// Letters: R rows (batch × positions), I fanIn, O fanOut.
//   lectures' layout, W (I,O):
//     forward:   out = x @ W + b                     // (R,I) @ (I,O) + (O) -> (R,O)
//     backward:  dW += xᵀ @ dout                      // (I,R) @ (R,O) -> (I,O)
//                dx += dout @ Wᵀ                      // (R,O) @ (O,I) -> (R,I)
//   PyTorch's layout, W (O,I):
//     forward:   out = x @ Wᵀ + b                    // (R,I) @ (O,I)ᵀ + (O) -> (R,O)
//     backward:  dW += doutᵀ @ x                      // (O,R) @ (R,I) -> (O,I)
//                dx += dout @ W                       // (R,O) @ (O,I) -> (R,I)
//   both:      db += dout.sum(0)                    // (R,O) -> (O)

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
  /** "lecture": W is (fanIn, fanOut) (default); "torch": (fanOut, fanIn), as torch.nn.Linear. */
  layout?: "lecture" | "torch";
}

export interface LinearRec extends Rec {
  readonly outBuf: F32Buf; // (R,O)
}

export class Linear implements Layer<LinearRec> {
  readonly kind = "Linear";
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly layout: "lecture" | "torch";

  constructor(
    private readonly kernels: Kernels,
    readonly fanIn: number,
    readonly fanOut: number,
    options: LinearOptions = {},
  ) {
    positiveInt("Linear fanIn", fanIn);
    positiveInt("Linear fanOut", fanOut);
    this.layout = options.layout ?? "lecture";
    const shape = this.layout === "torch" ? [fanOut, fanIn] : [fanIn, fanOut];
    this.weight = parameter(kernels, options.weightName ?? "weight", shape);
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
    if (this.layout === "torch") k.matmulNT(rec.outBuf, x.data, this.weight.data, R, this.fanIn, this.fanOut); // (R,I) @ (O,I)ᵀ
    else k.matmulNN(rec.outBuf, x.data, this.weight.data, R, this.fanIn, this.fanOut); // (R,I) @ (I,O)
    if (this.bias) k.addRow(rec.outBuf, this.bias.data, R, this.fanOut); // + (O)
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, this.fanOut);
    return rec.out;
  }

  backward(rec: LinearRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("Linear", rec);
    const R = rowsOf(x.shape);
    const k = this.kernels;
    if (this.layout === "torch") {
      k.matmulTN(this.weight.grad, dout, x.data, this.fanOut, R, this.fanIn, true); // dW += doutᵀ @ x
      if (dx !== null) k.matmulNN(dx, dout, this.weight.data, R, this.fanOut, this.fanIn, accumulate); // dx += dout @ W
    } else {
      k.matmulTN(this.weight.grad, x.data, dout, this.fanIn, R, this.fanOut, true); // dW += xᵀ @ dout
      if (dx !== null) k.matmulNT(dx, dout, this.weight.data, R, this.fanOut, this.fanIn, accumulate); // dx += dout @ Wᵀ
    }
    if (this.bias) k.colSum(this.bias.grad, dout, R, this.fanOut, true); // db += Σ_rows dout
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}

