import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildCorpus, readWordFile, wasmKernels, LectureMLP, modelConfig, Generator, initialize, Trainer, stepSchedule, createOptimizer, TrainingRun,
  type LectureConfig,
} from "../../src/node/index.ts";
import { collectedBefore, SNAPSHOT_STEP, TrainingCollector, type StepDiagnostics } from "../../src/diagnostics/collector.ts";
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
  const continued = collectRun(resumed, 7, before); // the earlier collection's every (3) is kept
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
  assert.equal(new TrainingCollector(m, { resume: kept }).series.steps.length, 4);
});
