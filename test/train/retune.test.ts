// A running training's learning-rate schedule and batch size changed between steps (TrainingRun.retune,
// Trainer.setSchedule / setBatchSize): the steps after use them, and a checkpoint saved after the change
// resumes exactly as the run itself goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TrainingRun, EVAL_CHUNK } from "../../src/train/run.ts";
import type { RunOptions } from "../../src/train/config.ts";
import { decodeMetrics, decodeRunConfig, type CheckpointFiles } from "../../src/train/checkpoint.ts";
import { ConfigError, MakemoreError } from "../../src/errors.ts";
import { WORDS } from "./run_fixtures.ts";
import { Arena, createTsKernels } from "../../src/kernels/index.ts";
import { buildCorpus } from "../../src/data/splits.ts";
import { LectureMLP } from "../../src/models/lecture.ts";
import { initModel, modelConfig } from "../../src/models/registry.ts";
import { Generator } from "../../src/random/generator.ts";
import { createOptimizer } from "../../src/train/optimizer.ts";
import { stepSchedule } from "../../src/train/schedule.ts";
import { Trainer } from "../../src/train/trainer.ts";

const source = { words: WORDS, source: "names.txt" };
const small: RunOptions = { steps: 20, model: { nHidden: 16 } }; // the lectures' batch 32, lr 0.1, BatchNorm

function resume(files: Partial<CheckpointFiles> & Pick<CheckpointFiles, "model.safetensors" | "config.json" | "metrics.jsonl">): TrainingRun {
  return TrainingRun.fromCheckpoint(
    { ...files, config: decodeRunConfig(files["config.json"], "config.json"), metrics: decodeMetrics(files["metrics.jsonl"], "metrics.jsonl") },
    source,
  );
}

/** The learning rate of every step trained from now on, from the trainer's "step" events. */
function lrLog(run: TrainingRun): Map<number, number> {
  const lrs = new Map<number, number>();
  run.trainer.on((e) => {
    if (e.type === "step") lrs.set(e.step, e.lr);
  });
  return lrs;
}

test("a checkpoint saved after a retune resumes bit for bit as the retuned run goes on, and its config.json holds the new batch and lr", () => {
  const run = TrainingRun.create(source, small);
  assert.equal(run.settings.training.batchSize, 32);
  assert.equal(run.settings.schedule.lr, 0.1);
  run.train(10);
  run.retune({ batchSize: 64, lr: 0.05 });
  run.train(5);
  const files = run.checkpoint();
  const config = JSON.parse(files["config.json"]);
  assert.equal(config.stepsDone, 15);
  assert.equal(config.training.batchSize, 64);
  assert.equal(config.schedule.lr, 0.05);
  assert.equal(config.schedule.lrAfterDecay, 0.05 / 10);
  assert.equal(config.schedule.decayStep, 100000, "the decay step is kept");

  const resumed = resume(files);
  assert.equal(resumed.trainer.config.batchSize, 64);
  run.train(5);
  resumed.train(5);
  assert.equal(run.trainer.step, 20);
  assert.equal(resumed.trainer.step, 20);
  const a = Array.from(run.trainer.losses.subarray(15, 20));
  const b = Array.from(resumed.trainer.losses.subarray(15, 20));
  assert.ok(a.every((l) => Number.isFinite(l) && l > 0));
  assert.deepEqual(b, a);
  for (const [name, p] of run.model.parameters().map((q) => [q.name, q] as const)) {
    const q = resumed.model.parameters().find((r) => r.name === name)!;
    assert.deepEqual(q.data.view, p.data.view, name);
  }
});

test("after setBatchSize(64) the next step draws randint(0, n, (64,)) and runs on 64 rows", () => {
  const run = TrainingRun.create(source, small);
  run.train(10);
  run.retune({ batchSize: 64 });
  const n = run.corpus.data.train!.size;
  const drawn64 = run.generator.clone();
  drawn64.randint(0, n, 64);
  const drawn32 = run.generator.clone();
  drawn32.randint(0, n, 32);
  run.train(1);
  assert.deepEqual(run.generator.getState(), drawn64.getState());
  assert.notDeepEqual(run.generator.getState(), drawn32.getState());
  const acts = run.model.activations();
  assert.equal(acts[acts.length - 1].act!.shape[0], 64, "the logits of step 10 have one row per example");
  assert.equal(run.settings.training.batchSize, 64);
  assert.equal(run.trainer.config.batchSize, 64);
});

