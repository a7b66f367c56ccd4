// makemore.py's loop in the library: estimates while training (the first 1000 rows of each split, no
// draw from the run's generator), the best model as model.safetensors, the resumable state in
// train_state.safetensors, and a run killed after any save — a best save between two resumable ones
// included — resuming to the very bytes of a run never interrupted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWords } from "../../src/data/words.ts";
import { createRun, loadRun, sampleFromRun, saveBestModel, saveRun } from "../../src/node/run_dir.ts";
import { Generator } from "../../src/random/generator.ts";
import { DEFAULT_WORDS_FILE } from "../../src/node/words.ts";
import { parseSafetensors, serializeSafetensors } from "../../src/tensor/safetensors.ts";
import { FILES, sha256Hex } from "../../src/train/checkpoint.ts";
import type { RunOptions } from "../../src/train/config.ts";
import { estimateSplits, ESTIMATE_ROWS } from "../../src/train/evaluate.ts";
import { TrainingLoop, type LoopOptions } from "../../src/train/loop.ts";
import { TrainingRun } from "../../src/train/run.ts";
import { modelTypes } from "../../src/models/registry.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-best-"));
const NAMES = parseWords(readFileSync(DEFAULT_WORDS_FILE), "names.txt").words;

/** A word file of the first `n` names. */
function wordFile(n: number): string {
  const file = join(tmp(), `names-${n}.txt`);
  writeFileSync(file, NAMES.slice(0, n).join("\n") + "\n");
  return file;
}

// 60 names and a high learning rate: the bigram overfits its 54 training words, so its test estimate
// falls to a lowest point (step 40) and rises after it — the best model is not the last one
const SMALL = wordFile(60);
const overfit = (o: RunOptions = {}): RunOptions & { inputFile: string } => ({ inputFile: SMALL, type: "bigram", lr: 0.05, steps: 120, evalEvery: 10, ...o });

/** The CLI's loop (cli/train.ts) without printing: the saves the loop asks for, then the end of the run. */
function drive(run: TrainingRun, dir: string, options: LoopOptions, afterSave: (kind: string) => void = () => {}): void {
  const loop = new TrainingLoop(run, options);
  while (!loop.done) {
    const tick = loop.next();
    if (tick.save === "best") saveBestModel(run, dir);
    if (tick.save === "resumable") saveRun(run, dir);
    if (tick.save) afterSave(tick.save);
  }
  run.finish();
  saveRun(run, dir);
}

const files = (dir: string) => Object.fromEntries(Object.values(FILES).map((f) => [f, readFileSync(join(dir, f))]));
const tensorsOf = (bytes: Uint8Array) => parseSafetensors(bytes).tensors;
const metricLines = (dir: string) => readFileSync(join(dir, FILES.metrics), "utf8").trim().split("\n").map((l) => JSON.parse(l));

test("an estimate is the loss of the first 1000 rows of each split, computed here by hand from the bigram's table", () => {
  const run = createRun({ type: "bigram", steps: 40 });
  run.train();
  const table = run.model.parameters()[0].data.view; // (V, V): logits = table[x]
  const V = run.model.vocabSize;
  const { losses, rows } = estimateSplits(run.model, run.corpus.data);
  for (const split of ["train", "test"] as const) {
    const d = run.corpus.data[split]!;
    const n = Math.min(ESTIMATE_ROWS, d.size);
    let total = 0;
    let count = 0;
    for (let i = 0; i < n * d.blockSize; i++) {
      if (d.Y[i] === -1) continue;
      const row = table.subarray(d.X[i] * V, (d.X[i] + 1) * V);
      const max = Math.max(...row);
      const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
      total += logSum - row[d.Y[i]];
      count++;
    }
    assert.equal(rows[split], n);
    assert.ok(Math.abs(losses[split]! - total / count) < 1e-6, `${split}: ${losses[split]} vs ${total / count}`);
  }
  assert.equal(rows.train, 1000, "31033 training words: the first 1000");
});

