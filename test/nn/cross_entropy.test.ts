// CrossEntropyLoss (src/nn/cross_entropy.ts) against autograd's −log_softmax(logits)[range(R), Y].mean()
// (composed from primitives, so its gradient is not the fused formula under test): the loss and dlogits
// for odd sizes, a batch of 1, one class, and logits large enough to overflow a naive exp, on both backends.
// Letters: R rows, V classes.
import assert from "node:assert/strict";
import { CrossEntropyLoss, crossEntropyRowLosses } from "../../src/nn/cross_entropy.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, context, fromBuf, leaf, randintT, randnT, testBothBackends } from "./helpers.ts";

for (const [R, V, scale] of [[1, 1, 1], [1, 27, 1], [3, 7, 2], [33, 27, 1], [32, 27, 50], [33, 1, 3]]) {
  testBothBackends(`CrossEntropyLoss (${R}, ${V}), logits of scale ${scale}: loss and dlogits match autograd`, (k) => {
    const g = new Generator(R * 7 + V + scale);
    const logits = leaf(randnT(g, [R, V], scale)); //  (R, V); scale 50 overflows exp without the max
    const Y = randintT(g, V, [R]); //                  (R)
    const loss = logits.logSoftmax(1).pick(Y).mean().neg(); // F.cross_entropy(logits, Y)
    loss.backward();

    const ce = new CrossEntropyLoss(context(k, R), V);
    const got = ce.forward(act(k, logits), Y.data as Int32Array);
    assert.ok(Number.isFinite(got), `loss ${got}`);
    assertClose("loss", new Float32Array([got]), new Tensor(new Float32Array([loss.item()]), [1]));
    assertClose("dlogits", fromBuf(ce.backward(), [R, V]), logits.grad);
    const rows = new Float64Array(R);
    crossEntropyRowLosses(k, act(k, logits).data, Y.data as Int32Array, R, V, rows); // what evaluation runs
    assertClose("per-row losses (mean)", new Float32Array([rows.reduce((a, b) => a + b, 0) / R]), new Tensor(new Float32Array([loss.item()]), [1]));
  });
}

testBothBackends("CrossEntropyLoss: a target equal to the max logit of a tied row, and the mean over rows", (k) => {
  const logits = leaf(new Tensor(new Float32Array([2, 2, 0, 1, -1, 1, 0, 0, 0]), [3, 3]));
  const Y = new Tensor(new Int32Array([1, 2, 0]), [3]);
  const loss = logits.logSoftmax(1).pick(Y).mean().neg();
  loss.backward();
  const ce = new CrossEntropyLoss(context(k, 3), 3);
  assertClose("loss", new Float32Array([ce.forward(act(k, logits), Y.data as Int32Array)]), new Tensor(new Float32Array([loss.item()]), [1]));
  assertClose("dlogits", fromBuf(ce.backward(), [3, 3]), logits.grad);
});

testBothBackends("CrossEntropyLoss refuses targets outside the classes and logits of another width", (k) => {
  const ce = new CrossEntropyLoss(context(k, 2), 4);
  const g = new Generator(2);
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 4])), new Int32Array([0, 4])), { name: "ConfigError", message: /target 4 is outside 0\.\.3/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 5])), new Int32Array([0, 1])), { name: "ConfigError", message: /expected 4 classes/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 4])), new Int32Array([0])), { name: "ConfigError", message: /2 rows of logits but 1 targets/ });
});
