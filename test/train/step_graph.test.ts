// The trainer's recorded step (src/train/step_graph.ts on src/kernels/tape.ts): after two steps that
// made the same kernel calls, steps replay them without the model's JavaScript. A replayed run must be
// the run itself, bit for bit (losses, parameters, BatchNorm's running statistics), through the changes
// a run sees between steps (a new batch size, eval mode, a resume); a model whose step computes in
// JavaScript must be refused, not replayed wrong; a bad index in a replayed step must give the error
// the model gives (the embedding's ConfigError).

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.ts";
import { VALUE_EXPORTS } from "../../src/kernels/tape.ts";
import type { RunOptions } from "../../src/train/config.ts";
import { TrainingRun } from "../../src/train/run.ts";
import { WORDS } from "./run_fixtures.ts";

const source = { words: WORDS, source: "names.txt" };

/** Every parameter's and buffer's bytes, and the loss log's, of `run`. */
function state(run: TrainingRun): string[] {
  const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  return [
    ...run.model.parameters().map((p) => bytes(p.data.view)),
    ...run.model.buffers().map((b) => bytes(b.data.view)),
    bytes(run.trainer.losses.subarray(0, run.trainer.step)),
  ];
}

/** A run of `options` trained by `steps` (between entries: `between(run, i)`), with or without replay. */
function trained(options: RunOptions, steps: number[], replay: boolean, between?: (run: TrainingRun, i: number) => void): TrainingRun {
  const run = TrainingRun.create(source, options);
  run.trainer.graph.enabled = replay;
  steps.forEach((n, i) => {
    run.train(n);
    between?.(run, i);
  });
  return run;
}

for (const [type, model] of [["lecture", { nHidden: 16 }], ["bow", { nEmbd: 8 }], ["wavenet", { nEmbd: 4, nHidden: 16 }], ["bigram", {}]] as const) {
  test(`${type}: a replayed run is the run itself, bit for bit`, () => {
    const options = { type, steps: 40, model } as RunOptions;
    const replayed = trained(options, [40], true);
    assert.equal(replayed.trainer.graph.replaying, true, `replayed (${replayed.trainer.graph.refused})`);
    assert.deepEqual(state(replayed), state(trained(options, [40], false)));
  });
}

test("a new batch size, and evaluations between steps, drop the tapes; the run stays the run, bit for bit", () => {
  const options: RunOptions = { steps: 60, model: { nHidden: 16 } };
  const between = (run: TrainingRun, i: number) => {
    if (i === 0) {
      assert.equal(run.trainer.graph.replaying, run.trainer.graph.enabled);
      run.retune({ batchSize: 20 });
      assert.equal(run.trainer.graph.replaying, false, "dropped with the old batch buffers");
    }
    if (i === 1) {
      run.estimate(); // eval mode, other rows through the same layers
      run.evaluate(); // and BatchNorm calibrated on the training split
    }
  };
  const replayed = trained(options, [10, 10, 40], true, between);
  assert.equal(replayed.trainer.graph.replaying, true);
  assert.deepEqual(state(replayed), state(trained(options, [10, 10, 40], false, between)));
});

test("a model whose step reads a buffer from JavaScript is refused, and trains as it does without replay", () => {
  const options = { type: "mlp", steps: 6, model: { nEmbd: 8, nEmbd2: 16, blockSize: 4 } } as RunOptions;
  const run = trained(options, [6], true);
  assert.equal(run.trainer.graph.replaying, false);
  assert.match(run.trainer.graph.refused ?? "", /read or written from JavaScript/);
  assert.deepEqual(state(run), state(trained(options, [6], false)));
});

test("a bad index in a replayed step throws the model's own error", () => {
  const options: RunOptions = { steps: 20, model: { nHidden: 16 } };
  const errorOf = (replay: boolean): unknown => {
    const run = trained(options, [5], replay);
    assert.equal(run.trainer.graph.replaying, replay);
    run.trainer.data.X.fill(99); // every context now names a token outside the 27
    try {
      run.train(1);
    } catch (e) {
      return e;
    }
    return null;
  };
  const replayed = errorOf(true), eager = errorOf(false);
  assert.ok(eager instanceof ConfigError, String(eager));
  assert.ok(replayed instanceof ConfigError, String(replayed));
  assert.match((replayed as Error).message, /index 99 is outside the table of 27 rows/);
  assert.equal((replayed as Error).message, (eager as Error).message);
});

test("VALUE_EXPORTS is every asm export that returns a value", async () => {
  const script = new URL("../../scripts/build-wasm.mjs", import.meta.url).href;
  const { readAsmExports } = (await import(script)) as { readAsmExports(): { name: string; result: string }[] };
  const values = readAsmExports().filter((e) => e.result !== "void").map((e) => e.name);
  assert.deepEqual([...VALUE_EXPORTS].sort(), values.sort());
});