test("estimates and samples while training draw nothing from the run's generator: the same steps, bytes and stream", () => {
  for (const options of [
    { type: "bigram", steps: 60 } as RunOptions,
    { steps: 60, model: { nHidden: 16 }, evalEvery: 7 } as RunOptions, // the lectures' model: BatchNorm's running statistics untouched
  ]) {
    const plain = createRun({ ...options, evalEvery: null });
    plain.train();
    const looped = createRun({ ...options, evalEvery: options.evalEvery ?? 7 });
    const loop = new TrainingLoop(looped, { checkpointEvery: 1000, sampleEvery: 11, chunk: 5 });
    let estimates = 0;
    let samples = 0;
    while (!loop.done) {
      const tick = loop.next();
      if (tick.estimate) estimates++;
      if (tick.samples) samples += tick.samples.length;
    }
    assert.equal(estimates, 8, "steps 7, 14, …, 56");
    assert.equal(samples, 50, "10 samples at steps 11, 22, 33, 44, 55");
    assert.deepEqual(looped.trainer.losses, plain.trainer.losses);
    assert.deepEqual(looped.generator.getState(), plain.generator.getState());
    const a = tensorsOf(plain.checkpoint()["train_state.safetensors"]);
    const b = tensorsOf(looped.checkpoint()["train_state.safetensors"]);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const k of Object.keys(a)) assert.deepEqual(b[k].data, a[k].data, `${k} differs`);
  }
});

test("for every model type, estimates and samples between steps leave the training steps as they were", () => {
  for (const type of modelTypes()) {
    const options: RunOptions & { inputFile: string } = { inputFile: SMALL, type: type.type, steps: 6, batchSize: 8, ...(type.type === "wavenet" ? { model: { nHidden: 8, nEmbd: 4 } } : {}) };
    const plain = createRun({ ...options, evalEvery: null });
    plain.train();
    const looped = createRun({ ...options, evalEvery: 2 });
    const loop = new TrainingLoop(looped, { checkpointEvery: 1000, sampleEvery: 3, samples: { count: 3 } });
    while (!loop.done) loop.next();
    assert.deepEqual(looped.trainer.losses, plain.trainer.losses, type.type);
    const a = tensorsOf(plain.checkpoint()["train_state.safetensors"]);
    const b = tensorsOf(looped.checkpoint()["train_state.safetensors"]);
    for (const k of Object.keys(a)) assert.deepEqual(b[k].data, a[k].data, `${type.type}: ${k} differs`);
  }
});

