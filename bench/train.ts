// `npm run bench:train [-- --steps N]`: the lectures' full run (200000 steps of the MLP, batch 32) in
// makemore-ts and, when /usr/bin/python3 has torch (Debian python3-torch), in PyTorch with the same
// seeded draws and the lecture's hand-written backward (bench/torch_train.py), one after the other in
// this one script. Prints both loop times, the ratio, and both runs' final split losses.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRun, DEFAULT_WORDS_FILE, LECTURE } from "../src/node/index.ts";

const { values } = parseArgs({ options: { steps: { type: "string", default: String(LECTURE.training.steps) }, "no-torch": { type: "boolean" } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`bench:train: --steps must be a positive integer (got ${values.steps})`);
  process.exit(2);
}
const fmt = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(4));

console.log(`makemore-ts bench:train — the lectures' MLP (12297 parameters), ${steps} steps of batch 32, seed 2147483647`);
console.log(`node ${process.version}, one thread, wasm SIMD kernels\n`);

const run = createRun({ steps });
const t0 = performance.now();
run.train();
const ours = (performance.now() - t0) / 1000;
const losses = run.evaluate("calibrated");
console.log(`makemore-ts  ${ours.toFixed(2)} s  (${Math.round(steps / ours)} steps/s)  train ${fmt(losses.train)}  val ${fmt(losses.val)}  test ${fmt(losses.test)}`);

const python = "/usr/bin/python3";
const hasTorch = existsSync(python) && spawnSync(python, ["-c", "import torch"]).status === 0;
if (values["no-torch"]) {
  console.log("PyTorch      not measured (--no-torch)");
} else if (!hasTorch) {
  console.log("PyTorch      not measured: /usr/bin/python3 has no torch (apt-get install -y python3-torch)");
} else {
  const script = fileURLToPath(new URL("./torch_train.py", import.meta.url));
  const r = spawnSync(python, [script, String(steps), "2147483647", DEFAULT_WORDS_FILE], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.log(`PyTorch      failed: ${r.stderr.trim().split("\n").pop()}`);
  } else {
    const t = JSON.parse(r.stdout.trim().split("\n").pop()!);
    console.log(
      `PyTorch ${t.torch} ${t.seconds.toFixed(2)} s  (${Math.round(steps / t.seconds)} steps/s, ${t.threads} thread)  train ${fmt(t.train)}  val ${fmt(t.val)}  test ${fmt(t.test)}`,
    );
    console.log(`\nratio: makemore-ts is ${(t.seconds / ours).toFixed(2)}x faster than PyTorch on this machine`);
    const d = (["train", "val", "test"] as const).map((s) => Math.abs((losses[s] ?? NaN) - t[s]));
    console.log(`final loss differences |ours - PyTorch|: train ${d[0].toExponential(2)}  val ${d[1].toExponential(2)}  test ${d[2].toExponential(2)}`);
  }
}
