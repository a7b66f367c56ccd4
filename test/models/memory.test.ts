// The memory plan of a model (src/models/memory.ts): a dry run of its construction on a PlanArena gives,
// to the byte, what a run of it takes in the kernels' memory; sizes the WebAssembly memory cannot hold
// are refused before anything is allocated, in one ConfigError that names the settings responsible
// and what they would need. Plans only: nothing here allocates more than a few MiB.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Arena, createTsKernels, createWasmKernels, wasmArena } from "../../src/kernels/index.ts";
import { instantiateWasm, wasmVariant } from "../../src/kernels/wasm.ts";
import { ConfigError } from "../../src/errors.ts";
import { checkMemory, planMemory, type MemoryUse } from "../../src/models/memory.ts";
import { modelConfig, modelTypes } from "../../src/models/registry.ts";
import { createOptimizer } from "../../src/train/optimizer.ts";
import { evalRows, TrainingRun } from "../../src/train/run.ts";
import type { ModelConfigBase } from "../../src/models/model.ts";

const names = readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
const words = names.slice(0, 300);
const GiB = 2 ** 30;

/** A config of `type` on names.txt's 27 tokens (makemore.py's rows: 16 positions). */
function config(type: string, fields: Record<string, unknown> = {}): ModelConfigBase {
  return modelConfig(type, { vocabSize: 27, blockSize: 16 }, fields);
}

/** How a run uses a model: its batch, evaluation's chunk, its type's optimizer. */
function runUse(type: string, batchSize: number): MemoryUse {
  const opt = modelTypes().find((t) => t.type === type)!.training.optimizer;
  return { batchSize, minRows: evalRows({ type, blockSize: 16 }), optimizer: (params, k) => createOptimizer(opt, params, k) };
}

/** The ConfigError checkMemory throws on the wasm arena (which must not grow meanwhile). */
function refusal(c: ModelConfigBase, use: MemoryUse): string {
  const arena = wasmArena();
  const before = { used: arena.bytesUsed, capacity: arena.bytesCapacity };
  let message = "";
  assert.throws(() => checkMemory(c, arena, use), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    message = e.message;
    return true;
  });
  assert.deepEqual({ used: arena.bytesUsed, capacity: arena.bytesCapacity }, before, "the check allocated nothing");
  assert.doesNotMatch(message, /\n/);
  return message;
}

for (const t of modelTypes()) {
  test(`${t.type}: the plan is what a run takes in the kernels' memory, to the byte`, () => {
    // kernels on a module instance and an arena of their own (the wasm ones: the TS ones took 16 s to
    // evaluate the transformer); enough words for a training split of more than one evaluation chunk
    // (1024 rows: 300 words give 2000 windows; makemore.py's rows are words, 1000 of them the test split)
    const kernels = createWasmKernels(instantiateWasm(wasmVariant()));
    const some = names.slice(0, t.data === "windows" ? 300 : 2500);
    const run = TrainingRun.create({ words: some, source: "names" }, { type: t.type, steps: 3, batchSize: 40 }, { kernels });
    run.train();
    run.evaluate();
    const s = run.settings;
    const plan = planMemory(s.model, { batchSize: 40, minRows: evalRows(s.model), optimizer: (p, k) => createOptimizer(s.optimizer, p, k) });
    assert.equal(plan.total, kernels.arena.bytesPeak, "the peak of building, training and evaluating");
    let params = 0;
    for (const p of run.model.parameters()) params += 8 * p.data.length;
    for (const b of run.model.buffers()) params += 4 * b.data.length;
    assert.equal(plan.parameters, params);
    const aligned = (n: number) => Math.ceil((4 * n) / 64) * 64;
    const moments = run.model.parameters().reduce((n, p) => n + 2 * aligned(p.data.length), 0);
    assert.equal(plan.optimizer, s.optimizer.type === "adamw" ? moments : 0); // AdamW: two moments per parameter
    assert.equal(plan.capacity, Math.max(40, evalRows(s.model)));
    assert.equal(plan.total, plan.parameters + plan.optimizer + plan.activations);
  });

  test(`${t.type}: --batch-size 10000000 is refused up front, naming the batch size`, () => {
    const m = refusal(config(t.type), runUse(t.type, 10_000_000));
    assert.match(m, /^--batch-size 10000000\b.* needs about [\d.]+ [GT]iB \(activations for 10000000 examples at a time\); the WebAssembly memory holds at most 4 GiB: use a smaller --batch-size$/);
  });

  // a row of makemore.py's is a word of 16 positions, each with its own activations
  const big = t.data === "sequences" ? 2_000 : 100_000;
  test(`${t.type}: --batch-size ${big} fits`, () => {
    const plan = checkMemory(config(t.type), wasmArena(), runUse(t.type, big));
    assert.ok(plan.total > plan.parameters && plan.total < 3 * GiB, `${plan.total}`);
  });
}

