import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";
import { cliChild } from "../node/child.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-cli-train-"));

test("makemore train → sample → eval on a small run", async () => {
  const dir = join(tmp(), "run");
  const r = await run("train", "-o", dir, "--steps", "200", "--n-hidden", "32", "--samples", "5", "--json");
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.steps, 200);
  assert.equal(out.samples.length, 5);
  for (const k of ["train", "val", "test"]) assert.ok(out.losses[k] > 1.5 && out.losses[k] < 3.3, `${k} ${out.losses[k]}`);
  // sample without --seed continues the run's generator: the same first words train printed
  const s = await run("sample", "-o", dir, "-n", "7", "--json");
  assert.equal(s.code, 0, s.err);
  const words = JSON.parse(s.out);
  assert.deepEqual(words.slice(0, 5), out.samples);
  assert.ok(words.every((w: { word: string }) => /^[a-z]*$/.test(w.word)));
  const seeded = JSON.parse((await run("sample", "-o", dir, "-n", "3", "--seed", "7", "--json")).out);
  assert.deepEqual(JSON.parse((await run("sample", "-o", dir, "-n", "3", "--seed", "7", "--json")).out), seeded);
  const cold = JSON.parse((await run("sample", "-o", dir, "-n", "30", "--temperature", "0.05", "--top-k", "1", "--json")).out);
  assert.equal(new Set(cold.map((w: { word: string }) => w.word)).size, 1, "top-k 1 is greedy: always the same word");
  const e = await run("eval", "-o", dir, "--json");
  assert.equal(e.code, 0, e.err);
  const ev = JSON.parse(e.out);
  assert.ok(Math.abs(ev.val - out.losses.val) < 1e-9, "eval reproduces the losses train reported");
  const running = JSON.parse((await run("eval", "-o", dir, "--bn-stats", "running", "--json")).out);
  assert.notEqual(running.val, ev.val);
  const text = await run("sample", "-o", dir, "-n", "2");
  assert.match(text.out, /^2 samples: (\d (new|in train|in val|in test)(, |\n))+/);
  for (const line of text.out.trim().split("\n").slice(1)) assert.match(line, /^  [a-z]+ +(new|in train|in val|in test)$/);
});

test("makemore train: bad flags and a work dir holding another run give one line and exit code 2", async () => {
  const dir = join(tmp(), "run");
  assert.equal((await run("train", "-o", dir, "--steps", "20", "--n-hidden", "16", "--samples", "0", "--json")).code, 0);
  for (const [args, pattern] of [
    [["--steps", "-1"], /--steps.*must be an integer >= 0/],
    [["--block-size", "0"], /--block-size.*must be an integer >= 1/],
    [["--lr", "0"], /--lr.*must be a number > 0/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
    [["--init", "magic"], /--init.*Allowed choices are lecture, naive/],
    [["-o", dir, "--n-hidden", "32"], /already holds a lecture run \(20 of 20 steps\).*--resume.*--force/],
    [["-o", dir, "--resume", "--n-hidden", "32"], /--n-hidden 32 differs from the run's 16/],
    [["-o", join(tmp(), "empty"), "--resume"], /holds no run to resume/],
    [["-o", dir, "--resume", "--force"], /exclude each other/],
  ] as const) {
    const r = await run("train", ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split("\n").filter((l) => l.startsWith("makemore:")).length, 1);
  }
  const resumed = await run("train", "-o", dir, "--resume", "--steps", "30", "--samples", "0", "--json");
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).stepsDone, 30);
  assert.equal((await run("train", "-o", dir, "--force", "--steps", "5", "--n-hidden", "8", "--samples", "0", "--json")).code, 0);
});

test("a diverging run stops with the step and a lower-lr hint; the last good checkpoint stays", async () => {
  const dir = join(tmp(), "run");
  const r = await run("train", "-o", dir, "--steps", "50", "--lr", "1e30", "--checkpoint-every", "1", "--json");
  assert.equal(r.code, 1);
  assert.match(r.err, /training diverged at step 1: the loss became NaN.*lower learning rate.*last good checkpoint \(step 1\)/);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.equal(config.stepsDone, 1);
});

test("makemore sample / eval on a directory without a run say so", async () => {
  for (const cmd of ["sample", "eval"]) {
    const r = await run(cmd, "-o", tmp());
    assert.equal(r.code, 1);
    assert.match(r.err, /config\.json: missing — is this a run directory\?/);
  }
});

