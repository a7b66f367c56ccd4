// `npm run bench:zoo:quality [-- --types a,b --steps N]`: the quality table of issue 11 — each of
// makemore.py's model types trained with makemore.py's defaults (seed 3407, batch 32, AdamW lr 5e-4,
// weight decay 0.01, n_layer 4, n_head 4, n_embd 64, n_embd2 64) for 10000 steps, then its loss on the
// whole test split beside the test loss makemore.py reaches at step 10000 (bigram 2.454, mlp 2.053,
// rnn 2.084, gru 2.035, bow 2.186, transformer 1.972; goal: within 0.03), with parameters and time.
// The types run one after another, each in its own process (bench/zoo_run.ts); about ten minutes or
// more in all, so it is not part of `npm test`. Prints a markdown table the README can carry as is.

import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { MakemoreError, modelTypeNames } from "../src/node/index.ts";
import {
  formatDuration, MAKEMORE_PY_TYPES, markdownTable, parseZooArgs, QUALITY_HEADER, QUALITY_TOLERANCE, qualityRow, type ZooRunResult,
} from "./zoo_table.ts";

const MAKEMORE_PY_STEPS = 10000;

function main(): void {
  let args;
  try {
    args = parseZooArgs(process.argv.slice(2), MAKEMORE_PY_TYPES, 1);
  } catch (e) {
    if (!(e instanceof MakemoreError)) throw e;
    console.error(`bench:zoo:quality: ${e.message}`);
    process.exit(2);
  }
  if (args === null) {
    console.log("usage: npm run bench:zoo:quality [-- --types bigram,mlp,... --steps N]   (default: every type, 10000 steps)");
    return;
  }
  if (args.noTorch) console.error("bench:zoo:quality: --no-torch has no effect here (the comparison is with makemore.py's published values)");
  const steps = args.steps ?? MAKEMORE_PY_STEPS;
  const worker = fileURLToPath(new URL("./zoo_run.ts", import.meta.url));
  const registered = new Set(modelTypeNames());
  const rows: string[][] = [];
  const notes: string[] = [];
  const started = performance.now();
  for (const type of args.types) {
    if (!registered.has(type)) {
      notes.push(`${type}: not in makemore-ts's model registry yet — skipped`);
      continue;
    }
    console.error(`${type}: training ${steps} steps ...`);
    // warm-up 0: the time is the whole training; the generator stream of torch 1.13, as the reference runs
    const r = spawnSync(process.execPath, [...process.execArgv, worker, type, String(steps), "0", "3407", "1.13", "--eval-test"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24,
    });
    if (r.status !== 0) {
      const why = (r.stderr ?? "").trim().split("\n").at(-1) ?? r.error?.message ?? "no message";
      notes.push(`${type}: failed (exit ${r.status ?? r.signal}: ${why})`);
      console.error(`${type}: failed: ${why}`);
      continue;
    }
    const o = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ZooRunResult;
    rows.push(qualityRow(type, { params: o.params, steps, test: o.test!, seconds: o.seconds }));
    console.error(`${type}: test loss ${o.test!.toFixed(4)} after ${formatDuration(o.seconds)} of training`);
  }

  console.log(`Test loss of makemore.py's model types at step ${steps}, makemore.py's defaults (seed 3407), on the whole test split (1000 words);`);
  console.log(`makemore.py's column: its test loss at step 10000. Printed by \`npm run bench:zoo:quality\` (node ${process.version}, one thread).\n`);
  console.log(markdownTable(QUALITY_HEADER, rows));
  if (steps !== MAKEMORE_PY_STEPS) console.log(`\nnote: ${steps} steps, not makemore.py's ${MAKEMORE_PY_STEPS}: the difference is not a verdict (n/a)`);
  else console.log(`\ngoal: within ${QUALITY_TOLERANCE} of makemore.py; training time excludes the evaluation of the test split`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`total: ${formatDuration((performance.now() - started) / 1000)}`);
}

main();
