// Every makemore.py type's hand-written backward against its autograd oracle (src/ninja/zoo_oracle*.ts,
// written line for line from makemore.py's classes) on odd shapes, on both backends: widths that are not
// multiples of the SIMD lanes, a head size of 3, two blocks, a batch of 5, words of 1 to 9 letters over a
// vocabulary of 12 (so rows of 10 positions, most of them padding with ignored targets). What the
// PyTorch files cannot show: that no layer silently assumes makemore.py's default sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTsKernels, wasmKernels } from "../../src/kernels/index.ts";
import { zooGradcheckFromSeed } from "../../src/ninja/zoo_gradcheck.ts";

const words = [
  "a", "bob", "cecile", "dahlia", "eke", "fig", "gijk", "hale", "ilk", "jade", "kale", "lacehkjig", "deb", "bee",
  "ace", "cab", "gab", "jib", "hid", "kid", "lid", "bid", "did", "fad", "gag", "hag", "lag", "jag",
];
const ODD: Record<string, Record<string, number>> = {
  mlp: { nEmbd: 5, nEmbd2: 7 },
  rnn: { nEmbd: 5, nEmbd2: 7 },
  gru: { nEmbd: 3, nEmbd2: 9 },
  bow: { nEmbd: 7, nEmbd2: 5 },
  transformer: { nEmbd: 9, nHead: 3, nLayer: 2 },
};

for (const [backend, kernels] of [["wasm", wasmKernels()], ["ts", createTsKernels()]] as const) {
  for (const [type, model] of Object.entries(ODD)) {
    test(`${type} on odd shapes (${JSON.stringify(model)}, batch 5, rows of 10): every gradient equals autograd's [${backend}]`, () => {
      const r = zooGradcheckFromSeed({ words, source: "odd" }, { type, seed: 7, batchSize: 5, model, torchVersion: "1.13" }, kernels);
      assert.equal(r.config.blockSize, 10);
      assert.equal(r.batchSize, 5);
      assert.ok(r.targets < 5 * 10, "some targets are padding");
      assert.ok(r.rows.length >= 5);
      assert.deepEqual(r.failures, []);
      for (const row of r.rows) assert.ok(row.approximate, `${row.name}: maxdiff ${row.maxdiff}`);
      assert.ok(Math.abs(r.loss.fast - r.loss.autograd) < 1e-5 * r.loss.autograd);
    });
  }
}
