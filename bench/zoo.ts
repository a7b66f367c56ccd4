// `npm run bench:zoo [-- --types a,b --steps N --no-torch]`: steps/s of every makemore.py model type
// (bigram, mlp, rnn, gru, bow, transformer), of makemore part 3's deeper network (deep: PyTorch runs the
// lecture's own classes and loop) and of makemore part 5's WaveNet in makemore-ts and in real PyTorch on
// the same model, the same seed and the same batches (both reproduce torch's generator stream), measured
// in one run: makemore-ts (bench/zoo_run.ts), then PyTorch at 1 thread and at 2
// (bench/zoo_torch.py, run by /usr/bin/python3 when it has torch — Debian's python3-torch — and only
// reported if that torch calls OpenBLAS, not Debian's reference BLAS). Each measurement is its own
// process, one after the other. Prints one table: parameters, steps/s, the ratio against PyTorch's
// faster setting, and the loss both reach at the last step (they trained the same model if these
// agree); then the peak memory of each makemore-ts run, the transformer's first.
// The quality table (test loss at 10000 steps) is bench/zoo_quality.ts.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_WORDS_FILE, MakemoreError, modelTypeNames, threadCount } from "../src/node/index.ts";
import { describeWasmBuild } from "../src/kernels/wasm.ts";
import {
  benchSeed, DEFAULT_BENCH_STEPS, formatMiB, formatRate, formatRatio, parseZooArgs, ratioAgainstFaster, textTable, WARMUP_STEPS,
  ZOO_TYPES, type ZooRunResult,
} from "./zoo_table.ts";

const PYTHON = "/usr/bin/python3";
const THREADS = [1, 2] as const;

/** What zoo_torch.py prints. */
interface TorchResult {
  torch: string;
  threads: number;
  blas: string;
  blas_libs: string[];
  params: number;
  steps_per_s: number;
  last_loss: number;
}

/** The last line of a child's stdout as JSON, or the reason it failed. */
function runChild<T>(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ok: true; value: T } | { ok: false; why: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 24, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) return { ok: false, why: r.error.message };
  if (r.status !== 0) {
    const err = (r.stderr ?? "").trim().split("\n").filter((l) => l.trim() !== "");
    return { ok: false, why: `exit ${r.status ?? r.signal}: ${err.at(-1) ?? "(no message)"}` };
  }
  try {
    return { ok: true, value: JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T };
  } catch {
    return { ok: false, why: `unreadable output: ${r.stdout.trim().slice(-200)}` };
  }
}

/** Environment of a PyTorch child at `threads` threads (OpenBLAS has its own pool: see zoo_torch.py). */
function torchEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

interface TorchSetup {
  /** Why PyTorch is not measured (undefined: it is). */
  skip?: string;
  version?: string;
  blasLine?: string;
}

/** Whether PyTorch can be measured here, and with which BLAS. */
function torchSetup(noTorch: boolean, script: string): TorchSetup {
  if (noTorch) return { skip: "not measured (--no-torch)" };
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ["-c", "import torch"]).status !== 0) {
    return { skip: `not measured: ${PYTHON} has no torch (apt-get install -y python3-torch libopenblas0-pthread)` };
  }
  const c = runChild<{ torch: string; blas: string; blas_libs: string[] }>(PYTHON, [script, "--check"], torchEnv(1));
  if (!c.ok) return { skip: `not measured: zoo_torch.py --check failed (${c.why})` };
  const libs = c.value.blas_libs.join(", ") || "no BLAS library mapped";
  if (c.value.blas !== "openblas" && c.value.blas !== "mkl") {
    return {
      skip:
        `not measured: PyTorch ${c.value.torch} calls the ${c.value.blas} BLAS (${libs}), not OpenBLAS — ratios against it would ` +
        "flatter makemore-ts; install OpenBLAS (apt-get install -y libopenblas0-pthread) and run again",
    };
  }
  return { version: c.value.torch, blasLine: `PyTorch ${c.value.torch} with ${c.value.blas} (${libs})` };
}

