// makemore part 4's gradient check (src/ninja/): makemore part 4's exploded forward pass on the engine, every
// hand-derived gradient (exercise 1) and the fused ones (exercises 2 and 3) against autograd, and against
// real PyTorch for the reference minibatch (test/fixtures/ninja-2147483647-h64.*, written by
// shared/reference/make/torch_ninja_ref.py).
// Letters: n batch, T block size, E n_embd, H n_hidden, V vocabulary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { readWordFile } from "../../src/node/words.ts";
import { buildCorpus } from "../../src/data/splits.ts";
import { createTsKernels } from "../../src/kernels/index.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { cmp, formatCmp, formatDiff } from "../../src/ninja/cmp.ts";
import { drawBatch, GRAD_ORDER, initNinja, ninjaDims, PARAM_NAMES } from "../../src/ninja/forward.ts";
import { formatGradcheck, gradcheck, gradcheckFromSeed, gradcheckReference } from "../../src/ninja/gradcheck.ts";
import { readNinjaReference } from "../../src/node/ninja.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/ninja-2147483647-h64.safetensors", import.meta.url));
const summary = JSON.parse(readFileSync(new URL("../fixtures/ninja-2147483647-h64.json", import.meta.url), "utf8")) as {
  loss: number; Xb: number[][]; Yb: number[];
};
const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });
const train = corpus.data.train;
const LECTURE_SETUP = { seed: 2147483647, nHidden: 64, batchSize: 32 };

