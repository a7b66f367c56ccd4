// The two sides of `npm run bench:zoo` for the lecture types (makemore part 3's deeper network, makemore
// part 5's WaveNet) train the network of the parity fixtures: bench/zoo_run.ts (makemore-ts, with the
// bench's seed) and bench/zoo_torch.py (real PyTorch: for deep the lecture's own classes and loop) both
// reach, at step 100, the loss the reference scripts recorded (test/fixtures/make/torch_deep.py wrote
// test/fixtures/deep/deep-bn-53.json; torch_zoo.py wrote test/fixtures/zoo/wavenet-42.json). 101 steps
// each, a few seconds in all; the PyTorch half is skipped where /usr/bin/python3 has no torch.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_WORDS_FILE } from "../../src/node/index.ts";
import { benchSeed, type ZooRunResult, type ZooType } from "../../bench/zoo_table.ts";

const PYTHON = "/usr/bin/python3";
const STEPS = 101; // the fixtures' traces hold step 100
const worker = fileURLToPath(new URL("../../bench/zoo_run.ts", import.meta.url));
const torchScript = fileURLToPath(new URL("../../bench/zoo_torch.py", import.meta.url));
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import torch"]).status === 0;

const CASES: { type: ZooType; fixture: string }[] = [
  { type: "deep", fixture: "../fixtures/deep/deep-bn-53.json" }, // gain 5/3, BatchNorm: the bench's network
  { type: "wavenet", fixture: "../fixtures/zoo/wavenet-42.json" },
];

/** The last stdout line of a child as JSON (the child's stderr in the failure message). */
function lastJson<T>(cmd: string, args: string[], env?: NodeJS.ProcessEnv): T {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: env ?? process.env, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T;
}

for (const { type, fixture } of CASES) {
  const ref = JSON.parse(readFileSync(new URL(fixture, import.meta.url), "utf8")) as { seed: number; params: number; trace: Record<string, number> };
  const want = ref.trace[String(STEPS - 1)];

  test(`bench:zoo ${type}, makemore-ts side: the fixture's seed, parameters and loss at step ${STEPS - 1}`, () => {
    assert.equal(benchSeed(type), ref.seed);
    const o = lastJson<ZooRunResult>(process.execPath, [...process.execArgv, worker, type, String(STEPS), "0", String(benchSeed(type)), "1.13"]);
    assert.equal(o.params, ref.params);
    assert.ok(Math.abs(o.lastLoss - want) <= 1e-5, `last loss ${o.lastLoss} vs PyTorch's ${want}`);
  });

  test(`bench:zoo ${type}, PyTorch side (zoo_torch.py): the fixture's parameters and loss at step ${STEPS - 1}`, { skip: hasTorch ? false : `${PYTHON} has no torch` }, () => {
    const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const r = lastJson<{ params: number; last_loss: number; steps: number }>(
      PYTHON, [torchScript, type, DEFAULT_WORDS_FILE, String(STEPS), "0", "1", "--seed", String(benchSeed(type))], env,
    );
    assert.equal(r.steps, STEPS);
    assert.equal(r.params, ref.params);
    // the same PyTorch ops in the same order as the reference script: the same float32 loss
    assert.ok(Math.abs(r.last_loss - want) <= 1e-6, `last loss ${r.last_loss} vs the fixture's ${want}`);
  });
}
