// The layers of makemore.py's bow and transformer against autograd (src/tensor's functional ops), on both
// backends and odd shapes: LayerNorm, GELU (tanh approximation), causal multi-head self-attention with
// its two Linears, the causal bag of words, and Linear in PyTorch's (out, in) layout. Each: out, dx and
// every parameter's gradient, accumulating and overwriting (checkLayer).
// Letters: B batch, T positions, C width, NH heads.
import { CausalSelfAttention } from "../../src/nn/attention.ts";
import { CausalBoW } from "../../src/nn/causal_bow.ts";
import { GELU } from "../../src/nn/gelu.ts";
import { LayerNorm } from "../../src/nn/layernorm.ts";
import { Linear } from "../../src/nn/linear.ts";
import { causalMask, maskedFill, matmul, softmax, tensor, transpose } from "../../src/tensor/index.ts";
import { layerNorm, linear, newGelu } from "../../src/tensor/functional.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { checkLayer } from "./helpers.ts";

for (const shape of [[3, 7], [2, 5, 13], [32, 64]]) {
  checkLayer(
    `LayerNorm (${shape.join(", ")}): out, dx, dweight, dbias`,
    (k) => new LayerNorm(k, shape[shape.length - 1]),
    shape,
    (x, [w, b]) => layerNorm(x, w, b),
    { init: { weight: { scale: 0.2, shift: 1 }, bias: { scale: 0.2 } }, input: { scale: 3, shift: 0.7 } },
  );
}

for (const shape of [[5, 3], [2, 3, 17]]) {
  checkLayer(`GELU, tanh approximation (${shape.join(", ")})`, (k) => new GELU(k, shape[shape.length - 1]), shape, (x) => newGelu(x), {
    input: { scale: 2.5 },
  });
}

/** makemore.py's CausalSelfAttention on the engine: split, heads, masked softmax, re-assembly, c_proj. */
function attention(x: Tensor, [wa, ba, wp, bp]: Tensor[], NH: number): Tensor {
  const [B, T, C] = x.shape;
  const hs = C / NH;
  const qkv = linear(x, wa, ba); //                                           (B,T,3C)
  const heads = (i: number) => qkv.view(B, T, 3, NH, hs).narrow(2, i, 1).view(B, T, NH, hs).transpose(1, 2); // (B,NH,T,hs)
  const [q, k, v] = [heads(0), heads(1), heads(2)];
  const att = matmul(q, transpose(k, -2, -1)).mul(1 / Math.sqrt(hs)); //       (B,NH,T,T)
  const p = softmax(maskedFill(att, causalMask(T), -Infinity), -1);
  const y = matmul(p, v).transpose(1, 2).reshape([B, T, C]); //                (B,T,C)
  return linear(y, wp, bp);
}

for (const [B, T, C, NH] of [[2, 5, 12, 3], [3, 4, 10, 2], [1, 7, 6, 1], [2, 16, 64, 4]]) {
  checkLayer(
    `CausalSelfAttention (B ${B}, T ${T}, C ${C}, NH ${NH}): out, dx, dc_attn, dc_proj`,
    (k) => new CausalSelfAttention(k, C, NH),
    [B, T, C],
    (x, params) => attention(x, params, NH),
  );
}

/** Each position the mean of the positions up to it: a lower-triangular (T,T) of 1/(t+1) @ x. */
function bagOfWords(x: Tensor): Tensor {
  const T = x.shape[1];
  const w = new Float32Array(T * T);
  for (let t = 0; t < T; t++) for (let s = 0; s <= t; s++) w[t * T + s] = 1 / (t + 1);
  return matmul(tensor(w).view(T, T), x); // (T,T) @ (B,T,C) -> (B,T,C)
}

for (const shape of [[3, 5, 7], [1, 1, 4], [2, 16, 64]]) {
  checkLayer(`CausalBoW (${shape.join(", ")})`, (k) => new CausalBoW(k, shape[2]), shape, (x) => bagOfWords(x));
}

for (const [R, I, O, bias] of [[5, 7, 3, true], [4, 13, 9, false]] as const) {
  checkLayer(
    `Linear in PyTorch's layout, W (${O}, ${I})${bias ? "" : " without bias"}, x (${R}, ${I})`,
    (k) => new Linear(k, I, O, { layout: "torch", bias }),
    [R, I],
    (x, [w, b]) => linear(x, w, bias ? b : null),
  );
}
