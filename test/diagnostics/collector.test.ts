import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildCorpus, readWordFile, wasmKernels, LectureMLP, modelConfig, Generator, initialize, Trainer, stepSchedule, createOptimizer, TrainingRun,
  type LectureConfig,
} from "../../src/node/index.ts";
import {
  collectedBefore, defaultCollectEvery, MAX_POINTS, SNAPSHOT_STEP, TrainingCollector, type CollectedTraining, type StepDiagnostics,
} from "../../src/diagnostics/collector.ts";
import { readBatch } from "../../src/diagnostics/probe.ts";
import { collectRun } from "../../src/diagnostics/run_report.ts";
import { decodeMetrics, decodeRunConfig } from "../../src/train/checkpoint.ts";

const words = readWordFile().words.slice(0, 500);
const corpus = buildCorpus(words, { blockSize: 3, splitSeed: 42 });

/** A small lecture model and an SGD trainer of `steps` steps on it, with a collector every `every` steps. */
function trained(steps: number, every = 100, snapshotStep?: number) {
  const m = new LectureMLP(modelConfig("lecture", { vocabSize: 27 }, { nHidden: 16 }) as LectureConfig, wasmKernels(), 32);
  const g = new Generator(2147483647);
  initialize(m, "lecture", g);
  const trainer = new Trainer(m, corpus.data.train, g, createOptimizer({ type: "sgd" }, m.parameters(), m.kernels), { steps, batchSize: 32, schedule: stepSchedule(0.1, 500) });
  const c = new TrainingCollector(m, { every, snapshotStep });
  c.attach(trainer);
  // what the model holds right after the step `at`, read by a listener of its own
  const seen = new Map<number, StepDiagnostics>();
  const watch = (at: number) =>
    trainer.on((e) => {
      if (e.type === "step" && e.step === at) seen.set(at, { step: at, ...readBatch(m, e.loss, { lr: e.lr }) });
    });
  return { m, trainer, c, seen, watch };
}

test("the batch after step 1000 (makemore part 3's `if i >= 1000: break`) is kept as snapshot; a run of 1000 steps has none", () => {
  assert.equal(SNAPSHOT_STEP, 1000);
  const long = trained(1001);
  long.watch(1000);
  long.trainer.run();
  assert.deepEqual(long.c.snapshot, long.seen.get(1000));
  assert.equal(long.c.snapshot!.loss, long.trainer.losses[1000]);
  assert.equal(long.c.first!.step, 0, "the first step stays");
  assert.equal(long.c.last!.step, 1000);

  const short = trained(1000);
  short.trainer.run();
  assert.equal(short.c.snapshot, null, "steps 0 to 999: no step 1000");
  assert.equal(short.c.last!.step, 999);

  const early = trained(20, 5, 7);
  early.watch(7);
  early.trainer.run();
  assert.deepEqual(early.c.snapshot, early.seen.get(7), "snapshotStep chooses the step");
});

test("a resumed collection continues what was collected before the checkpoint's step: the series of a run never interrupted, each step once", () => {
  const source = { words, source: "first 500 names" };
  const options = { steps: 60, model: { nHidden: 16 } };
  const whole = TrainingRun.create(source, options);
  const wholeCollector = collectRun(whole, 3);
  whole.train();

  // saved after 25 steps, collected on to step 39 (a crash after the save), resumed from the save
  const first = TrainingRun.create(source, options);
  const before = collectRun(first, 3);
  first.train(25);
  const saved = first.checkpoint();
  first.train(15);
  assert.equal(before.series.steps.at(-1), 39);
  const resumed = TrainingRun.fromCheckpoint(
    { ...saved, config: decodeRunConfig(saved["config.json"], "config.json"), metrics: decodeMetrics(saved["metrics.jsonl"], "metrics.jsonl") },
    source,
  );
  const continued = collectRun(resumed, 2, before); // the smallest multiple of the earlier every (3) that is >= 2: 3
  resumed.train();

  assert.deepEqual(continued.series.steps, Array.from({ length: 20 }, (_, i) => 3 * i));
  assert.deepEqual(continued.series, wholeCollector.series);
  assert.deepEqual(continued.first, wholeCollector.first);
  assert.deepEqual(continued.last, wholeCollector.last);
});

test("collectedBefore keeps the points and batches of the steps below; a collection of another model is refused", () => {
  const { c, trainer, m } = trained(30, 4);
  trainer.run();
  const kept = collectedBefore(c, 13);
  assert.deepEqual(kept.series.steps, [0, 4, 8, 12]);
  assert.deepEqual(kept.series.loss, [0, 4, 8, 12].map((i) => trainer.losses[i]));
  for (const rows of [kept.series.updateToData, kept.series.outputStd, kept.series.gradStd]) {
    for (const row of rows) assert.equal(row.length, 4);
  }
  assert.equal(kept.first!.step, 0);
  assert.equal(kept.last, null, "the last step (29) is past 13");
  assert.equal(c.series.steps.length, 8, "the collector itself is unchanged");

  const other = new LectureMLP(modelConfig("lecture", { vocabSize: 27 }, { nHidden: 8 }) as LectureConfig, wasmKernels(), 32);
  assert.throws(() => new TrainingCollector(other, { resume: kept }), /another model/);
  assert.equal(new TrainingCollector(m, { every: 4, resume: kept }).series.steps.length, 4);
});

