// A run until interrupted (makemore.py's --max-steps -1) has the most steps a run may have, 2^28, but
// its loss log is not allocated for them up front (1 GiB): it starts at 2^20 steps and doubles as the
// run goes past them, keeping every loss.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseWords } from "../../src/data/words.ts";
import { readFileSync } from "node:fs";
import { DEFAULT_WORDS_FILE } from "../../src/node/words.ts";
import { describeSteps, isOpenEnded, MAX_STEPS, UNTIL_INTERRUPTED } from "../../src/train/config.ts";
import { TrainingRun } from "../../src/train/run.ts";

const words = parseWords(readFileSync(DEFAULT_WORDS_FILE), "names.txt").words.slice(0, 200);

test("a run until interrupted: 2^28 steps, a loss log that grows as it goes and keeps every loss", () => {
  assert.equal(UNTIL_INTERRUPTED, MAX_STEPS);
  assert.ok(isOpenEnded(UNTIL_INTERRUPTED) && !isOpenEnded(200000));
  assert.equal(describeSteps(UNTIL_INTERRUPTED), "until interrupted");
  assert.equal(describeSteps(2000), "2000 steps");
  const run = TrainingRun.create({ words, source: "names.txt" }, { type: "bigram", steps: UNTIL_INTERRUPTED });
  const { trainer } = run;
  assert.equal(trainer.config.steps, 2 ** 28);
  assert.equal(trainer.losses.length, 2 ** 20, "4 MiB to start with, not 1 GiB");
  run.train(3);
  const first = trainer.losses.slice(0, 3);
  assert.ok(first.every((l) => l > 3 && l < 3.4));
  // as if the run had gone on to the end of the log: restoring past it grows the log, keeping what it holds
  const n = 2 ** 20 + 5;
  const losses = new Float32Array(n).map((_, i) => 1 + i / n);
  losses.set(first);
  trainer.restore(n, losses);
  assert.equal(trainer.losses.length, 2 ** 21, "doubled");
  const loss = trainer.trainStep();
  assert.equal(trainer.step, n + 1);
  assert.equal(trainer.losses[n], Math.fround(loss));
  assert.deepEqual(trainer.losses.subarray(0, n), losses);
  assert.ok(!trainer.done);
});

test("a run of known length keeps a loss log of exactly its steps (up to 2^20)", () => {
  const run = TrainingRun.create({ words, source: "names.txt" }, { type: "bigram", steps: 37 });
  run.train();
  assert.equal(run.trainer.losses.length, 37);
  assert.ok(run.trainer.losses.every((l) => l > 0));
});
