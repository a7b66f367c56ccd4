// Issue 10, §3 "Silent or misleading outcomes": every case that used to print NaN, ignore a flag, refuse
// an equal value or blame the wrong thing now says what is wrong, in the user's terms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeRunFiles } from "../../src/node/run_dir.ts";
import { parseSafetensors, serializeSafetensors } from "../../src/tensor/safetensors.ts";
import { sha256Hex } from "../../src/train/checkpoint.ts";
import { run } from "./helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-outcomes-"));
const quick = ["--steps", "5", "--n-hidden", "8", "--samples", "0", "--no-progress"];

/** A word file of `n` distinct words. */
function wordFile(n: number): string {
  const file = join(tmp(), `${n}-words.txt`);
  const words = Array.from({ length: n }, (_, i) => "ab".repeat(1 + (i % 3)) + String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26)));
  writeFileSync(file, words.join("\n") + "\n");
  return file;
}

/** Rewrites one tensor of a run's model.safetensors (and the sha256 config.json keeps of it), as a diverged run leaves it. */
function poke(dir: string, name: string, fill: (v: Float32Array) => void): void {
  const bytes = readFileSync(join(dir, "model.safetensors"));
  const file = parseSafetensors(bytes);
  fill(file.tensors[name].data as Float32Array);
  const model = serializeSafetensors(file.tensors, file.metadata);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  config.files["model.safetensors"] = sha256Hex(model);
  writeRunFiles(dir, {
    "model.safetensors": model,
    "train_state.safetensors": readFileSync(join(dir, "train_state.safetensors")),
    "metrics.jsonl": readFileSync(join(dir, "metrics.jsonl"), "utf8"),
    "config.json": JSON.stringify(config, null, 2) + "\n",
  });
}

test("a word file too small for the split: a DataError naming the minimum (train, data; both kinds of split)", async () => {
  for (const n of [1, 2, 5]) {
    const file = wordFile(n);
    const t = await run("train", "-i", file, "-o", tmp(), ...quick);
    assert.equal(t.code, 1, t.err);
    assert.match(t.err, new RegExp(`the lectures' 80/10/10 split needs at least 6 words .*; got ${n}: give a longer word list`));
    assert.doesNotMatch(t.out + t.err, /NaN/);
    const d = await run("data", "-i", file);
    assert.equal(d.code, 1, d.err);
    assert.ok(d.err.includes(`${file}: the lectures' 80/10/10 split needs at least 6 words`), d.err);
  }
  const nine = wordFile(9);
  const b = await run("data", "--type", "bigram", "-i", nine);
  assert.equal(b.code, 1);
  assert.ok(b.err.includes(`${nine}: makemore.py's split needs at least 10 words`), b.err);
  assert.match(b.err, /got 9: give a longer word list/);
  assert.equal((await run("train", "--type", "bigram", "-i", nine, "-o", tmp(), "--steps", "5", "--samples", "0")).code, 1);
  // 6 words: 4/1/1, every loss a number
  const six = await run("train", "-i", wordFile(6), "-o", tmp(), ...quick, "--json");
  assert.equal(six.code, 0, six.err);
  const losses = JSON.parse(six.out).losses;
  for (const k of ["train", "val", "test"]) assert.ok(Number.isFinite(losses[k]), `${k} ${losses[k]}`);
});

test("train names the word file that is too small", async () => {
  const file = wordFile(5);
  const t = await run("train", "-i", file, "-o", tmp(), ...quick);
  assert.ok(t.err.includes(`${file}: the lectures' 80/10/10 split needs at least 6 words`), t.err);
  const b = await run("train", "--type", "bigram", "-i", file, "-o", tmp(), "--steps", "5", "--samples", "0");
  assert.ok(b.err.includes(`${file}: makemore.py's split needs at least 10 words`), b.err);
});

test("--split-seed with --no-shuffle is an error (train, data); --resume with another split is one, an equal seed is not", async () => {
  const file = wordFile(40);
  for (const cmd of [["data"], ["train", "-o", tmp(), ...quick]]) {
    const r = await run(...cmd, "-i", file, "--split-seed", "3", "--no-shuffle");
    assert.equal(r.code, 2, `${cmd[0]}: ${r.err}`);
    assert.match(r.err, /--split-seed and --no-shuffle exclude each other/);
  }
  const dir = tmp();
  assert.equal((await run("train", "-i", file, "-o", dir, ...quick, "--seed", "-1")).code, 0);
  const noShuffle = await run("train", "-o", dir, "--resume", "--steps", "6", "--samples", "0", "--no-shuffle");
  assert.equal(noShuffle.code, 2);
  assert.match(noShuffle.err, /^makemore: --resume: --no-shuffle differs from the run's split \(--split-seed 42\); drop the flag or use --force$/m);
  const other = await run("train", "-o", dir, "--resume", "--steps", "6", "--samples", "0", "--split-seed", "7");
  assert.match(other.err, /--split-seed 7 differs from the run's split \(--split-seed 42\)/);
  // --seed -1 is torch.Generator's 2^64 − 1 (manual_seed reads a negative seed as its two's complement)
  assert.equal(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).training.seed, "18446744073709551615");
  for (const [steps, seed] of [["6", "-1"], ["7", "18446744073709551615"]]) {
    const r = await run("train", "-o", dir, "--resume", "--steps", steps, "--samples", "0", "--seed", seed, "--split-seed", "42");
    assert.equal(r.code, 0, `--seed ${seed}: ${r.err}`);
  }
  const differs = await run("train", "-o", dir, "--resume", "--steps", "8", "--samples", "0", "--seed", "5");
  assert.match(differs.err, /--seed 5 differs from the run's 18446744073709551615/);
  // a bigram run is split by randperm: the lectures' split flags do not apply to it
  const bigram = tmp();
  assert.equal((await run("train", "--type", "bigram", "-i", file, "-o", bigram, "--steps", "5", "--samples", "0")).code, 0);
  const b = await run("train", "-o", bigram, "--resume", "--steps", "6", "--samples", "0", "--no-shuffle");
  assert.equal(b.code, 2);
  assert.match(b.err, /--no-shuffle does not apply to this run \(a bigram run is split as makemore\.py does: torch\.randperm from --seed\)/);
});

test("sample: a tiny --temperature draws the most likely character instead of NaN", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, "--steps", "50", "--n-hidden", "16", "--samples", "0")).code, 0);
  const tiny = await run("sample", "-o", dir, "-n", "5", "--seed", "3", "--temperature", "5e-324", "--json");
  assert.equal(tiny.code, 0, tiny.err);
  const greedy = await run("sample", "-o", dir, "-n", "5", "--seed", "3", "--top-k", "1", "--json");
  assert.deepEqual(JSON.parse(tiny.out), JSON.parse(greedy.out));
});

