// Embedding (src/nn/embedding.ts) against autograd's C[X]: the lookup and the scatter-add dC, with indices
// used several times (every contribution must land in the row), a batch of 1 and odd widths, on both
// backends. FlattenConsecutive (src/nn/flatten.ts) against view(): both directions only relabel.
// Letters: B batch, T context, V vocabulary, E embedding width, n positions merged.
import assert from "node:assert/strict";
import type { Kernels } from "../../src/kernels/index.ts";
import { Embedding, type Tokens } from "../../src/nn/embedding.ts";
import { FlattenConsecutive } from "../../src/nn/flatten.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, context, fromBuf, leaf, randintT, randnT, setBuf, testBothBackends } from "./helpers.ts";

function tokens(k: Kernels, X: Tensor): Tokens {
  return { data: k.arena.i32From(X.data), shape: [...X.shape] };
}

for (const [B, T, V, E] of [[1, 1, 27, 1], [3, 1, 5, 7], [33, 3, 27, 10], [32, 3, 4, 7], [3, 8, 27, 27]]) {
  testBothBackends(`Embedding (${B}, ${T}) into a (${V}, ${E}) table: out and dC (scatter-add) match autograd`, (k) => {
    const g = new Generator(100 * B + T);
    const C = leaf(randnT(g, [V, E])); //          (V, E)
    const X = randintT(g, V, [B, T]); //           (B, T), most rows used several times when B·T > V
    const dout = randnT(g, [B, T, E]); //          (B, T, E)
    const emb = C.index(X); //                     (V, E)[(B, T)] -> (B, T, E)
    emb.backward(dout);

    const layer = new Embedding(context(k, B * T), V, E);
    setBuf(layer.weight.data, C);
    const out = layer.forward(tokens(k, X));
    assert.deepEqual(out.shape, [B, T, E]);
    assert.deepEqual(fromBuf(out.data, [B, T, E]).data, emb.data, "a lookup copies rows exactly");
    assert.equal(layer.backward(act(k, dout).data), null, "no gradient for integer inputs");
    assertClose("dC", fromBuf(layer.weight.grad, [V, E]), C.grad);
  });
}

testBothBackends("Embedding: one index repeated everywhere collects every row of dout", (k) => {
  const g = new Generator(5);
  const [B, T, V, E] = [33, 3, 27, 7];
  const C = leaf(randnT(g, [V, E]));
  const X = new Tensor(new Int32Array(B * T).fill(13), [B, T]);
  const dout = randnT(g, [B, T, E]);
  C.index(X).backward(dout);
  const layer = new Embedding(context(k, B * T), V, E);
  setBuf(layer.weight.data, C);
  layer.forward(tokens(k, X));
  layer.backward(act(k, dout).data);
  const dC = fromBuf(layer.weight.grad, [V, E]);
  assertClose("dC", dC, C.grad);
  for (let i = 0; i < V * E; i++) if (Math.trunc(i / E) !== 13) assert.equal(dC.data[i], 0, `row ${Math.trunc(i / E)} is untouched`);
  // and it accumulates: a second backward doubles dC
  layer.backward(act(k, dout).data);
  assertClose("dC after two backward passes", fromBuf(layer.weight.grad, [V, E]), C.grad!.mul(2));
});

testBothBackends("Embedding refuses an index outside the table", (k) => {
  const layer = new Embedding(context(k, 2), 5, 3);
  const X = new Tensor(new Int32Array([1, 5]), [2]);
  assert.throws(() => layer.forward(tokens(k, X)), { name: "ConfigError", message: /index 5 is outside the table of 5 rows/ });
});

for (const [B, T, C, n] of [[1, 3, 10, 3], [3, 6, 7, 2], [33, 8, 1, 4], [2, 4, 5, 1]]) {
  testBothBackends(`FlattenConsecutive(${n}) of (${B}, ${T}, ${C}): view and its gradient match autograd`, (k) => {
    const g = new Generator(B + T + C + n);
    const x = leaf(randnT(g, [B, T, C]));
    const shape = T === n ? [B, C * n] : [B, T / n, C * n];
    const out = x.view(shape); // (B, T, C) -> (B, T/n, C·n), or (B, C·n) when T/n = 1
    const dout = randnT(g, shape);
    out.backward(dout);
    const layer = new FlattenConsecutive(n);
    const y = layer.forward(act(k, x));
    assert.deepEqual(y.shape, shape);
    assert.deepEqual(fromBuf(y.data, shape).data, out.data);
    assertClose("dx", fromBuf(layer.backward(act(k, dout).data), [B, T, C]), x.grad);
    assert.deepEqual(layer.parameters(), []);
  });
}

testBothBackends("FlattenConsecutive refuses T not a multiple of n, and inputs that are not (B, T, C)", (k) => {
  const g = new Generator(3);
  assert.throws(() => new FlattenConsecutive(2).forward(act(k, randnT(g, [2, 3, 4]))), { name: "ConfigError", message: /T = 3 is not a multiple of 2/ });
  assert.throws(() => new FlattenConsecutive(2).forward(act(k, randnT(g, [2, 4]))), { name: "ConfigError", message: /expected a \(B, T, C\) input/ });
  assert.throws(() => new FlattenConsecutive(0), { name: "ConfigError" });
});