/** A collection of `n` points every `every` steps from step 0 on `m`'s parameters and layers (values: the step). */
function fakeCollection(m: LectureMLP, n: number, every: number): CollectedTraining {
  const steps = Array.from({ length: n }, (_, i) => i * every);
  const params = m.parameters();
  const layers = m.activations();
  return {
    series: {
      every,
      steps,
      loss: [...steps],
      lr: [...steps],
      saturated: [...steps],
      parameters: params.map((p) => p.name),
      parameterShapes: params.map((p) => [...p.shape]),
      updateToData: params.map(() => [...steps]),
      layers: layers.map((a) => a.name),
      outputStd: layers.map(() => [...steps]),
      gradStd: layers.map(() => [...steps]),
    },
    first: null,
    snapshot: null,
    last: null,
  };
}

test("a collection never holds more than MAX_POINTS points: its interval doubles and the points at its multiples stay, as a collector at that interval from the start would hold them", () => {
  assert.equal(MAX_POINTS, 2000);
  const steps = 2 * MAX_POINTS + 1; // two doublings: every 1 → 2 (at step 2000) → 4 (at step 4000)
  const { c, trainer } = trained(steps, 1);
  const at4 = new TrainingCollector(c.model, { every: 4 });
  at4.attach(trainer);
  let most = 0;
  let fewestAfterFull = Infinity;
  trainer.on((e) => {
    if (e.type !== "step") return;
    const n = c.series.steps.length;
    most = Math.max(most, n);
    if (e.step >= MAX_POINTS) fewestAfterFull = Math.min(fewestAfterFull, n);
    assert.ok(c.series.steps.every((t) => t % c.series.every === 0), `step ${e.step}: every point at a multiple of ${c.series.every}`);
  });
  trainer.run();
  assert.equal(most, MAX_POINTS);
  assert.ok(fewestAfterFull >= MAX_POINTS / 2, `at least ${MAX_POINTS / 2} points once full (${fewestAfterFull})`);
  assert.equal(c.series.every, 4);
  assert.deepEqual(c.series.steps, Array.from({ length: MAX_POINTS / 2 + 1 }, (_, i) => 4 * i));
  assert.deepEqual(c.series, at4.series, "every series thinned alike: the values of the steps kept");
  assert.deepEqual(c.series.loss, c.series.steps.map((t) => trainer.losses[t]));
});

test("a resumed collection continues at the smallest multiple of its interval that is at least the one asked for, keeping the points at its multiples", () => {
  const m = new LectureMLP(modelConfig("lecture", { vocabSize: 27 }, { nHidden: 8 }) as LectureConfig, wasmKernels(), 32);
  // 400 steps every 2 (defaultCollectEvery(400)), resumed for 200000 steps: every 200, as a run of 200000 from its start
  assert.equal(defaultCollectEvery(400), 2);
  const long = new TrainingCollector(m, { every: defaultCollectEvery(200000), resume: fakeCollection(m, 200, 2) });
  assert.equal(long.series.every, 200);
  assert.deepEqual(long.series.steps, [0, 200]);
  for (const row of [long.series.loss, long.series.lr, ...long.series.updateToData, ...long.series.outputStd, ...long.series.gradStd]) {
    assert.deepEqual(row, [0, 200], "every series alike");
  }
  // every 15 (3000 steps) resumed for 200000: the smallest multiple of 15 that is >= 200
  const odd = new TrainingCollector(m, { every: 200, resume: fakeCollection(m, 200, 15) });
  assert.equal(odd.series.every, 210);
  assert.deepEqual(odd.series.steps, Array.from({ length: 15 }, (_, i) => 210 * i));
  // resumed for fewer steps than the interval asks: the kept interval stays
  assert.equal(new TrainingCollector(m, { every: 7, resume: fakeCollection(m, 30, 200) }).series.every, 200);
  // more points than MAX_POINTS kept (a file from elsewhere): doubled until they fit
  const many = new TrainingCollector(m, { every: 1, resume: fakeCollection(m, 5000, 1) });
  assert.equal(many.series.every, 4);
  assert.equal(many.series.steps.length, 1250);
  assert.deepEqual(many.series.loss, many.series.steps);
});

test("a run of 400 steps resumed for more: from the resume on it collects at the longer run's interval, and holds what a run never interrupted collects at it", () => {
  const source = { words, source: "first 500 names" };
  const model = { nHidden: 16 };
  const first = TrainingRun.create(source, { steps: 400, model });
  const before = collectRun(first);
  assert.equal(before.series.every, 2);
  first.train();
  const saved = first.checkpoint();
  const resumed = TrainingRun.fromCheckpoint(
    { ...saved, config: decodeRunConfig(saved["config.json"], "config.json"), metrics: decodeMetrics(saved["metrics.jsonl"], "metrics.jsonl") },
    source,
    { steps: 1000 },
  );
  const continued = collectRun(resumed, 200, before);
  resumed.train();
  const whole = TrainingRun.create(source, { steps: 1000, model });
  const wholeCollector = collectRun(whole, 200);
  whole.train();
  assert.deepEqual(continued.series.steps, [0, 200, 400, 600, 800]);
  assert.deepEqual(continued.series, wholeCollector.series);
});
