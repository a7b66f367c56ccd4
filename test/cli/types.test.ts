// `makemore train --type T` for the registry's other types: bigram (makemore.py's data and AdamW) and
// wavenet (makemore part 5) from the command line — the same first losses as PyTorch, sample, eval,
// diagnose, a byte-exact --resume (AdamW's state included), and clear errors for settings of another type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";

const tmp = () => join(mkdtempSync(join(tmpdir(), "makemore-cli-types-")), "run");
const zoo = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/zoo/${name}.json`, import.meta.url), "utf8"));
const metricLosses = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => "lr" in m).map((m) => m.loss as number);

test("train --type bigram: makemore.py's split and AdamW, PyTorch's first losses; sample, eval and diagnose on train/test", async () => {
  const ref = zoo("bigram-3407");
  const dir = tmp();
  const r = await run("train", "--type", "bigram", "-o", dir, "--steps", "30", "--torch-version", "1.13", "--samples", "4", "--json");
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.deepEqual(Object.keys(out.losses).sort(), ["test", "train"], "makemore.py's split: train and test");
  assert.equal(out.bnStats, null);
  assert.equal(out.settings.optimizer.type, "adamw");
  metricLosses(dir).slice(0, 20).forEach((l, i) => assert.ok(Math.abs(l - ref.trace[String(i)]) < 1e-4, `step ${i}: ${l} vs ${ref.trace[String(i)]}`));
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.equal(config.model.type, "bigram");
  assert.equal(config.model.blockSize, 16);
  assert.deepEqual(config.data.split, { kind: "randperm" });
  // makemore.py samples a batch of words together: the same count continues the run's generator to the same words
  const s = await run("sample", "-o", dir, "-n", "4", "--json");
  assert.equal(s.code, 0, s.err);
  assert.deepEqual(JSON.parse(s.out), out.samples, "sample continues the run's generator");
  const e = JSON.parse((await run("eval", "-o", dir, "--json")).out);
  assert.ok(Math.abs(e.test - out.losses.test) < 1e-9);
  assert.equal((await run("eval", "-o", dir, "--bn-stats", "running")).code, 2, "no BatchNorm to choose statistics for");
  const d = await run("diagnose", "-o", dir);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /bigram/);
});

for (const type of ["bigram", "wavenet"]) {
  test(`train --type ${type} --resume continues exactly (${type === "bigram" ? "AdamW's moments" : "BatchNorm's running statistics"} included): 15 + 15 steps = 30 in one go, byte for byte`, async () => {
    const one = tmp();
    const two = tmp();
    assert.equal((await run("train", "--type", type, "-o", one, "--steps", "30", "--samples", "0", "--json")).code, 0);
    assert.equal((await run("train", "--type", type, "-o", two, "--steps", "15", "--samples", "0", "--json")).code, 0);
    const r = await run("train", "-o", two, "--resume", "--steps", "30", "--samples", "0", "--json");
    assert.equal(r.code, 0, r.err);
    for (const f of ["model.safetensors", "train_state.safetensors"]) {
      assert.deepEqual(readFileSync(join(two, f)), readFileSync(join(one, f)), `${f} differs after resuming`);
    }
    assert.equal(JSON.parse(readFileSync(join(two, "config.json"), "utf8")).optimizerSteps, 30);
  });
}

test("--resume refuses a flag that changes the settings tree, naming the flag", async () => {
  const two = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", two, "--steps", "5", "--samples", "0", "--json")).code, 0);
  const bad = await run("train", "-o", two, "--resume", "--steps", "40", "--lr", "0.01");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--lr 0\.01 differs from the run's 0\.0005/);
});

test("train --type wavenet: makemore part 5's model from the CLI, PyTorch's first losses, running BatchNorm statistics", async () => {
  const ref = zoo("wavenet-42");
  const dir = tmp();
  const r = await run("train", "--type", "wavenet", "-o", dir, "--steps", "20", "--torch-version", "1.13", "--samples", "3", "--json");
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.bnStats, "running");
  metricLosses(dir).forEach((l, i) => assert.ok(Math.abs(l - ref.trace[String(i)]) < 1e-4, `step ${i}: ${l} vs ${ref.trace[String(i)]}`));
  const names = Object.keys(JSON.parse(readFileSync(join(dir, "model.safetensors")).subarray(8, 8 + readFileSync(join(dir, "model.safetensors")).readUInt32LE(0)).toString()));
  for (const n of ["C", "W0", "gamma0", "beta0", "W2", "Wout", "bout", "running_mean0", "running_var2"]) assert.ok(names.includes(n), `${n} saved`);
  const d = await run("diagnose", "-o", dir, "--json");
  assert.equal(d.code, 0, d.err);
  const diag = JSON.parse(d.out);
  assert.equal(diag.init, null, "the init stages are the lecture model's");
  assert.deepEqual(diag.batch.layers.map((l: { kind: string }) => l.kind).slice(0, 3), ["Linear", "BatchNorm1d", "Tanh"]);
  assert.equal(diag.batch.layers.at(-1).name, "logits");
});

test("train --type deep: makemore part 3's deeper network from the CLI, --gain as a fraction, PyTorch's first losses; bad gains are one-line errors", async () => {
  const ref = JSON.parse(readFileSync(new URL("../fixtures/deep/deep-nobn-1.json", import.meta.url), "utf8"));
  const dir = tmp();
  const r = await run("train", "--type", "deep", "-o", dir, "--steps", "20", "--no-batchnorm", "--gain", "2/2", "--torch-version", "1.13", "--json");
  assert.equal(r.code, 0, r.err);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.deepEqual([config.model.gain, config.model.batchNorm, config.training.evalStats], [1, false, null]);
  assert.equal(metricLosses(dir).length, 20);
  metricLosses(dir).forEach((l, i) => assert.ok(Math.abs(l - ref.trace[String(i)]) < 1e-4, `step ${i}: ${l} vs PyTorch ${ref.trace[String(i)]}`));
  // diagnose prints the gain experiments: at gain 1 the tanh layers' spread shrinks as in PyTorch (deep-nobn-1.json)
  const diag = await run("diagnose", "-o", dir);
  assert.equal(diag.code, 0, diag.err);
  const want = ref.at0.tanh.map((t: { std: number }) => t.std.toFixed(2)).join(" → ");
  assert.match(diag.out, new RegExp(`gain 1 +tanh std ${want};`), diag.out);
  assert.match(diag.out, /gain 5\/3 +tanh std/);
  const five = JSON.parse((await run("train", "--type", "deep", "-o", tmp(), "--steps", "1", "--gain", "5/3", "--json")).out);
  assert.equal(five.settings.model.gain, 5 / 3, "5/3 is Python's 5/3");
  for (const [gain, pattern] of [["0", /--gain must be > 0/], ["5/0", /'--gain <n>' argument '5\/0' is invalid/], ["1/2/3", /argument '1\/2\/3' is invalid/], ["-1", /must be a number in \[0, inf\]/]] as const) {
    const bad = await run("train", "--type", "deep", "-o", tmp(), "--steps", "1", "--gain", gain);
    assert.equal(bad.code, 2, `--gain ${gain}: ${bad.err}`);
    assert.match(bad.err, pattern);
    assert.equal(bad.err.trim().split("\n").length, 1, bad.err);
  }
});

test("a setting of another type, a bad block size, and --split-seed for a randperm type are one-line errors", async () => {
  const cases: [string[], RegExp][] = [
    [["--type", "bigram", "--n-hidden", "64"], /--n-hidden is not a setting of --type bigram \(its settings: none\)/],
    [["--type", "wavenet", "--init", "naive"], /--init is not a setting of --type wavenet/],
    [["--type", "wavenet", "--block-size", "6"], /power of two/],
    [["--type", "bigram", "--split-seed", "3"], /splits as makemore\.py does/],
    [["--type", "nope"], /Allowed choices are lecture, deep, wavenet, bigram/],
    [["--type", "lecture", "--weight-decay", "0.1"], /weightDecay/],
    [["--no-batchnorm", "--bn-stats", "running"], /--bn-stats: this lecture model has no BatchNorm/],
    [["--type", "bigram", "--bn-stats", "calibrated"], /--bn-stats: this bigram model has no BatchNorm/],
  ];
  for (const [flags, pattern] of cases) {
    const r = await run("train", "-o", tmp(), "--steps", "1", ...flags);
    assert.equal(r.code, 2, `${flags.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern, flags.join(" "));
    assert.equal(r.err.trim().split("\n").length, 1, `one line: ${r.err}`);
  }
});

