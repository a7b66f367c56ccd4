// The lecture preset on names.txt (split seed 42) against real PyTorch (torch-seeded-A.json, written by
// shared/reference/make/torch_seeded.py): the same init, the same minibatches, the same losses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readWordFile } from "../../src/node/words.ts";
import { buildCorpus } from "../../src/data/splits.ts";
import { Generator } from "../../src/random/generator.ts";
import { LectureMLP } from "../../src/models/lecture.ts";
import { numParameters } from "../../src/models/model.ts";
import { initModel, modelConfig } from "../../src/models/registry.ts";
import { createOptimizer } from "../../src/train/optimizer.ts";
import { Trainer } from "../../src/train/trainer.ts";
import { stepSchedule } from "../../src/train/schedule.ts";
import { createTsKernels, wasmKernels } from "../../src/kernels/index.ts";

const ref = JSON.parse(readFileSync(new URL("../fixtures/torch-seeded-A.json", import.meta.url), "utf8"));
const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });

for (const [name, kernels] of [["wasm", wasmKernels()], ["ts", createTsKernels()]] as const) {
  test(`lecture preset, ${name} kernels: steps 0–9 give PyTorch's losses to 1e-4`, () => {
    const g = new Generator(2147483647);
    const model = new LectureMLP(modelConfig("lecture", { vocabSize: 27 }) as never, kernels, 32);
    initModel(model, g);
    assert.equal(numParameters(model), ref.nparams);
    assert.deepEqual([corpus.data.train.size, corpus.data.val.size, corpus.data.test.size], ref.sizes);
    const trainer = new Trainer(model, corpus.data.train, g, createOptimizer({ type: "sgd" }, model.parameters(), kernels), { steps: 10, batchSize: 32, schedule: stepSchedule(0.1, 100000) });
    trainer.run();
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(trainer.losses[i] - ref.trace[i]) < 1e-4, `step ${i}: ${trainer.losses[i]} vs PyTorch ${ref.trace[i]}`);
    }
  });
}
