// Oracle of makemore part 3's deeper network on the autograd engine, line for line as the lecture's own
// Linear, BatchNorm1d and Tanh classes (test/fixtures/make/torch_deep.py), in training mode (BatchNorm with
// the batch's statistics, Ioffe & Szegedy 2015, the variance with Bessel's correction as torch.var):
//   x = C[X].view(B, T*E)                                          (B,T) -> (B,T*E)
//   n_layer times:  x = tanh(gamma · (x@W − mean) / √(var + 1e−5) + beta)   (B,·) @ (·,H) -> (B,H)
//                   (without BatchNorm: x = tanh(x@W + b))
//   logits = gamma · (x@Wout − mean) / √(var + 1e−5) + beta            (B,H) @ (H,V) -> (B,V)
//                   (without BatchNorm: x@Wout + bout)
// Parameters (the lecture's (in, out) weights), named by their index i in the lecture's `layers` list:
// C (V,E), layers.<i>.weight (in,out), layers.<i>.bias (out) without BatchNorm, layers.<i>.gamma and
// layers.<i>.beta (features) with it.
// Letters: B batch, T block size, V vocabulary, E n_embd, H n_hidden.

import type { Tensor } from "../tensor/tensor.ts";
import { dimOf, need, param, type OracleConfig, type OracleParams, type ZooOracle } from "./zoo_oracle_base.ts";

/** Index in the lecture's `layers` of hidden block l's Linear (l = nLayer: the output Linear). */
const linearIndex = (l: number, bn: boolean) => l * (bn ? 3 : 2);

function deepShapes(c: OracleConfig): [string, number[]][] {
  const [E, H, L, V] = [need(c, "nEmbd"), need(c, "nHidden"), need(c, "nLayer"), c.vocabSize];
  const bn = c.batchNorm !== false;
  const out: [string, number[]][] = [["C", [V, E]]];
  for (let l = 0; l <= L; l++) {
    const i = linearIndex(l, bn);
    const [fanIn, fanOut] = [l === 0 ? c.blockSize * E : H, l === L ? V : H];
    out.push([`layers.${i}.weight`, [fanIn, fanOut]]);
    if (bn) out.push([`layers.${i + 1}.gamma`, [fanOut]], [`layers.${i + 1}.beta`, [fanOut]]);
    else out.push([`layers.${i}.bias`, [fanOut]]);
  }
  return out;
}

function deepLogits(p: OracleParams, X: Tensor, c: OracleConfig): Tensor {
  const [B] = X.shape;
  const L = need(c, "nLayer");
  const bn = c.batchNorm !== false;
  let x = param(p, "C").index(X); //                                           (B,T,E)
  x = x.reshape(B, -1); //                                                     (B,T*E)
  for (let l = 0; l <= L; l++) {
    const i = linearIndex(l, bn);
    x = x.matmul(param(p, `layers.${i}.weight`)); //                           (B,in) @ (in,out) -> (B,out)
    if (bn) {
      const mean = x.mean(0, { keepdim: true }); //                            (1,out)
      const variance = x.var(0, { keepdim: true }); //                         (1,out), unbiased
      x = param(p, `layers.${i + 1}.gamma`).mul(x.sub(mean)).div(variance.add(1e-5).pow(0.5)).add(param(p, `layers.${i + 1}.beta`));
    } else {
      x = x.add(param(p, `layers.${i}.bias`));
    }
    if (l < L) x = x.tanh();
  }
  return x; //                                                                 (B,V)
}

export const DEEP_ORACLE: ZooOracle = {
  type: "deep",
  shapes: deepShapes,
  infer: (shape, X) => {
    const batchNorm = shape("layers.1.gamma") !== undefined;
    let nLayer = 0;
    while (shape(`layers.${linearIndex(nLayer + 1, batchNorm)}.weight`) !== undefined) nLayer++;
    return {
      vocabSize: dimOf(shape, "C", 0),
      blockSize: X[1],
      nEmbd: dimOf(shape, "C", 1),
      nHidden: dimOf(shape, "layers.0.weight", 1),
      nLayer,
      batchNorm,
    };
  },
  logits: deepLogits,
};
