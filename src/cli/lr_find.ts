// `makemore lr-find`: the learning-rate finder of makemore part 2 on a fresh model — one step
// at each lr = 10^e, e from --min-exp to --max-exp — printing the loss against the exponent, and the
// suggested learning rate where the smoothed loss is lowest (never a rate that diverged; none, and
// why, when the sweep found no valley); --report draws the curve in an HTML file.

import type { Command } from "commander";
import { lrFinderPage } from "../report/pages.ts";
import { writeHtmlReport } from "../node/report.ts";
import { findLearningRate, type LrFinderResult } from "../train/lr_finder.ts";
import { createRun } from "../node/run_dir.ts";
import { describeModel } from "../report/pages.ts";
import { intFlag, numberFlag, type Output } from "./options.ts";
import { addRunFlags, applyThreads, runOptions, type RunFlags } from "./run_flags.ts";

interface LrFindFlags extends RunFlags {
  steps: number;
  minExp: number;
  maxExp: number;
  window?: number;
  report?: string | boolean;
  json?: boolean;
}

/** The curve as text: `rows` points spread over the sweep, each with the smoothed loss and a bar. */
export function formatLrFinder(r: LrFinderResult, rows = 20): string {
  const finite = r.smoothed.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const lines = [`${"exponent".padStart(8)} ${"lr".padStart(9)} ${"loss".padStart(8)} ${"smoothed".padStart(8)}`];
  const n = r.exps.length;
  const picks = new Set<number>();
  for (let k = 0; k < rows; k++) picks.add(Math.round((k * (n - 1)) / (rows - 1)));
  if (r.suggestion) picks.add(r.suggestion.index);
  for (const i of [...picks].sort((a, b) => a - b)) {
    const s = r.smoothed[i];
    const bar = Number.isFinite(s) ? "#".repeat(1 + Math.round((30 * (s - lo)) / Math.max(hi - lo, 1e-12))) : "";
    const mark = i === r.suggestion?.index ? "  <- suggested" : "";
    lines.push(
      `${r.exps[i].toFixed(3).padStart(8)} ${r.lrs[i].toPrecision(3).padStart(9)} ${r.losses[i].toFixed(4).padStart(8)} ${s.toFixed(4).padStart(8)} ${bar}${mark}`,
    );
  }
  lines.push(
    r.suggestion === null
      ? `no suggestion: the sweep found no valley — ${r.noValley}`
      : `suggested lr ${r.suggestion.lr.toPrecision(3)} (10^${r.suggestion.exp.toFixed(3)}): the lowest moving average over ${r.window} steps` +
          (r.divergedAt === null ? "" : `; training diverged at step ${r.divergedAt} (lr ${r.lrs[r.divergedAt - 1]?.toPrecision(3)})`),
  );
  return lines.join("\n");
}

export function registerLrFind(program: Command, io: Output): void {
  const cmd = program
    .command("lr-find")
    .description("sweep the learning rate over one run (one step per lr = 10^e) and suggest one")
    .option("--steps <n>", "steps of the sweep, one learning rate each", intFlag(2), 1000)
    .option("--min-exp <e>", "exponent of the first learning rate", numberFlag(), -3)
    .option("--max-exp <e>", "exponent of the last learning rate", numberFlag(), 0)
    .option("--window <n>", "moving-average window for the suggestion (default: steps / 20)", intFlag(1));
  addRunFlags(cmd, { training: false })
    .option("--report [file]", "write the curve as a self-contained HTML file (default: lr-find.html)")
    .option("--json", "print the sweep as JSON")
    .action((flags: LrFindFlags, cmd: Command) => {
      const given = (k: string) => cmd.getOptionValueSource(k) === "cli";
      applyThreads(flags);
      // the schedule is unused: every step overrides the learning rate
      const run = createRun({ ...runOptions(flags, (k) => k !== "steps" && given(k)), steps: flags.steps });
      const r = findLearningRate(run.trainer, { steps: flags.steps, minExp: flags.minExp, maxExp: flags.maxExp, window: flags.window });
      const s = run.settings;
      const description =
        `${s.data.file}: ${s.model.type} (${describeModel(s.model)}), ${s.optimizer.type}, batch ${s.training.batchSize}, seed ${s.training.seed}; ` +
        `${flags.steps} steps from 10^${flags.minExp} to 10^${flags.maxExp}`;
      let file: string | null = null;
      if (flags.report) {
        file = typeof flags.report === "string" ? flags.report : "lr-find.html";
        writeHtmlReport(file, lrFinderPage(r, description));
      }
      if (flags.json) {
        io.out(JSON.stringify({ description, ...r, report: file }, null, 2));
        return;
      }
      io.out(description);
      io.out(formatLrFinder(r));
      if (file) io.out(`report: ${file}`);
    });
}
