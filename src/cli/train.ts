// `makemore train`: the lectures' run on a word file — split, init, 200000 steps of SGD with a
// progress bar, split losses with BatchNorm calibrated on the training set, 10 samples — saved to a run
// directory that `sample`, `eval` and `train --resume` read back. Ctrl-C saves the run and stops.

import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { ConfigError, MakemoreError } from "../errors.ts";
import type { EvalStats } from "../train/evaluate.ts";
import { checkRunDir, DEFAULT_RUN, TrainingRun } from "../train/run.ts";
import { DivergedError } from "../train/trainer.ts";
import { hasRun, readRunConfig } from "../train/checkpoint.ts";
import type { RunSettings } from "../train/checkpoint.ts";
import { intFlag, numberFlag, type Output } from "./options.ts";
import { addRunFlags, runOptions, type RunFlags } from "./run_flags.ts";
import { formatSamples } from "./sample.ts";
import { collectDuring, reportPath, writeRunReport } from "./diagnose.ts";

interface TrainFlags extends RunFlags {
  workDir: string;
  steps: number;
  lr: number;
  lrDecayStep: number;
  bnStats: EvalStats;
  resume?: boolean;
  force?: boolean;
  logEvery: number;
  checkpointEvery: number;
  samples: number;
  progress: boolean;
  json?: boolean;
  report?: string | boolean;
}

/** Flags that define the run: with --resume, giving one that differs from the saved run is an error. */
const SETTING_FLAGS: [keyof TrainFlags, (s: RunSettings) => unknown][] = [
  ["batchSize", (s) => s.training.batchSize],
  ["lr", (s) => s.training.lr],
  ["lrDecayStep", (s) => s.training.lrDecayStep],
  ["blockSize", (s) => s.model.blockSize],
  ["nEmbd", (s) => s.model.nEmbd],
  ["nHidden", (s) => s.model.nHidden],
  ["seed", (s) => BigInt(s.training.seed)],
  ["splitSeed", (s) => s.data.splitSeed],
  ["batchnorm", (s) => s.model.batchNorm],
  ["init", (s) => s.training.init],
  ["torchVersion", (s) => s.training.torchVersion],
];

export function registerTrain(program: Command, io: Output): void {
  const d = DEFAULT_RUN;
  const cmd = program
    .command("train")
    .description("train the MLP on a word file, then print split losses and samples")
    .option("-o, --work-dir <dir>", "run directory for the checkpoint, config and metrics", "out")
    .option("--steps <n>", "optimization steps", intFlag(0), d.steps)
    .option("--lr <x>", "learning rate", numberFlag({ positive: true }), d.lr)
    .option("--lr-decay-step <n>", "step from which the learning rate is divided by 10", intFlag(0), d.lrDecayStep);
  addRunFlags(cmd)
    .addOption(
      new Option("--bn-stats <s>", "BatchNorm statistics for the final evaluation").choices(["calibrated", "running"]).default("calibrated"),
    )
    .option("--resume", "continue the run in the work dir (up to --steps)")
    .option("--force", "replace a run already in the work dir")
    .option("--log-every <n>", "metrics.jsonl: a line every n steps after the first 100", intFlag(1), 100)
    .option("--checkpoint-every <n>", "save the run every n steps", intFlag(1), 10000)
    .option("--samples <n>", "words to sample at the end", intFlag(0), 10)
    .option("--no-progress", "no progress bar")
    .option("--json", "print the result as JSON")
    .option("--report [file]", "write an HTML report at the end, with curves collected while training (default: WORK_DIR/report.html)")
    .action(async (flags: TrainFlags, cmd: Command) => {
      await train(flags, cmd, io);
    });
}

async function train(flags: TrainFlags, cmd: Command, io: Output): Promise<void> {
  if (flags.resume && flags.force) throw new ConfigError("--resume and --force exclude each other");
  const dir = flags.workDir;
  let run: TrainingRun;
  const mode = checkRunDir(dir, null, { resume: !!flags.resume, force: !!flags.force });
  if (mode === "resume") {
    const explicit = (k: string) => cmd.getOptionValueSource(k) === "cli";
    run = TrainingRun.load(dir, {
      steps: explicit("steps") ? flags.steps : undefined,
      logEvery: flags.logEvery,
      inputFile: flags.inputFile,
    });
    for (const [key, get] of SETTING_FLAGS) {
      if (explicit(key) && get(run.settings) !== flags[key]) {
        throw new ConfigError(
          `--resume: --${kebab(key)} ${String(flags[key])} differs from the run's ${String(get(run.settings))}; drop the flag or use --force`,
        );
      }
    }
  } else {
    run = TrainingRun.create(runOptions(flags, { steps: flags.steps, lr: flags.lr, lrDecayStep: flags.lrDecayStep }), {
      logEvery: flags.logEvery,
    });
  }
  try {
    await trainLoop(run, dir, flags, mode, io);
  } catch (e) {
    if (e instanceof DivergedError && hasRun(dir)) {
      throw new MakemoreError(`${e.message}; the last good checkpoint (step ${readRunConfig(dir).stepsDone}) stays in ${dir}`);
    }
    throw e;
  }
}

