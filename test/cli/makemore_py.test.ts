// makemore.py's command line on `makemore train`: its flag names and meanings (-b, -l/--learning-rate,
// -w, --max-steps, --top-k, --sample-only, --device, --num-workers), its loop (estimates every
// --eval-every steps and the best model, samples every --sample-every steps, each marked in train / in
// val / in test / new), and the lectures' types keeping theirs (no estimates unless asked).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSafetensors } from "../../src/tensor/safetensors.ts";
import { run } from "./helpers.ts";

const tmp = () => join(mkdtempSync(join(tmpdir(), "makemore-py-")), "run");
const config = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const metrics = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const tensors = (path: string) => parseSafetensors(readFileSync(path)).tensors;
const quiet = ["--no-progress", "--samples", "0"];

/** A word file of `n` distinct made-up words over a..f (i in base 6, two digits at least, and a tail). */
function wordFile(n: number): string {
  const file = join(mkdtempSync(join(tmpdir(), "makemore-py-words-")), "words.txt");
  const words = Array.from({ length: n }, (_, i) => [...(i + 36).toString(6)].map((d) => "abcdef"[Number(d)]).join("") + "ea".slice(0, i % 3));
  writeFileSync(file, words.join("\n") + "\n");
  return file;
}

test("makemore.py's names: -b, -l/--learning-rate, -w and --max-steps set what --batch-size, --lr, --weight-decay and --steps set", async () => {
  const a = tmp();
  const r = await run("train", "--type", "bigram", "-o", a, "-b", "16", "-l", "0.001", "-w", "0.1", "--max-steps", "12", ...quiet, "--json");
  assert.equal(r.code, 0, r.err);
  const b = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", b, "--batch-size", "16", "--learning-rate", "0.001", "--weight-decay", "0.1", "--steps", "12", ...quiet)).code, 0);
  const c = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", c, "--batch-size", "16", "--lr", "0.001", "--weight-decay", "0.1", "--steps", "12", ...quiet)).code, 0);
  const s = config(a);
  assert.equal(s.training.batchSize, 16);
  assert.equal(s.schedule.lr, 0.001);
  assert.equal(s.optimizer.weightDecay, 0.1);
  assert.equal(s.stepsDone, 12);
  for (const other of [b, c]) {
    for (const f of ["model.safetensors", "train_state.safetensors"]) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(other, f))), `${f}: one setting, two names`);
  }
  for (const [args, pattern] of [
    [["--steps", "5", "--max-steps", "6"], /^makemore: --steps and --max-steps are one setting \(--max-steps is makemore\.py's name\): give one of them$/],
    [["--lr", "0.1", "-l", "0.2"], /^makemore: --lr and --learning-rate are one setting/],
    [["--max-steps", "-2"], /--max-steps.*must be an integer >= -1/],
    [["--top-k", "0"], /--top-k.*must be an integer >= 1, or -1 for all characters/],
    [["--num-workers", "-1"], /--num-workers.*must be an integer >= 0/],
    [["--eval-every", "often"], /--eval-every.*must be an integer/],
  ] as const) {
    const bad = await run("train", "--type", "bigram", "-o", tmp(), ...quiet, ...args);
    assert.equal(bad.code, 2, `${args.join(" ")}: ${bad.err}`);
    assert.match(bad.err.trim(), pattern);
    assert.equal(bad.err.trim().split("\n").length, 1, bad.err);
  }
});

test("--device and --num-workers are accepted with one line saying why they change nothing; --help lists makemore.py's flags", async () => {
  const dir = tmp();
  const r = await run("train", "--type", "bigram", "-o", dir, "--steps", "5", "--device", "cuda:2", "--num-workers", "4", ...quiet, "--json");
  assert.equal(r.code, 0, r.err);
  const notes = r.err.trim().split("\n");
  assert.equal(notes.length, 1, r.err);
  assert.match(notes[0], /on the CPU in WebAssembly \(--threads sets its threads\); cpu is the only device \(--device cuda:2 trains there too\); --num-workers has nothing to do: batches come from the split in memory/);
  JSON.parse(r.out); // stdout stays JSON
  const cpu = await run("train", "--type", "bigram", "-o", tmp(), "--steps", "5", "--device", "cpu", ...quiet, "--json");
  assert.doesNotMatch(cpu.err, /--device|--num-workers/);
  assert.match(cpu.err, /on the CPU in WebAssembly/);
  const help = (await run("train", "--help")).out;
  for (const flag of ["-i, --input-file", "-o, --work-dir", "--resume", "--sample-only", "--max-steps", "--seed", "--top-k", "--type", "-b, --batch-size", "-l, --learning-rate", "-w, --weight-decay", "--device", "--num-workers", "--eval-every", "--sample-every", "--n-embd"]) {
    assert.ok(help.includes(flag), `${flag} in train --help`);
  }
  assert.match(help.replace(/\s+/g, " "), /--eval-every <n>.*first 1000 rows of each split.*10 random batches of 100/);
});

