// `makemore diagnose`: looks inside a trained run — the init stages side by side, one batch through the
// model (layer and parameter statistics, saturation, dead neurons), the embedding, the loss curve — and
// prints a summary, writes the self-contained HTML report (--report), or prints every number (--json).
// The curves collected while training come from the run directory's diagnostics.jsonl, which
// `makemore train` writes with each checkpoint; `makemore train --report` calls `writeRunReport` at the
// end of training with its collector (which holds the same, and what --resume continued from).

import { join } from "node:path";
import type { Command } from "commander";
import { diagnoseRun, type RunDiagnostics } from "../diagnostics/run_report.ts";
import { stageLabel } from "../diagnostics/init_stages.ts";
import type { CollectedTraining } from "../diagnostics/collector.ts";
import { readDiagnostics, type DiagnosticsRead } from "../node/diagnostics_file.ts";
import { writeHtmlReport } from "../node/report.ts";
import { describeModel, runReportPage } from "../report/pages.ts";
import { loadRun } from "../node/run_dir.ts";
import type { TrainingRun } from "../train/run.ts";
import { bigintFlag, intFlag, type Output } from "./options.ts";

interface DiagnoseFlags {
  workDir: string;
  inputFile?: string;
  report?: string | boolean;
  json?: boolean;
  batchSize?: number;
  seed?: bigint;
}

/** The report file of `--report [file]`: the given path, or DIR/report.html. */
export function reportPath(flag: string | boolean, dir: string): string {
  return typeof flag === "string" ? flag : join(dir, "report.html");
}

/** Diagnoses the run and writes its HTML report to `file`. */
export function writeRunReport(run: TrainingRun, file: string, collector: CollectedTraining | null = null): RunDiagnostics {
  const d = diagnoseRun(run, { collector });
  writeHtmlReport(file, runReportPage(d, `makemore-ts report: ${run.settings.data.file}`));
  return d;
}

const f4 = (x: number | undefined | null) => (x === undefined || x === null ? "–" : Number.isFinite(x) ? x.toFixed(4) : String(x));
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * The summary `diagnose` prints; `kept`: what reading DIR/diagnostics.jsonl gave (its notes say why a file
 * there was not drawn).
 */
export function formatDiagnostics(d: RunDiagnostics, dir: string, kept?: DiagnosticsRead): string {
  const lines: string[] = [];
  const m = d.run.settings.model;
  const f = d.run.final;
  lines.push(
    `${dir}: ${m.type} (${describeModel(m)}), ${d.run.stepsDone} of ${d.run.steps} steps` +
      (f ? `; ${(["train", "val", "test"] as const).filter((k) => f[k] !== undefined).map((k) => `${k} ${f4(f[k])}`).join("  ")}` : ""),
  );
  lines.push(`first loss ${f4(d.run.firstLoss)} against −ln(1/${m.vocabSize}) = ${f4(d.expectedInitialLoss)}`);
  if (d.init) {
    lines.push(`init stages (first step, batch ${d.init.batchSize}, seed ${d.init.seed}):`);
    lines.push(`  ${"stage".padEnd(28)} ${"first loss".padStart(10)} ${"|h|>0.97".padStart(9)}`);
    for (const s of d.init.stages) {
      lines.push(`  ${stageLabel(s).padEnd(28)} ${f4(s.firstLoss).padStart(10)} ${pct(s.saturated).padStart(9)}`);
    }
  }
  if (d.gains) {
    lines.push(`gain experiments (makemore part 3's deeper network without BatchNorm; first step, batch ${d.gains.batchSize}, seed ${d.gains.seed}):`);
    for (const x of d.gains.experiments) {
      const tanh = x.init.layers.filter((l) => l.kind === "Tanh");
      lines.push(`  gain ${x.label.padEnd(4)} tanh std ${tanh.map((l) => l.output.std.toFixed(2)).join(" → ")}; saturated ${tanh.map((l) => pct(l.output.saturated)).join(" → ")}`);
    }
  }
  const b = d.batch;
  lines.push(`one batch of ${b.batchSize} (loss ${f4(b.loss)}):`);
  for (const l of b.layers) {
    lines.push(
      `  ${(l.name.endsWith(`(${l.kind})`) ? l.name : `${l.name} (${l.kind})`).padEnd(24)} mean ${l.output.mean.toFixed(2).padStart(6)}  std ${l.output.std.toFixed(2).padStart(6)}` +
        (l.kind === "Tanh" ? `  saturated ${pct(l.output.saturated)}` : "") +
        (l.grad ? `  grad std ${l.grad.std.toExponential(3)}` : ""),
    );
  }
  for (const p of b.parameters) {
    lines.push(
      `  ${p.name.padEnd(16)} (${p.shape.join(", ")})`.padEnd(30) +
        ` grad:data ${Number.isFinite(p.gradToData) ? p.gradToData.toExponential(3) : String(p.gradToData)}` +
        `  log10 update:data ${p.updateToDataLog10 === null || !Number.isFinite(p.updateToDataLog10) ? "–" : p.updateToDataLog10.toFixed(2)}`,
    );
  }
  lines.push(collectedLine(d.training, (kept?.notes.length ?? 0) > 0));
  if (b.saturation && d.deadNeurons) {
    lines.push(
      `dead neurons of the last tanh layer (|h| > 0.99 on every example): ${b.deadOnBatch.length} of ${b.saturation.cols} on the batch, ` +
        `${d.deadNeurons.dead.length} of ${d.deadNeurons.units} over the ${d.deadNeurons.examples} training rows`,
    );
  }
  return lines.join("\n");
}

