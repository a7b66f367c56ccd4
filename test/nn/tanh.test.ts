// Tanh (src/nn/tanh.ts) against autograd: y = tanh(x), dx += (1 − y²)·dy, for odd sizes, a batch of 1,
// saturated inputs and a (B, T, H) input, on both backends.
// Letters: R rows, H features.
import assert from "node:assert/strict";
import { Tanh } from "../../src/nn/tanh.ts";
import { checkLayer } from "./helpers.ts";

for (const [R, H, scale] of [[1, 1, 1], [1, 27, 3], [3, 7, 1], [33, 27, 5], [33, 1, 0.01]]) {
  checkLayer(
    `Tanh (${R}, ${H}) of inputs of scale ${scale}: y and dx match autograd`,
    (k) => new Tanh(k, H),
    [R, H], // scale 5 saturates most units
    (x) => x.tanh(),
    { seed: R * 31 + H, input: { scale }, after: (l) => assert.deepEqual(l.parameters(), []) },
  );
}

checkLayer("Tanh on a (B, T, H) input keeps its shape", (k) => new Tanh(k, 5), [3, 2, 5], (x) => x.tanh());