test("a run whose parameters are not finite: sample and eval say it diverged, exit code 1", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, ...quick)).code, 0);
  poke(dir, "W1", (v) => (v[7] = NaN));
  const message = `${join(dir, "model.safetensors")}: the parameters are not finite (NaN in W1) — the run diverged; retrain with a smaller --lr\n`;
  for (const cmd of ["sample", "eval"]) {
    const r = await run(cmd, "-o", dir);
    assert.equal(r.code, 1, `${cmd}: ${r.err}`);
    assert.equal(r.err, `makemore: ${message}`);
  }
});

test("a run whose activations overflow float32: eval and sample blame the run, not BatchNorm's calibration", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, ...quick)).code, 0);
  // each column of hprebn sums 30 products of ±3e38 of one sign: ±Infinity (or NaN, where the build rounds
  // each product on its own and one overflows before the sum)
  poke(dir, "W1", (v) => v.forEach((_, i) => (v[i] = i % 2 ? 3e38 : -3e38)));
  const e = await run("eval", "-o", dir);
  assert.equal(e.code, 1, e.err);
  assert.doesNotMatch(e.err, /never calibrated/);
  assert.match(e.err, /model\.safetensors: .*not finite.*: the parameters reach -3\.00e\+38 \(in W1\), so the forward pass overflows float32 — the run diverged; retrain with a smaller --lr/);
  // sampling normalizes with the running statistics, and tanh takes ±Infinity to ±1: to reach the
  // logits, every embedding 2 and every weight 3e38 make hprebn +Infinity, h 1 and the logits +Infinity
  poke(dir, "C", (v) => v.fill(2));
  poke(dir, "W1", (v) => v.fill(3e38));
  poke(dir, "W2", (v) => v.fill(3e38));
  const s = await run("sample", "-o", dir);
  assert.equal(s.code, 1, s.err);
  assert.doesNotMatch(s.err, /multinomial/);
  assert.match(s.err, /model\.safetensors: .*the run diverged; retrain with a smaller --lr/);
});

test("lr-find: no diverged rate suggested, no valley said; --window beyond --steps refused", async () => {
  const r = await run("lr-find", "--min-exp", "30", "--max-exp", "40", "--steps", "20", "--n-hidden", "8");
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /suggested lr/);
  assert.match(r.out, /no suggestion: the sweep found no valley — training diverged at step 1 \(lr 10\^30\), too early for a valley/);
  const j = JSON.parse((await run("lr-find", "--min-exp", "30", "--max-exp", "40", "--steps", "20", "--n-hidden", "8", "--json")).out);
  assert.equal(j.suggestion, null);
  assert.match(j.noValley, /lower --min-exp/);
  const w = await run("lr-find", "--steps", "20", "--window", "21");
  assert.equal(w.code, 2);
  assert.match(w.err, /--window 21 is larger than --steps 20/);
});

test("diagnose --batch-size 1: fine without BatchNorm, refused with a BatchNorm reason with it", async () => {
  const plain = tmp();
  assert.equal((await run("train", "-o", plain, ...quick, "--no-batchnorm", "--batch-size", "1")).code, 0);
  const d = await run("diagnose", "-o", plain, "--batch-size", "1");
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /one batch of 1 /);
  const bn = tmp();
  assert.equal((await run("train", "-o", bn, ...quick)).code, 0);
  const r = await run("diagnose", "-o", bn, "--batch-size", "1");
  assert.equal(r.code, 2);
  assert.match(r.err, /--batch-size 1: this lecture model has BatchNorm, which needs at least 2 examples in a batch/);
});

test("--bn-momentum with --no-batchnorm is refused rather than silently ignored", async () => {
  const r = await run("train", "-o", mkdtempSync(join(tmpdir(), "makemore-bn-")), "--no-batchnorm", "--bn-momentum", "0.1", "--steps", "1");
  assert.equal(r.code, 2);
  assert.equal(r.err, "makemore: --bn-momentum and --no-batchnorm exclude each other: without BatchNorm there are no running statistics\n");
});
