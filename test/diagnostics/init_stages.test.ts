import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCorpus, readWordFile, wasmKernels, modelConfig, createRun, type LectureConfig } from "../../src/node/index.ts";
import { initExperiments } from "../../src/diagnostics/init_stages.ts";
import { expectedInitialLoss } from "../../src/diagnostics/probe.ts";

const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });

test("expectedInitialLoss: −ln(1/27) = 3.2958", () => {
  assert.equal(expectedInitialLoss(27).toFixed(4), "3.2958");
});

test("init stages on the lectures' model: the hockey stick and the saturated tanh, then each fix", () => {
  const e = initExperiments(modelConfig("lecture", { vocabSize: 27 }) as LectureConfig, corpus.data.train, wasmKernels(), { seed: 2147483647, batchSize: 32, runPreset: "kaiming" });
  const [naive, scaled, kaiming, bn, run] = e.stages;
  assert.deepEqual(e.stages.map((s) => [s.preset, s.batchNorm, s.run]), [
    ["naive", false, false],
    ["scaled-output", false, false],
    ["kaiming", false, false],
    ["batchnorm", true, false],
    ["kaiming", true, true],
  ]);
  assert.ok(naive.firstLoss > 20, `naive first loss ${naive.firstLoss} (makemore part 3: ~27)`);
  assert.ok(naive.saturated > 0.5, `naive saturation ${naive.saturated}`);
  assert.ok(Math.abs(scaled.firstLoss - e.expectedLoss) < 0.1, `scaled-output ${scaled.firstLoss}`);
  assert.equal(scaled.saturated, naive.saturated); // same W1, b1: the output fix leaves tanh saturated
  assert.ok(kaiming.saturated < 0.25 && kaiming.hpreactStd < 2, `kaiming ${kaiming.saturated} ${kaiming.hpreactStd}`);
  assert.ok(bn.saturated < 0.05 && Math.abs(bn.hpreactStd - 1) < 0.05, `batchnorm ${bn.saturated} ${bn.hpreactStd}`);
  assert.ok(Math.abs(bn.firstLoss - e.expectedLoss) < 0.1, `batchnorm first loss ${bn.firstLoss}: near −ln(1/27)`);
  assert.ok(Math.abs(run.firstLoss - e.expectedLoss) < 0.1, `kaiming + BN ${run.firstLoss}`);
  assert.ok(naive.logitsStd > 50 * scaled.logitsStd);
});

test("the run's row is the first step `train` takes: the same loss as the run's lossi[0]", () => {
  for (const init of ["naive", "lecture"] as const) {
    const r = createRun({ steps: 1, model: { nHidden: 24, batchNorm: init === "lecture", init } });
    r.train();
    const e = initExperiments(r.settings.model as unknown as LectureConfig, r.corpus.data.train!, wasmKernels(), { seed: 2147483647, batchSize: 32, runPreset: init });
    assert.equal(e.stages.at(-1)!.firstLoss, r.trainer.losses[0]);
  }
});
