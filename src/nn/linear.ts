// Linear: out = x @ W + b, with W of shape (fanIn, fanOut) as in the lectures (not PyTorch's
// (out, in)), bias optional. Bengio et al. 2003 §2 (the hidden and output layers).
//
// Letters: R rows (batch × positions), I fanIn, O fanOut.
//   forward:   out = x @ W + b                     // (R,I) @ (I,O) + (O) -> (R,O)
//   backward:  dW += xᵀ @ dout                      // (I,R) @ (R,O) -> (I,O)
//              db += dout.sum(0)                    // (R,O) -> (O)
//              dx  = dout @ Wᵀ                      // (R,O) @ (O,I) -> (R,I)

import type { F32Buf } from "../kernels/index.ts";
import { checkInput, outputAct, parameter, positiveInt, type Act, type Buffer, type Layer, type LayerContext, type Parameter } from "./layer.ts";

export interface LinearOptions {
  bias?: boolean;
  /** Parameter names (the lectures': W1/b1, W2/b2). */
  weightName?: string;
  biasName?: string;
}

export class Linear implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  out: Act | null = null;
  private x: Act | null = null;
  private rows = 0;
  private readonly outBuf: F32Buf;
  private readonly dx: F32Buf;

  constructor(
    private readonly ctx: LayerContext,
    readonly fanIn: number,
    readonly fanOut: number,
    options: LinearOptions = {},
  ) {
    positiveInt("Linear fanIn", fanIn);
    positiveInt("Linear fanOut", fanOut);
    this.weight = parameter(ctx, options.weightName ?? "weight", [fanIn, fanOut]);
    this.bias = options.bias === false ? null : parameter(ctx, options.biasName ?? "bias", [fanOut]);
    this.outBuf = ctx.kernels.arena.f32(ctx.capacity * fanOut);
    this.dx = ctx.kernels.arena.f32(ctx.capacity * fanIn);
  }

  forward(x: Act): Act {
    const R = checkInput("Linear", x, this.fanIn, this.ctx);
    const k = this.ctx.kernels;
    k.matmulNN(this.outBuf, x.data, this.weight.data, R, this.fanIn, this.fanOut); // (R,I) @ (I,O)
    if (this.bias) k.addRow(this.outBuf, this.bias.data, R, this.fanOut); // + (O)
    this.x = x;
    this.rows = R;
    this.out = outputAct(this.out, this.outBuf, x.shape, this.fanOut);
    return this.out;
  }

  backward(dout: F32Buf): F32Buf {
    const x = this.x;
    if (x === null) throw new Error("Linear.backward called before forward");
    const R = this.rows;
    const k = this.ctx.kernels;
    k.matmulTN(this.weight.grad, x.data, dout, this.fanIn, R, this.fanOut, true); // dW += xᵀ @ dout
    if (this.bias) k.colSum(this.bias.grad, dout, R, this.fanOut, true); // db += Σ_rows dout
    k.matmulNT(this.dx, dout, this.weight.data, R, this.fanOut, this.fanIn); // dx = dout @ Wᵀ
    return this.dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
