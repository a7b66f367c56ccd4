// The kernels' two builds (src/kernels/wasm.ts) round the matrix products differently in the last bits,
// so config.json records the build that trained a run, and `train --resume` goes on under that build —
// bit for bit — where the runtime has it, whatever it would pick for a new run; where it cannot, the run
// goes on and a note says why. Each CLI call runs in its own Node process: a process loads one build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { relaxedSimdSupported } from "../../src/kernels/wasm.ts";
import { decodeRunConfig } from "../../src/train/checkpoint.ts";
import { CheckpointError } from "../../src/errors.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const relaxed = relaxedSimdSupported();
const tmp = () => mkdtempSync(join(tmpdir(), "makemore-kernels-"));
const quick = ["--n-hidden", "8", "--samples", "0", "--no-progress"];

/** `makemore <args>` in a fresh Node process with MAKEMORE_WASM as given (undefined: unset). */
function makemore(wasm: string | undefined, ...args: string[]) {
  const code = 'import { main } from "./src/cli/main.ts"; process.exitCode = await main(process.argv.slice(1));';
  const inherited = process.execArgv.filter((a) => a.includes("relaxed-simd")); // Node 20's flag, if given
  const r = spawnSync(process.execPath, [...inherited, "--import", "tsx", "--input-type=module", "-e", code, ...args], {
    cwd: root,
    env: { ...process.env, MAKEMORE_WASM: wasm },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `makemore ${args.join(" ")}: ${r.stderr}`);
  return r.stderr;
}

const config = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
/** The minibatch loss of every step, from metrics.jsonl. */
const losses = (dir: string): number[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => "lr" in m).map((m) => m.loss);

test("a run records its build and resumes under it, bit for bit, whatever a new run would pick", () => {
  const straight = join(tmp(), "straight");
  makemore("simd", "train", "-o", straight, "--steps", "12", ...quick);
  assert.equal(config(straight).kernels, "simd");
  const resumed = join(tmp(), "resumed");
  makemore("simd", "train", "-o", resumed, "--steps", "6", ...quick);
  // unset: a new run would get relaxed where the runtime has it; this one goes on under its simd (a
  // --threads given first does not load the kernels before the run has picked their build)
  const err = makemore(undefined, "train", "-o", resumed, "--resume", "--steps", "12", "--threads", "1", ...quick);
  assert.doesNotMatch(err, /note: this run was trained with/);
  assert.equal(config(resumed).kernels, "simd");
  assert.equal(losses(straight).length, 12);
  assert.deepEqual(losses(resumed), losses(straight));
  assert.equal(config(resumed).files["model.safetensors"], config(straight).files["model.safetensors"], "the same parameters, bit for bit");
  if (relaxed) {
    // the premise: the other build gives other numbers for these steps
    const other = join(tmp(), "relaxed");
    makemore(undefined, "train", "-o", other, "--steps", "12", ...quick);
    assert.equal(config(other).kernels, "relaxed");
    assert.notEqual(config(other).files["model.safetensors"], config(straight).files["model.safetensors"]);
  }
});

test("a run that cannot go on under its build goes on under the other, says why, and records the one it now runs", () => {
  const dir = join(tmp(), "run");
  makemore(undefined, "train", "-o", dir, "--steps", "4", ...quick);
  // relaxed where it cannot run (Node 20), or where MAKEMORE_WASM asks for simd
  const c = config(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...c, kernels: "relaxed" }, null, 2) + "\n");
  const err = makemore(relaxed ? "simd" : undefined, "train", "-o", dir, "--resume", "--steps", "8", ...quick);
  const why = relaxed ? "MAKEMORE_WASM=simd asks for the plain SIMD build of the kernels" : "this runtime has no relaxed SIMD (Node ≥ 22 and Chrome ≥ 114 have it)";
  assert.match(err, new RegExp(`makemore: note: this run was trained with the relaxed-SIMD build of the kernels \\(fused multiply-add\\); ${why.replace(/[()]/g, "\\$&")}: it goes on with that`));
  assert.equal(config(dir).stepsDone, 8);
  assert.equal(config(dir).kernels, "simd");
  // sample, eval and diagnose follow the recorded build too, and say when they cannot
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config(dir), kernels: "relaxed" }, null, 2) + "\n");
  for (const cmd of [["sample", "-n", "2"], ["eval"], ["diagnose"], ["train", "--sample-only"]]) {
    const said = makemore(relaxed ? "simd" : undefined, ...cmd, "-o", dir);
    assert.match(said, /makemore: note: this run was trained with the relaxed-SIMD build/, cmd.join(" "));
  }
});

test("config.json: kernels is one of the builds; a file saved before it was recorded reads as simd", () => {
  const dir = join(tmp(), "run");
  makemore("simd", "train", "-o", dir, "--steps", "2", ...quick);
  const text = readFileSync(join(dir, "config.json"), "utf8");
  const { kernels: _, ...old } = JSON.parse(text);
  assert.equal(decodeRunConfig(JSON.stringify(old), "config.json").kernels, "simd");
  assert.throws(() => decodeRunConfig(JSON.stringify({ ...old, kernels: "fma" }), "config.json"), (e) =>
    e instanceof CheckpointError && /kernels must be one of "simd", "relaxed", "ts"/.test(e.message));
});
