// Tanh, the lectures' non-linearity.   forward: y = tanh(x)   backward: dx = (1 - y²) · dy

import type { F32Buf } from "../kernels/index.ts";
import { numel, outputAct, type Act, type Buffer, type Layer, type LayerContext, type Parameter } from "./layer.ts";

export class Tanh implements Layer {
  out: Act | null = null;
  private readonly outBuf: F32Buf;
  private readonly dx: F32Buf;

  constructor(
    private readonly ctx: LayerContext,
    readonly features: number,
  ) {
    this.outBuf = ctx.kernels.arena.f32(ctx.capacity * features);
    this.dx = ctx.kernels.arena.f32(ctx.capacity * features);
  }

  forward(x: Act): Act {
    const n = numel(x.shape);
    if (n > this.outBuf.length) throw new RangeError(`Tanh: ${n} values exceed the layer's capacity`);
    this.ctx.kernels.tanh(this.outBuf, x.data, n);
    this.out = outputAct(this.out, this.outBuf, x.shape, x.shape[x.shape.length - 1]);
    return this.out;
  }

  backward(dout: F32Buf): F32Buf {
    const out = this.out;
    if (out === null) throw new Error("Tanh.backward called before forward");
    this.ctx.kernels.tanhBackward(this.dx, out.data, dout, numel(out.shape));
    return this.dx;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
