// The lr finder's suggestion (issue 10, §3): never a rate that diverged, and none — with the reason —
// when the sweep found no valley; a --window wider than the sweep is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findLearningRate, findValley, lrSweep } from "../../src/train/lr_finder.ts";
import { createRun } from "../../src/node/run_dir.ts";

test("findValley: the lowest smoothed loss strictly inside the rates that did not diverge", () => {
  const sweep = lrSweep(8, -3, 4);
  // lowest at index 2: a valley
  assert.equal(findValley(sweep, [5, 4, 3, 3.5, 4, 6, 9, 12], null).suggestion?.index, 2);
  // the update at lr_4 (divergedAt 5) broke the model: its loss 1 before the update is not a valley
  const d = findValley(sweep, [5, 3, 4, 4.5, 1, NaN, NaN, NaN], 5);
  assert.equal(d.suggestion?.index, 1);
  // still falling at the end: no valley, raise --max-exp
  const falling = findValley(sweep, [8, 7, 6, 5, 4, 3, 2, 1], null);
  assert.equal(falling.suggestion, null);
  assert.match(falling.noValley!, /the loss still falls at the last rate \(10\^4\); raise --max-exp \(now 4\)/);
  // lowest at the first rate: no valley, lower --min-exp
  const rising = findValley(sweep, [1, 2, 3, 4, 5, 6, 7, 8], null);
  assert.equal(rising.suggestion, null);
  assert.match(rising.noValley!, /the loss is lowest at the first rate \(10\^-3\) and only rises after it; lower --min-exp \(now -3\)/);
  // still falling when it diverged
  const cut = findValley(sweep, [5, 4, 3, 2, 1, NaN, NaN, NaN], 5);
  assert.equal(cut.suggestion, null);
  assert.match(cut.noValley!, /the loss was still falling when training diverged at step 5 \(lr 10\^1\)/);
});

test("lr-find from 10^30: diverges at the first rate and suggests nothing", () => {
  const run = createRun({ steps: 20, model: { nHidden: 8 } });
  const r = findLearningRate(run.trainer, { steps: 20, minExp: 30, maxExp: 40 });
  assert.equal(r.divergedAt, 1);
  assert.equal(r.suggestion, null);
  assert.match(r.noValley!, /^training diverged at step 1 \(lr 10\^30\), too early for a valley: the rates are too large; lower --min-exp \(now 30\)$/);
});

test("a --window wider than --steps is refused before the sweep", () => {
  const run = createRun({ steps: 20, model: { nHidden: 8 } });
  assert.throws(() => findLearningRate(run.trainer, { steps: 20, window: 21 }), {
    name: "ConfigError",
    message: /^--window 21 is larger than --steps 20/,
  });
  assert.equal(run.trainer.step, 0);
});
