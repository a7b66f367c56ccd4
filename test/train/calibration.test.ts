// BatchNorm calibration (makemore part 4: "calibrate the batch norm at the end of training"). The
// library's calibrateBatchNorm runs the model only as far as each BatchNorm layer (Model.inputOf) and
// sums with the colMoments kernel; its statistics must be, bit for bit, what the full forward pass and a
// float64 loop give: each layer's mean and unbiased variance of its input over the whole split, layer
// after layer (the layers before it already calibrated) — the reference below, written out here. A
// training step drops calibrated statistics (its parameters are new), so a save never keeps stale ones.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readWordFile } from "../../src/node/words.ts";
import { TrainingRun } from "../../src/train/run.ts";
import { calibrateBatchNorm, forEachChunk } from "../../src/train/evaluate.ts";
import { StackModel } from "../../src/models/stack.ts";
import { rowsOf } from "../../src/nn/layer.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { parseSafetensors } from "../../src/tensor/safetensors.ts";
import type { RunOptions } from "../../src/train/config.ts";

const words = readWordFile().words.slice(0, 4000);

/** The BatchNorm layers' statistics as a full forward pass per layer gives them (the old way), stored in the layers. */
function referenceCalibration(model: StackModel, data: Dataset): Float32Array[] {
  const out: Float32Array[] = [];
  for (const bn of model.batchNorms()) {
    bn.evalStats = "running";
    const H = bn.features;
    const sum = new Float64Array(H), sq = new Float64Array(H);
    let n = 0;
    forEachChunk(model, data, (tokens) => {
      model.forward(tokens); // every layer
      const x = model.recordOf(bn).x!; // the layer's input, as the whole pass saw it
      const R = rowsOf(x.shape);
      const v = x.data.view;
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < H; j++) {
          sum[j] += v[r * H + j];
          sq[j] += v[r * H + j] * v[r * H + j];
        }
      }
      n += R;
    });
    const m = bn.calibratedMean.data.view, s = bn.calibratedVar.data.view;
    for (let j = 0; j < H; j++) {
      const mean = sum[j] / n;
      m[j] = mean;
      s[j] = Math.max(0, (sq[j] - n * mean * mean) / (n - 1));
    }
    bn.evalStats = "calibrated";
    out.push(m.slice(), s.slice());
  }
  return out;
}

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

const CASES: [string, RunOptions][] = [
  ["lecture (makemore part 4)", { type: "lecture" }],
  ["deep (makemore part 3, five BatchNorm layers)", { type: "deep", model: { nHidden: 40 } }],
  ["wavenet (makemore part 5, BatchNorm over (B, T, C))", { type: "wavenet", model: { nHidden: 32, nEmbd: 8 } }],
];

for (const [name, options] of CASES) {
  test(`calibrateBatchNorm gives the statistics of the full forward pass, bit for bit: ${name}`, () => {
    const run = TrainingRun.create({ words, source: "names.txt" }, { ...options, steps: 25, torchVersion: "1.13" });
    run.train();
    const model = run.model as StackModel;
    const data = run.corpus.data.train!;
    assert.ok(model.batchNorms().length > 0);
    const want = referenceCalibration(model, data);
    for (const bn of model.batchNorms()) bn.clearCalibration();
    calibrateBatchNorm(model, data);
    const got = model.batchNorms().flatMap((bn) => [bn.calibratedMean.data.view.slice(), bn.calibratedVar.data.view.slice()]);
    got.forEach((g, i) => assert.deepEqual(bits(g), bits(want[i]), `BatchNorm ${i >> 1}'s ${i & 1 ? "variance" : "mean"}`));
    assert.ok(model.batchNorms().every((bn) => bn.evalStats === "calibrated" && bn.isCalibrated));
  });
}

test("calibration runs the model only as far as the last BatchNorm layer, and leaves the arena as it was", () => {
  const run = TrainingRun.create({ words, source: "names.txt" }, { steps: 1 });
  const model = run.model as StackModel;
  const layers = model.net.layers;
  const last = layers.indexOf(model.batchNorms().at(-1)!);
  assert.ok(last < layers.length - 1, "the lecture's BatchNorm has layers after it");
  const top = model.kernels.arena.mark();
  calibrateBatchNorm(model, run.corpus.data.train!);
  assert.equal(model.kernels.arena.mark(), top);
  layers.forEach((l, i) => {
    const ran = model.recordOf(l).x !== null;
    assert.equal(ran, i < last, `layer ${i} (${l.kind}) ${ran ? "ran" : "did not run"}`);
  });
});

test("a training step drops calibrated statistics: they describe the parameters of before (as a save would keep them)", () => {
  const run = TrainingRun.create({ words, source: "names.txt" }, { steps: 11 });
  run.train(10);
  const first = run.evaluate("calibrated");
  const [bn] = run.model.batchNorms();
  assert.ok(bn.isCalibrated);
  run.trainer.trainStep(); // as the lab's worker, the lr finder and the diagnostics step, outside run()
  assert.equal(bn.isCalibrated, false, "a step changed the parameters");
  assert.equal(bn.evalStats, "running");
  const saved = Object.keys(parseSafetensors(run.checkpoint()["model.safetensors"]).tensors);
  assert.ok(saved.includes("bnmean_running") && !saved.includes("bnmean"), `a save after the step keeps no calibrated statistics: ${saved}`);
  const after = run.evaluate("calibrated");
  assert.ok(bn.isCalibrated);
  assert.notDeepEqual(after, first);
});

test("a calibration that fails part way leaves the layers, their statistics and the arena as they were", () => {
  const run = TrainingRun.create({ words, source: "names.txt" }, { type: "deep", model: { nHidden: 16 }, steps: 3 });
  run.train();
  const model = run.model as StackModel;
  const data = run.corpus.data.train!;
  const bad: Dataset = { ...data, X: data.X.slice() };
  bad.X[1500 * data.blockSize] = 99; // a token past the vocabulary, in the second chunk of 1024 rows
  const top = model.kernels.arena.mark();
  assert.throws(() => calibrateBatchNorm(model, bad), /Embedding: index 99 is outside the table of 27 rows/);
  assert.equal(model.kernels.arena.mark(), top);
  for (const bn of model.batchNorms()) {
    assert.equal(bn.isCalibrated, false);
    assert.equal(bn.evalStats, "running");
  }
  calibrateBatchNorm(model, data); // no calibration left under way
  assert.ok(model.batchNorms().every((bn) => bn.isCalibrated));
});

test("BatchNorm1d's calibration protocol: its forward passes take no part, and ending one that saw no rows says so", () => {
  const run = TrainingRun.create({ words, source: "names.txt" }, { steps: 1 });
  const [bn] = run.model.batchNorms();
  const sums = run.model.kernels.arena.f64(2 * bn.features);
  bn.beginCalibration(sums);
  assert.throws(() => bn.beginCalibration(sums), /a calibration is under way/);
  assert.throws(() => bn.endCalibration(), { name: "ConfigError", message: "BatchNorm1d: calibration needs at least 2 rows, it was given 0" });
  assert.throws(() => bn.accumulateCalibration({ data: run.model.kernels.arena.f32(7), shape: [1, 7] }), /without beginCalibration/);
});