test("--eval-every: estimates in metrics.jsonl and on stderr; makemore.py's types every 500 steps by default, the lectures' never; none turns them off", async () => {
  const dir = tmp();
  const r = await run("train", "--type", "bigram", "-o", dir, "--steps", "60", "--eval-every", "20", "--no-progress", "--samples", "0");
  assert.equal(r.code, 0, r.err);
  const lines = metrics(dir).filter((m) => "eval" in m);
  assert.deepEqual(lines.map((m) => m.step), [20, 40, 60]);
  for (const m of lines) {
    assert.deepEqual(Object.keys(m.eval).sort(), ["test", "train"]);
    assert.deepEqual(m.rows, { train: 1000, test: 1000 });
    assert.match(r.err, new RegExp(`step ${m.step}/60: estimate train ${m.eval.train.toFixed(4)}  test ${m.eval.test.toFixed(4)} \\(first 1000 rows of each split\\)`));
  }
  assert.equal(config(dir).evalEvery, 20);
  assert.equal(config(dir).best.split, "test");
  // the defaults: makemore.py's 500; the lectures evaluate at the end only
  const b = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", b, "--steps", "5", ...quiet)).code, 0);
  assert.equal(config(b).evalEvery, 500);
  assert.equal(config(b).best.step, 5, "the end of the run is estimated too: its model competes");
  const l = tmp();
  assert.equal((await run("train", "-o", l, "--steps", "5", "--n-hidden", "8", ...quiet)).code, 0);
  assert.equal(config(l).evalEvery, null);
  assert.equal(config(l).best, null);
  assert.ok(!metrics(l).some((m) => "eval" in m));
  // none: no estimates, model.safetensors is the last model (the one train_state.safetensors holds)
  const n = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", n, "--steps", "30", "--eval-every", "none", ...quiet)).code, 0);
  assert.equal(config(n).evalEvery, null);
  assert.equal(config(n).best, null);
  assert.deepEqual(tensors(join(n, "model.safetensors")).logits.data, tensors(join(n, "train_state.safetensors"))["model.logits"].data);
  // --resume keeps the run's, or takes a new one
  assert.equal((await run("train", "-o", dir, "--resume", "--steps", "80", ...quiet)).code, 0);
  assert.deepEqual(metrics(dir).filter((m) => "eval" in m).map((m) => m.step), [20, 40, 60, 80]);
  assert.equal((await run("train", "-o", dir, "--resume", "--steps", "90", "--eval-every", "5", ...quiet)).code, 0);
  assert.deepEqual(metrics(dir).filter((m) => "eval" in m).map((m) => m.step), [20, 40, 60, 80, 85, 90]);
});

test("a lecture run with --eval-every keeps its best model by the val estimate, in evaluation mode with the running BatchNorm statistics", async () => {
  const dir = tmp();
  const r = await run("train", "-o", dir, "--steps", "30", "--n-hidden", "16", "--eval-every", "10", ...quiet, "--json");
  assert.equal(r.code, 0, r.err);
  const lines = metrics(dir).filter((m) => "eval" in m);
  assert.deepEqual(lines.map((m) => [m.step, Object.keys(m.eval).sort().join(" "), m.bnStats]), [
    [10, "test train val", "running"], [20, "test train val", "running"], [30, "test train val", "running"],
  ]);
  const best = lines.reduce((a, b) => (b.eval.val < a.eval.val ? b : a));
  assert.equal(config(dir).best.split, "val");
  assert.equal(config(dir).best.step, best.step);
  // eval reads the best model (its val loss on the whole split, not the estimate's first 1000 rows)
  const e = JSON.parse((await run("eval", "-o", dir, "--json", "--bn-stats", "running")).out);
  assert.equal(e.step, best.step);
  assert.deepEqual(e.best, config(dir).best);
});

