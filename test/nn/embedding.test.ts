// Embedding (src/nn/embedding.ts) against autograd's C[X]: the lookup and the scatter-add dC, with indices
// used several times (every contribution must land in the row), a batch of 1 and odd widths, on both
// backends. FlattenConsecutive (src/nn/flatten.ts) against view(): both directions only relabel, so its
// output is its input's buffer and its backward takes dout's buffer as dx.
// Letters: B batch, T context, V vocabulary, E embedding width, n positions merged.
import assert from "node:assert/strict";
import type { Kernels } from "../../src/kernels/index.ts";
import { Embedding, type Tokens } from "../../src/nn/embedding.ts";
import { FlattenConsecutive } from "../../src/nn/flatten.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, checkLayer, fromBuf, leaf, randnT, setBuf, testBothBackends } from "./helpers.ts";

function tokens(k: Kernels, X: Tensor): Tokens {
  return { data: k.arena.i32From(X.data), shape: [...X.shape] };
}

for (const [B, T, V, E] of [[1, 1, 27, 1], [3, 1, 5, 7], [33, 3, 27, 10], [32, 3, 4, 7], [3, 8, 27, 27]]) {
  checkLayer(
    `Embedding (${B}, ${T}) into a (${V}, ${E}) table: out and dC (scatter-add) match autograd`,
    (k) => new Embedding(k, V, E),
    [B, T], // most rows used several times when B·T > V
    (X, [C]) => C.index(X), // (V, E)[(B, T)] -> (B, T, E)
    { tokens: V, init: { weight: { scale: 1 } }, exact: true }, // a lookup copies rows exactly
  );
}

testBothBackends("Embedding: one index repeated everywhere collects every row of dout", (k) => {
  const g = new Generator(5);
  const [B, T, V, E] = [33, 3, 27, 7];
  const C = leaf(randnT(g, [V, E]));
  const X = new Tensor(new Int32Array(B * T).fill(13), [B, T]);
  const dout = randnT(g, [B, T, E]);
  C.index(X).backward(dout);
  const layer = new Embedding(k, V, E);
  setBuf(layer.weight.data, C);
  const rec = layer.record(B * T);
  layer.forward(rec, tokens(k, X));
  layer.backward(rec, act(k, dout).data);
  const dC = fromBuf(layer.weight.grad, [V, E]);
  assertClose("dC", dC, C.grad);
  for (let i = 0; i < V * E; i++) if (Math.trunc(i / E) !== 13) assert.equal(dC.data[i], 0, `row ${Math.trunc(i / E)} is untouched`);
  // and it accumulates: a second backward doubles dC
  layer.backward(rec, act(k, dout).data);
  assertClose("dC after two backward passes", fromBuf(layer.weight.grad, [V, E]), C.grad!.mul(2));
});

testBothBackends("Embedding at two positions (two records of one table): both scatter-adds land in one dC", (k) => {
  const g = new Generator(6);
  const [B, V, E] = [5, 4, 3];
  const C = leaf(randnT(g, [V, E]));
  const X1 = new Tensor(new Int32Array([0, 1, 2, 3, 1]), [B]);
  const X2 = new Tensor(new Int32Array([1, 1, 3, 0, 2]), [B]);
  const d1 = randnT(g, [B, E]);
  const d2 = randnT(g, [B, E]);
  C.index(X1).mul(d1).sum().add(C.index(X2).mul(d2).sum()).backward();
  const layer = new Embedding(k, V, E);
  setBuf(layer.weight.data, C);
  const [r1, r2] = [layer.record(B), layer.record(B)];
  const out1 = layer.forward(r1, tokens(k, X1));
  layer.forward(r2, tokens(k, X2));
  assert.deepEqual(fromBuf(out1.data, [B, E]).data, C.index(X1).data, "position 1's output survives position 2's forward");
  layer.backward(r2, act(k, d2).data);
  layer.backward(r1, act(k, d1).data);
  assertClose("dC (both positions)", fromBuf(layer.weight.grad, [V, E]), C.grad);
});

testBothBackends("Embedding refuses an index outside the table and more indices than its record holds", (k) => {
  const layer = new Embedding(k, 5, 3);
  const rec = layer.record(2);
  assert.throws(() => layer.forward(rec, tokens(k, new Tensor(new Int32Array([1, 5]), [2]))), { name: "ConfigError", message: /index 5 is outside the table of 5 rows/ });
  assert.throws(() => layer.forward(rec, tokens(k, new Tensor(new Int32Array([1, -1]), [2]))), { name: "ConfigError", message: /index -1 is outside the table of 5 rows/ });
  assert.throws(() => layer.forward(rec, tokens(k, new Tensor(new Int32Array([1, 2, 3]), [3]))), { name: "ConfigError", message: /Embedding: 3 indices exceed the 2 this model was built for/ });
  assert.throws(() => layer.backward(layer.record(2), k.arena.f32(6)), /backward called before forward/);
});

for (const [B, T, C, n] of [[1, 3, 10, 3], [3, 6, 7, 2], [33, 8, 1, 4], [2, 4, 5, 1]]) {
  const shape = T === n ? [B, C * n] : [B, T / n, C * n];
  checkLayer(
    `FlattenConsecutive(${n}) of (${B}, ${T}, ${C}): view and its gradient match autograd`,
    () => new FlattenConsecutive(n),
    [B, T, C],
    (x) => x.view(shape), // (B, T, C) -> (B, T/n, C·n), or (B, C·n) when T/n = 1
    { exact: true },
  );
}

testBothBackends("FlattenConsecutive refuses T not a multiple of n, and inputs that are not (B, T, C)", (k) => {
  const g = new Generator(3);
  const f = new FlattenConsecutive(2);
  assert.throws(() => f.forward(f.record([2, 4, 4]), act(k, randnT(g, [2, 3, 4]))), { name: "ConfigError", message: /T = 3 is not a multiple of 2/ });
  assert.throws(() => f.record([2, 3, 4]), { name: "ConfigError", message: /T = 3 is not a multiple of 2/ });
  assert.throws(() => f.record([2, 4]), { name: "ConfigError", message: /expected a \(B, T, C\) input/ });
  assert.throws(() => f.forward(f.record([2, 4, 4]), act(k, randnT(g, [2, 4]))), { name: "ConfigError", message: /expected a \(B, T, C\) input/ });
  assert.throws(() => new FlattenConsecutive(0), { name: "ConfigError" });
});
