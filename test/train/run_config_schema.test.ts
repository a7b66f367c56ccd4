// config.json and metrics.jsonl against their schema (src/train/run_config_schema.ts): every file a run
// writes loads; every defect is one CheckpointError naming the file and the field, and the CLI exits 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointError } from "../../src/errors.ts";
import { decodeMetrics, decodeRunConfig } from "../../src/train/checkpoint.ts";
import { run } from "../cli/helpers.ts";
import { runFiles } from "./run_fixtures.ts";

const WHERE = "out/config.json";
type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const valid = (name = "lecture"): Config => JSON.parse(runFiles()[name]["config.json"]);

/** Asserts that `text` is refused with one CheckpointError naming config.json and `field`. */
function refused(text: string, field: string, detail?: RegExp, what = field): void {
  assert.throws(
    () => decodeRunConfig(text, WHERE),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `${what}: expected a CheckpointError, got ${e}`);
      assert.equal(e.exitCode, 1);
      assert.ok(e.message.startsWith(`${WHERE}: ${field} `), `${what}: ${field} not named: ${e.message}`);
      assert.match(e.message, /the file is damaged or was edited — retrain or restore it$/, what);
      if (detail) assert.match(e.message, detail, what);
      return true;
    },
  );
}

/** The defects of the issue (and more of each kind): what is done to a valid config, the field named. */
const CASES: [string, (c: Config) => void, string, RegExp?][] = [
  ["no training", (c) => delete c.training, "training", /is missing/],
  ["no data", (c) => delete c.data, "data", /is missing/],
  ["training not an object", (c) => (c.training = 5), "training", /must be an object \(got 5\)/],
  ["batchSize \"lots\"", (c) => (c.training.batchSize = "lots"), "training.batchSize", /must be a positive integer \(got "lots"\)/],
  ["batchSize 0", (c) => (c.training.batchSize = 0), "training.batchSize"],
  ["batchSize 2.5", (c) => (c.training.batchSize = 2.5), "training.batchSize"],
  ["generator missing", (c) => delete c.generator, "generator", /is missing/],
  ["generator kind", (c) => (c.generator.kind = "numpy"), "generator.kind"],
  ["generator mt short", (c) => c.generator.mt.pop(), "generator.mt", /a list of 624 words/],
  ["generator mt word", (c) => (c.generator.mt[5] = -1), "generator.mt[5]", /32-bit unsigned integer \(got -1\)/],
  ["generator mt word too large", (c) => (c.generator.mt[600] = 2 ** 32), "generator.mt[600]"],
  ["generator idx", (c) => (c.generator.idx = 625), "generator.idx", /an integer in 0\.\.624/],
  ["generator normalCache", (c) => (c.generator.normalCache = "x"), "generator.normalCache"],
  ["generator seed", (c) => (c.generator.seed = "-3"), "generator.seed"],
  ["generator torchVersion", (c) => (c.generator.torchVersion = "1.13"), "generator.torchVersion", /"2\.x" \(training\.torchVersion\)/],
  ["lr a string", (c) => (c.schedule.lr = "fast"), "schedule.lr", /a finite number > 0 \(got "fast"\)/],
  ["lr negative", (c) => (c.schedule.lr = -0.1), "schedule.lr"],
  ["lr zero", (c) => (c.schedule.lr = 0), "schedule.lr"],
  ["lrAfterDecay", (c) => (c.schedule.lrAfterDecay = null), "schedule.lrAfterDecay"],
  ["decayStep", (c) => (c.schedule.decayStep = -1), "schedule.decayStep"],
  ["torchVersion", (c) => (c.training.torchVersion = "3.0"), "training.torchVersion", /one of "2\.x", "1\.13" \(got "3\.0"\)/],
  ["training seed", (c) => (c.training.seed = 42), "training.seed"],
  ["training seed beyond 64 bits", (c) => (c.training.seed = "18446744073709551616"), "training.seed"],
  ["evalStats", (c) => (c.training.evalStats = "magic"), "training.evalStats"],
  ["evalStats null with BatchNorm", (c) => (c.training.evalStats = null), "training.evalStats"],
  ["vocabulary not a list", (c) => (c.vocabulary = ".abc"), "vocabulary"],
  ["vocabulary without the boundary", (c) => c.vocabulary.shift(), "vocabulary"],
  ["vocabulary too short", (c) => (c.vocabulary = ["."]), "vocabulary"],
  ["vocabulary entry", (c) => (c.vocabulary[3] = "ab"), "vocabulary[3]", /single character/],
  ["vocabulary entry a number", (c) => (c.vocabulary[3] = 3), "vocabulary[3]"],
  ["vocabulary repeated", (c) => (c.vocabulary[3] = c.vocabulary[2]), "vocabulary[3]", /out of order/],
  ["vocabulary and vocabSize", (c) => c.vocabulary.pop(), "model.vocabSize", /vocabulary holds 26 tokens/],
  ["split kind", (c) => (c.data.split = { kind: "randperm" }), "data.split.kind"],
  ["split seed", (c) => (c.data.split.seed = "42"), "data.split.seed"],
  ["data.sha256", (c) => (c.data.sha256 = "abc"), "data.sha256", /64 lowercase hex digits/],
  ["data.file", (c) => (c.data.file = ""), "data.file"],
  ["data.words", (c) => (c.data.words = -5), "data.words"],
  ["data.maxLineLength", (c) => (c.data.maxLineLength = "long"), "data.maxLineLength"],
  ["steps below stepsDone", (c) => (c.steps = c.stepsDone - 1), "steps"],
  ["stepsDone", (c) => (c.stepsDone = "6"), "stepsDone"],
  ["optimizerSteps", (c) => delete c.optimizerSteps, "optimizerSteps"],
  ["metrics", (c) => (c.metrics = [1, 2]), "metrics"],
  ["metrics loss", (c) => (c.metrics.val = "low"), "metrics.val"],
  ["metrics loss negative", (c) => (c.metrics.test = -1), "metrics.test"],
  ["metrics step", (c) => (c.metrics.step = c.stepsDone + 1), "metrics.step"],
  ["metrics bnStats", (c) => delete c.metrics.bnStats, "metrics.bnStats"],
  ["files", (c) => delete c.files, "files"],
  ["files sha256", (c) => (c.files["model.safetensors"] = 7), "files.model.safetensors"],
  ["model type", (c) => (c.model.type = "gpt"), "model.type", /one of "lecture", "deep", "wavenet", "bigram"/],
  ["model field", (c) => (c.model.nHidden = "x"), "model.nHidden"],
  ["model field missing", (c) => delete c.model.nEmbd, "model.nEmbd", /is missing/],
  ["model not an object", (c) => (c.model = null), "model"],
  ["optimizer", (c) => (c.optimizer = { type: "adam" }), "optimizer.type"],
  ["optimizer not an object", (c) => (c.optimizer = "sgd"), "optimizer"],
  ["evalEvery missing", (c) => delete c.evalEvery, "evalEvery", /is missing/],
  ["evalEvery 0", (c) => (c.evalEvery = 0), "evalEvery", /null or a positive integer \(got 0\)/],
  ["best missing", (c) => delete c.best, "best", /is missing/],
  ["best not an object", (c) => (c.best = 3), "best", /must be an object/],
  ["best step", (c) => (c.best = { step: -1, split: "val", loss: 2, rows: 10 }), "best.step"],
  ["best split", (c) => (c.best = { step: 1, split: "dev", loss: 2, rows: 10 }), "best.split"],
  ["best loss", (c) => (c.best = { step: 1, split: "val", loss: "low", rows: 10 }), "best.loss"],
  ["best rows", (c) => (c.best = { step: 1, split: "val", loss: 2, rows: 0 }), "best.rows"],
];