/**
 * What diagnostics.jsonl gave: "collected while training: 2000 points every 100 steps (steps 0–199900); the
 * batch of step 0 (first), 1000, 199999 (last)". `noted`: reading it gave notes (a file not drawn says why there).
 */
function collectedLine(t: RunDiagnostics["training"], noted: boolean): string {
  if (t === null) return `collected while training: nothing ${noted ? "drawn (diagnostics.jsonl was set aside: see the note above)" : "(no diagnostics.jsonl in the run directory)"}`;
  const s = t.series;
  const every = s.every === 1 ? "every step" : `every ${s.every} steps`;
  const n = s.steps.length;
  const points = n ? `${n} ${n === 1 ? "point" : "points"} ${every} (${n === 1 ? `step ${s.steps[0]}` : `steps ${s.steps[0]}–${s.steps[n - 1]}`})` : "no points";
  const batches = [
    t.first && `${t.first.step} (first)`,
    t.snapshot && String(t.snapshot.step),
    t.last && t.last.step !== t.first?.step && `${t.last.step} (last)`,
  ].filter((x) => typeof x === "string");
  return `collected while training: ${points}${batches.length ? `; the batch of step ${batches.join(", ")}` : ""}`;
}

export function registerDiagnose(program: Command, io: Output): void {
  program
    .command("diagnose")
    .description("look inside a trained run: init stages, activations, gradients, saturation, embedding, the curves collected while training; HTML report")
    .option("-o, --work-dir <dir>", "run directory written by makemore train", "out")
    .option("-i, --input-file <file>", "the run's word file, if it has moved")
    .option("--report [file]", "write a self-contained HTML report (default: WORK_DIR/report.html)")
    .option("--json", "print every number as JSON")
    .option("--batch-size <n>", "examples in the batch looked at (default: the run's batch size; at least 2 with BatchNorm)", intFlag(1))
    .option("--seed <s>", "seed of the Generator drawing that batch (default: the run's seed)", bigintFlag)
    .action((flags: DiagnoseFlags) => {
      const run = loadRun(flags.workDir, { inputFile: flags.inputFile, note: (text) => io.err(`makemore: note: ${text}`) });
      const kept = readDiagnostics(flags.workDir, run);
      for (const note of kept.notes) io.err(`makemore: note: ${note}`);
      const d = diagnoseRun(run, { batchSize: flags.batchSize, seed: flags.seed, collector: kept.collected });
      let file: string | null = null;
      if (flags.report) {
        file = reportPath(flags.report, flags.workDir);
        writeHtmlReport(file, runReportPage(d, `makemore-ts report: ${run.settings.data.file}`));
      }
      if (flags.json) {
        io.out(JSON.stringify({ ...d, report: file }, null, 2));
        return;
      }
      io.out(formatDiagnostics(d, flags.workDir, kept));
      if (file) io.out(`report: ${file}`);
    });
}
