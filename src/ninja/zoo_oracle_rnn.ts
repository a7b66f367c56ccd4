// Oracles of makemore.py's recurrent models on the autograd engine, line for line as
// shared/reference/make/torch_zoo.py's RNN, RNNCell and GRUCell (makemore.py's):
//   emb = wte[idx]                                   (B,T) -> (B,T,E)
//   h_{-1} = start.expand(B, −1)                     the learned start state, (1,E2) -> (B,E2)
//   for t in 0 … T−1:  h_t = cell(emb[:, t, :], h_{t−1})
//   logits = lm_head(stack([h_0, …, h_{T−1}], 1))    (B,T,E2) -> (B,T,V)
// with the cells
//   rnn  (Elman 1990):     h = tanh(xh_to_h([x; h_prev]))
//   gru  (Cho et al. 2014): xh = [x; h_prev]
//                           r = σ(xh_to_r(xh));  hbar = tanh(xh_to_hbar([x; r·h_prev]))
//                           z = σ(xh_to_z(xh));  h = (1 − z)·h_prev + z·hbar
// Parameters (state_dict names, PyTorch's layout): start (1,E2), wte.weight (V,E), the cell's Linears
// cell.xh_to_h (rnn) or cell.xh_to_z, cell.xh_to_r, cell.xh_to_hbar (gru), each weight (E2,E+E2) and bias
// (E2), lm_head.weight (V,E2), lm_head.bias (V).
// Letters: B batch, T block size, V vocabulary, E n_embd, E2 n_embd2 (the hidden state).

import { sub } from "../tensor/elementwise.ts";
import { linear } from "../tensor/functional.ts";
import { cat, stack } from "../tensor/join.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { dimOf, linearShapes, need, param, type OracleConfig, type OracleParams, type ShapeOf, type ZooOracle } from "./zoo_oracle_base.ts";

type Cell = (p: OracleParams, xt: Tensor, hprev: Tensor) => Tensor;

/** RNNCell.forward: h = tanh(W [x; h_prev] + b). */
const rnnCell: Cell = (p, xt, hprev) => {
  const xh = cat([xt, hprev], 1); //                                                        (B,E+E2)
  return linear(xh, param(p, "cell.xh_to_h.weight"), param(p, "cell.xh_to_h.bias")).tanh(); // (B,E2)
};

/** GRUCell.forward, in makemore.py's order: r, hbar, z, then the blend. */
const gruCell: Cell = (p, xt, hprev) => {
  const lin = (name: string, x: Tensor) => linear(x, param(p, `cell.${name}.weight`), param(p, `cell.${name}.bias`));
  const xh = cat([xt, hprev], 1); //                                 (B,E+E2)
  const r = lin("xh_to_r", xh).sigmoid(); //                         (B,E2)
  const xhr = cat([xt, r.mul(hprev)], 1); //                         (B,E+E2)
  const hbar = lin("xh_to_hbar", xhr).tanh(); //                     (B,E2)
  const z = lin("xh_to_z", xh).sigmoid(); //                         (B,E2)
  return sub(1, z).mul(hprev).add(z.mul(hbar)); //                   (1 − z)·h_prev + z·hbar
};

/** RNN.forward with the given cell. */
function recurrentLogits(cell: Cell): ZooOracle["logits"] {
  return (p: OracleParams, X: Tensor, c: OracleConfig): Tensor => {
    const [B, T] = X.shape;
    const E = need(c, "nEmbd");
    const emb = param(p, "wte.weight").index(X); //               (B,T,E)
    let hprev = param(p, "start").expand(B, -1); //               (1,E2) -> (B,E2)
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = emb.narrow(1, t, 1).reshape(B, E); //            emb[:, t, :], (B,E)
      hprev = cell(p, xt, hprev); //                              (B,E2)
      hs.push(hprev);
    }
    const h = stack(hs, 1); //                                    (B,T,E2)
    return linear(h, param(p, "lm_head.weight"), param(p, "lm_head.bias")); // (B,T,V)
  };
}

function recurrentShapes(cells: readonly string[]) {
  return (c: OracleConfig): [string, number[]][] => {
    const [E, E2, V] = [need(c, "nEmbd"), need(c, "nEmbd2"), c.vocabSize];
    return [
      ["start", [1, E2]],
      ["wte.weight", [V, E]],
      ...cells.flatMap((name) => linearShapes(`cell.${name}`, E + E2, E2)),
      ...linearShapes("lm_head", E2, V),
    ];
  };
}

const recurrentInfer = (shape: ShapeOf, X: readonly number[]): Omit<OracleConfig, "type"> => ({
  vocabSize: dimOf(shape, "lm_head.weight", 0),
  blockSize: X[1],
  nEmbd: dimOf(shape, "wte.weight", 1),
  nEmbd2: dimOf(shape, "start", 1),
});

export const RNN_ORACLE: ZooOracle = {
  type: "rnn",
  shapes: recurrentShapes(["xh_to_h"]),
  infer: recurrentInfer,
  logits: recurrentLogits(rnnCell),
};

/** makemore.py's GRUCell registers xh_to_z, xh_to_r, xh_to_hbar in that order. */
export const GRU_ORACLE: ZooOracle = {
  type: "gru",
  shapes: recurrentShapes(["xh_to_z", "xh_to_r", "xh_to_hbar"]),
  infer: recurrentInfer,
  logits: recurrentLogits(gruCell),
};