/** A word file of the first `n` names (a run on it trains and evaluates in a blink). */
function tinyWords(n = 300): string {
  const path = join(tmp(), "words.txt");
  writeFileSync(path, readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").slice(0, n).join("\n") + "\n");
  return path;
}

const FOUR = ["config.json", "model.safetensors", "train_state.safetensors", "metrics.jsonl"];

test("--resume continues the collected curves: a run resumed from a checkpoint older than its last collected point covers every step once, as a run never interrupted", async () => {
  const words = tinyWords();
  const flags = ["-i", words, "--n-hidden", "16", "--samples", "0", "--json"];
  const dir = join(tmp(), "resumed");
  assert.equal((await run("train", "-o", dir, "--steps", "120", ...flags)).code, 0);
  const at120 = join(tmp(), "at120");
  mkdirSync(at120);
  for (const f of FOUR) copyFileSync(join(dir, f), join(at120, f));
  assert.equal((await run("train", "-o", dir, "--resume", "--steps", "200", ...flags)).code, 0);
  // the checkpoint of step 120 back, diagnostics.jsonl still up to step 199: as a crash could leave them
  for (const f of FOUR) copyFileSync(join(at120, f), join(dir, f));
  const r = await run("train", "-o", dir, "--resume", "--steps", "240", ...flags);
  assert.equal(r.code, 0, r.err);
  const whole = join(tmp(), "whole");
  assert.equal((await run("train", "-o", whole, "--steps", "240", ...flags)).code, 0);

  const training = async (d: string) => JSON.parse((await run("diagnose", "-o", d, "--json")).out).training;
  const resumed = await training(dir);
  const uninterrupted = await training(whole);
  assert.deepEqual(resumed.series.steps, Array.from({ length: 240 }, (_, i) => i), "every step once (the run of 120 steps collects every step)");
  assert.deepEqual(resumed, uninterrupted);
  assert.equal(resumed.first.step, 0);
  assert.equal(resumed.last.step, 239);
  const losses = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.step < 100 && "lr" in m);
  assert.deepEqual(resumed.series.loss.slice(0, 100), losses.map((m) => m.loss), "each point is its step's loss");
});

test("the batch after step 1000 is kept in the run directory for a run of 1001 steps, not for one of 1000", async () => {
  const words = tinyWords();
  const flags = ["-i", words, "--n-hidden", "16", "--samples", "0", "--json"];
  const snapshot = async (steps: number) => {
    const dir = join(tmp(), `run${steps}`);
    assert.equal((await run("train", "-o", dir, "--steps", String(steps), ...flags)).code, 0);
    const d = JSON.parse((await run("diagnose", "-o", dir, "--json")).out);
    const metrics = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    return { training: d.training, loss1000: metrics.find((m) => m.step === 1000 && "lr" in m)?.loss };
  };
  const long = await snapshot(1001);
  assert.equal(long.training.snapshot.step, 1000);
  assert.equal(long.training.snapshot.loss, long.loss1000, "the minibatch loss of step 1000");
  assert.equal(long.training.snapshot.layers.length, long.training.first.layers.length);
  assert.equal(long.training.last.step, 1000);
  const short = await snapshot(1000);
  assert.equal(short.training.snapshot, null);
  assert.equal(short.training.last.step, 999);
});

test("--resume for many more steps collects at the longer run's interval: 400 steps (every 2), then up to 40000 collects every 200, not 20000 points", async () => {
  const words = tinyWords();
  const flags = ["-i", words, "--n-hidden", "16", "--samples", "0", "--json"];
  const dir = join(tmp(), "run");
  assert.equal((await run("train", "-o", dir, "--steps", "400", ...flags)).code, 0);
  const r = await run("train", "-o", dir, "--resume", "--steps", "40000", "--checkpoint-every", "100000", ...flags);
  assert.equal(r.code, 0, r.err);
  const d = await run("diagnose", "-o", dir, "--json");
  assert.equal(d.code, 0, d.err);
  const { series } = JSON.parse(d.out).training;
  assert.equal(series.every, 200, "defaultCollectEvery(40000), a multiple of the first segment's 2");
  assert.deepEqual(series.steps, Array.from({ length: 200 }, (_, i) => 200 * i));
  assert.ok(statSync(join(dir, "diagnostics.jsonl")).size < 400_000, `diagnostics.jsonl ${statSync(join(dir, "diagnostics.jsonl")).size} bytes`);
});

test("--force, then killed after the new run's first save (a best one, before any checkpoint): diagnose draws the new run's curves, not the replaced run's", async () => {
  const words = tinyWords();
  const flags = ["-i", words, "--n-hidden", "16", "--samples", "0"];
  const dir = join(tmp(), "run");
  assert.equal((await run("train", "-o", dir, "--steps", "300", "--lr", "0.5", "--json", ...flags)).code, 0);
  const c = cliChild(["train", "-o", dir, "--force", "--steps", "200000", "--lr", "0.01", "--eval-every", "250", "--checkpoint-every", "100000", "--no-progress", ...flags]);
  const config = () => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  // the new run's first save: its best model at step 250, saved with config.json and the training state
  for (const t0 = Date.now(); !(config().schedule.lr === 0.01 && config().best !== null); ) {
    assert.ok(Date.now() - t0 < 20000, `timed out waiting for the first best save: ${c.err()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  c.child.kill("SIGKILL");
  await c.exited;
  assert.ok(existsSync(join(dir, "diagnostics.jsonl")));
  assert.equal(config().stepsDone, 250, "no resumable save came after the whole best save");
  const d = await run("diagnose", "-o", dir, "--json");
  assert.equal(d.code, 0, d.err);
  assert.equal(d.err, "");
  const { training } = JSON.parse(d.out);
  assert.ok(training !== null, "the new run's diagnostics.jsonl, written with its first save");
  assert.deepEqual(training.series.steps, [0, 200], "every 200 (a run of 200000 steps), below step 250");
  assert.deepEqual(training.series.lr, [0.01, 0.01], "the new run's learning rate, not the replaced run's 0.5");
  assert.equal(training.first.step, 0);
});
