// `npm run bench:train [-- --steps N]`: the lectures' full run (200000 steps of the MLP, batch 32) in
// makemore-ts and, when /usr/bin/python3 has torch (Debian python3-torch), in PyTorch with the same
// seeded draws and the lecture's hand-written backward (bench/torch_train.py) at 1 and at 2 threads, one
// after the other in this one script. Prints the loop times, the BLAS PyTorch loaded, the ratio against
// PyTorch's faster thread count, and the runs' final split losses.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRun, DEFAULT_WORDS_FILE, LECTURE } from "../src/node/index.ts";
import { describeWasmBuild } from "../src/kernels/wasm.ts";

const { values } = parseArgs({ options: { steps: { type: "string", default: String(LECTURE.training.steps) }, "no-torch": { type: "boolean" } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`bench:train: --steps must be a positive integer (got ${values.steps})`);
  process.exit(2);
}
const fmt = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(4));

console.log(`makemore-ts bench:train — the lectures' MLP (12297 parameters), ${steps} steps of batch 32, seed 2147483647`);
console.log(`node ${process.version}, one thread, ${describeWasmBuild()}\n`);

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
  // PyTorch as its users run it: OpenBLAS, at one and at two threads; the ratio is against the faster
  const script = fileURLToPath(new URL("./torch_train.py", import.meta.url));
  type TorchRun = { torch: string; threads: number; blas: string; seconds: number; train: number; val: number; test: number };
  const runs: TorchRun[] = [];
  for (const threads of [1, 2]) {
    const r = spawnSync(python, [script, String(steps), "2147483647", DEFAULT_WORDS_FILE, String(threads)], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.log(`PyTorch      failed at ${threads} thread(s): ${r.stderr.trim().split("\n").pop()}`);
      continue;
    }
    const t = JSON.parse(r.stdout.trim().split("\n").pop()!) as TorchRun;
    runs.push(t);
    console.log(
      `PyTorch ${t.torch} ${t.seconds.toFixed(2)} s  (${Math.round(steps / t.seconds)} steps/s, ${t.threads} thread${t.threads === 1 ? "" : "s"}, ${t.blas})  train ${fmt(t.train)}  val ${fmt(t.val)}  test ${fmt(t.test)}`,
    );
    if (t.blas !== "OpenBLAS") console.log(`             (${t.blas}: no PyTorch user would benchmark that; apt-get install -y libopenblas0-pthread)`);
  }
  const t = runs.reduce<TorchRun | null>((best, r) => (best === null || r.seconds < best.seconds ? r : best), null);
  if (t !== null) {
    console.log(`\nratio: makemore-ts is ${(t.seconds / ours).toFixed(2)}x faster than PyTorch at its faster thread count (${t.threads}) on this machine`);
    const d = (["train", "val", "test"] as const).map((s) => Math.abs((losses[s] ?? NaN) - t[s]));
    console.log(`final loss differences |ours - PyTorch|: train ${d[0].toExponential(2)}  val ${d[1].toExponential(2)}  test ${d[2].toExponential(2)}`);
  }
}