function main(): void {
  let args;
  try {
    args = parseZooArgs(process.argv.slice(2), ZOO_TYPES, WARMUP_STEPS + 1);
  } catch (e) {
    if (!(e instanceof MakemoreError)) throw e;
    console.error(`bench:zoo: ${e.message}`);
    process.exit(2);
  }
  if (args === null) {
    console.log("usage: npm run bench:zoo [-- --types bigram,mlp,... --steps N --no-torch]");
    console.log(`types: ${ZOO_TYPES.join(", ")}; default steps: ${ZOO_TYPES.map((t) => `${t} ${DEFAULT_BENCH_STEPS[t]}`).join(", ")}`);
    return;
  }
  const worker = fileURLToPath(new URL("./zoo_run.ts", import.meta.url));
  const torchScript = fileURLToPath(new URL("./zoo_torch.py", import.meta.url));
  const registered = new Set(modelTypeNames());
  const torch = torchSetup(args.noTorch, torchScript);
  const torchVersion = torch.version === undefined || torch.version.startsWith("1.13") ? "1.13" : "2.x";

  console.log(
    "makemore-ts bench:zoo — makemore.py's model types (seed 3407), makemore part 3's deeper network (seed 2147483647) " +
      "and makemore part 5's WaveNet (seed 42), their training defaults",
  );
  console.log(`makemore-ts: node ${process.version}, ${threadCount()} thread(s) (--threads auto), ${describeWasmBuild()}, generator stream of torch ${torchVersion}`);
  console.log(`PyTorch:     ${torch.skip ?? `${torch.blasLine}, at ${THREADS.join(" and ")} threads (torch.set_num_threads, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS)`}`);
  console.log(
    `timing: wall clock of steps ${WARMUP_STEPS + 1}..N of each run; the first ${WARMUP_STEPS} steps are warm-up on both sides ` +
      "(JIT and wasm memory growth here; allocator and BLAS buffers there); every measurement is its own process, one at a time\n",
  );

  const header = ["type", "params", "steps", "makemore-ts/s", "PyTorch 1t/s", "PyTorch 2t/s", "ratio", "loss ours", "loss PyTorch", "|diff|"];
  const rows: string[][] = [];
  const notes: string[] = [];
  const memory: ZooRunResult[] = [];
  for (const type of args.types) {
    if (!registered.has(type)) {
      notes.push(`${type}: not in makemore-ts's model registry yet — skipped`);
      console.error(`${type}: not in the registry yet, skipped`);
      continue;
    }
    const steps = args.steps ?? DEFAULT_BENCH_STEPS[type];
    const seed = benchSeed(type);
    const ours = runChild<ZooRunResult>(process.execPath, [...process.execArgv, worker, type, String(steps), String(WARMUP_STEPS), String(seed), torchVersion]);
    if (!ours.ok) {
      notes.push(`${type}: makemore-ts failed (${ours.why})`);
      console.error(`${type}: makemore-ts failed (${ours.why})`);
      continue;
    }
    const o = ours.value;
    memory.push(o);
    console.error(`${type}: makemore-ts ${formatRate(o.stepsPerSec)} steps/s, last loss ${o.lastLoss.toFixed(6)}`);
    const t: (TorchResult | undefined)[] = [];
    if (torch.skip === undefined) {
      for (const threads of THREADS) {
        const r = runChild<TorchResult>(
          PYTHON, [torchScript, type, DEFAULT_WORDS_FILE, String(steps), String(WARMUP_STEPS), String(threads), "--seed", String(seed)], torchEnv(threads),
        );
        if (!r.ok) {
          notes.push(`${type}: PyTorch at ${threads} thread(s) failed (${r.why})`);
          t.push(undefined);
          continue;
        }
        if (r.value.blas !== "openblas" && r.value.blas !== "mkl") {
          notes.push(`${type}: PyTorch at ${threads} thread(s) ran with the ${r.value.blas} BLAS: not reported`);
          t.push(undefined);
          continue;
        }
        if (r.value.threads !== threads) notes.push(`${type}: PyTorch asked for ${threads} thread(s) ran with ${r.value.threads}`);
        if (r.value.params !== o.params) notes.push(`${type}: parameters differ: makemore-ts ${o.params}, PyTorch ${r.value.params}`);
        console.error(`${type}: PyTorch ${threads}t ${formatRate(r.value.steps_per_s)} steps/s, last loss ${r.value.last_loss.toFixed(6)}`);
        t.push(r.value);
      }
    }
    const [t1, t2] = t;
    const ref = t1 ?? t2;
    rows.push([
      type,
      String(o.params),
      String(steps),
      formatRate(o.stepsPerSec),
      formatRate(t1?.steps_per_s),
      formatRate(t2?.steps_per_s),
      formatRatio(ratioAgainstFaster(o.stepsPerSec, t1?.steps_per_s, t2?.steps_per_s)),
      o.lastLoss.toFixed(6),
      ref === undefined ? "-" : ref.last_loss.toFixed(6),
      ref === undefined ? "-" : Math.abs(o.lastLoss - ref.last_loss).toExponential(1),
    ]);
  }

  console.log(textTable(header, rows));
  console.log(
    "\nsteps/s: training steps per second (batch 32); ratio: makemore-ts over PyTorch's faster setting (above 1: makemore-ts is faster); " +
      "losses: the minibatch loss of the last step (PyTorch's at 1 thread), the same batch on both sides",
  );
  for (const n of notes) console.log(`note: ${n}`);
  if (memory.length > 0) {
    console.log("\npeak memory of the makemore-ts runs (each its own process): resident set size, and the kernels' WebAssembly memory (of it, the most the arena handed out at once)");
    const order = [...memory].sort((a, b) => Number(b.type === "transformer") - Number(a.type === "transformer"));
    console.log(textTable(["type", "peak RSS", "wasm memory", "arena peak"], order.map((m) => [m.type, formatMiB(m.peakRss), formatMiB(m.wasmBytes), formatMiB(m.arenaPeak)])));
  }
}

main();
