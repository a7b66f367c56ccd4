import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";

test("makemore data: the bundled names, shuffled with seed 42, block size 3", async () => {
  const r = await run("data", "--json");
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.words, 32033);
  assert.equal(s.vocabSize, 27);
  assert.equal(s.vocabulary, ".abcdefghijklmnopqrstuvwxyz");
  assert.deepEqual(s.longestWord, { word: "muhammadibrahim", length: 15 });
  assert.deepEqual([s.splits.train.examples, s.splits.val.examples, s.splits.test.examples], [182625, 22655, 22866]);
  const text = await run("data");
  assert.match(text.out, /train\s+25626 words\s+182625 examples/);
});

test("makemore data --no-shuffle and --block-size change the counts", async () => {
  const r = JSON.parse((await run("data", "--no-shuffle", "--json")).out);
  assert.equal(r.splitSeed, null);
  assert.deepEqual([r.splits.train.examples, r.splits.val.examples, r.splits.test.examples], [182778, 22633, 22735]);
  const b = JSON.parse((await run("data", "--block-size", "8", "--json")).out);
  assert.equal(b.splits.train.examples, 182625, "the number of examples does not depend on the block size");
  assert.equal(b.blockSize, 8);
});

test("makemore data: bad flags and bad files give one line and a non-zero exit code", async () => {
  for (const [args, code, pattern] of [
    [["data", "--block-size", "0"], 2, /--block-size.*must be an integer >= 1/],
    [["data", "--block-size", "x"], 2, /must be an integer/],
    [["data", "--bogus"], 2, /unknown option '--bogus'/],
    [["dat"], 2, /unknown command 'dat'/],
    [["data", "-i", "/nonexistent/words.txt"], 1, /words\.txt: no such file/],
  ] as const) {
    const r = await run(...args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  }
  const dir = mkdtempSync(join(tmpdir(), "makemore-cli-"));
  writeFileSync(join(dir, "w.txt"), "ann\nst.john\n");
  const r = await run("data", "-i", join(dir, "w.txt"));
  assert.equal(r.code, 1);
  assert.match(r.err, /w\.txt:2: word "st\.john" contains/);
  writeFileSync(join(dir, "long.txt"), ["a".repeat(20), "b", "c", "d", "e", "f"].join("\n")); // 6 words: the fewest the split takes
  assert.equal((await run("data", "-i", join(dir, "long.txt"), "--max-line-length", "10")).code, 1);
  assert.equal((await run("data", "-i", join(dir, "long.txt"), "--max-line-length", "20")).code, 0);
});

test("the installed bin runs (bin/makemore.js → the bundled CLI in dist/): the bundled names, a run, its report", () => {
  const bin = new URL("../../bin/makemore.js", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, "data", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).splits.test.examples, 22866);
  const bad = spawnSync(process.execPath, [bin, "data", "--block-size", "-1"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1, "one line");
  // the kernels, the progress bar's and the flags' CommonJS packages, and Chart.js found from the bundle
  const dir = join(mkdtempSync(join(tmpdir(), "makemore-bin-")), "run");
  const train = spawnSync(process.execPath, [bin, "train", "-o", dir, "--steps", "3", "--samples", "1"], { encoding: "utf8" });
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /split losses \(BatchNorm calibrated on the training set\): train \d/);
  const report = spawnSync(process.execPath, [bin, "diagnose", "-o", dir, "--report"], { encoding: "utf8" });
  assert.equal(report.status, 0, report.stderr);
  assert.match(readFileSync(join(dir, "report.html"), "utf8"), /Chart\.js v\d/);
});

test("makemore data --type bigram: makemore.py's rows and randperm split (the reference run's sizes)", async () => {
  const ref = JSON.parse(readFileSync(new URL("../fixtures/zoo/bigram-3407.json", import.meta.url), "utf8"));
  const s = JSON.parse((await run("data", "--type", "bigram", "--json")).out);
  assert.equal(s.rows, "sequences");
  assert.equal(s.blockSize, ref.block_size);
  assert.equal(s.seed, "3407");
  assert.deepEqual({ train: s.splits.train.words, test: s.splits.test.words }, ref.split);
  assert.equal(s.splits.val, undefined);
  const text = await run("data", "--type", "bigram");
  assert.match(text.out, /torch\.randperm\(32033\) from seed 3407, the last 1000 words the test set; rows of 16/);
  const other = JSON.parse((await run("data", "--type", "bigram", "--seed", "1", "--json")).out);
  assert.deepEqual(other.splits, s.splits, "the sizes do not depend on the seed");
  const wn = JSON.parse((await run("data", "--type", "wavenet", "--json")).out);
  assert.equal(wn.blockSize, 8, "wavenet's block size by default");
  const bad = await run("data", "--type", "bigram", "--block-size", "3");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--type bigram takes makemore\.py's/);
});
