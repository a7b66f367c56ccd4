// The trainer's recorded step (src/train/step_graph.ts on src/kernels/tape.ts): after two steps that
// made the same kernel calls, steps replay them without the model's JavaScript. A replayed run must be
// the run itself, bit for bit (losses, parameters, BatchNorm's running statistics), through the changes
// a run sees between steps (a new batch size, estimates and evaluations, a resume), down to what
// diagnostics read of the layers after a step; a model whose step computes in JavaScript must be
// refused, not replayed wrong; a bad index or target in a replayed step must give the error the model
// gives and change nothing; products must go to the threads once they run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.ts";
import { wasmExports } from "../../src/kernels/wasm.ts";
import { VALUE_EXPORTS } from "../../src/kernels/tape.ts";
import { poolFor, setThreads, threadsReady, threadsUnavailable } from "../../src/kernels/threads.ts";
import { decodeMetrics, decodeRunConfig } from "../../src/train/checkpoint.ts";
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

/** What diagnostics read after a step: each layer's output, its shape and the values of its rows. */
function activations(run: TrainingRun): string[] {
  return run.model.activations().map(({ name, act }) => {
    if (act === null) return `${name}: none`;
    const n = act.shape.reduce((a, b) => a * b, 1);
    const v = act.data.view.subarray(0, n);
    return `${name} (${act.shape.join(",")}): ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")}`;
  });
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

for (const bad of ["X", "Y"] as const) {
  test(`a bad ${bad === "X" ? "index" : "target"} in a replayed step throws the model's own error and changes nothing`, () => {
    const options: RunOptions = { steps: 20, model: { nHidden: 16 } };
    const outcome = (replay: boolean): { error: unknown; state: string[] } => {
      const run = trained(options, [5], replay);
      assert.equal(run.trainer.graph.replaying, replay);
      const data = run.trainer.data[bad];
      const kept = data.slice();
      data.fill(99); // every context (or target) now names a token outside the 27
      let error: unknown = null;
      try {
        run.train(1);
      } catch (e) {
        error = e;
      }
      data.set(kept);
      return { error, state: state(run) };
    };
    const replayed = outcome(true), eager = outcome(false);
    assert.ok(eager.error instanceof ConfigError, String(eager.error));
    assert.ok(replayed.error instanceof ConfigError, String(replayed.error));
    assert.match((replayed.error as Error).message, /99 is outside/);
    assert.equal((replayed.error as Error).message, (eager.error as Error).message);
    assert.deepEqual(replayed.state, eager.state, "BatchNorm's running statistics updated once, as without replay");
  });
}

test("after an estimate or a sample between steps, the layers describe the training step, as without replay", () => {
  const options: RunOptions = { steps: 30, model: { nHidden: 16 } };
  const between = (run: TrainingRun, i: number) => {
    if (i === 0) run.estimate(); // 200-odd rows through the same layers, in eval mode
    if (i === 1) run.sample({ count: 3 });
  };
  const replayed = trained(options, [10, 5, 1], true, between);
  const eager = trained(options, [10, 5, 1], false, between);
  assert.equal(replayed.trainer.graph.replaying, true);
  assert.deepEqual(activations(replayed), activations(eager));
  replayed.train(5);
  eager.train(5);
  assert.deepEqual(activations(replayed), activations(eager));
  assert.deepEqual(state(replayed), state(eager));
});

test("a run resumed from a checkpoint replays, bit for bit as the run itself goes on", () => {
  const options: RunOptions = { steps: 40, model: { nHidden: 16 } };
  const run = trained(options, [20], true);
  const files = run.checkpoint();
  const resumed = TrainingRun.fromCheckpoint(
    { ...files, config: decodeRunConfig(files["config.json"], "config.json"), metrics: decodeMetrics(files["metrics.jsonl"], "metrics.jsonl") },
    source,
  );
  resumed.train(20);
  assert.equal(resumed.trainer.graph.replaying, true);
  assert.deepEqual(state(resumed), state(trained(options, [40], false)));
});

test("products go to the threads once their workers run: the run stops replaying them", { skip: threadsUnavailable() ?? false }, async () => {
  const options = { type: "bow", steps: 400, model: { nEmbd: 64 } } as RunOptions; // (512,64)·(64,256): cut
  const run = TrainingRun.create(source, options);
  try {
    setThreads(2);
    run.train(20); // the pool's worker may not run yet: the products run here, and may be recorded
    assert.equal(await threadsReady(), 2);
    const pool = poolFor(wasmExports(), Infinity)!;
    const splits = pool.splits;
    run.train(20);
    assert.ok(pool.splits > splits, `products cut after the worker ran (${pool.splits - splits})`);
    assert.equal(run.trainer.graph.replaying, false);
    assert.match(run.trainer.graph.refused ?? "", /threads/);
  } finally {
    setThreads(1);
  }
});

test("VALUE_EXPORTS is every asm export that returns a value", async () => {
  const script = new URL("../../scripts/build-wasm.mjs", import.meta.url).href;
  const { readAsmExports } = (await import(script)) as { readAsmExports(): { name: string; result: string }[] };
  const values = readAsmExports().filter((e) => e.result !== "void").map((e) => e.name);
  assert.deepEqual([...VALUE_EXPORTS].sort(), values.sort());
});
