// Oracle of makemore part 5's WaveNet (van den Oord et al. 2016's dilated causal tree, as the lecture builds
// it) on the autograd engine, line for line as shared/reference/make/torch_zoo.py's WaveNet, in training
// mode (BatchNorm with the batch's statistics, Ioffe & Szegedy 2015, the variance with Bessel's correction
// as the lecture's torch.var):
//   x = C[idx]                                                   (B,T) -> (B,T,E)
//   per level l (log2 T levels):
//     x = x.view(B, T'/2, 2C)  (squeezed to (B, 2C) at the last)  fuse two neighbours
//     x = x @ W_l                                                 (…,2C) @ (2C,H) -> (…,H), no bias
//     mean, var over every row (dims (0, 1), or 0 for 2-D)
//     x = tanh(gamma_l · (x − mean) / √(var + 1e−5) + beta_l)
//   logits = x @ Wout + bout                                      (B,H) @ (H,V) -> (B,V)
// Parameters (the reference's names and layout, the lecture's (in, out) weights): C (V,E), W<l> (2·width, H),
// gamma<l> (H), beta<l> (H), Wout (H,V), bout (V).
// Letters: B batch, T block size (a power of two), V vocabulary, E n_embd, H n_hidden.

import { ConfigError } from "../errors.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { dimOf, need, param, type OracleParams, type OracleConfig, type ZooOracle } from "./zoo_oracle_base.ts";

/** The number of levels of the tree: log2 T. */
function levelsOf(T: number): number {
  const L = Math.log2(T);
  if (!Number.isInteger(L) || L < 1) throw new ConfigError(`the wavenet oracle needs a block size that is a power of two, at least 2 (got ${T})`);
  return L;
}

function wavenetLogits(p: OracleParams, X: Tensor): Tensor {
  const [B, T] = X.shape;
  let x = param(p, "C").index(X); //                                          (B,T,E)
  for (let l = 0; l < levelsOf(T); l++) {
    const [, Tl, Cl] = x.shape;
    x = x.reshape(B, Tl / 2, 2 * Cl); //                                      (B,T',C) -> (B,T'/2,2C)
    if (x.shape[1] === 1) x = x.reshape(B, 2 * Cl); //                        squeeze(1): (B,2C)
    x = x.matmul(param(p, `W${l}`)); //                                       (…,2C) @ (2C,H) -> (…,H)
    const H = x.shape[x.ndim - 1];
    const rows = x.reshape(-1, H); //                                         every position of every example
    const mean = rows.mean(0, { keepdim: true }); //                          (1,H)
    const variance = rows.var(0, { keepdim: true }); //                       (1,H), unbiased
    const norm = param(p, `gamma${l}`).mul(rows.sub(mean)).div(variance.add(1e-5).pow(0.5)); // gamma·(x − mean) / √(var + eps)
    x = norm.add(param(p, `beta${l}`)).tanh().reshape(x.shape); //             (…,H)
  }
  return x.matmul(param(p, "Wout")).add(param(p, "bout")); //                (B,H) @ (H,V) + (V) -> (B,V)
}

export const WAVENET_ORACLE: ZooOracle = {
  type: "wavenet",
  shapes: (c: OracleConfig) => {
    const [E, H, V] = [need(c, "nEmbd"), need(c, "nHidden"), c.vocabSize];
    const levels = Array.from({ length: levelsOf(c.blockSize) }, (_, l): [string, number[]][] => [
      [`W${l}`, [2 * (l === 0 ? E : H), H]],
      [`gamma${l}`, [H]],
      [`beta${l}`, [H]],
    ]);
    return [["C", [V, E]], ...levels.flat(), ["Wout", [H, V]], ["bout", [V]]];
  },
  infer: (shape, X) => ({
    vocabSize: dimOf(shape, "Wout", 1),
    blockSize: X[1],
    nEmbd: dimOf(shape, "C", 1),
    nHidden: dimOf(shape, "W0", 1),
  }),
  logits: wavenetLogits,
};
