// Oracles of makemore.py's two models without a sequence mechanism, on the autograd engine, line for line as
// shared/reference/make/torch_zoo.py's classes (makemore.py's Bigram and MLP):
//   bigram  a (V, V) table of next-token logits:  logits = logits_table[idx]            (B,T) -> (B,T,V)
//   mlp     Bengio et al. 2003 over the whole context. Token V is the <BLANK> before the word (wte has
//           V + 1 rows); for k = 0 … T−1 the embeddings of idx are taken, then idx is rolled one place right
//           along time with the blank rolled in at position 0 — so slot k of position t holds token t − k,
//           or the blank — and the T embeddings are concatenated:
//             x = cat([wte[idx_0], …, wte[idx_{T−1}]], −1)                               (B,T,T·E)
//             logits = mlp.2(tanh(mlp.0(x)))              (B,T,T·E) -> (B,T,E2) -> (B,T,V)
// Parameters (state_dict names, PyTorch's layout): logits (V,V); wte.weight (V+1,E), mlp.0.weight (E2,T·E),
// mlp.0.bias (E2), mlp.2.weight (V,E2), mlp.2.bias (V).
// Letters: B batch, T block size, V vocabulary, E n_embd, E2 n_embd2.

import { linear } from "../tensor/functional.ts";
import { cat } from "../tensor/join.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { tensor } from "../tensor/create.ts";
import { dimOf, linearShapes, need, param, type OracleConfig, type OracleParams, type ZooOracle } from "./zoo_oracle_base.ts";

export const BIGRAM_ORACLE: ZooOracle = {
  type: "bigram",
  shapes: (c) => [["logits", [c.vocabSize, c.vocabSize]]],
  infer: (shape, X) => ({ vocabSize: dimOf(shape, "logits", 0), blockSize: X[1] }),
  logits: (p, X) => param(p, "logits").index(X), // (V,V)[(B,T)] -> (B,T,V)
};

/** makemore.py's MLP.forward. */
function mlpLogits(p: OracleParams, X: Tensor, c: OracleConfig): Tensor {
  const V = c.vocabSize;
  const T = X.shape[1];
  const wte = param(p, "wte.weight"); //                     (V+1,E)
  const blankCol = tensor(Int32Array.from({ length: T }, (_, t) => (t === 0 ? 1 : 0)), { shape: [1, T] });
  const embs: Tensor[] = [];
  let idx = X; //                                            (B,T)
  for (let k = 0; k < T; k++) {
    embs.push(wte.index(idx)); //                            (B,T,E)
    idx = idx.roll(1, 1).maskedFill(blankCol, V); //         idx = torch.roll(idx, 1, 1); idx[:, 0] = V
  }
  const x = cat(embs, -1); //                                (B,T,T·E)
  const h = linear(x, param(p, "mlp.0.weight"), param(p, "mlp.0.bias")).tanh(); // (B,T,T·E) -> (B,T,E2)
  return linear(h, param(p, "mlp.2.weight"), param(p, "mlp.2.bias")); //         (B,T,E2) -> (B,T,V)
}

export const MLP_ORACLE: ZooOracle = {
  type: "mlp",
  shapes: (c) => {
    const [E, E2, T, V] = [need(c, "nEmbd"), need(c, "nEmbd2"), c.blockSize, c.vocabSize];
    return [["wte.weight", [V + 1, E]], ...linearShapes("mlp.0", T * E, E2), ...linearShapes("mlp.2", E2, V)];
  },
  infer: (shape, X) => ({
    vocabSize: dimOf(shape, "mlp.2.weight", 0),
    blockSize: X[1],
    nEmbd: dimOf(shape, "wte.weight", 1),
    nEmbd2: dimOf(shape, "mlp.0.weight", 0),
  }),
  logits: mlpLogits,
};
