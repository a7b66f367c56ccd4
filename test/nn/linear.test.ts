// Linear (src/nn/linear.ts) against autograd: out = x @ W + b; dx, dW, db for odd sizes, a batch of 1,
// bias on and off, a (B, T, I) input, on both backends. The backward accumulates into dW and db.
// Letters: R rows, I fanIn, O fanOut.
import assert from "node:assert/strict";
import { Linear } from "../../src/nn/linear.ts";
import { Generator } from "../../src/random/generator.ts";
import { act, assertClose, context, fromBuf, leaf, randnT, setBuf, testBothBackends } from "./helpers.ts";

const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 27], [3, 27, 7], [33, 7, 1], [33, 27, 27], [3, 1, 7],
];

for (const bias of [true, false]) {
  for (const [R, I, O] of SIZES) {
    testBothBackends(`Linear R=${R} I=${I} O=${O} bias=${bias}: out, dx, dW${bias ? ", db" : ""} match autograd`, (k) => {
      const g = new Generator(1000 * R + 10 * I + O);
      const x = leaf(randnT(g, [R, I])); //         (R, I)
      const W = leaf(randnT(g, [I, O], 0.3)); //    (I, O)
      const b = leaf(randnT(g, [O], 0.1)); //       (O)
      const dout = randnT(g, [R, O]); //            (R, O)
      const out = bias ? x.matmul(W).add(b) : x.matmul(W); // (R, I) @ (I, O) + (O) -> (R, O)
      out.backward(dout);

      const layer = new Linear(context(k, R), I, O, { bias });
      setBuf(layer.weight.data, W);
      if (layer.bias) setBuf(layer.bias.data, b);
      assert.equal(layer.parameters().length, bias ? 2 : 1);
      const y = layer.forward(act(k, x));
      assert.deepEqual(y.shape, [R, O]);
      assertClose("out", fromBuf(y.data, [R, O]), out);
      const dx = layer.backward(act(k, dout).data);
      assertClose("dx", fromBuf(dx, [R, I]), x.grad);
      assertClose("dW", fromBuf(layer.weight.grad, [I, O]), W.grad);
      if (layer.bias) assertClose("db", fromBuf(layer.bias.grad, [O]), b.grad);
    });
  }
}

testBothBackends("Linear on a (B, T, I) input: rows are B·T, the output keeps (B, T, O)", (k) => {
  const g = new Generator(7);
  const [B, T, I, O] = [3, 2, 7, 5];
  const x = leaf(randnT(g, [B, T, I]));
  const W = leaf(randnT(g, [I, O], 0.3));
  const b = leaf(randnT(g, [O], 0.1));
  const dout = randnT(g, [B, T, O]);
  const out = x.matmul(W).add(b); // (B, T, I) @ (I, O) + (O) -> (B, T, O)
  out.backward(dout);
  const layer = new Linear(context(k, B * T), I, O);
  setBuf(layer.weight.data, W);
  setBuf(layer.bias!.data, b);
  const y = layer.forward(act(k, x));
  assert.deepEqual(y.shape, [B, T, O]);
  assertClose("out", fromBuf(y.data, [B, T, O]), out);
  assertClose("dx", fromBuf(layer.backward(act(k, dout).data), [B, T, I]), x.grad);
  assertClose("dW", fromBuf(layer.weight.grad, [I, O]), W.grad);
  assertClose("db", fromBuf(layer.bias!.grad, [O]), b.grad);
});

testBothBackends("Linear.backward accumulates dW and db (two backward passes give twice the gradient)", (k) => {
  const g = new Generator(8);
  const [R, I, O] = [3, 7, 5];
  const x = leaf(randnT(g, [R, I]));
  const W = leaf(randnT(g, [I, O], 0.3));
  const b = leaf(randnT(g, [O], 0.1));
  const dout = randnT(g, [R, O]);
  const out = x.matmul(W).add(b);
  out.backward(dout);
  out.backward(dout); // leaves accumulate, like PyTorch's .grad
  const layer = new Linear(context(k, R), I, O);
  setBuf(layer.weight.data, W);
  setBuf(layer.bias!.data, b);
  layer.forward(act(k, x));
  const d = act(k, dout).data;
  layer.backward(d);
  const dx = fromBuf(layer.backward(d), [R, I]);
  assertClose("dW", fromBuf(layer.weight.grad, [I, O]), W.grad);
  assertClose("db", fromBuf(layer.bias!.grad, [O]), b.grad);
  assertClose("dx (overwritten, not accumulated)", dx, x.grad!.mul(0.5));
});

testBothBackends("Linear refuses a wrong width and too many rows", (k) => {
  const layer = new Linear(context(k, 2), 3, 4);
  const g = new Generator(9);
  assert.throws(() => layer.forward(act(k, randnT(g, [2, 4]))), { name: "ConfigError", message: /expected 3 input features/ });
  assert.throws(() => layer.forward(act(k, randnT(g, [3, 3]))), { name: "ConfigError", message: /exceed the capacity/ });
});
