import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, unlinkSync, truncateSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunOptions } from "../../src/train/config.ts";
import { FILES } from "../../src/train/checkpoint.ts";
import { createRun, loadRun, saveRun } from "../../src/node/run_dir.ts";
import { CheckpointError } from "../../src/errors.ts";
import { parameterOf } from "../../src/models/model.ts";

const small: RunOptions = { steps: 300, model: { nHidden: 64 } };
const tmp = () => mkdtempSync(join(tmpdir(), "makemore-ckpt-"));

/** An independent reader of the safetensors format (not the project's parser). */
function readSafetensorsIndependently(path: string): Map<string, { shape: number[]; values: Float32Array }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === "__metadata__") continue;
    assert.equal(info.dtype, "F32");
    const [b, e] = info.data_offsets;
    const values = new Float32Array(e / 4 - b / 4);
    for (let i = 0; i < values.length; i++) values[i] = buf.readFloatLE(8 + n + b + 4 * i);
    out.set(name, { shape: info.shape, values });
  }
  return out;
}

test("resume: N steps, saved, then N more give exactly the parameters of 2N steps in one go", () => {
  const a = createRun(small);
  a.train();
  const dir = tmp();
  const b = createRun({ ...small, steps: 150 });
  b.train();
  saveRun(b, dir);
  const c = loadRun(dir, { steps: 300 });
  assert.equal(c.trainer.step, 150);
  c.train();
  for (const p of a.model.parameters()) {
    assert.deepEqual(parameterOf(c.model, p.name).data.view, p.data.view, `${p.name} differs after resuming`);
  }
  assert.deepEqual(c.trainer.losses, a.trainer.losses);
  assert.deepEqual(c.generator.getState(), a.generator.getState());
});

test("model.safetensors holds the lectures' tensor names, readable by an independent parser", () => {
  const run = createRun({ ...small, steps: 20 });
  run.train();
  run.evaluate("calibrated", ["val"]);
  const dir = tmp();
  saveRun(run, dir);
  const t = readSafetensorsIndependently(join(dir, FILES.model));
  assert.deepEqual([...t.keys()].sort(), ["C", "W1", "W2", "b1", "b2", "bnbias", "bngain", "bnmean", "bnmean_running", "bnvar", "bnvar_running"]);
  assert.deepEqual(t.get("W1")!.shape, [30, 64]);
  assert.deepEqual(t.get("bngain")!.shape, [1, 64]);
  for (const p of run.model.parameters()) assert.deepEqual(t.get(p.name)!.values, p.data.view);
  const metrics = readFileSync(join(dir, FILES.metrics), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(metrics.slice(0, 20).map((m) => m.step), [...Array(20).keys()]);
  assert.equal(metrics[20].split, "val");
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.equal(config.stepsDone, 20);
  assert.equal(config.generator.kind, "torch.Generator");
  assert.equal(config.metrics.bnStats, "calibrated");
});

test("metrics.jsonl logs every step below 100, then every --log-every steps", () => {
  const run = createRun({ ...small, steps: 260 }, { logEvery: 50 });
  run.train();
  const steps = run.metrics.map((m) => m.step);
  assert.deepEqual(steps.slice(98), [98, 99, 100, 150, 200, 250]);
});

function checkpointError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test("missing, truncated, damaged and mismatched checkpoints give a CheckpointError naming the file", () => {
  checkpointError(() => loadRun(tmp()), /config\.json: missing — is this a run directory/);
  const run = createRun({ ...small, steps: 5 });
  run.train();
  const fresh = () => {
    const d = tmp();
    saveRun(run, d);
    return d;
  };
  let dir = fresh();
  truncateSync(join(dir, FILES.model), statSync(join(dir, FILES.model)).size - 100);
  checkpointError(() => loadRun(dir), /model\.safetensors: does not match config\.json/);
  dir = fresh();
  unlinkSync(join(dir, FILES.model));
  checkpointError(() => loadRun(dir), /model\.safetensors: missing/);
  dir = fresh();
  writeFileSync(join(dir, FILES.config), "{ not json");
  checkpointError(() => loadRun(dir), /config\.json: is not valid JSON/);
  dir = fresh();
  const cfg = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  writeFileSync(join(dir, FILES.config), JSON.stringify({ ...cfg, format: "something-else" }));
  checkpointError(() => loadRun(dir), /not a makemore-ts run/);
  writeFileSync(join(dir, FILES.config), JSON.stringify({ ...cfg, model: { ...cfg.model, nHidden: 65 } }));
  checkpointError(() => loadRun(dir), /train_state\.safetensors: tensor "model\.W1" is F32 \(30, 64\), expected F32 \(30, 65\)/);
  checkpointError(() => loadRun(dir, { modelOnly: true }), /model\.safetensors: tensor "W1" is F32 \(30, 64\), expected F32 \(30, 65\)/);
});
