// CrossEntropyLoss (src/nn/cross_entropy.ts) against autograd's −log_softmax(logits)[range(R), Y].mean()
// (composed from primitives, so its gradient is not the fused formula under test): the loss and dlogits
// for odd sizes, a batch of 1, one class, and logits large enough to overflow a naive exp, on both backends;
// and F.cross_entropy's ignore_index=-1: ignored rows add no loss, get a zero dlogits row, and the mean is
// over the other rows.
// Letters: R rows, V classes.
import assert from "node:assert/strict";
import { CrossEntropyLoss, crossEntropyRowLosses } from "../../src/nn/cross_entropy.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, fromBuf, leaf, randintT, randnT, testBothBackends } from "./helpers.ts";

const scalar = (v: number) => new Tensor(new Float32Array([v]), [1]);

for (const [R, V, scale] of [[1, 1, 1], [1, 27, 1], [3, 7, 2], [33, 27, 1], [32, 27, 50], [33, 1, 3]]) {
  testBothBackends(`CrossEntropyLoss (${R}, ${V}), logits of scale ${scale}: loss and dlogits match autograd`, (k) => {
    const g = new Generator(R * 7 + V + scale);
    const logits = leaf(randnT(g, [R, V], scale)); //  (R, V); scale 50 overflows exp without the max
    const Y = randintT(g, V, [R]); //                  (R)
    const loss = logits.logSoftmax(1).pick(Y).mean().neg(); // F.cross_entropy(logits, Y)
    loss.backward();

    const ce = new CrossEntropyLoss(k, V, R);
    const got = ce.forward(act(k, logits), Y.data as Int32Array);
    assert.ok(Number.isFinite(got), `loss ${got}`);
    assertClose("loss", new Float32Array([got]), scalar(loss.item()));
    assertClose("dlogits", fromBuf(ce.backward(), [R, V]), logits.grad);
    const rows = new Float64Array(R);
    crossEntropyRowLosses(k, act(k, logits).data, Y.data as Int32Array, R, V, rows); // what evaluation runs
    assertClose("per-row losses (mean)", new Float32Array([rows.reduce((a, b) => a + b, 0) / R]), scalar(loss.item()));
  });
}

testBothBackends("CrossEntropyLoss: a target equal to the max logit of a tied row, and the mean over rows", (k) => {
  const logits = leaf(new Tensor(new Float32Array([2, 2, 0, 1, -1, 1, 0, 0, 0]), [3, 3]));
  const Y = new Tensor(new Int32Array([1, 2, 0]), [3]);
  const loss = logits.logSoftmax(1).pick(Y).mean().neg();
  loss.backward();
  const ce = new CrossEntropyLoss(k, 3, 3);
  assertClose("loss", new Float32Array([ce.forward(act(k, logits), Y.data as Int32Array)]), scalar(loss.item()));
  assertClose("dlogits", fromBuf(ce.backward(), [3, 3]), logits.grad);
});

for (const [R, V, ignored] of [[7, 5, [0, 3, 6]], [33, 27, [1, 2, 5, 8, 13, 21, 32]], [3, 1, [1]], [2, 4, [0]]] as [number, number, number[]][]) {
  testBothBackends(`CrossEntropyLoss (${R}, ${V}) with targets -1 at rows ${ignored.join(", ")}: the mean over the other rows, zero dlogits rows`, (k) => {
    const g = new Generator(R * 13 + V);
    const logits = leaf(randnT(g, [R, V], 2)); //   (R, V)
    const Y = randintT(g, V, [R]); //               (R)
    for (const r of ignored) Y.data[r] = -1;
    // autograd: −Σ_kept log_softmax(logits)[r, Y[r]] / n, with a 0/1 mask over the rows (0 where ignored)
    const n = R - ignored.length;
    const safeY = new Tensor(Int32Array.from(Y.data, (v) => Math.max(v, 0)), [R]);
    const mask = new Tensor(Float32Array.from(Y.data, (v) => (v === -1 ? 0 : 1)), [R]);
    const loss = logits.logSoftmax(1).pick(safeY).mul(mask).sum().div(n).neg();
    loss.backward();

    const ce = new CrossEntropyLoss(k, V, R);
    const got = ce.forward(act(k, logits), Y.data as Int32Array);
    assertClose("loss", new Float32Array([got]), scalar(loss.item()));
    const dlogits = fromBuf(ce.backward(), [R, V]);
    assertClose("dlogits", dlogits, logits.grad);
    for (const r of ignored) {
      for (let v = 0; v < V; v++) assert.equal(dlogits.data[r * V + v], 0, `dlogits[${r}, ${v}] of an ignored row`);
    }
    const rows = new Float64Array(R).fill(NaN);
    crossEntropyRowLosses(k, act(k, logits).data, Y.data as Int32Array, R, V, rows);
    for (const r of ignored) assert.equal(rows[r], 0, `the loss of ignored row ${r}`);
    assertClose("per-row losses (sum / kept rows)", new Float32Array([rows.reduce((a, b) => a + b, 0) / n]), scalar(loss.item()));
  });
}

testBothBackends("CrossEntropyLoss with every target -1: the loss is NaN and dlogits all zero (as PyTorch)", (k) => {
  const [R, V] = [3, 5];
  const ce = new CrossEntropyLoss(k, V, R);
  const loss = ce.forward(act(k, randnT(new Generator(4), [R, V])), new Int32Array(R).fill(-1));
  assert.ok(Number.isNaN(loss), `loss ${loss}`);
  assert.deepEqual([...fromBuf(ce.backward(), [R, V]).data], new Array(R * V).fill(0));
});

testBothBackends("CrossEntropyLoss refuses targets outside the classes (but -1), logits of another width, too few targets", (k) => {
  const ce = new CrossEntropyLoss(k, 4, 2);
  const g = new Generator(2);
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 4])), new Int32Array([0, 4])), { name: "ConfigError", message: /target 4 is outside 0\.\.3/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 4])), new Int32Array([-2, 1])), { name: "ConfigError", message: /target -2 is outside 0\.\.3/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 5])), new Int32Array([0, 1])), { name: "ConfigError", message: /expected 4 classes/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [2, 4])), new Int32Array([0])), { name: "ConfigError", message: /2 rows of logits but 1 targets/ });
  assert.throws(() => ce.forward(act(k, randnT(g, [3, 4])), new Int32Array([0, 1, 2])), { name: "ConfigError", message: /3 rows exceed the capacity of 2/ });
  const rows = new Float64Array(2);
  assert.throws(() => crossEntropyRowLosses(k, act(k, randnT(g, [2, 4])).data, new Int32Array([-2, 0]), 2, 4, rows), { name: "ConfigError", message: /target -2 is outside 0\.\.3/ });
  assert.throws(() => crossEntropyRowLosses(k, act(k, randnT(g, [2, 4])).data, new Int32Array([0, 4]), 2, 4, rows), { name: "ConfigError", message: /target 4 is outside 0\.\.3/ });
});
