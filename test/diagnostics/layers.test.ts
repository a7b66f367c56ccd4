import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildCorpus, readWordFile, wasmKernels, LectureMLP, modelConfig, Generator, initialize, Trainer, stepSchedule, createOptimizer, type LectureConfig,
} from "../../src/node/index.ts";
import { layerStats, parameterStats, updateToDataRatios } from "../../src/diagnostics/layers.ts";
import { probeBatch } from "../../src/diagnostics/probe.ts";
import { TrainingCollector, defaultCollectEvery } from "../../src/diagnostics/collector.ts";
import { summarize } from "../../src/diagnostics/stats.ts";

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });

const lecture = (vocabSize: number, o: Record<string, unknown>) => modelConfig("lecture", { vocabSize }, o) as LectureConfig;

function model(batchNorm = true, nHidden = 16): LectureMLP {
  const m = new LectureMLP(lecture(27, { nHidden, batchNorm }), wasmKernels(), 32);
  initialize(m, "lecture", new Generator(2147483647));
  return m;
}

test("parameterStats: grad:data = std(grad)/std(data) and log10(std(lr·grad)/std(data)) on a hand case", () => {
  const m = new LectureMLP(lecture(3, { blockSize: 1, nEmbd: 2, nHidden: 2, batchNorm: false }), wasmKernels(), 4);
  const W1 = m.parameter("W1");
  W1.data.view.set([1, 2, 3, 4]); // std √(5/3)
  W1.grad.view.set([0.1, 0.2, 0.3, 0.4]); // std √(5/3)/10
  const s = parameterStats(m, { lr: 0.1 }).find((p) => p.name === "W1")!;
  close(s.dataStd, Math.sqrt(5 / 3), 1e-6);
  close(s.gradToData, 0.1, 1e-6);
  close(s.updateToDataLog10!, -2, 1e-6); // 0.1 · 0.1
  const out = new Float64Array(m.parameters().length);
  updateToDataRatios(m, 0.1, out);
  close(out[m.parameters().indexOf(W1)], -2, 1e-6);
});

test("probeBatch: lecture names, statistics of the live buffers, dlogits rows summing to 0; the model is left unchanged", () => {
  const m = model(true);
  const before = m.parameters().map((p) => p.data.view.slice());
  const running = m.buffers().map((b) => b.data.view.slice());
  const b = probeBatch(m, corpus.data.train, { batchSize: 32, seed: 1 });
  assert.deepEqual(b.layers.map((l) => `${l.name}:${l.kind}`), ["hprebn:Linear", "hpreact:BatchNorm1d", "h:Tanh", "logits:Linear"]);
  const h = m.recordOf(m.tanh).out!.data.view.subarray(0, 32 * 16);
  const tanh = b.layers[2];
  close(tanh.output.std, summarize(h).std, 1e-12);
  assert.equal(tanh.output.saturated, h.filter((v) => Math.abs(v) > 0.97).length / h.length);
  // BatchNorm output: each unit's bnraw has mean 0 over the batch, so the mean of the output is bnbias's
  close(b.layers[1].output.mean, summarize(m.parameter("bnbias").data.view).mean, 1e-6);
  assert.equal(b.saturation!.rows, 32);
  assert.equal(b.saturation!.cols, 16);
  for (let r = 0; r < 32; r++) {
    let sum = 0;
    let neg = 0;
    for (let v = 0; v < 27; v++) {
      sum += b.dlogits.values[r * 27 + v];
      if (b.dlogits.values[r * 27 + v] < 0) neg++;
    }
    close(sum, 0, 1e-6); // (softmax − one_hot)/B sums to 0
    assert.equal(neg, 1); // only the target is pulled up
  }
  close(b.layers[3].grad!.mean, 0, 1e-9);
  m.parameters().forEach((p, i) => assert.deepEqual(p.data.view, before[i]));
  m.buffers().forEach((x, i) => assert.deepEqual(x.data.view, running[i]));
});

test("TrainingCollector: every k steps, update:data ratios from the grads the step left behind", () => {
  const m = model(true);
  const g = new Generator(2147483647);
  initialize(m, "lecture", g);
  const trainer = new Trainer(m, corpus.data.train, g, createOptimizer({ type: "sgd" }, m.parameters(), m.kernels), { steps: 20, batchSize: 32, schedule: stepSchedule(0.1, 10) });
  const c = new TrainingCollector(m, { every: 5 });
  c.attach(trainer);
  const expected: number[][] = [];
  trainer.on((e) => {
    if (e.type === "step" && e.step % 5 === 0) {
      expected.push(m.parameters().map((p) => Math.log10((e.lr * summarize(p.grad.view).std) / summarize(p.data.view).std)));
    }
  });
  trainer.run();
  const s = c.series;
  assert.deepEqual(s.steps, [0, 5, 10, 15]);
  assert.deepEqual(s.lr, [0.1, 0.1, 0.01, 0.01]);
  assert.deepEqual(s.loss, [0, 5, 10, 15].map((i) => trainer.losses[i]));
  assert.deepEqual(s.parameters, ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]);
  expected.forEach((row, k) => row.forEach((v, i) => close(s.updateToData[i][k], v, 1e-9)));
  assert.deepEqual(s.layers, ["hprebn", "hpreact", "h", "logits"]);
  assert.equal(c.first!.step, 0);
  assert.equal(c.first!.loss, trainer.losses[0]);
  assert.equal(c.last!.step, 19);
  assert.equal(c.last!.loss, trainer.losses[19]);
  assert.equal(defaultCollectEvery(200000), 200);
  assert.equal(defaultCollectEvery(3000), 15);
  assert.equal(defaultCollectEvery(300), 1);
});

test("layerStats without BatchNorm: hpreact is the Linear output", () => {
  const m = model(false);
  probeBatch(m, corpus.data.train);
  assert.deepEqual(layerStats(m).map((l) => l.name), ["hpreact", "h", "logits"]);
});
