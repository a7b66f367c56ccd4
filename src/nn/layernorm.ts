// LayerNorm (Ba, Kiros & Hinton 2016; torch.nn.LayerNorm(C), eps 1e-5): each row normalized by its own
// mean and (biased) standard deviation, then scaled and shifted per feature. Unlike BatchNorm it looks
// at no other row, so training and evaluation are the same.
//
// Letters: R rows (B·T), C features.
//   forward:   mean_r = Σ_c x / C;  rstd_r = 1/√(Σ_c (x − mean)² / C + 1e-5)
//              out = (x − mean) · rstd · weight + bias                      // (R,C) -> (R,C)
//   backward:  xhat = (x − mean) · rstd;  g = dout · weight
//              dx += rstd · (g − mean_c(g) − xhat · mean_c(g · xhat))
//              dweight += Σ_r dout · xhat;  dbias += Σ_r dout
// The kernels (Kernels.layerNorm / layerNormBackward) keep mean and rstd per row for the backward.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import {
  checkInput, needForward, outputAct, parameter, positiveInt, rowsOf,
  type Act, type Buffer, type Layer, type Parameter, type Rec,
} from "./layer.ts";

export interface LayerNormRec extends Rec {
  readonly outBuf: F32Buf; // (R,C)
  readonly mean: F32Buf; //   (R)
  readonly rstd: F32Buf; //   (R)
  /** Where dx goes when the caller wants none (the kernel computes it with the parameters' gradients). */
  readonly dxScratch: F32Buf; // (R,C)
}

export class LayerNorm implements Layer<LayerNormRec> {
  readonly kind = "LayerNorm";
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    private readonly kernels: Kernels,
    readonly features: number,
    prefix = "",
  ) {
    positiveInt("LayerNorm features", features);
    this.weight = parameter(kernels, `${prefix}weight`, [features]);
    this.bias = parameter(kernels, `${prefix}bias`, [features]);
  }

  outShape(inShape: readonly number[]): number[] {
    if (inShape[inShape.length - 1] !== this.features) {
      throw new Error(`LayerNorm: expected ${this.features} features, got (${inShape.join(", ")})`);
    }
    return [...inShape];
  }

  record(inShape: readonly number[]): LayerNormRec {
    const R = rowsOf(this.outShape(inShape));
    const a = this.kernels.arena;
    const n = R * this.features;
    return { capacity: R, x: null, out: null, outBuf: a.f32(n), mean: a.f32(R), rstd: a.f32(R), dxScratch: a.f32(n) };
  }

  forward(rec: LayerNormRec, x: Act): Act {
    const R = checkInput("LayerNorm", x, this.features, rec);
    this.kernels.layerNorm(rec.outBuf, rec.mean, rec.rstd, x.data, this.weight.data, this.bias.data, R, this.features);
    rec.x = x;
    rec.out = outputAct(rec.out, rec.outBuf, x.shape, this.features);
    return rec.out;
  }

  backward(rec: LayerNormRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    const x = needForward("LayerNorm", rec);
    const R = rowsOf(x.shape);
    this.kernels.layerNormBackward(
      dx ?? rec.dxScratch, this.weight.grad, this.bias.grad, dout, x.data, rec.mean, rec.rstd, this.weight.data, R, this.features, dx !== null && accumulate,
    );
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  buffers(): Buffer[] {
    return [];
  }

  train(): void {}
}
