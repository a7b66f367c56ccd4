// The divergence rule (src/train/trainer.ts): training stops with a DivergedError naming the step when the
// minibatch loss is not finite or exceeds EXPLODED_LOSS_FACTOR · ln(V), 100 times the loss of a uniform
// guess — and not for makemore part 3's worst initialization, whose first losses are near 27.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { TrainingRun } from "../../src/train/run.ts";
import { DivergedError, EXPLODED_LOSS_FACTOR } from "../../src/train/trainer.ts";

const words = readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").filter(Boolean).slice(0, 2000);
const data = { words, source: "names" };

test("a learning rate far too large stops training at the step the loss explodes, saying so", () => {
  const run = TrainingRun.create(data, { steps: 2000, lr: 1e6 });
  let err: unknown = null;
  try {
    run.train();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DivergedError, `expected a DivergedError, got ${String(err)}`);
  const limit = EXPLODED_LOSS_FACTOR * Math.log(run.model.vocabSize);
  assert.ok(err.loss > limit && Number.isFinite(err.loss), `the loss ${err.loss} is finite and above ${limit}`);
  assert.ok(err.step < 10, `stopped at step ${err.step}, long before the loss reached NaN`);
  assert.match(err.message, /^training diverged at step \d+: the loss [\d.e+]+ exceeded 100 × ln\(V\) = 329\.6 .*try a lower learning rate \(--lr\)$/);
  // every step before it was below the limit
  for (let i = 0; i < err.step; i++) assert.ok(run.trainer.losses[i] <= limit);
});

test("makemore part 3's naive initialization (first losses near 27) trains on", () => {
  const run = TrainingRun.create(data, { steps: 50, model: { init: "naive", batchNorm: false } });
  run.train();
  assert.ok(run.trainer.losses[0] > 15, `first loss ${run.trainer.losses[0]}`);
  assert.equal(run.trainer.step, 50);
});