test("model.safetensors is the model of the lowest test estimate (not the last), config.json says from which step; eval and sample read it", () => {
  const dir = tmp();
  const run = createRun(overfit());
  drive(run, dir, { checkpointEvery: 50 });
  const estimates = metricLines(dir).filter((m) => "eval" in m);
  assert.deepEqual(estimates.map((m) => m.step), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  const lowest = estimates.reduce((a, b) => (b.eval.test < a.eval.test ? b : a));
  assert.ok(lowest.step > 10 && lowest.step < 120, `the lowest estimate at step ${lowest.step}: the test shows nothing unless it is neither first nor last`);
  // each estimate that beats all before it is marked best; the last of them is config.json's
  let low = Infinity;
  for (const m of estimates) {
    assert.equal(m.best, m.eval.test < low, `step ${m.step}`);
    low = Math.min(low, m.eval.test);
    assert.deepEqual(m.rows, { train: 54, test: 6 });
  }
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.deepEqual(config.best, { step: lowest.step, split: "test", loss: lowest.eval.test, rows: 6 });
  assert.equal(config.stepsDone, 120);
  // the best model is the model of a run trained to that step; train_state holds the last one
  const twin = createRun(overfit({ steps: lowest.step }));
  twin.train();
  const best = tensorsOf(readFileSync(join(dir, FILES.model)));
  assert.deepEqual(best.logits.data, twin.model.parameters()[0].data.view);
  const state = tensorsOf(readFileSync(join(dir, FILES.state)));
  assert.deepEqual(state["model.logits"].data, run.model.parameters()[0].data.view);
  assert.notDeepEqual(state["model.logits"].data, best.logits.data);
  // eval's model: its test loss is the best estimate (the 6 test words are all of the estimate's rows)
  const evaluated = loadRun(dir, { modelOnly: true });
  assert.equal(evaluated.modelStep, lowest.step);
  assert.ok(Math.abs(evaluated.evaluate(null).test! - lowest.eval.test) < 1e-12);
  // sample's model: the words the best model draws
  const sampled = sampleFromRun(dir, { count: 8, seed: 3 }).samples.map((x) => x.word);
  assert.deepEqual(sampled, twin.sample({ count: 8 }, new Generator(3)).map((x) => x.word));
  assert.notDeepEqual(sampled, run.sample({ count: 8 }, new Generator(3)).map((x) => x.word), "the last model draws other words");
  // --resume trains the last model, not the best
  assert.deepEqual(loadRun(dir).model.parameters()[0].data.view, run.model.parameters()[0].data.view);
});

test("killed after any save (a best save between two resumable ones included), --resume ends with the bytes of a run never interrupted", () => {
  const loop: LoopOptions = { checkpointEvery: 25, sampleEvery: 30 };
  const whole = tmp();
  drive(createRun(overfit({ steps: 90 })), whole, loop);
  const end = files(whole);
  const snapshots: { kind: string; step: number; dir: string }[] = [];
  const dir = tmp();
  const run = createRun(overfit({ steps: 90 }));
  drive(run, dir, loop, (kind) => {
    const copy = join(tmp(), "run");
    cpSync(dir, copy, { recursive: true });
    snapshots.push({ kind, step: run.trainer.step, dir: copy });
  });
  // best saves at 10, 20, 30, 40 (the last two after the resumable save of 25), resumable saves at 25, 50, 75
  assert.deepEqual(snapshots.map((s) => `${s.kind} ${s.step}`), ["best 10", "best 20", "resumable 25", "best 30", "best 40", "resumable 50", "resumable 75"]);
  // a best save keeps the resumable state of the last resumable save (the first save of a run is a whole one)
  const stepsDone = [10, 10, 25, 25, 25, 50, 75];
  const bestStep = [10, 20, 20, 30, 40, 40, 40];
  for (const [i, s] of snapshots.entries()) {
    const config = JSON.parse(readFileSync(join(s.dir, FILES.config), "utf8"));
    assert.equal(config.stepsDone, stepsDone[i], `${s.kind} ${s.step}`);
    assert.equal(config.best.step, bestStep[i], `${s.kind} ${s.step}: the best so far`);
    const resumed = loadRun(s.dir);
    assert.equal(resumed.trainer.step, config.stepsDone);
    drive(resumed, s.dir, loop);
    const got = files(s.dir);
    for (const f of Object.values(FILES)) assert.ok(got[f].equals(end[f]), `after the ${s.kind} save of step ${s.step}: ${f} differs`);
  }
});

test("--resume with evaluation turned off drops the best model: model.safetensors is the last model again", () => {
  const dir = tmp();
  drive(createRun(overfit({ steps: 60 })), dir, { checkpointEvery: 1000 });
  assert.notEqual(JSON.parse(readFileSync(join(dir, FILES.config), "utf8")).best, null);
  const run = loadRun(dir, { steps: 70, evalEvery: null });
  drive(run, dir, { checkpointEvery: 1000 });
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.equal(config.best, null);
  assert.equal(config.evalEvery, null);
  assert.deepEqual(tensorsOf(readFileSync(join(dir, FILES.model))).logits.data, run.model.parameters()[0].data.view);
});

test("a version-2 run (model.safetensors the current model, no estimates) loads, and --resume continues it exactly", () => {
  const opts = { type: "bigram", steps: 60, evalEvery: null, inputFile: SMALL } satisfies RunOptions & { inputFile: string };
  const whole = createRun(opts);
  whole.train();
  const dir = tmp();
  const half = createRun({ ...opts, steps: 30 });
  half.train();
  saveRun(half, dir);
  // rewrite the save as version 2 wrote it: train_state without the model, config.json without evalEvery and best
  const state = tensorsOf(readFileSync(join(dir, FILES.state)));
  for (const k of Object.keys(state)) if (k.startsWith("model.")) delete state[k];
  const stateBytes = serializeSafetensors(state);
  writeFileSync(join(dir, FILES.state), stateBytes);
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  delete config.evalEvery;
  delete config.best;
  config.version = 2;
  config.files["train_state.safetensors"] = sha256Hex(stateBytes);
  writeFileSync(join(dir, FILES.config), JSON.stringify(config, null, 2));
  assert.equal(loadRun(dir, { modelOnly: true }).modelStep, 30);
  const resumed = loadRun(dir, { steps: 60 });
  assert.equal(resumed.evalEvery, null);
  resumed.train();
  saveRun(resumed, dir);
  assert.deepEqual(resumed.model.parameters()[0].data.view, whole.model.parameters()[0].data.view);
  const saved = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.equal(saved.version, 3, "saved again in this version");
  assert.ok(Buffer.from(whole.checkpoint()["train_state.safetensors"]).equals(readFileSync(join(dir, FILES.state))));
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith(".")).sort(), Object.values(FILES).sort());
});