test("every run a model type writes loads: config.json and metrics.jsonl of lecture, wavenet, bigram, AdamW, no BatchNorm, unevaluated", () => {
  for (const [name, files] of Object.entries(runFiles())) {
    const c = decodeRunConfig(files["config.json"], WHERE);
    assert.deepEqual(JSON.parse(JSON.stringify(c)), JSON.parse(files["config.json"]), name);
    const lines = decodeMetrics(files["metrics.jsonl"], "out/metrics.jsonl");
    assert.deepEqual(lines, files["metrics.jsonl"].trim().split("\n").map((l) => JSON.parse(l)), name);
  }
  const estimated = decodeRunConfig(runFiles().estimated["config.json"], WHERE);
  assert.deepEqual([estimated.evalEvery, estimated.best?.step], [2, 6], "a run estimated while training: its best model's step");
  assert.equal(decodeMetrics(runFiles().estimated["metrics.jsonl"], "m").filter((m) => "eval" in m).length, 3);
});

test("config.json: each defect is one CheckpointError naming the file and the field (exit 1)", () => {
  for (const [what, edit, field, detail] of CASES) {
    const c = valid();
    edit(c);
    refused(JSON.stringify(c), field, detail, what);
  }
  // the type decides what evalStats and the split may be
  const bigram = valid("bigram");
  bigram.training.evalStats = "running";
  refused(JSON.stringify(bigram), "training.evalStats", /null \(this bigram model has no BatchNorm\)/);
  const wavenet = valid("wavenet");
  wavenet.model.blockSize = 6;
  refused(JSON.stringify(wavenet), "model", /is invalid: wavenet: --block-size must be a power of two/);
  const plain = valid("plain");
  plain.optimizer.beta1 = 1;
  refused(JSON.stringify(plain), "optimizer.beta1", /in \[0, 1\)/);
});

test("config.json: the format checks come first; not JSON, not an object, another format or version", () => {
  const fails = (text: string, pattern: RegExp) =>
    assert.throws(() => decodeRunConfig(text, WHERE), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message));
  fails("{ not json", /^out\/config\.json: is not valid JSON/);
  fails("[1, 2]", /^out\/config\.json: is not a makemore-ts run/);
  fails('"text"', /^out\/config\.json: is not a makemore-ts run/);
  fails("{}", /^out\/config\.json: is not a makemore-ts run \(format missing\)/);
  fails(JSON.stringify({ ...valid(), version: 9 }), /has version 9; this makemore-ts reads versions 2 and 3: it was written by a newer makemore-ts — upgrade makemore-ts to read it$/);
  fails(JSON.stringify({ ...valid(), version: 1 }), /has version 1; this makemore-ts reads versions 2 and 3: train it again with this version$/);
  fails(JSON.stringify({ format: "makemore-ts/mlp" }), /older makemore-ts/);
});

