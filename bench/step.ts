// Training-step benchmark of the lecture model (makemore part 4: C 27×10, W1 30×200, BatchNorm1d(200),
// tanh, W2 200×27, cross-entropy; SGD, batch 32), in two parts.
//
// 1. Start-up (issue 14): steps/s of a fresh run over steps 0–1000 and over steps 10000–11000, and
//    their ratio, each run in a process of its own (child processes of this script, one after the
//    other), so that the first steps meet the engine cold, as `makemore train --steps 1000` does: the
//    run is built as `makemore train` builds it (createRun: the bundled names, the type's defaults)
//    and trained with TrainingRun.train. Medians over --runs processes (the machine may be shared).
//    The line "createRun + steps 0–1000" is what a user waits from the run's creation to step 1000 (the
//    median of each process's sum): a change that only moves work from the first steps into createRun
//    (a warm-up) improves the ratio but not this line.
//    On Linux each window is also split, from /proc/self/task/*/schedstat (4 ms resolution), into the
//    main thread's CPU time, its time waiting for a CPU, and the CPU time of the engine's other threads
//    (background compiles, GC): the first steps are slow both from code not yet optimized (main-thread
//    CPU above the full-speed window's) and from background compiles taking the CPU from the main thread.
// 2. µs per full training step (Trainer.trainStep(): draw a minibatch, forward, loss, zero the grads,
//    backward, SGD) with the WebAssembly SIMD kernels and with the plain-TypeScript kernels, in this one
//    warmed-up process, and their ratio; then a per-phase breakdown for the wasm backend on a fixed
//    minibatch: forward only, + loss, + zeroGrad + backward, + SGD (each row includes the phases above
//    it). Best of 5 repetitions (other load shows less); the phases are timed separately, so under load
//    their differences can come out negative.
// For the comparison with PyTorch, run `npm run bench:train` (both in one script).
//
// Run: node --import tsx bench/step.ts [--runs 5] [--steps 4000] [--start-only] [--node-flags "--no-liftoff"]
//   --runs        processes for part 1;   --steps       steps per timing in part 2
//   --start-only  part 1 only;            --node-flags  extra Node/V8 flags for part 1's processes (to
//                 test a cause: --no-liftoff, --no-opt, --no-wasm-dynamic-tiering, --trace-opt, ...)
//
// Letters: B batch (32), T block size (3).

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  buildCorpus, createOptimizer, createRun, createTsKernels, Generator, initModel, LectureMLP, modelConfig, numParameters, readWordFile,
  sgdStep, stepSchedule, Trainer, wasmKernels, type Kernels, type LectureConfig, type Tokens,
} from "../src/node/index.ts";

const REPEATS = 5;
const B = 32;
const SEED = 2147483647;
/** Part 1's windows: steps [0, FIRST) and [FULL_FROM, FULL_FROM + FIRST). */
const FIRST = 1000;
const FULL_FROM = 10000;

// ---- part 1: a fresh run in a fresh process

/** A window of steps: wall ms, and on Linux the main thread's CPU and wait ms and the other threads' CPU ms. */
interface Window {
  ms: number;
  mainCpu: number | null;
  mainWait: number | null;
  otherCpu: number | null;
}

interface ChildResult {
  /** ms of createRun (reading the words, the corpus, the model, its initialization). */
  create: number;
  first: Window;
  full: Window;
}

/** [main thread on-CPU ms, main thread runqueue-wait ms, other threads' on-CPU ms], or null off Linux. */
function threadTimes(): [number, number, number] | null {
  const dir = "/proc/self/task";
  if (!existsSync(dir)) return null;
  const read = (tid: string) => readFileSync(`${dir}/${tid}/schedstat`, "utf8").split(" ").map(Number);
  const [mainRun, mainWait] = read(String(process.pid));
  let others = 0;
  for (const tid of readdirSync(dir)) {
    if (tid === String(process.pid)) continue;
    try {
      others += read(tid)[0];
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return [mainRun / 1e6, mainWait / 1e6, others / 1e6];
}

/** Runs `fn` and measures it as a Window. */
function timed(fn: () => void): Window {
  const a = threadTimes();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  const b = threadTimes();
  const d = (i: number) => (a && b ? b[i] - a[i] : null);
  return { ms, mainCpu: d(0), mainWait: d(1), otherCpu: d(2) };
}

/** The child: one fresh run, its first and its full-speed window. Prints one JSON line. */
function child(): void {
  const t0 = performance.now();
  const run = createRun({ steps: FULL_FROM + FIRST });
  const create = performance.now() - t0;
  const first = timed(() => run.train(FIRST));
  run.train(FULL_FROM - FIRST);
  const full = timed(() => run.train(FIRST));
  const result: ChildResult = { create, first, full };
  console.log(JSON.stringify(result));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function startUp(runs: number, nodeFlags: string[]): void {
  const script = fileURLToPath(import.meta.url);
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, ...nodeFlags, script, "--child"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`bench/step.ts: a child process failed (${r.status}):\n${r.stderr}`);
    results.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult);
  }
  const rate = (w: "first" | "full") => median(results.map((r) => (FIRST * 1000) / r[w].ms));
  const ratio = median(results.map((r) => r.full.ms / r.first.ms));
  const flags = nodeFlags.length ? ` with ${nodeFlags.join(" ")}` : "";
  console.log(`start-up: a fresh lecture run (createRun, as makemore train builds it) in a fresh process${flags}, median of ${runs}`);
  console.log(`  createRun                 ${median(results.map((r) => r.create)).toFixed(0).padStart(6)} ms`);
  console.log(`  steps 0–${FIRST}            ${rate("first").toFixed(0).padStart(6)} steps/s`);
  console.log(`  createRun + steps 0–${FIRST} ${median(results.map((r) => r.create + r.first.ms)).toFixed(0).padStart(5)} ms   (from the run's creation to step ${FIRST})`);
  console.log(`  steps ${FULL_FROM}–${FULL_FROM + FIRST}       ${rate("full").toFixed(0).padStart(6)} steps/s`);
  console.log(`  ratio (0–${FIRST} / ${FULL_FROM}–${FULL_FROM + FIRST})   ${ratio.toFixed(2)}   (median of each process's ratio)`);
  if (results.every((r) => r.first.mainCpu !== null && r.full.mainCpu !== null)) {
    const m = (w: "first" | "full", k: "mainCpu" | "mainWait" | "otherCpu") => median(results.map((r) => r[w][k]!)).toFixed(0).padStart(4);
    console.log(`  where the time went, ms (main-thread CPU | main thread waiting for a CPU | other threads' CPU):`);
    for (const [w, name] of [["first", `0–${FIRST}`], ["full", `${FULL_FROM}–${FULL_FROM + FIRST}`]] as const) {
      console.log(`    steps ${name.padEnd(12)} wall ${median(results.map((r) => r[w].ms)).toFixed(0).padStart(4)} = CPU ${m(w, "mainCpu")} + waiting ${m(w, "mainWait")}   | other threads ${m(w, "otherCpu")}`);
    }
  }
}

