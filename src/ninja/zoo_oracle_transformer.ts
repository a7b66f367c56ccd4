// Oracles of makemore.py's models that mix positions through a causal (T, T) matrix, on the autograd
// engine, line for line as shared/reference/make/torch_zoo.py's classes (makemore.py's):
//   bow          x = wte[idx] + wpe[:T]                                    (B,T,E)
//                att = softmax(zeros(T, T).masked_fill(tril == 0, −inf))   each row averages positions ≤ t
//                x = x + att @ x                                           (T,T) @ (B,T,E) -> (B,T,E)
//                x = x + c_proj(tanh(c_fc(x)))                             (B,T,E) -> (B,T,E2) -> (B,T,E)
//                logits = lm_head(x)                                       (B,T,V)
//   transformer  GPT-2 (Radford et al. 2019; Vaswani et al. 2017) as makemore.py writes it:
//                x = wte[idx] + wpe[:T]
//                per block: x = x + attn(ln_1(x));  x = x + mlp.c_proj(NewGELU(mlp.c_fc(ln_2(x))))
//                logits = lm_head(ln_f(x)), lm_head without bias
//                attn: q, k, v = c_attn(x).split(E, 2), each (B,T,E) -> (B,nh,T,hs);
//                      att = softmax((q @ kᵀ) / √hs masked causally with −inf); y = att @ v -> (B,T,E); c_proj(y)
// Parameters (state_dict names, PyTorch's layout): bow: wte.weight (V,E), wpe.weight (T,E),
// context_block.mlp.c_fc (E→E2), context_block.mlp.c_proj (E2→E), lm_head (E→V);
// transformer: transformer.wte.weight (V,E), transformer.wpe.weight (T,E), per block transformer.h.<l>.
// ln_1, attn.c_attn (E→3E), attn.c_proj (E→E), ln_2, mlp.c_fc (E→4E), mlp.c_proj (4E→E); transformer.ln_f;
// lm_head.weight (V,E). Linear weights are (out, in).
// Letters: B batch, T block size, V vocabulary, E n_embd, E2 n_embd2, nh heads, hs = E / nh head size.

import { ConfigError } from "../errors.ts";
import { zeros } from "../tensor/create.ts";
import { layerNorm, linear, newGelu } from "../tensor/functional.ts";
import { causalMask } from "../tensor/masking.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { dimOf, linearShapes, need, param, type OracleConfig, type OracleParams, type ZooOracle } from "./zoo_oracle_base.ts";

/** Token plus position embeddings: wte(idx) + wpe(arange(T)). */
function embed(p: OracleParams, X: Tensor, prefix: string): Tensor {
  const T = X.shape[1];
  const tok = param(p, `${prefix}wte.weight`).index(X); //          (B,T,E)
  const pos = param(p, `${prefix}wpe.weight`).narrow(0, 0, T); //   (T,E)
  return tok.add(pos); //                                           (B,T,E)
}

/** makemore.py's BoW.forward with its BoWBlock. */
function bowLogits(p: OracleParams, X: Tensor): Tensor {
  const T = X.shape[1];
  let x = embed(p, X, ""); //                                                           (B,T,E)
  const att = zeros([T, T], { dtype: x.dtype }).maskedFill(causalMask(T), -Infinity).softmax(-1); // (T,T)
  x = x.add(att.matmul(x)); //                                                          (T,T) @ (B,T,E) -> (B,T,E)
  const lin = (name: string, v: Tensor) => linear(v, param(p, `context_block.mlp.${name}.weight`), param(p, `context_block.mlp.${name}.bias`));
  x = x.add(lin("c_proj", lin("c_fc", x).tanh())); //                                   (B,T,E) -> (B,T,E2) -> (B,T,E)
  return linear(x, param(p, "lm_head.weight"), param(p, "lm_head.bias")); //            (B,T,V)
}

export const BOW_ORACLE: ZooOracle = {
  type: "bow",
  shapes: (c) => {
    const [E, E2, T, V] = [need(c, "nEmbd"), need(c, "nEmbd2"), c.blockSize, c.vocabSize];
    return [
      ["wte.weight", [V, E]],
      ["wpe.weight", [T, E]],
      ...linearShapes("context_block.mlp.c_fc", E, E2),
      ...linearShapes("context_block.mlp.c_proj", E2, E),
      ...linearShapes("lm_head", E, V),
    ];
  },
  infer: (shape, X) => ({
    vocabSize: dimOf(shape, "lm_head.weight", 0),
    blockSize: X[1],
    nEmbd: dimOf(shape, "wte.weight", 1),
    nEmbd2: dimOf(shape, "context_block.mlp.c_fc.weight", 0),
  }),
  logits: bowLogits,
};

