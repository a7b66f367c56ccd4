// `makemore lr-find`: the learning-rate finder of makemore part 2 (seed 003) on a fresh model — one step
// at each lr = 10^e, e from --min-exp to --max-exp — printing the loss against the exponent, and the
// suggested learning rate where the smoothed loss is lowest; --report draws the curve in an HTML file.

import { Option, type Command } from "commander";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { INIT_PRESETS, type InitPreset } from "../models/init.ts";
import { lrFinderPage } from "../report/pages.ts";
import { writeHtmlReport } from "../report/html.ts";
import type { TorchVersion } from "../random/generator.ts";
import { findLearningRate, type LrFinderResult } from "../train/lr_finder.ts";
import { DEFAULT_RUN, TrainingRun } from "../train/run.ts";
import { intFlag, numberFlag, seedOption, type Output } from "./options.ts";

interface LrFindFlags {
  inputFile?: string;
  steps: number;
  minExp: number;
  maxExp: number;
  window?: number;
  batchSize: number;
  blockSize: number;
  nEmbd: number;
  nHidden: number;
  batchnorm: boolean;
  init: InitPreset;
  seed: bigint;
  splitSeed: number;
  shuffle: boolean;
  torchVersion: TorchVersion;
  maxLineLength: number;
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
  picks.add(r.suggestion.index);
  for (const i of [...picks].sort((a, b) => a - b)) {
    const s = r.smoothed[i];
    const bar = Number.isFinite(s) ? "#".repeat(1 + Math.round((30 * (s - lo)) / Math.max(hi - lo, 1e-12))) : "";
    const mark = i === r.suggestion.index ? "  <- suggested" : "";
    lines.push(
      `${r.exps[i].toFixed(3).padStart(8)} ${r.lrs[i].toPrecision(3).padStart(9)} ${r.losses[i].toFixed(4).padStart(8)} ${s.toFixed(4).padStart(8)} ${bar}${mark}`,
    );
  }
  lines.push(
    `suggested lr ${r.suggestion.lr.toPrecision(3)} (10^${r.suggestion.exp.toFixed(3)}): the lowest moving average over ${r.window} steps` +
      (r.divergedAt === null ? "" : `; training diverged at step ${r.divergedAt}`),
  );
  return lines.join("\n");
}

export function registerLrFind(program: Command, io: Output): void {
  const d = DEFAULT_RUN;
  program
    .command("lr-find")
    .description("sweep the learning rate over one run (one step per lr = 10^e) and suggest one")
    .option("-i, --input-file <file>", "word file, one word per line (default: the bundled names.txt)")
    .option("--steps <n>", "steps of the sweep, one learning rate each", intFlag(2), 1000)
    .option("--min-exp <e>", "exponent of the first learning rate", numberFlag(), -3)
    .option("--max-exp <e>", "exponent of the last learning rate", numberFlag(), 0)
    .option("--window <n>", "moving-average window for the suggestion (default: steps / 20)", intFlag(1))
    .option("--batch-size <n>", "examples per minibatch", intFlag(1), d.batchSize)
    .option("--block-size <n>", "context length", intFlag(1), d.blockSize)
    .option("--n-embd <n>", "width of each character's embedding", intFlag(1), d.nEmbd)
    .option("--n-hidden <n>", "neurons in the hidden layer", intFlag(1), d.nHidden)
    .option("--no-batchnorm", "no BatchNorm layer")
    .addOption(new Option("--init <preset>", "initialization (seed 002's stages)").choices(INIT_PRESETS).default(d.init))
    .addOption(seedOption("seed of the torch.Generator for init and minibatches", d.seed))
    .option("--split-seed <s>", "seed of the CPython shuffle before the 80/10/10 split", intFlag(0), 42)
    .option("--no-shuffle", "split in file order (no shuffle)")
    .addOption(new Option("--torch-version <v>", "PyTorch generation whose random streams to match").choices(["2.x", "1.13"]).default("2.x"))
    .option("--max-line-length <n>", "longest line accepted in the word file", intFlag(1), DEFAULT_MAX_LINE_LENGTH)
    .option("--report [file]", "write the curve as a self-contained HTML file (default: lr-find.html)")
    .option("--json", "print the sweep as JSON")
    .action((flags: LrFindFlags) => {
      const run = TrainingRun.create({
        inputFile: flags.inputFile,
        maxLineLength: flags.maxLineLength,
        blockSize: flags.blockSize,
        nEmbd: flags.nEmbd,
        nHidden: flags.nHidden,
        batchNorm: flags.batchnorm,
        steps: flags.steps,
        batchSize: flags.batchSize,
        lr: 0.1, // unused: every step overrides it
        lrDecayStep: Infinity,
        seed: flags.seed,
        splitSeed: flags.shuffle ? flags.splitSeed : null,
        init: flags.init,
        torchVersion: flags.torchVersion,
      });
      const r = findLearningRate(run.trainer, { steps: flags.steps, minExp: flags.minExp, maxExp: flags.maxExp, window: flags.window });
      const m = run.settings.model;
      const description =
        `${run.settings.data.file}: block ${m.blockSize}, n_embd ${m.nEmbd}, n_hidden ${m.nHidden}, ` +
        `${m.batchNorm ? "BatchNorm" : "no BatchNorm"}, init ${flags.init}, batch ${flags.batchSize}, seed ${flags.seed}; ` +
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
