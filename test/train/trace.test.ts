// The lecture preset on names.txt (split seed 42) against real PyTorch (torch-seeded-A.json, written by
// shared/reference/make/torch_seeded.py): the same init, the same minibatches, the same losses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readWordFile } from "../../src/data/files.ts";
import { buildCorpus } from "../../src/data/splits.ts";
import { Generator } from "../../src/random/generator.ts";
import { MLP, mlpConfig } from "../../src/models/mlp.ts";
import { initialize } from "../../src/models/init.ts";
import { Trainer } from "../../src/train/trainer.ts";
import { stepSchedule } from "../../src/train/schedule.ts";
import { createTsKernels, wasmKernels } from "../../src/kernels/index.ts";

const ref = JSON.parse(readFileSync(new URL("../fixtures/torch-seeded-A.json", import.meta.url), "utf8"));
const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });

for (const [name, kernels] of [["wasm", wasmKernels()], ["ts", createTsKernels()]] as const) {
  test(`lecture preset, ${name} kernels: steps 0–9 give PyTorch's losses to 1e-4`, () => {
    const g = new Generator(2147483647);
    const model = new MLP(mlpConfig(27), kernels, 32);
    initialize(model, "lecture", g);
    assert.equal(model.numParameters(), ref.nparams);
    assert.deepEqual([corpus.data.train.size, corpus.data.val.size, corpus.data.test.size], ref.sizes);
    const trainer = new Trainer(model, corpus.data.train, g, { steps: 10, batchSize: 32, schedule: stepSchedule(0.1, 100000) });
    trainer.run();
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(trainer.losses[i] - ref.trace[i]) < 1e-4, `step ${i}: ${trainer.losses[i]} vs PyTorch ${ref.trace[i]}`);
    }
  });
}
