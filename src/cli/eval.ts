// `makemore eval`: the split losses of a trained run's model.safetensors — its best model if it keeps
// one (makemore.py's types: the model of the lowest estimate while training), else the last; a model with BatchNorm evaluates with its
// statistics calibrated on the training set (makemore part 4) or with its running ones (parts 3, 5).
// A model whose parameters or losses are not finite (the run diverged) is an error naming its
// model.safetensors, exit code 1, rather than NaN losses.

import { join } from "node:path";
import { Option, type Command } from "commander";
import { ConfigError } from "../errors.ts";
import type { Model } from "../models/model.ts";
import { checkFiniteModel, explainNonFinite, explainOverflow, NonFiniteModelError } from "../sample/finite.ts";
import { FILES } from "../train/checkpoint.ts";
import type { EvalStats, SplitLosses } from "../train/evaluate.ts";
import { loadRun } from "../node/run_dir.ts";
import type { Output } from "./options.ts";
import { bnNote, formatLosses, modelNote } from "./train.ts";

interface EvalFlags {
  workDir: string;
  bnStats?: EvalStats;
  inputFile?: string;
  json?: boolean;
}

export function registerEval(program: Command, io: Output): void {
  program
    .command("eval")
    .description("loss of a trained run (its best model, if it keeps one) on the train, val and test splits")
    .option("-o, --work-dir <dir>", "run directory written by makemore train", "out")
    .addOption(new Option("--bn-stats <s>", "BatchNorm statistics to evaluate with (default: the run's)").choices(["calibrated", "running"]))
    .option("-i, --input-file <file>", "the run's word file, if it has moved")
    .option("--json", "print the losses as JSON")
    .action((flags: EvalFlags) => {
      const run = loadRun(flags.workDir, { inputFile: flags.inputFile, modelOnly: true, note: (text) => io.err(`makemore: note: ${text}`) });
      const hasBn = run.model.batchNorms().length > 0;
      if (flags.bnStats && !hasBn) throw new ConfigError(`--bn-stats: this ${run.model.type} model has no BatchNorm`);
      const bnStats = hasBn ? (flags.bnStats ?? run.settings.training.evalStats ?? "running") : null;
      const modelFile = join(flags.workDir, FILES.model);
      checkFiniteModel(run.model, modelFile);
      let losses: SplitLosses;
      try {
        losses = run.evaluate(bnStats);
      } catch (e) {
        // statistics calibrated on activations that overflow are NaN, which BatchNorm takes for "never calibrated"
        if (bnStats === "calibrated" && !calibrationFinite(run.model)) {
          throw new NonFiniteModelError(explainOverflow(run.model, "BatchNorm calibrated on the training set gives statistics that are not finite"), modelFile);
        }
        throw e;
      }
      if (Object.values(losses).some((l) => !Number.isFinite(l))) throw new NonFiniteModelError(explainNonFinite(run.model), modelFile);
      const step = run.modelStep;
      if (flags.json) {
        io.out(JSON.stringify({ workDir: flags.workDir, step, stepsDone: run.trainer.step, best: run.best, bnStats, ...losses }, null, 2));
      } else if (run.best === null) {
        io.out(`${flags.workDir} after ${step} steps${bnNote(bnStats)}: ${formatLosses(losses)}`);
      } else {
        io.out(`${flags.workDir}: ${modelNote(run.best, run.trainer.step)}${bnNote(bnStats)}: ${formatLosses(losses)}`);
      }
    });
}

/** Every BatchNorm layer's calibrated statistics are finite. */
function calibrationFinite(model: Model): boolean {
  return model.batchNorms().every((bn) => [bn.calibratedMean, bn.calibratedVar].every((b) => b.data.view.every(Number.isFinite)));
}
