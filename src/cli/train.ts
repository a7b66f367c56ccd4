// `makemore train`: a run of any registered model type on a word file (the lectures' MLP by default:
// split, init, 200000 steps of SGD) with a progress bar, the split losses, 10 samples — saved to a run
// directory that `sample`, `eval`, `diagnose` and `train --resume` read back. Ctrl-C saves the run and
// stops.

import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { ConfigError, InterruptedError, MakemoreError } from "../errors.ts";
import { numParameters } from "../models/model.ts";
import { modelType } from "../models/registry.ts";
import { createRun, loadRun, lockRunDir, readRunConfig, saveRun, checkRunDir } from "../node/run_dir.ts";
import { describeModel, describeTraining } from "../report/pages.ts";
import { explicitSettings, settingsConflict, splitConflict } from "../train/config.ts";
import type { SplitConfig } from "../data/corpus.ts";
import type { EvalStats } from "../train/evaluate.ts";
import type { TrainingRun } from "../train/run.ts";
import { DivergedError } from "../train/trainer.ts";
import { intFlag, type Output } from "./options.ts";
import { addRunFlags, runOptions, type RunFlags } from "./run_flags.ts";
import { formatSamples } from "./sample.ts";
import { collectRun } from "../diagnostics/run_report.ts";
import { reportPath, writeRunReport } from "./diagnose.ts";

interface TrainFlags extends RunFlags {
  workDir: string;
  resume?: boolean;
  force?: boolean;
  logEvery: number;
  checkpointEvery: number;
  samples: number;
  progress: boolean;
  json?: boolean;
  report?: string | boolean;
}

