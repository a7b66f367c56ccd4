import { test } from "node:test";
import assert from "node:assert/strict";
import { findLearningRate, lrSweep, smooth, suggestLr } from "../../src/train/lr_finder.ts";
import { createRun } from "../../src/node/run_dir.ts";

test("lrSweep: exponents linear from min to max (torch.linspace), lr = 10^e", () => {
  const s = lrSweep(4, -3, 0);
  assert.deepEqual(s.exps, [-3, -2, -1, 0]);
  s.lrs.forEach((lr, i) => assert.ok(Math.abs(lr - [0.001, 0.01, 0.1, 1][i]) < 1e-15));
  const l = lrSweep(1000);
  assert.equal(l.exps[0], -3);
  assert.equal(l.exps[999], 0);
  assert.ok(Math.abs(l.exps[333] - (-3 + (333 * 3) / 999)) < 1e-12);
  assert.throws(() => lrSweep(10, 0, -1), /--min-exp must be below --max-exp/);
  assert.throws(() => lrSweep(1), /at least 2 steps/);
});

test("smooth and suggestLr: a centred moving average and its minimum", () => {
  assert.deepEqual(smooth([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5]);
  assert.deepEqual(smooth([4, NaN, 2], 3), [4, 3, 2]);
  const sweep = lrSweep(5, -4, 0);
  const s = suggestLr(sweep, [3, 2, 1, 2, NaN])!;
  assert.deepEqual([s.index, s.exp, s.loss], [2, -2, 1]);
});

test("findLearningRate: step i trains at lr_i, and the loss is recorded", () => {
  const run = createRun({ steps: 60, model: { nHidden: 16 } });
  const seen: number[] = [];
  run.trainer.on((e) => e.type === "step" && seen.push(e.lr));
  const r = findLearningRate(run.trainer, { steps: 60, minExp: -2, maxExp: 1 });
  assert.deepEqual(seen, r.lrs);
  assert.deepEqual(r.losses, Array.from(run.trainer.losses));
  assert.equal(r.window, 3);
  assert.ok(r.suggestion!.exp > -2 && r.suggestion!.exp < 1);
  assert.equal(r.divergedAt, null);
});

test("findLearningRate: a sweep into huge learning rates stops at the divergence and still suggests one", () => {
  const run = createRun({ steps: 40, model: { nHidden: 16, batchNorm: false, init: "naive" } });
  const r = findLearningRate(run.trainer, { steps: 40, minExp: -2, maxExp: 20 });
  assert.notEqual(r.divergedAt, null);
  assert.ok(r.losses.slice(r.divergedAt!).every(Number.isNaN));
  assert.ok(Number.isFinite(r.suggestion!.loss) && r.suggestion!.index < r.divergedAt! - 1);
});
