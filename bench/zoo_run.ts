// The makemore-ts side of `npm run bench:zoo` and `npm run bench:zoo:quality`, one model type per
// process (the wasm memory only grows, so a fresh process gives each type its own peak memory and an
// untouched JIT): a run from the public API (createRun, the type's training defaults, the seed of its
// reference run), WARMUP steps untimed, the rest timed with performance.now(); optionally the loss on
// the whole test split. Prints one JSON line (ZooRunResult). The drivers spawn it; by hand:
//   node --import tsx bench/zoo_run.ts TYPE STEPS WARMUP SEED TORCH_VERSION [--eval-test]

import { createRun, type TorchVersion } from "../src/node/index.ts";
import type { ZooRunResult } from "./zoo_table.ts";

function main(argv: string[]): void {
  const [type, stepsArg, warmupArg, seedArg, torchVersion] = argv;
  const evalTest = argv.includes("--eval-test");
  const steps = Number(stepsArg);
  const warmup = Number(warmupArg);
  if (type === undefined || !Number.isInteger(steps) || !Number.isInteger(warmup) || warmup < 0 || steps <= warmup || !/^\d+$/.test(seedArg ?? "")) {
    console.error("usage: zoo_run.ts TYPE STEPS WARMUP SEED TORCH_VERSION [--eval-test]   (STEPS > WARMUP >= 0)");
    process.exit(2);
  }
  if (torchVersion !== "1.13" && torchVersion !== "2.x") {
    console.error(`zoo_run.ts: TORCH_VERSION must be 1.13 or 2.x (got ${torchVersion})`);
    process.exit(2);
  }
  // logEvery = steps: the metric log (every step below 100, then every logEvery) stays as small as it can
  const run = createRun({ type, steps, seed: Number(seedArg), torchVersion: torchVersion as TorchVersion }, { logEvery: steps });
  run.train(warmup);
  const t0 = performance.now();
  run.train();
  const seconds = (performance.now() - t0) / 1000;
  const result: ZooRunResult = {
    type,
    params: run.numParameters(),
    steps,
    warmup,
    seconds,
    stepsPerSec: (steps - warmup) / seconds,
    lastLoss: run.trainer.losses[steps - 1],
    peakRss: 0,
    wasmBytes: 0,
    arenaPeak: 0,
  };
  if (evalTest) {
    const t1 = performance.now();
    result.test = run.evaluate(null, ["test"]).test;
    result.evalSeconds = (performance.now() - t1) / 1000;
  }
  const arena = run.model.kernels.arena;
  result.peakRss = process.resourceUsage().maxRSS * 1024; // kilobytes on Linux and macOS
  result.wasmBytes = arena.bytesCapacity;
  result.arenaPeak = arena.bytesPeak;
  console.log(JSON.stringify(result));
}

main(process.argv.slice(2));