test("the steps after a retune run at the new lr, and at lr / 10 from the new decay step", () => {
  const run = TrainingRun.create(source, small);
  const lrs = lrLog(run);
  run.train(3);
  run.retune({ lr: 0.05, lrDecayStep: 6 });
  run.train(6);
  assert.deepEqual([...lrs.values()], [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05 / 10, 0.05 / 10, 0.05 / 10]);
  assert.deepEqual([...lrs.keys()], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(run.settings.schedule, { lr: 0.05, decayStep: 6, lrAfterDecay: 0.05 / 10 });
  // the metric log (metrics.jsonl) has every step's lr too
  assert.deepEqual(run.metrics.filter((m) => "lr" in m).map((m) => (m as { lr: number }).lr), [...lrs.values()]);

  // the batch size alone leaves the schedule as it was
  run.retune({ batchSize: 48 });
  assert.deepEqual(run.settings.schedule, { lr: 0.05, decayStep: 6, lrAfterDecay: 0.05 / 10 });
  // no decay: one rate throughout
  run.retune({ lrDecayStep: null });
  run.train(1);
  assert.equal(lrs.get(9), 0.05);
  assert.deepEqual(run.settings.schedule, { lr: 0.05, decayStep: null, lrAfterDecay: 0.05 });
});

test("a new decay step keeps the decayed rate a run has; a run without decay gets lr / 10", () => {
  const own = TrainingRun.create(source, { ...small, lrAfterDecay: 0.02 });
  const ownLrs = lrLog(own);
  own.retune({ lrDecayStep: 2 });
  own.train(4);
  assert.deepEqual([...ownLrs.values()], [0.1, 0.1, 0.02, 0.02]);

  const constant = TrainingRun.create(source, { ...small, lr: 0.2, lrDecayStep: null });
  const constantLrs = lrLog(constant);
  constant.train(1);
  constant.retune({ lrDecayStep: 2 });
  constant.train(3);
  assert.deepEqual([...constantLrs.values()], [0.2, 0.2, 0.2 / 10, 0.2 / 10]);
});

test("bad values are ConfigErrors and change nothing", () => {
  const run = TrainingRun.create(source, small);
  run.train(2);
  const before = structuredClone(run.settings);
  const refused = (change: Parameters<TrainingRun["retune"]>[0], message: RegExp) => {
    assert.throws(() => run.retune(change), (e: unknown) => e instanceof ConfigError && message.test(e.message));
    assert.deepEqual(run.settings, before);
    assert.equal(run.trainer.config.batchSize, 32);
    assert.deepEqual(run.trainer.config.schedule, before.schedule);
  };
  refused({ batchSize: 0 }, /positive integer/);
  refused({ batchSize: 2.5 }, /positive integer/);
  assert.equal(run.model.capacity, EVAL_CHUNK, "built for the evaluation chunk, above the batch");
  refused({ batchSize: EVAL_CHUNK + 1 }, new RegExp(`capacity ${EVAL_CHUNK}\\b`));
  refused({ batchSize: 1 }, /at least 2 with BatchNorm/);
  refused({ lr: -1 }, /learning rate/);
  refused({ lr: Number.NaN }, /learning rate/);
  refused({ lrDecayStep: 1.5 }, /decay step/);
  refused({ lr: 0.05, batchSize: 0 }, /positive integer/); // a good lr with a bad batch: neither is taken
  refused({ batchSize: 64, lrDecayStep: -1 }, /decay step/);
  run.train(1); // and the run goes on as before
  assert.equal(run.trainer.step, 3);

  // without BatchNorm a batch of one is fine
  const plain = TrainingRun.create(source, { ...small, model: { nHidden: 16, batchNorm: false } });
  plain.retune({ batchSize: 1 });
  plain.train(1);
  assert.equal(plain.settings.training.batchSize, 1);
});

test("a run loaded without its training state refuses to be retuned", () => {
  const run = TrainingRun.create(source, { ...small, steps: 3 });
  run.train();
  const { "train_state.safetensors": _state, ...files } = run.checkpoint();
  const modelOnly = resume(files);
  assert.equal(modelOnly.modelOnly, true);
  assert.throws(() => modelOnly.retune({ lr: 0.05 }), (e: unknown) => e instanceof MakemoreError && /training state/.test(e.message));
  assert.equal(modelOnly.settings.schedule.lr, 0.1);
});

test("setBatchSize frees the old inputs when they are the arena's top, and leaves them when not", () => {
  const run = TrainingRun.create(source, small);
  const arena = run.model.kernels.arena;
  const used = arena.bytesUsed;
  run.trainer.setBatchSize(64);
  run.trainer.setBatchSize(32);
  assert.equal(arena.bytesUsed, used, "each change freed the inputs before");
  const mark = arena.mark();
  const after = arena.f32(1); // something allocated after the inputs: they cannot be freed
  run.trainer.setBatchSize(64);
  assert.ok(after.live);
  const T = run.corpus.data.train!.blockSize;
  assert.equal(arena.bytesUsed - (mark - arena.base), 64 + 64 * T * 4, "the new inputs (64 × T int32) above the buffer of one float (64 bytes, aligned)");
  run.train(1);
  assert.equal(run.trainer.config.batchSize, 64);
  assert.ok(Number.isFinite(run.trainer.losses[0]));
  assert.throws(() => run.trainer.setSchedule({ lr: 0.1, decayStep: -3, lrAfterDecay: 0.01 }), ConfigError);
});

test("a batch the memory cannot hold is an OutOfMemoryError, and the trainer goes on at its batch size", () => {
  const arena = new Arena(undefined, 0, { maxBytes: 16 * 2 ** 20 });
  const kernels = createTsKernels(arena);
  const corpus = buildCorpus(WORDS, { blockSize: 3 });
  const model = new LectureMLP(modelConfig("lecture", { vocabSize: corpus.vocab.size }, { nHidden: 8 }) as never, kernels, 256);
  const g = new Generator(2147483647);
  initModel(model, g);
  const optimizer = createOptimizer({ type: "sgd" }, model.parameters(), kernels);
  arena.f32(Math.floor((arena.bytesFree - 1024) / 4)); // 1 KiB left: room for 32 × 3 int32 inputs, not for 256 × 3
  const trainer = new Trainer(model, corpus.data.train, g, optimizer, { steps: 3, batchSize: 32, schedule: stepSchedule(0.1, null) });
  trainer.run(1);
  assert.throws(() => trainer.setBatchSize(256), (e: unknown) => e instanceof MakemoreError && e.name === "OutOfMemoryError");
  assert.equal(trainer.config.batchSize, 32);
  const drawn32 = g.clone();
  drawn32.randint(0, corpus.data.train.size, 32);
  trainer.run(1);
  assert.deepEqual(g.getState(), drawn32.getState());
  assert.ok(Number.isFinite(trainer.losses[1]));
});
