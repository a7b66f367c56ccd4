// Learned position embeddings (GPT-2's wpe, makemore.py's bow and transformer): row t of a (T, C) table
// added to every row's position t — `tok_emb + wpe(arange(T))`, in place on the token embeddings.
//
// Letters: B batch, T positions, C width.
//   forward:   x[b,t,:] += wpe[t,:]                 // (B,T,C) + (T,C) -> (B,T,C)
//   backward:  dwpe[t,:] += Σ_b dx[b,t,:]           // (B,T,C) -> (T,C); dx passes through unchanged

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { parameter, positiveInt, type Parameter } from "./layer.ts";

export class PositionEmbedding {
  readonly kind = "PositionEmbedding";
  readonly weight: Parameter;

  constructor(
    private readonly kernels: Kernels,
    readonly positions: number,
    readonly width: number,
    name = "wpe.weight",
  ) {
    positiveInt("PositionEmbedding positions", positions);
    positiveInt("PositionEmbedding width", width);
    this.weight = parameter(kernels, name, [positions, width]);
  }

  /** x (B,T,C) += wpe[:T] on every row. */
  forward(x: F32Buf, B: number, T: number): void {
    if (T > this.positions) throw new RangeError(`PositionEmbedding: ${T} positions exceed the table's ${this.positions}`);
    this.kernels.addRow(x, this.weight.data, B, T * this.width); // (B, T·C) + (T·C)
  }

  /** dwpe += Σ_b dx[b] (dx: the gradient of the sum, (B,T,C)). */
  backward(dx: F32Buf, B: number, T: number): void {
    this.kernels.colSum(this.weight.grad, dx, B, T * this.width, true); // (B, T·C) -> (T·C)
  }

  parameters(): Parameter[] {
    return [this.weight];
  }
}