async function trainLoop(run: TrainingRun, dir: string, flags: TrainFlags, mode: "fresh" | "resume", io: Output): Promise<void> {
  const { model, corpus, trainer, settings } = run;
  const t = settings.training;
  if (!flags.json) {
    io.err(
      `makemore-ts: MLP with ${model.numParameters()} parameters on ${settings.data.file}: ` +
        `${corpus.data.train.size} / ${corpus.data.val.size} / ${corpus.data.test.size} examples\n` +
        `config: block ${settings.model.blockSize}, n_embd ${settings.model.nEmbd}, n_hidden ${settings.model.nHidden}, ` +
        `${settings.model.batchNorm ? "batchnorm" : "no batchnorm"}, init ${t.init}, batch ${t.batchSize}, ` +
        `lr ${t.lr} → ${t.lrAfterDecay} at step ${t.lrDecayStep}, seed ${t.seed}` +
        (mode === "resume" ? `\nresuming at step ${trainer.step} of ${trainer.config.steps}` : ""),
    );
  }

  const collector = flags.report ? collectDuring(run) : null;
  const showBar = flags.progress && !flags.json && process.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar(
        { format: "{bar} {value}/{total} | loss {loss} | {speed} steps/s | ETA {eta_formatted}", hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let interrupted = false;
  const onSigint = () => (interrupted = true);
  process.once("SIGINT", onSigint);
  const start = performance.now();
  const startStep = trainer.step;
  bar?.start(trainer.config.steps, trainer.step, { loss: "-", speed: "-" });
  try {
    const chunk = 500;
    let nextCheckpoint = (Math.floor(trainer.step / flags.checkpointEvery) + 1) * flags.checkpointEvery;
    while (!trainer.done && !interrupted) {
      run.train(Math.min(chunk, nextCheckpoint - trainer.step));
      const seconds = (performance.now() - start) / 1000;
      const speed = Math.round((trainer.step - startStep) / Math.max(seconds, 1e-9));
      bar?.update(trainer.step, { loss: trainer.losses[trainer.step - 1]?.toFixed(4), speed });
      if (trainer.step >= nextCheckpoint && !trainer.done) {
        run.save(dir);
        if (!showBar && !flags.json) {
          io.err(`step ${trainer.step}/${trainer.config.steps}: loss ${trainer.losses[trainer.step - 1].toFixed(4)} (${speed} steps/s)`);
        }
        nextCheckpoint += flags.checkpointEvery;
      }
      await new Promise((r) => setImmediate(r)); // let Ctrl-C in
    }
  } finally {
    bar?.stop();
    process.removeListener("SIGINT", onSigint);
  }
  const seconds = (performance.now() - start) / 1000;
  if (interrupted) {
    run.save(dir);
    io.err(`interrupted at step ${trainer.step}: saved to ${dir}; continue with --resume`);
    return;
  }
  const losses = run.evaluate(flags.bnStats);
  run.save(dir);
  const samples = run.sample({ count: flags.samples });
  const report = flags.report ? reportPath(flags.report, dir) : null;
  if (report) writeRunReport(run, report, collector);
  const stepsRun = trainer.step - startStep;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          workDir: dir,
          settings,
          steps: trainer.step,
          seconds,
          stepsPerSecond: stepsRun / Math.max(seconds, 1e-9),
          losses,
          bnStats: flags.bnStats,
          samples,
          report,
        },
        (_k, v) => (typeof v === "bigint" ? v.toString() : v),
        2,
      ),
    );
    return;
  }
  io.out(`trained ${stepsRun} steps in ${seconds.toFixed(1)} s (${Math.round(stepsRun / Math.max(seconds, 1e-9))} steps/s)`);
  io.out(
    `split losses (BatchNorm ${flags.bnStats === "calibrated" ? "calibrated on the training set" : "running statistics"}): ` +
      `train ${losses.train!.toFixed(4)}  val ${losses.val!.toFixed(4)}  test ${losses.test!.toFixed(4)}`,
  );
  if (samples.length) io.out(formatSamples(samples));
  io.out(`saved to ${dir}/ (model.safetensors, config.json, metrics.jsonl)`);
  if (report) io.out(`report: ${report}`);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}