test("--sample-every prints 10 marked samples while training (not with --json); --top-k shapes them; the final samples are marked too", async () => {
  const file = wordFile(200);
  const dir = tmp();
  const r = await run("train", "--type", "bigram", "-i", file, "-o", dir, "--steps", "40", "-l", "0.05", "--sample-every", "20", "--no-progress", "--samples", "6");
  assert.equal(r.code, 0, r.err);
  const blocks = r.out.split(/\n(?=\S)/);
  const during = blocks.filter((b) => /^step \d+: /.test(b));
  assert.deepEqual(during.map((b) => b.split(":")[0]), ["step 20", "step 40"]);
  const words = new Set(readFileSync(file, "utf8").trim().split("\n"));
  const split = config(dir);
  for (const block of [...during, blocks.find((b) => /^6 samples/.test(b))!]) {
    const [head, ...rows] = block.trim().split("\n");
    assert.equal(rows.length, head.startsWith("6") ? 6 : 10, block);
    for (const row of rows) {
      const m = /^ {2}(\S*) +(new|in train|in test)( \(truncated\))?$/.exec(row);
      assert.ok(m, `a marked sample: ${JSON.stringify(row)}`);
      assert.equal(m[2] !== "new", words.has(m[1]), `${m[1]} is ${m[2]}`);
    }
  }
  assert.equal(split.data.split.kind, "randperm");
  const json = await run("train", "--type", "bigram", "-i", file, "-o", tmp(), "--steps", "40", "--sample-every", "20", "--no-progress", "--samples", "2", "--json");
  assert.equal(JSON.parse(json.out).samples.length, 2, "stdout is the JSON alone");
  // top-k 1: every draw the most likely character, so every sample is one word
  const greedy = JSON.parse((await run("train", "--type", "bigram", "-i", file, "-o", tmp(), "--steps", "40", "-l", "0.05", "--top-k", "1", "--no-progress", "--samples", "8", "--json")).out);
  assert.equal(new Set(greedy.samples.map((s: { word: string }) => s.word)).size, 1);
  const all = JSON.parse((await run("train", "--type", "bigram", "-i", file, "-o", tmp(), "--steps", "40", "-l", "0.05", "--top-k", "-1", "--no-progress", "--samples", "8", "--json")).out);
  assert.ok(new Set(all.samples.map((s: { word: string }) => s.word)).size > 1);
});

test("--sample-only: makemore.py's 50 samples of the work dir's model, as makemore sample prints them; --seed seeds the sampling", async () => {
  const dir = tmp();
  assert.equal((await run("train", "--type", "bigram", "-o", dir, "--steps", "30", ...quiet)).code, 0);
  const before = readFileSync(join(dir, "config.json"));
  const only = await run("train", "-o", dir, "--sample-only", "--json");
  assert.equal(only.code, 0, only.err);
  const got = JSON.parse(only.out);
  assert.equal(got.samples.length, 50);
  assert.equal(got.step, 30);
  assert.deepEqual(got.samples, JSON.parse((await run("sample", "-o", dir, "-n", "50", "--json")).out));
  const seeded = JSON.parse((await run("train", "-o", dir, "--sample-only", "--seed", "7", "--samples", "5", "--top-k", "3", "--json")).out);
  assert.deepEqual(seeded.samples, JSON.parse((await run("sample", "-o", dir, "-n", "5", "--seed", "7", "--top-k", "3", "--json")).out));
  const text = await run("train", "-o", dir, "--sample-only", "--samples", "3");
  assert.match(text.out, /^.*: bigram, the best model \(step 30 of 30; its test estimate \d\.\d{4} on 1000 rows\)\n3 samples: /);
  assert.ok(readFileSync(join(dir, "config.json")).equals(before), "nothing written");
  for (const [args, pattern] of [
    [["-o", tmp(), "--sample-only"], /--sample-only: .* holds no run to sample from/],
    [["-o", dir, "--sample-only", "--force"], /--sample-only and --force exclude each other/],
    [["-o", dir, "--sample-only", "--lr", "0.1"], /--sample-only: --lr 0\.1 differs from the run's 0\.0005 \(schedule\.lr\); drop the flag$/],
  ] as const) {
    const r = await run("train", ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err.trim(), pattern);
  }
});