export function registerTrain(program: Command, io: Output): void {
  const cmd = program
    .command("train")
    .description("train a model (--type, default: the lectures' MLP) on a word file, then print split losses and samples")
    .option("-o, --work-dir <dir>", "run directory for the checkpoint, config and metrics", "out");
  addRunFlags(cmd)
    .addOption(
      new Option("--bn-stats <s>", "BatchNorm statistics for the final evaluation (default: the type's; lecture calibrated, wavenet running)").choices(["calibrated", "running"]),
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

/**
 * Holds the run directory's lock for the whole command: a second trainer (or a --resume) on the same
 * directory fails at once naming this process, and a directory that cannot be written is found before
 * the first step rather than at the first save.
 */
async function train(flags: TrainFlags, cmd: Command, io: Output): Promise<void> {
  if (flags.resume && flags.force) throw new ConfigError("--resume and --force exclude each other");
  const lock = lockRunDir(flags.workDir, flags.resume ? "train --resume" : "train");
  // Ctrl-C, SIGTERM and SIGHUP, from the moment the directory is ours: the run stops after the current
  // chunk of steps (or after the final evaluation), is saved, and the command exits 130. Once the
  // loop has seen the first, a second stops at once — safe at any instant, since a save commits whole
  // or not at all, and the lock goes with the process.
  const state: RunState = { requested: false, observed: false, savedStep: null };
  const onSignal = () => {
    if (state.requested && state.observed) {
      const kept = state.savedStep === null ? "nothing of this run was saved" : `the save of step ${state.savedStep} stays in ${flags.workDir}`;
      io.err(`makemore: interrupted again: stopping now; ${kept}`);
      process.exit(130);
    }
    state.requested = true;
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    await trainLocked(flags, cmd, io, state);
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
    lock.release();
  }
}

/** What the signal handler and the training loop share. */
interface RunState {
  /** A signal came. */
  requested: boolean;
  /** The loop has seen it (a second signal now stops at once). */
  observed: boolean;
  /** The step of this run's last save in the directory (not of a run --force is replacing). */
  savedStep: number | null;
}

/** True if a signal has come; lets the event loop deliver one first (signals wait for it). */
async function interrupted(state: RunState): Promise<boolean> {
  await new Promise((r) => setImmediate(r));
  if (state.requested) state.observed = true;
  return state.requested;
}

async function trainLocked(flags: TrainFlags, cmd: Command, io: Output, state: RunState): Promise<void> {
  const dir = flags.workDir;
  const given = (k: string) => cmd.getOptionValueSource(k) === "cli";
  let run: TrainingRun;
  const mode = checkRunDir(dir, { resume: !!flags.resume, force: !!flags.force });
  if (mode === "resume") {
    const saved = readRunConfig(dir);
    const options = runOptions({ ...flags, type: given("type") ? flags.type : saved.model.type }, given);
    const conflict = settingsConflict(saved, explicitSettings({ ...options, type: given("type") ? flags.type : undefined, torchVersion: given("torchVersion") ? flags.torchVersion : undefined }));
    if (conflict !== null) {
      const flag = flagOf(conflict.path, saved.model.type);
      const show = (v: unknown) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
      const what =
        conflict.path === "data.split"
          ? splitConflict(saved, conflict.given as SplitConfig)
          : conflict.saved === undefined
            ? `${flag} does not apply to this run (it has no ${conflict.path}: ${saved.model.type}, ${saved.optimizer.type})`
            : typeof conflict.given === "boolean"
              ? `${flag} changes the run's ${conflict.path} (${show(conflict.saved)})`
              : `${flag} ${show(conflict.given)} differs from the run's ${show(conflict.saved)} (${conflict.path})`;
      throw new ConfigError(`--resume: ${what}; drop the flag or use --force`);
    }
    run = loadRun(dir, { steps: given("steps") ? flags.steps : undefined, logEvery: flags.logEvery, inputFile: flags.inputFile });
  } else {
    run = createRun(runOptions(flags, given), { logEvery: flags.logEvery });
  }
  if (flags.bnStats && run.model.batchNorms().length === 0) throw new ConfigError(`--bn-stats: this ${run.model.type} model has no BatchNorm`);
  if (mode === "resume") state.savedStep = run.trainer.step;
  try {
    await trainLoop(run, dir, flags, mode, io, state);
  } catch (e) {
    if (e instanceof DivergedError) {
      const saved = state.savedStep;
      throw new MakemoreError(
        saved === null ? `${e.message}; nothing of this run was saved` : `${e.message}; the last good checkpoint (step ${saved}) stays in ${dir}`,
      );
    }
    throw e;
  }
}

async function trainLoop(
  run: TrainingRun, dir: string, flags: TrainFlags, mode: "fresh" | "resume", io: Output, state: RunState,
): Promise<void> {
  const { model, corpus, trainer, settings } = run;
  if (!flags.json) {
    const sizes = corpus.splits.map((s) => `${corpus.data[s]!.size} ${s}`).join(" / ");
    io.err(
      `makemore-ts: ${settings.model.type} with ${numParameters(model)} parameters on ${settings.data.file}: ${sizes} rows\n` +
        `model: ${describeModel(settings.model)}\n` +
        `training: ${describeTraining(settings)}` +
        (mode === "resume" ? `\nresuming at step ${trainer.step} of ${trainer.config.steps}` : ""),
    );
  }
  const collector = flags.report ? collectRun(run) : null;
  const startStep = trainer.step;
  const save = () => {
    saveRun(run, dir);
    state.savedStep = trainer.step;
  };
  const seconds = await trainSteps(run, flags, io, save, () => interrupted(state));
  if (state.requested && !trainer.done) {
    // a save with no step of this command's in it would only replace what --force is replacing
    if (trainer.step === startStep) throw new InterruptedError(`interrupted before the first step: nothing saved${mode === "resume" ? `; ${dir} is as it was` : ""}`);
    save();
    throw new InterruptedError(`interrupted at step ${trainer.step} of ${trainer.config.steps}: saved to ${dir}; continue with --resume`);
  }
  const bnStats = model.batchNorms().length ? (flags.bnStats ?? settings.training.evalStats ?? "running") : null;
  const losses = run.evaluate(bnStats);
  save();
  if (await interrupted(state)) throw new InterruptedError(`interrupted after the last step: the finished run (step ${trainer.step}) is saved to ${dir}`);
  const samples = run.sample({ count: flags.samples });
  const report = flags.report ? reportPath(flags.report, dir) : null;
  if (report) writeRunReport(run, report, collector);
  if (await interrupted(state)) throw new InterruptedError(`interrupted: the finished run (step ${trainer.step}) is saved to ${dir}`);
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
          bnStats,
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
  io.out(`split losses${bnNote(bnStats)}: ${formatLosses(losses)}`);
  if (samples.length) io.out(formatSamples(samples));
  io.out(`saved to ${dir}/ (model.safetensors, config.json, metrics.jsonl)`);
  if (report) io.out(`report: ${report}`);
}

/** Trains to the end or until `stop()`, with the progress bar and the periodic saves; returns the seconds taken. */
async function trainSteps(run: TrainingRun, flags: TrainFlags, io: Output, save: () => void, stop: () => Promise<boolean>): Promise<number> {
  const { trainer } = run;
  const showBar = flags.progress && !flags.json && process.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar(
        { format: "{bar} {value}/{total} | loss {loss} | {speed} steps/s | ETA {eta_formatted}", hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const start = performance.now();
  const startStep = trainer.step;
  bar?.start(trainer.config.steps, trainer.step, { loss: "-", speed: "-" });
  try {
    const chunk = 500;
    let nextCheckpoint = (Math.floor(trainer.step / flags.checkpointEvery) + 1) * flags.checkpointEvery;
    while (!trainer.done && !(await stop())) {
      run.train(Math.min(chunk, nextCheckpoint - trainer.step));
      const seconds = (performance.now() - start) / 1000;
      const speed = Math.round((trainer.step - startStep) / Math.max(seconds, 1e-9));
      bar?.update(trainer.step, { loss: trainer.losses[trainer.step - 1]?.toFixed(4), speed });
      if (trainer.step >= nextCheckpoint && !trainer.done) {
        save();
        if (!showBar && !flags.json) {
          io.err(`step ${trainer.step}/${trainer.config.steps}: loss ${trainer.losses[trainer.step - 1].toFixed(4)} (${speed} steps/s)`);
        }
        nextCheckpoint += flags.checkpointEvery;
      }
    }
  } finally {
    bar?.stop();
  }
  return (performance.now() - start) / 1000;
}

/** The flag that sets a settings-tree path ("model.nHidden" → "--n-hidden"). */
function flagOf(path: string, type: string): string {
  const fixed: Record<string, string> = {
    "model.type": "--type", "schedule.lr": "--lr", "schedule.decayStep": "--lr-decay-step", "training.batchSize": "--batch-size",
    "training.seed": "--seed", "training.torchVersion": "--torch-version", "data.split": "--split-seed/--no-shuffle",
    "optimizer.type": "--optimizer", "optimizer.weightDecay": "--weight-decay",
  };
  if (fixed[path]) return fixed[path];
  const key = path.replace(/^model\./, "");
  return modelType(type).fields.find((f) => f.key === key)?.flag ?? path;
}

/** "train 2.0711  val 2.1119  test 2.1107" for the splits there are. */
export function formatLosses(losses: Partial<Record<"train" | "val" | "test", number>>): string {
  return (["train", "val", "test"] as const).filter((k) => losses[k] !== undefined).map((k) => `${k} ${losses[k]!.toFixed(4)}`).join("  ");
}

/** " (BatchNorm calibrated on the training set)" and the like; "" without BatchNorm. */
export function bnNote(bnStats: EvalStats | null): string {
  return bnStats === null ? "" : bnStats === "calibrated" ? " (BatchNorm calibrated on the training set)" : " (BatchNorm running statistics)";
}
