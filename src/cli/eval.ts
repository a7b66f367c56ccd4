// `makemore eval`: the split losses of a trained run, with BatchNorm calibrated on the training set
// (seed 001) or with its running statistics (seed 002).

import { Option, type Command } from "commander";
import type { EvalStats } from "../train/evaluate.ts";
import { TrainingRun } from "../train/run.ts";
import type { Output } from "./options.ts";

interface EvalFlags {
  workDir: string;
  bnStats: EvalStats;
  inputFile?: string;
  json?: boolean;
}

export function registerEval(program: Command, io: Output): void {
  program
    .command("eval")
    .description("loss of a trained run on the train, val and test splits")
    .option("-o, --work-dir <dir>", "run directory written by makemore train", "out")
    .addOption(new Option("--bn-stats <s>", "BatchNorm statistics to evaluate with").choices(["calibrated", "running"]).default("calibrated"))
    .option("-i, --input-file <file>", "the run's word file, if it has moved")
    .option("--json", "print the losses as JSON")
    .action((flags: EvalFlags) => {
      const run = TrainingRun.load(flags.workDir, { inputFile: flags.inputFile });
      const losses = run.evaluate(flags.bnStats);
      const step = run.trainer.step;
      if (flags.json) {
        io.out(JSON.stringify({ workDir: flags.workDir, step, bnStats: flags.bnStats, ...losses }, null, 2));
      } else {
        io.out(
          `${flags.workDir} after ${step} steps (BatchNorm ${flags.bnStats}): ` +
            `train ${losses.train!.toFixed(4)}  val ${losses.val!.toFixed(4)}  test ${losses.test!.toFixed(4)}`,
        );
      }
    });
}