test("--lr-decay-step none keeps one learning rate; a decay step on a type without one decays to lr / 10", async () => {
  const dir = tmp();
  const r = await run("train", "-o", dir, "--steps", "20", "--lr-decay-step", "none", "--n-hidden", "16", "--samples", "0", "--json");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).settings.schedule, { lr: 0.1, decayStep: null, lrAfterDecay: 0.1 });
  const b = await run("train", "--type", "bigram", "-o", tmp(), "--steps", "20", "--lr-decay-step", "10", "--samples", "0", "--json");
  assert.equal(b.code, 0, b.err);
  assert.deepEqual(JSON.parse(b.out).settings.schedule, { lr: 5e-4, decayStep: 10, lrAfterDecay: 5e-5 });
});

test("a run trained with --max-line-length reads its word file again the same way (eval, --resume)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "makemore-cli-long-")), "long.txt");
  const words = Array.from({ length: 40 }, (_, i) => "ab".repeat(1 + (i % 5)));
  words.push("a".repeat(300));
  writeFileSync(file, words.join("\n") + "\n");
  const dir = tmp();
  assert.equal((await run("train", "--type", "bigram", "-i", file, "--max-line-length", "400", "-o", dir, "--steps", "10", "--samples", "0")).code, 0);
  const e = await run("eval", "-o", dir);
  assert.equal(e.code, 0, e.err);
  const r = await run("train", "-o", dir, "--resume", "--steps", "20", "--samples", "0");
  assert.equal(r.code, 0, r.err);
});

