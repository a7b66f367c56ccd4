// Linear (src/nn/linear.ts) against autograd: out = x @ W + b; dx, dW, db for odd sizes, a batch of 1,
// bias on and off, a (B, T, I) input, on both backends. Backward adds into dx, dW and db (llm.c's
// contract), so one Linear can run at two positions (two records) and a residual branch can add into the
// gradient of its input.
// Letters: R rows, I fanIn, O fanOut.
import assert from "node:assert/strict";
import type { Kernels } from "../../src/kernels/index.ts";
import { Linear } from "../../src/nn/linear.ts";
import { Tanh } from "../../src/nn/tanh.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, checkLayer, fromBuf, leaf, plus, randnT, setBuf, testBothBackends } from "./helpers.ts";

const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 27], [3, 27, 7], [33, 7, 1], [33, 27, 27], [3, 1, 7],
];

for (const bias of [true, false]) {
  for (const [R, I, O] of SIZES) {
    checkLayer(
      `Linear R=${R} I=${I} O=${O} bias=${bias}: out, dx, dW${bias ? ", db" : ""} match autograd`,
      (k) => new Linear(k, I, O, { bias }),
      [R, I],
      (x, [W, b]) => (bias ? x.matmul(W).add(b) : x.matmul(W)), // (R, I) @ (I, O) + (O) -> (R, O)
      { after: (l) => assert.equal(l.parameters().length, bias ? 2 : 1) },
    );
  }
}

checkLayer(
  "Linear on a (B, T, I) input: rows are B·T, the output keeps (B, T, O)",
  (k) => new Linear(k, 7, 5),
  [3, 2, 7],
  (x, [W, b]) => x.matmul(W).add(b), // (B, T, I) @ (I, O) + (O) -> (B, T, O)
);

/** A Linear holding the values of W (I, O) and b (O). */
function linear(k: Kernels, W: Tensor, b: Tensor): Linear {
  const layer = new Linear(k, W.shape[0], W.shape[1]);
  setBuf(layer.weight.data, W);
  setBuf(layer.bias!.data, b);
  return layer;
}

testBothBackends("Linear.backward accumulates dx, dW and db (two backward passes give twice the gradient)", (k) => {
  const g = new Generator(8);
  const [R, I, O] = [3, 7, 5];
  const x = leaf(randnT(g, [R, I]));
  const W = leaf(randnT(g, [I, O], 0.3));
  const b = leaf(randnT(g, [O], 0.1));
  const dout = randnT(g, [R, O]);
  const out = x.matmul(W).add(b);
  out.backward(dout);
  out.backward(dout); // leaves accumulate, like PyTorch's .grad
  const layer = linear(k, W, b);
  const rec = layer.record([R, I]);
  layer.forward(rec, act(k, x));
  const d = act(k, dout).data;
  const dx = k.arena.f32(R * I);
  layer.backward(rec, d, dx);
  layer.backward(rec, d, dx);
  assertClose("dx (accumulated)", fromBuf(dx, [R, I]), x.grad);
  assertClose("dW", fromBuf(layer.weight.grad, [I, O]), W.grad);
  assertClose("db", fromBuf(layer.bias!.grad, [O]), b.grad);
});

testBothBackends("one Linear at two positions (two records): both backward passes add into one dW, db and one dx", (k) => {
  const g = new Generator(10);
  const [R, I, O] = [3, 7, 5];
  const x1 = leaf(randnT(g, [R, I])); // position 1's input  (R, I)
  const x2 = leaf(randnT(g, [R, I])); // position 2's input  (R, I)
  const W = leaf(randnT(g, [I, O], 0.3));
  const b = leaf(randnT(g, [O], 0.1));
  const d1 = randnT(g, [R, O]);
  const d2 = randnT(g, [R, O]);
  const y1 = x1.matmul(W).add(b); // the same weights at both positions
  const y2 = x2.matmul(W).add(b);
  y1.mul(d1).sum().add(y2.mul(d2).sum()).backward(); // loss = Σ y1·d1 + Σ y2·d2

  const layer = linear(k, W, b);
  const rec1 = layer.record([R, I]);
  const rec2 = layer.record([R, I]);
  const out1 = layer.forward(rec1, act(k, x1));
  const out2 = layer.forward(rec2, act(k, x2));
  assert.notEqual(out1.data, out2.data, "each record has its own output");
  assertClose("y1 (kept while position 2 ran)", fromBuf(out1.data, [R, O]), y1);
  assertClose("y2", fromBuf(out2.data, [R, O]), y2);
  const dx = k.arena.f32(R * I); // one gradient buffer for both positions' inputs
  layer.backward(rec2, act(k, d2).data, dx);
  layer.backward(rec1, act(k, d1).data, dx);
  assertClose("dx = dx1 + dx2", fromBuf(dx, [R, I]), plus(x1.grad!, x2.grad));
  assertClose("dW (both positions)", fromBuf(layer.weight.grad, [I, O]), W.grad);
  assertClose("db (both positions)", fromBuf(layer.bias!.grad, [O]), b.grad);
});

testBothBackends("a residual block out = x + tanh(x @ W + b): both branches add into one dx", (k) => {
  const g = new Generator(11);
  const [B, T, I] = [3, 2, 7];
  const x = leaf(randnT(g, [B, T, I]));
  const W = leaf(randnT(g, [I, I], 0.3));
  const b = leaf(randnT(g, [I], 0.1));
  const dout = randnT(g, [B, T, I]);
  const out = x.add(x.matmul(W).add(b).tanh()); // (B, T, I) + tanh((B, T, I) @ (I, I) + (I))
  out.backward(dout);

  const lin = linear(k, W, b);
  const tanh = new Tanh(k, I);
  const rl = lin.record([B, T, I]);
  const rt = tanh.record([B, T, I]);
  const xa = act(k, x);
  const h = tanh.forward(rt, lin.forward(rl, xa));
  const n = B * T * I;
  const y = new Tensor(Float32Array.from(h.data.view.subarray(0, n), (v, i) => v + xa.data.view[i]), [B, T, I]);
  assertClose("out", y, out);
  const d = act(k, dout).data;
  const dx = k.arena.f32(n);
  dx.view.set(d.view.subarray(0, n)); // the identity branch: dx = dout
  const dh = k.arena.f32(n);
  k.fill(dh, 0);
  tanh.backward(rt, d, dh);
  lin.backward(rl, dh, dx); // the other branch adds into the same dx
  assertClose("dx (both branches)", fromBuf(dx, [B, T, I]), x.grad);
  assertClose("dW", fromBuf(lin.weight.grad, [I, I]), W.grad);
  assertClose("db", fromBuf(lin.bias!.grad, [I]), b.grad);
});

testBothBackends("Linear refuses a wrong width and too many rows", (k) => {
  const layer = new Linear(k, 3, 4);
  const rec = layer.record([2, 3]);
  const g = new Generator(9);
  assert.throws(() => layer.forward(rec, act(k, randnT(g, [2, 4]))), { name: "ConfigError", message: /expected 3 input features/ });
  assert.throws(() => layer.forward(rec, act(k, randnT(g, [3, 3]))), { name: "ConfigError", message: /Linear: 3 rows exceed the 2 this model was built for/ });
  assert.throws(() => layer.record([2, 4]), { name: "ConfigError", message: /expected 3 input features/ });
  assert.throws(() => layer.backward(layer.record([2, 3]), k.arena.f32(8), null), /backward called before forward/);
});