/** CausalSelfAttention.forward of block `l`. */
function attention(p: OracleParams, x: Tensor, l: number, nh: number): Tensor {
  const [B, T, E] = x.shape;
  const hs = E / nh;
  const w = (name: string) => param(p, `transformer.h.${l}.attn.${name}`);
  const heads = (t: Tensor) => t.reshape(B, T, nh, hs).transpose(1, 2); //  (B,T,E) -> (B,nh,T,hs)
  const [q, k, v] = linear(x, w("c_attn.weight"), w("c_attn.bias")).split(E, 2).map(heads); // (B,T,3E) -> 3 × (B,nh,T,hs)
  let att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hs)); //        (B,nh,T,hs) @ (B,nh,hs,T) -> (B,nh,T,T)
  att = att.maskedFill(causalMask(T), -Infinity).softmax(-1); //            (B,nh,T,T), rows sum to 1 over s ≤ t
  const y = att.matmul(v).transpose(1, 2).reshape(B, T, E); //              (B,nh,T,T) @ (B,nh,T,hs) -> (B,T,E)
  return linear(y, w("c_proj.weight"), w("c_proj.bias")); //                (B,T,E)
}

/** makemore.py's Transformer.forward. */
function transformerLogits(p: OracleParams, X: Tensor, c: OracleConfig): Tensor {
  const nh = need(c, "nHead");
  const E = need(c, "nEmbd");
  if (E % nh !== 0) throw new ConfigError(`the transformer oracle: nHead ${nh} does not divide nEmbd ${E}`);
  const ln = (name: string, v: Tensor) => layerNorm(v, param(p, `${name}.weight`), param(p, `${name}.bias`));
  let x = embed(p, X, "transformer."); //                                     (B,T,E)
  for (let l = 0; l < need(c, "nLayer"); l++) {
    const h = `transformer.h.${l}`;
    x = x.add(attention(p, ln(`${h}.ln_1`, x), l, nh)); //                   x + attn(ln_1(x))
    const fc = linear(ln(`${h}.ln_2`, x), param(p, `${h}.mlp.c_fc.weight`), param(p, `${h}.mlp.c_fc.bias`)); // (B,T,4E)
    x = x.add(linear(newGelu(fc), param(p, `${h}.mlp.c_proj.weight`), param(p, `${h}.mlp.c_proj.bias`))); //    (B,T,E)
  }
  return linear(ln("transformer.ln_f", x), param(p, "lm_head.weight")); //   (B,T,V), no bias
}

export const TRANSFORMER_ORACLE: ZooOracle = {
  type: "transformer",
  shapes: (c) => {
    const [E, L, T, V] = [need(c, "nEmbd"), need(c, "nLayer"), c.blockSize, c.vocabSize];
    const ln = (name: string): [string, number[]][] => [[`${name}.weight`, [E]], [`${name}.bias`, [E]]];
    const blocks = Array.from({ length: L }, (_, l): [string, number[]][] => {
      const h = `transformer.h.${l}`;
      return [
        ...ln(`${h}.ln_1`),
        ...linearShapes(`${h}.attn.c_attn`, E, 3 * E),
        ...linearShapes(`${h}.attn.c_proj`, E, E),
        ...ln(`${h}.ln_2`),
        ...linearShapes(`${h}.mlp.c_fc`, E, 4 * E),
        ...linearShapes(`${h}.mlp.c_proj`, 4 * E, E),
      ];
    });
    return [
      ["transformer.wte.weight", [V, E]],
      ["transformer.wpe.weight", [T, E]],
      ...blocks.flat(),
      ...ln("transformer.ln_f"),
      ...linearShapes("lm_head", E, V, false),
    ];
  },
  infer: (shape, X) => {
    let nLayer = 0;
    while (shape(`transformer.h.${nLayer}.ln_1.weight`) !== undefined) nLayer++;
    return {
      vocabSize: dimOf(shape, "lm_head.weight", 0),
      blockSize: X[1],
      nEmbd: dimOf(shape, "transformer.wte.weight", 1),
      nLayer,
    };
  },
  logits: transformerLogits,
};
