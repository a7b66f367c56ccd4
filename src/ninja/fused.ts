// Exercises 2 and 3 of makemore part 4: the two fused backward passes that the fast path (src/nn/) uses,
// each "look at the mathematical expression, take the derivative, simplify, and write it out".
//
// Exercise 2, cross-entropy (F.cross_entropy, mean over n rows):
//   loss = -(1/n) Σ_i log softmax(logits_i)[y_i]
//   dloss/dlogits[i, j] = (softmax(logits_i)[j] − [j = y_i]) / n
// Exercise 3, BatchNorm with Bessel's correction (Ioffe & Szegedy 2015, Algorithm 1, with n−1):
//   hpreact = bngain · (hprebn − μ) / √(σ² + ε) + bnbias,  μ = mean, σ² = Σ(x − μ)²/(n−1) over the batch
//   dhprebn = bngain · bnvar_inv / n · (n · dhpreact − Σ_i dhpreact − n/(n−1) · bnraw · Σ_i (dhpreact · bnraw))
// Letters: n batch, H n_hidden, V vocabulary.

import { noGrad } from "../tensor/autograd.ts";
import { softmax } from "../tensor/loss.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** Exercise 2: dlogits = (softmax(logits) − one_hot(Yb)) / n, in one go.      (n, V), (n) -> (n, V) */
export function crossEntropyBackward(logits: Tensor, Yb: Tensor): Tensor {
  return noGrad(() => {
    const [n, V] = logits.shape;
    const dlogits = softmax(logits.detach(), 1); //                     F.softmax(logits, 1)
    for (let i = 0; i < n; i++) {
      const k = i * V + Yb.data[i];
      dlogits.data[k] = Math.fround(dlogits.data[k] - 1); //             dlogits[range(n), Yb] -= 1
    }
    return dlogits.div(n); //                                           dlogits /= n
  });
}

/** What exercise 3 needs from the forward pass (the lecture reuses bnraw and bnvar_inv). */
export interface BatchNormSaved {
  /** (1, H) */
  bngain: Tensor;
  /** (1, H) the inverse standard deviation, (bnvar + 1e-5)**-0.5 */
  bnvar_inv: Tensor;
  /** (n, H) the normalized pre-activations */
  bnraw: Tensor;
}

/** Exercise 3: dhprebn from dhpreact through the whole BatchNorm, in one go.      (n, H) -> (n, H) */
export function batchNormBackward(dhpreact: Tensor, { bngain, bnvar_inv, bnraw }: BatchNormSaved): Tensor {
  return noGrad(() => {
    const n = dhpreact.shape[0];
    const d = dhpreact.detach();
    const raw = bnraw.detach();
    const scale = bngain.detach().mul(bnvar_inv.detach()).div(n); //                  bngain*bnvar_inv/n: (1, H)
    const sumD = d.sum(0, { keepdim: true }); //                                      dhpreact.sum(0): (1, H)
    const sumDRaw = d.mul(raw).sum(0, { keepdim: true }); //                          (dhpreact*bnraw).sum(0): (1, H)
    const inner = d.mul(n).sub(sumD).sub(raw.mul(n / (n - 1)).mul(sumDRaw)); //        (n, H)
    return scale.mul(inner); //                                                       (1, H) * (n, H) -> (n, H)
  });
}
