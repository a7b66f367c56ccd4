import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCorpus, readWordFile, wasmKernels, modelConfig, createRun, type LectureConfig } from "../../src/node/index.ts";
import { initExperiments, INIT_CURVE_STEPS } from "../../src/diagnostics/init_stages.ts";
import { lossCurve } from "../../src/diagnostics/loss_curve.ts";
import { ConfigError } from "../../src/errors.ts";
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

test("each stage's loss curve: the requested steps, starting at the stage's first loss, the hockey stick of naive above the fixed stages", () => {
  const e = initExperiments(modelConfig("lecture", { vocabSize: 27 }) as LectureConfig, corpus.data.train, wasmKernels(), { seed: 2147483647, batchSize: 32, runPreset: "lecture" });
  assert.equal(e.curveSteps, INIT_CURVE_STEPS);
  assert.equal(e.lr, 0.1);
  for (const s of e.stages) {
    assert.equal(s.divergedAt, null, s.preset);
    assert.equal(s.curve.steps, e.curveSteps, `${s.preset}: ${s.curve.steps} steps`);
    assert.equal(s.curve.first, Math.log10(s.firstLoss), `${s.preset}: the curve starts at the first step's loss`);
    assert.equal(s.curve.window, e.window);
    assert.equal(s.curve.windowMean.length, Math.floor(e.curveSteps / e.window));
  }
  const [naive, scaled, kaiming, bn] = e.stages;
  // makemore part 3: the naive init's first steps are spent squashing the logits, so its first window
  // sits far above the fixed stages', and after 2000 steps it has still not caught up
  for (const fixed of [scaled, kaiming, bn]) {
    assert.ok(naive.curve.windowMean[0] > fixed.curve.windowMean[0] + 0.3, `${fixed.preset}: first window ${fixed.curve.windowMean[0]} vs naive ${naive.curve.windowMean[0]}`);
    assert.ok(naive.curve.windowMean.at(-1)! > fixed.curve.windowMean.at(-1)!, `${fixed.preset} ends below naive`);
    assert.ok(fixed.curve.windowMean.at(-1)! < fixed.curve.first - 0.1, `${fixed.preset} learns`);
  }
});

test("a stage's curve is what `train --init STAGE --lr 0.1` trains: the same losses step by step", () => {
  const steps = 300;
  const r = createRun({ steps, lr: 0.1, lrDecayStep: null, model: { nHidden: 24, batchNorm: false, init: "naive" } });
  r.train();
  const e = initExperiments(r.settings.model as unknown as LectureConfig, r.corpus.data.train!, wasmKernels(), { seed: 2147483647, batchSize: 32, curveSteps: steps, window: 10 });
  const naive = e.stages[0];
  assert.equal(naive.preset, "naive");
  assert.deepEqual(naive.curve, lossCurve(r.trainer.losses.subarray(0, steps), { window: 10, maxPoints: 200 }));
});

test("W2 as initialized: the naive randn and the ×0.01 fix, 100 times narrower, counted over all of W2", () => {
  const cfg = modelConfig("lecture", { vocabSize: 27 }) as LectureConfig;
  const e = initExperiments(cfg, corpus.data.train, wasmKernels(), { seed: 2147483647, batchSize: 32, curveSteps: 1 });
  const [naive, scaled] = e.stages;
  for (const s of [naive, scaled]) assert.equal(s.w2.counts.reduce((a, b) => a + b, 0), cfg.nHidden * cfg.vocabSize);
  // the same randn draw (C, W1, b1 are drawn alike before it), times 0.01 in float32
  const ratio = (naive.w2.hi - naive.w2.lo) / (scaled.w2.hi - scaled.w2.lo);
  assert.ok(Math.abs(ratio - 100) < 0.01, `range ratio ${ratio}`);
  assert.ok(Math.abs(naive.w2Std / scaled.w2Std - 100) < 0.01, `std ratio ${naive.w2Std / scaled.w2Std}`);
  assert.ok(Math.abs(naive.w2Std - 1) < 0.05, `randn: std ${naive.w2Std}`);
  assert.deepEqual(naive.w2.counts, scaled.w2.counts);
});

test("the curve's steps are an option; a stage that diverges keeps the steps before it", () => {
  const cfg = { ...(modelConfig("lecture", { vocabSize: 27 }) as LectureConfig), nHidden: 24 };
  const short = initExperiments(cfg, corpus.data.train, wasmKernels(), { seed: 1, batchSize: 32, curveSteps: 40 });
  for (const s of short.stages) assert.equal(s.curve.steps, 40);
  assert.throws(() => initExperiments(cfg, corpus.data.train, wasmKernels(), { seed: 1, batchSize: 32, curveSteps: 0 }), ConfigError);
  const wild = initExperiments(cfg, corpus.data.train, wasmKernels(), { seed: 1, batchSize: 32, curveSteps: 200, lr: 1e4 });
  const naive = wild.stages[0];
  assert.ok(naive.divergedAt !== null && naive.divergedAt > 0 && naive.curve.steps === naive.divergedAt, `naive at lr 1e4: diverged at ${naive.divergedAt}, ${naive.curve.steps} steps`);
});

test("the run's row repeats the stage it is (same preset, same BatchNorm) instead of training it again", () => {
  const cfg = { ...(modelConfig("lecture", { vocabSize: 27 }) as LectureConfig), nHidden: 24, batchNorm: true };
  const e = initExperiments(cfg, corpus.data.train, wasmKernels(), { seed: 1, batchSize: 32, curveSteps: 40, runPreset: "batchnorm" });
  const [bn, run] = e.stages.slice(3);
  assert.equal(run.run, true);
  assert.deepEqual({ ...run, run: false }, bn);
});

test("a stage that diverges on its very first step (a huge naive init) is shown, not an error: its curve is its first loss", () => {
  // two letters and the boundary: the divergence threshold is 100·ln(3) = 110
  const tiny = buildCorpus(["ab", "ba", "aa", "bb", "ab", "ab", "ba", "aab", "bba", "abab"], { blockSize: 3, splitSeed: 42 });
  const config = modelConfig("lecture", { vocabSize: 3 }, { nHidden: 8000 }) as LectureConfig;
  const e = initExperiments(config, tiny.data.train, wasmKernels(), { seed: 2147483647, batchSize: 32, curveSteps: 20 });
  const naive = e.stages[0];
  assert.equal(naive.preset, "naive");
  assert.equal(naive.divergedAt, 0, `naive's first loss ${naive.firstLoss} is above 100·ln(3)`);
  assert.ok(naive.firstLoss > 100 * Math.log(3));
  assert.deepEqual(Array.from(naive.curve.windowMean), [Math.log10(Math.fround(naive.firstLoss))]);
  assert.equal(e.stages[3].divergedAt, null, "batchnorm trains");
});