// ---- part 2: µs per step in a warmed-up process

function lectureModel(kernels: Kernels, g: Generator, V: number): LectureMLP {
  const model = new LectureMLP(modelConfig("lecture", { vocabSize: V }) as LectureConfig, kernels, B);
  initModel(model, g);
  return model;
}

/** Best (lowest) µs per call of `fn` over REPEATS runs of `n` calls, after a warm-up of n/4 calls. */
function usPerCall(fn: () => void, n: number): number {
  for (let i = 0; i < n / 4; i++) fn();
  let best = Infinity;
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / n);
  }
  return best;
}

function perStep(steps: number): void {
  const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });
  const train = corpus.data.train;
  const V = corpus.vocab.size;

  /** µs per full training step (Trainer.trainStep) on `kernels`. */
  const stepTime = (kernels: Kernels, n: number): number => {
    const g = new Generator(SEED);
    const model = lectureModel(kernels, g, V);
    const trainer = new Trainer(model, train, g, createOptimizer({ type: "sgd" }, model.parameters(), kernels), {
      steps: Math.ceil(n * (REPEATS + 0.25)) + 10,
      batchSize: B,
      schedule: stepSchedule(0.1, 100000),
    });
    model.train(true);
    return usPerCall(() => trainer.trainStep(), n);
  };

  /** Per-phase µs on a fixed minibatch (the first B training examples). */
  const phases = (kernels: Kernels, n: number): { name: string; us: number }[] => {
    const model = lectureModel(kernels, new Generator(SEED), V);
    const T = train.blockSize;
    const xb = kernels.arena.i32(B * T);
    xb.view.set(train.X.subarray(0, B * T));
    const yb = train.Y.slice(0, B);
    const tokens: Tokens = { data: xb, shape: [B, T] };
    const params = model.parameters();
    model.train(true);
    const forward = () => model.forward(tokens);
    const loss = () => {
      forward();
      model.loss(yb);
    };
    const backward = () => {
      loss();
      kernels.zeroGrads(params); // as Trainer.trainStep zeroes them
      model.backward();
    };
    const step = () => {
      backward();
      sgdStep(kernels, params, 1e-4);
    };
    return [
      { name: "forward", us: usPerCall(forward, n) },
      { name: "+ loss", us: usPerCall(loss, n) },
      { name: "+ zeroGrad + backward", us: usPerCall(backward, n) },
      { name: "+ SGD", us: usPerCall(step, n) },
    ];
  };

  const wasm = wasmKernels();
  const ts = createTsKernels();
  console.log(`\nper step in one warmed-up process: the lecture model (${numParameters(lectureModel(wasm, new Generator(SEED), V))} parameters), batch ${B}`);
  console.log(`${steps} steps per timing, best of ${REPEATS}\n`);
  const w = stepTime(wasm, steps);
  const t = stepTime(ts, Math.max(200, Math.round(steps / 4)));
  console.log(`wasm kernels: ${w.toFixed(1)} µs/step`);
  console.log(`ts kernels:   ${t.toFixed(1)} µs/step`);
  console.log(`ratio ts/wasm: ${(t / w).toFixed(2)}x`);
  console.log(`\nwasm breakdown on a fixed minibatch (cumulative):`);
  let prev = 0;
  for (const p of phases(wasm, steps)) {
    console.log(`  ${p.name.padEnd(24)} ${p.us.toFixed(1).padStart(7)} µs   (this phase ${(p.us - prev).toFixed(1)} µs)`);
    prev = p.us;
  }
  console.log(`  ${"minibatch draw + rest".padEnd(24)} ${(w - prev).toFixed(1).padStart(7)} µs   (full step − the above)`);
}

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    steps: { type: "string", default: "4000" },
    "start-only": { type: "boolean", default: false },
    "node-flags": { type: "string", default: "" },
    child: { type: "boolean", default: false },
  },
});
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`bench/step.ts: --${name} must be a positive integer (got ${text})`);
    process.exit(2);
  }
  return n;
};

if (values.child) {
  child();
} else {
  const runs = positive("runs", values.runs);
  const steps = positive("steps", values.steps);
  console.log(`makemore-ts training step, node ${process.version}\n`);
  startUp(runs, values["node-flags"].split(/\s+/).filter((f) => f !== ""));
  if (!values["start-only"]) perStep(steps);
}
