import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";

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