test("statistics calibrated before more training are dropped: a resumed run samples as one trained in one go", async () => {
  const one = tmp();
  const two = tmp();
  const a = await run("train", "-o", one, "--steps", "60", "--n-hidden", "16", "--bn-stats", "running", "--samples", "5", "--json");
  assert.equal((await run("train", "-o", two, "--steps", "30", "--n-hidden", "16", "--samples", "0", "--json")).code, 0);
  const b = await run("train", "-o", two, "--resume", "--steps", "60", "--bn-stats", "running", "--samples", "5", "--json");
  assert.equal(b.code, 0, b.err);
  assert.deepEqual(JSON.parse(b.out).samples, JSON.parse(a.out).samples);
  assert.deepEqual(readFileSync(join(two, "model.safetensors")), readFileSync(join(one, "model.safetensors")));
});

test("diagnose: a lecture run of batch 1 without BatchNorm; an AdamW run shows no SGD update:data ratio", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, "--no-batchnorm", "--batch-size", "1", "--steps", "20", "--n-hidden", "16", "--samples", "0")).code, 0);
  const d = await run("diagnose", "-o", dir);
  assert.equal(d.code, 0, d.err);
  const big = await run("diagnose", "-o", dir, "--batch-size", "5000");
  assert.equal(big.code, 2);
  assert.match(big.err, /--batch-size 5000: the batch looked at takes 1 to 1024 examples/);
  const bg = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", bg, "--steps", "10", "--samples", "0")).code, 0);
  const j = JSON.parse((await run("diagnose", "-o", bg, "--json")).out);
  assert.ok(j.batch.parameters.every((p: { updateToDataLog10: number | null }) => p.updateToDataLog10 === null));
});

test("a diverging run after --force does not point at the run it replaced; --resume names a boolean flag plainly", async () => {
  const dir = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", dir, "--steps", "10", "--samples", "0")).code, 0);
  const r = await run("train", "-o", dir, "--force", "--steps", "50", "--lr", "1e30", "--n-hidden", "16", "--samples", "0");
  assert.equal(r.code, 1);
  assert.match(r.err, /training diverged at step \d+.*nothing of this run was saved/);
  const lec = tmp();
  assert.equal((await run("train", "-o", lec, "--steps", "5", "--n-hidden", "16", "--samples", "0")).code, 0);
  const b = await run("train", "-o", lec, "--resume", "--steps", "10", "--no-batchnorm");
  assert.equal(b.code, 2);
  assert.match(b.err, /--resume: --no-batchnorm changes the run's model\.batchNorm \(true\)/);
  const w = await run("train", "-o", lec, "--resume", "--steps", "10", "--weight-decay", "0.1");
  assert.match(w.err, /--resume: --weight-decay does not apply to this run/);
});