test("config.json: a loss saved as null (NaN) reads back as NaN; keys the schema does not know are kept", () => {
  const c = valid();
  c.metrics.val = null;
  c.comment = "kept";
  const back = decodeRunConfig(JSON.stringify(c), WHERE);
  assert.ok(Number.isNaN(back.metrics!.val));
  assert.equal((back as unknown as Config).comment, "kept");
});

test("metrics.jsonl: a malformed line is a CheckpointError naming the file and the line", () => {
  const text = runFiles().lecture["metrics.jsonl"];
  const lines = text.trim().split("\n");
  const fails = (t: string, pattern: RegExp) =>
    assert.throws(() => decodeMetrics(t, "out/metrics.jsonl"), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message));
  fails(`${lines[0]}\n{oops\n`, /^out\/metrics\.jsonl:2: is not valid JSON/);
  fails(`${lines[0]}\n\n\n[1]\n`, /^out\/metrics\.jsonl:4: the line must be a JSON object/); // blank lines still count
  fails(`{"step": -1, "loss": 3, "lr": 0.1}`, /^out\/metrics\.jsonl:1: step must be an integer >= 0 \(got -1\)/);
  fails(`{"step": 1, "loss": "x", "lr": 0.1}`, /^out\/metrics\.jsonl:1: loss must be a number >= 0 \(or null\)/);
  fails(`{"step": 1, "loss": 3}`, /^out\/metrics\.jsonl:1: lr is missing/);
  fails(`{"step": 1, "split": "dev", "loss": 3, "bnStats": null}`, /^out\/metrics\.jsonl:1: split must be one of "train", "val", "test"/);
  fails(`{"step": 1, "split": "val", "loss": 3, "bnStats": "x"}`, /^out\/metrics\.jsonl:1: bnStats must be/);
  // estimates while training: {step, eval: {split: loss}, rows: {split: n}, best, bnStats}
  const estimate = { step: 5, eval: { train: 2.5, test: 2.6 }, rows: { train: 1000, test: 6 }, best: true, bnStats: null };
  assert.deepEqual(decodeMetrics(JSON.stringify(estimate), "m"), [estimate]);
  const line = (edit: (m: Record<string, any>) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const m = structuredClone(estimate) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    edit(m);
    return JSON.stringify(m);
  };
  fails(line((m) => (m.eval = {})), /^out\/metrics\.jsonl:1: eval must hold the loss of at least one split/);
  fails(line((m) => (m.eval = { dev: 2 })), /^out\/metrics\.jsonl:1: eval\.dev is not a split/);
  fails(line((m) => (m.eval.test = -2)), /^out\/metrics\.jsonl:1: eval\.test must be a number >= 0/);
  fails(line((m) => delete m.rows.test), /^out\/metrics\.jsonl:1: rows\.test is missing/);
  fails(line((m) => (m.best = "yes")), /^out\/metrics\.jsonl:1: best must be true or false/);
  fails(line((m) => delete m.bnStats), /^out\/metrics\.jsonl:1: bnStats is missing/);
  const nan = decodeMetrics(`{"step": 1, "loss": null, "lr": 0.1}\r\n`, "m");
  assert.ok("loss" in nan[0] && Number.isNaN(nan[0].loss));
});

test("makemore eval, sample and train --resume on a damaged config.json: one line naming the file and field, exit 1", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "makemore-schema-")), "run");
  const r = await run("train", "-o", dir, "--steps", "5", "--n-hidden", "8", "--samples", "0", "--json");
  assert.equal(r.code, 0, r.err);
  const path = join(dir, "config.json");
  const good = readFileSync(path, "utf8");
  const cases = CASES.filter(([what]) =>
    ["no training", "no data", "batchSize \"lots\"", "generator mt word", "lr a string", "torchVersion", "vocabulary entry"].includes(what),
  );
  assert.equal(cases.length, 7);
  const commands = [["eval"], ["sample", "-n", "2"], ["train", "--resume"]];
  for (const [i, [what, edit, field]] of cases.entries()) {
    const c = JSON.parse(good);
    edit(c);
    writeFileSync(path, JSON.stringify(c));
    const argv = [...commands[i % commands.length], "-o", dir];
    const out = await run(...argv);
    assert.equal(out.code, 1, `${what}: ${argv.join(" ")} exited ${out.code}: ${out.err}`);
    const message = out.err.trim();
    assert.ok(message.includes(`${path}: ${field} `), `${what}: ${message}`);
    assert.equal(message.split("\n").length, 1, `${what}: one line, no stack: ${message}`);
  }
  writeFileSync(path, good);
  assert.equal((await run("eval", "-o", dir, "--json")).code, 0);
});