test("cmp prints the lecture's line: exact, approximate (torch.allclose), maxdiff", () => {
  const a = new Tensor(new Float32Array([1, 2, 3]), [3]);
  assert.equal(formatCmp(cmp("dlogits", a, a.clone())), "dlogits         | exact: True  | approximate: True  | maxdiff: 0.0");
  const b = new Tensor(new Float32Array([1, 2, 3 + 2 ** -22]), [3]);
  const r = cmp("dlogits", b, a);
  assert.deepEqual([r.exact, r.approximate], [false, true]);
  assert.equal(formatCmp({ ...r, maxdiff: 5.587935447692871e-9 }), "dlogits         | exact: False | approximate: True  | maxdiff: 5.6e-09");
  assert.equal(cmp("x", new Tensor(new Float32Array([1, 2, 3.001]), [3]), a).approximate, false, "rtol 1e-5");
  assert.equal(cmp("x", new Tensor(new Float32Array([2e-8, 0, 0]), [3]), new Tensor(new Float32Array(3), [3])).approximate, false, "atol 1e-8");
  assert.match(formatCmp(cmp("dW", new Tensor(new Float32Array(2), [1, 2]), new Tensor(new Float32Array(2), [2]))), /approximate: False .*shape \[1, 2\] differs from autograd's \[2\]/);
  assert.deepEqual([formatDiff(0.00012345), formatDiff(9.3e-10), formatDiff(2.5e-5)], ["0.00012", "9.3e-10", "2.5e-05"]);
});

test("makemore part 4's init and minibatch are the fixture's, bit for bit (so the default table is PyTorch's setup)", async () => {
  const ref = await readNinjaReference(FIXTURE);
  const g = new Generator(LECTURE_SETUP.seed);
  const params = initNinja(g, ninjaDims(corpus.vocab.size, LECTURE_SETUP.nHidden));
  const { Xb, Yb } = drawBatch(g, train, LECTURE_SETUP.batchSize);
  for (const k of PARAM_NAMES) assert.deepEqual(params[k].data, ref.params[k].data, k);
  assert.deepEqual(Xb.toArray(), summary.Xb);
  assert.deepEqual(Yb.toArray(), summary.Yb);
});

test("default table (seed 2147483647, n_hidden 64, batch 32): every gradient approximately equal, the lectures' maxdiffs", () => {
  const r = gradcheckFromSeed(train, corpus.vocab.size, LECTURE_SETUP);
  console.log(formatGradcheck(r));
  assert.ok(Math.abs(r.fastPath.loss - summary.loss) < 1e-6, `fast path loss ${r.fastPath.loss}`);
  assert.deepEqual(r.fastPath.rows.map((x) => x.name), ["dlogits", "dh", "dW2", "db2", "dhpreact", "dbngain", "dbnbias", "dhprebn", "dembcat", "dW1", "db1", "demb", "dC"]);
  for (const row of r.fastPath.rows) assert.ok(row.approximate && row.maxdiff <= 5e-8, formatCmp(row));
  assert.ok(Math.abs(r.loss - summary.loss) < 1e-6, `loss ${r.loss} vs PyTorch ${summary.loss}`);
  assert.deepEqual(r.rows.map((x) => x.name), GRAD_ORDER.map((k) => `d${k}`));
  assert.deepEqual(r.failures, []);
  assert.ok(r.ok);
  for (const row of [...r.rows, ...r.exercises]) assert.ok(row.approximate && row.maxdiff <= 1e-8, formatCmp(row));
  // Exercise 1 performs, step by step, the same float32 operations as the engine's derivative rules, so
  // every step is bit for bit autograd's, as in the lecture; only dC's scatter-add sums in another order.
  // Exactness is also what guards dlogit_maxes and the max's one-hot routing: their true values are ~1e-9
  // (the max does not change the loss), too small for allclose's atol to see a wrong formula.
  for (const row of r.rows) if (row.name !== "dC") assert.ok(row.exact, formatCmp(row));
  const [ex2, ex3] = r.exercises;
  assert.deepEqual([ex2.name, ex3.name], ["dlogits", "dhprebn"]);
  assert.ok(ex2.maxdiff > 0 && ex2.maxdiff <= 1e-8, `exercise 2, the lecture's 5.6e-09: ${formatCmp(ex2)}`);
  assert.ok(ex3.maxdiff > 0 && ex3.maxdiff <= 2e-9, `exercise 3, the lecture's 9e-10: ${formatCmp(ex3)}`);
});

test("the reference minibatch: our values, autograd's and the hand-written gradients all match PyTorch's", async () => {
  const r = gradcheckReference(await readNinjaReference(FIXTURE));
  console.log(formatGradcheck(r));
  assert.deepEqual(r.failures, []);
  for (const row of [...r.rows, ...r.exercises, ...r.fastPath.rows]) {
    assert.ok(row.reference?.ok, `${formatCmp(row)} ${JSON.stringify(row.reference)}`);
  }
  assert.match(formatGradcheck(r), /ok: all 41 gradients approximately equal, and within float32 tolerance of PyTorch/);
});

test("other seeds, widths and batch sizes (down to n = 8) pass too, on both backends", () => {
  for (const [seed, nHidden, batchSize] of [[1, 7, 8], [42, 1, 9], [7, 200, 33], [3, 64, 256], [2147483647, 64, 7], [2147483647, 64, 1]]) {
    if (batchSize < 8) {
      assert.throws(() => gradcheckFromSeed(train, 27, { seed, nHidden, batchSize }), { name: "ConfigError", message: /at least 8|>= 2/ });
      continue;
    }
    const r = gradcheckFromSeed(train, 27, { seed, nHidden, batchSize }, seed === 1 ? createTsKernels() : undefined);
    assert.deepEqual(r.failures, [], `seed ${seed}, n_hidden ${nHidden}, batch ${batchSize}`);
    assert.equal(r.fastPath.kernels, seed === 1 ? "ts" : "wasm");
    assert.equal(r.nHidden, nHidden);
    assert.equal(r.batchSize, batchSize);
  }
});

test("a wrong gradient is reported: the row fails, the verdict names it", async () => {
  const ref = await readNinjaReference(FIXTURE);
  // PyTorch's file says the gradient of W2 is something else: our (correct) gradients disagree with it
  const dW2 = ref.grads.W2.clone();
  dW2.data[5] += 1e-3;
  const r = gradcheckReference({ ...ref, grads: { ...ref.grads, W2: dW2 } });
  assert.equal(r.ok, false);
  assert.deepEqual(r.failures, ["dW2 vs PyTorch: autograd's gradient, our gradient outside float32 tolerance", "dW2 (fast path) vs PyTorch: autograd's gradient, our gradient outside float32 tolerance"]);
  assert.match(formatGradcheck(r), /^dW2 .*NOT OK$/m);
  assert.match(formatGradcheck(r), /FAILED: dW2 vs PyTorch/);
  // parameters that are not the file's: values differ from PyTorch's
  const W1 = ref.params.W1.clone();
  W1.data[0] += 0.1;
  const r2 = gradcheck({ ...ref.params, W1 }, { Xb: ref.Xb, Yb: ref.Yb }, { reference: ref });
  assert.ok(r2.failures.some((f) => /^dhprebn vs PyTorch: value/.test(f)), r2.failures.join("\n"));
});
