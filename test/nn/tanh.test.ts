// Tanh (src/nn/tanh.ts) against autograd: y = tanh(x), dx = (1 − y²)·dy, for odd sizes, a batch of 1,
// saturated inputs, on both backends.
// Letters: R rows, H features.
import assert from "node:assert/strict";
import { Tanh } from "../../src/nn/tanh.ts";
import { Generator } from "../../src/random/generator.ts";
import { act, assertClose, context, fromBuf, leaf, randnT, testBothBackends } from "./helpers.ts";

for (const [R, H, scale] of [[1, 1, 1], [1, 27, 3], [3, 7, 1], [33, 27, 5], [33, 1, 0.01]]) {
  testBothBackends(`Tanh (${R}, ${H}) of inputs of scale ${scale}: y and dx match autograd`, (k) => {
    const g = new Generator(R * 31 + H);
    const x = leaf(randnT(g, [R, H], scale)); // (R, H); scale 5 saturates most units
    const dout = randnT(g, [R, H]);
    const y = x.tanh();
    y.backward(dout);
    const layer = new Tanh(context(k, R), H);
    const out = layer.forward(act(k, x));
    assert.deepEqual(out.shape, [R, H]);
    assertClose("y", fromBuf(out.data, [R, H]), y);
    assertClose("dx", fromBuf(layer.backward(act(k, dout).data), [R, H]), x.grad);
    assert.deepEqual(layer.parameters(), []);
  });
}