test("lecture with a BatchNorm wider than an evaluation chunk's targets: the plan holds its calibration's sums, to the byte", () => {
  // calibrating 2048 features takes 32 KiB of float64 sums under a chunk's tokens, more than the
  // 8 KiB of targets and losses a chunk's evaluation puts there
  const kernels = createWasmKernels(instantiateWasm(wasmVariant()));
  const run = TrainingRun.create({ words, source: "names" }, { steps: 2, model: { nHidden: 2048 } }, { kernels });
  run.train();
  run.evaluate("calibrated");
  assert.ok(run.model.batchNorms()[0].isCalibrated);
  const s = run.settings;
  const plan = planMemory(s.model, { batchSize: s.training.batchSize, minRows: evalRows(s.model), optimizer: (p, k) => createOptimizer(s.optimizer, p, k) });
  assert.equal(plan.total, kernels.arena.bytesPeak);
});

test("lecture: each size flag too large for the memory is named, with what it needs and what to lower", () => {
  const use = runUse("lecture", 32);
  assert.equal(
    refusal(config("lecture"), runUse("lecture", 10_000_000)),
    "--batch-size 10000000 with --n-hidden 200 needs about 56.7 GiB (activations for 10000000 examples at a time); " +
      "the WebAssembly memory holds at most 4 GiB: use a smaller --batch-size",
  );
  assert.match(
    refusal(config("lecture", { nHidden: 1_000_000 }), use),
    /^--n-hidden 1000000 needs about 27.2 GiB \(26.7 GiB of activations for 1024 examples at a time, 473 MiB of parameters and gradients\); .*: use a smaller --n-hidden$/,
  );
  assert.match(refusal(config("lecture", { nEmbd: 1_000_000 }), use), /^--n-embd 1000000 with --block-size 3 needs about 27.6 GiB .*: use a smaller --n-embd$/);
  assert.match(refusal(config("lecture", { blockSize: 10_000_000 }), use), /^--block-size 10000000 with --n-embd 10 needs about 951 GiB .*: use a smaller --block-size$/);
  assert.match(
    refusal(config("lecture", { nHidden: 1_000_000, nEmbd: 1_000_000 }), use),
    /^--n-hidden 1000000 and --n-embd 1000000 with --block-size 3 needs about 21.9 TiB \(parameters and gradients\); .*: use a smaller --n-hidden or --n-embd$/,
  );
});

test("wavenet: each size flag too large for the memory is named", () => {
  const use = runUse("wavenet", 32);
  assert.match(refusal(config("wavenet", { nHidden: 1_000_000 }), use), /^--n-hidden 1000000 with --block-size 8 needs about 29.3 TiB .*: use a smaller --n-hidden$/);
  assert.match(refusal(config("wavenet", { nEmbd: 1_000_000 }), use), /^--n-embd 1000000 with --block-size 8 needs about 63.2 GiB .*: use a smaller --n-embd$/);
  assert.match(refusal(config("wavenet", { blockSize: 2 ** 23 }), use), /^--block-size 8388608 with --n-hidden 128 needs about 29.5 TiB .*: use a smaller --block-size$/);
});

test("the limit is what the arena can still hand out: memory in use is counted and said", () => {
  const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0, { maxBytes: 20 * 2 ** 20 });
  arena.f32(2_500_000); // 10 MB in use
  const c = config("lecture");
  const plan = checkMemory(c, arena, runUse("lecture", 1000)); // 1024 rows for evaluation: about 6 MiB
  assert.ok(plan.total > 6 * 2 ** 20 && plan.total < 7 * 2 ** 20, `${plan.total}`);
  assert.throws(
    () => checkMemory(c, arena, runUse("lecture", 2000)),
    /^ConfigError: --batch-size 2000 with --n-hidden 200 needs about 11.7 MiB \(activations for 2000 examples at a time\); the WebAssembly memory holds at most 20 MiB, 9.54 MiB of it in use: use a smaller --batch-size$/,
  );
});

test("TrainingRun.create refuses sizes the memory cannot hold before it allocates or builds the data", () => {
  const kernels = createTsKernels(new Arena());
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ batchSize: 10_000_000 }, /^--batch-size 10000000 with --n-hidden 200 needs about/],
    [{ model: { blockSize: 10_000_000 } }, /^--block-size 10000000 with --n-embd 10 needs about/], // 2e12 windows: no Int32Array holds them
    [{ type: "wavenet", model: { blockSize: 2 ** 23 } }, /^--block-size 8388608 with --n-hidden 128 needs about/],
    [{ type: "bigram", batchSize: 10_000_000 }, /^--batch-size 10000000 needs about/],
    // only AdamW's state tips it over (SGD: 3.26 GiB in all)
    [
      { optimizer: { type: "adamw" }, model: { nEmbd: 28_000, nHidden: 4_000 } },
      /^--n-embd 28000 and --n-hidden 4000 with --block-size 3 needs about 5.77 GiB \(2.51 GiB of parameters and gradients, 2.51 GiB of optimizer state, 766 MiB of activations for 1024 examples at a time\)/,
    ],
  ];
  for (const [options, want] of cases) {
    assert.throws(() => TrainingRun.create({ words, source: "names" }, options, { kernels }), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(options)}: ${String(e)}`);
      assert.match(e.message, want);
      return true;
    });
    assert.equal(kernels.arena.bytesUsed, 0, `${JSON.stringify(options)}: nothing allocated`);
  }
  assert.doesNotThrow(() => checkMemory(config("lecture", { nEmbd: 28_000, nHidden: 4_000 }), wasmArena(), runUse("lecture", 32)), "fits with SGD");
});
