// `npm run bench:threads [-- --steps N --rounds R]`: what the kernels' second thread (src/kernels/threads.ts)
// buys, measured back to back in one process so that the machine's load hits both sides alike:
//
//   1. products: the time of one matrix product on the calling thread alone and cut between it and a
//      worker, at the shapes of makemore.py's transformer and MLP (batch 32 × 16 positions = 512 rows),
//      of the lectures' MLP, and at the threshold (MIN_SPLIT_FLOPS); the hand-off alone (a 4-row
//      product); alternating single and cut calls, the median of each;
//   2. training: makemore.py's mlp and transformer, one run each, trained in alternating chunks of N
//      steps at 1 thread and at 2 (setThreads), R rounds; the median steps/s of each. The two counts
//      compute the same numbers bit for bit, so one run serves both.

import { createRun } from "../src/node/index.ts";
import { setThreads, threadsReady, threadsUnavailable, wasmArena } from "../src/kernels/index.ts";
import { MIN_SPLIT_FLOPS, ThreadPool } from "../src/kernels/threads.ts";
import { CONTROL } from "../src/kernels/thread_worker.ts";
import { wasmExports } from "../src/kernels/wasm.ts";

const LAYOUTS = { NN: CONTROL.KIND_NN, NT: CONTROL.KIND_NT, TN: CONTROL.KIND_TN } as const;
type Layout = keyof typeof LAYOUTS;

const SHAPES: [Layout, number, number, number, string][] = [
  ["NN", 512, 64, 192, "transformer c_attn forward"],
  ["NT", 512, 192, 64, "transformer c_attn dx"],
  ["TN", 64, 512, 192, "transformer c_attn dW"],
  ["NN", 512, 64, 256, "transformer mlp c_fc forward"],
  ["NN", 512, 256, 64, "transformer mlp c_proj forward"],
  ["NN", 512, 64, 64, "transformer attn c_proj forward"],
  ["NN", 512, 64, 27, "lm_head forward"],
  ["NN", 512, 128, 64, "makemore.py mlp hidden (ctx 2×64 -> 64)"],
  ["NN", 32, 30, 200, "lectures' MLP hpreact"],
  ["NN", 128, 64, 64, `threshold (${(MIN_SPLIT_FLOPS / 1e6).toFixed(2)} MFLOP)`],
  ["NN", 8, 4, 4, "hand-off only"],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Microseconds per call of `fn`, `reps` calls timed together. */
function time(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return ((performance.now() - t0) / reps) * 1000;
}

async function products(): Promise<void> {
  const w = wasmExports();
  const arena = wasmArena();
  const pool = new ThreadPool(w, 2, 0); // cuts every product: the threshold is what is measured
  await pool.ready;
  console.log("products: µs per call, the calling thread alone | cut in two (median of 15 alternating rounds)");
  for (const [layout, M, K, N, what] of SHAPES) {
    const mark = arena.mark();
    const a = arena.f32(M * K), b = arena.f32(K * N), c = arena.f32(M * N);
    a.view.fill(0.5);
    b.view.fill(0.25);
    const kind = LAYOUTS[layout];
    const one = () => (layout === "NN" ? w.matmulNN : layout === "NT" ? w.matmulNT : w.matmulTN)(c.ptr, a.ptr, b.ptr, M, K, N, 0);
    const two = () => void pool.run(kind, c.ptr, a.ptr, b.ptr, M, K, N, 0);
    const flops = 2 * M * K * N;
    const reps = Math.max(5, Math.min(2000, Math.round(2e8 / Math.max(flops, 1e4) / 20)));
    time(one, reps);
    time(two, reps);
    const t1: number[] = [], t2: number[] = [];
    for (let r = 0; r < 15; r++) {
      t1.push(time(one, reps));
      t2.push(time(two, reps));
    }
    const [m1, m2] = [median(t1), median(t2)];
    const shape = `${layout} (${M},${K})·(${K},${N})`.padEnd(24);
    console.log(`  ${shape} ${(flops / 1e6).toFixed(2).padStart(6)} MFLOP  ${m1.toFixed(1).padStart(7)} | ${m2.toFixed(1).padStart(7)} µs  ×${(m1 / m2).toFixed(2)}  ${what}`);
    arena.release(mark);
  }
  pool.close();
}

async function training(steps: number, rounds: number): Promise<void> {
  console.log(`\ntraining: steps/s of one run per type, chunks of ${steps} steps alternating 1 and 2 threads, ${rounds} rounds (median)`);
  for (const type of ["mlp", "transformer"]) {
    const run = createRun({ type, steps: 10 + 2 * rounds * steps + 10, seed: 3407 }, { logEvery: 1e9 });
    run.train(10); // warm-up: JIT, memory growth
    const rate: Record<1 | 2, number[]> = { 1: [], 2: [] };
    for (let r = 0; r < rounds; r++) {
      for (const t of [1, 2] as const) {
        setThreads(t);
        await threadsReady();
        const t0 = performance.now();
        run.train(steps);
        rate[t].push(steps / ((performance.now() - t0) / 1000));
      }
    }
    const [r1, r2] = [median(rate[1]), median(rate[2])];
    console.log(`  ${type.padEnd(12)} 1 thread ${r1.toFixed(0).padStart(5)} steps/s   2 threads ${r2.toFixed(0).padStart(5)} steps/s   ×${(r2 / r1).toFixed(2)}`);
  }
  setThreads(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    const n = i < 0 ? fallback : Number(args[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants an integer >= 1`);
    return n;
  };
  const why = threadsUnavailable();
  if (why !== null) {
    console.log(`bench:threads: one thread only here (${why})`);
    return;
  }
  console.log(`makemore-ts bench:threads — node ${process.version}; another process's load shows as noise on both sides alike`);
  await products();
  await training(flag("--steps", 200), flag("--rounds", 5));
}

await main();
