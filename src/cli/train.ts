// `makemore train`: a run of any registered model type on a word file (the lectures' MLP by default:
// split, init, 200000 steps of SGD) with a progress bar, the split losses, 10 samples — saved to a run
// directory that `sample`, `eval`, `diagnose` and `train --resume` read back. Ctrl-C saves the run and
// stops. makemore.py's loop and flags: estimates every --eval-every steps keep the best model as
// model.safetensors, samples every --sample-every steps, --max-steps -1 trains until interrupted,
// --sample-only samples from the work dir's model and exits. Every run collects the diagnostics of
// makemore part 3 while it trains (update:data, saturation, layer std; the batch at the first step, at
// step 1000 and at the last) and saves them with each checkpoint as diagnostics.jsonl, continued by
// --resume, drawn by --report and by `makemore diagnose`. The schedule is the library's
// (src/train/loop.ts); this file parses, calls, prints and saves.

import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { ConfigError, InterruptedError, MakemoreError } from "../errors.ts";
import { numParameters } from "../models/model.ts";
import { createRun, hasRun, loadRun, lockRunDir, readRunConfig, saveBestModel, saveRun, checkRunDir, sampleFromRun } from "../node/run_dir.ts";
import { describeModel, describeTraining } from "../report/pages.ts";
import { isOpenEnded } from "../train/config.ts";
import { ESTIMATE_ROWS, type EvalStats } from "../train/evaluate.ts";
import { TrainingLoop } from "../train/loop.ts";
import type { Estimate, TrainingRun } from "../train/run.ts";
import { DivergedError } from "../train/trainer.ts";
import { intFlag, periodFlag, topKFlag, topKOf, type Output } from "./options.ts";
import { addRunFlags, applyThreads, checkGivenSettings, runOptions, type RunFlags } from "./run_flags.ts";
import { formatSamples, samplesJson } from "./sample.ts";
import { collectRun } from "../diagnostics/run_report.ts";
import { readDiagnostics } from "../node/diagnostics_file.ts";
import { reportPath, writeRunReport } from "./diagnose.ts";

interface TrainFlags extends RunFlags {
  workDir: string;
  resume?: boolean;
  force?: boolean;
  sampleOnly?: boolean;
  logEvery: number;
  checkpointEvery: number;
  evalEvery?: number | "none";
  sampleEvery?: number | "none";
  samples: number;
  topK?: number | "all";
  device?: string;
  numWorkers?: number;
  progress: boolean;
  json?: boolean;
  report?: string | boolean;
}

/** makemore.py's --sample-only prints 50 samples (print_samples(num=50)). */
const SAMPLE_ONLY_COUNT = 50;

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
    .option("--sample-only", `sample from the work dir's model and exit, as makemore sample -o DIR does (${SAMPLE_ONLY_COUNT} words, or --samples; --seed: a fresh generator), each marked in train, in val, in test or new`)
    .option("--log-every <n>", "metrics.jsonl: a line every n steps after the first 100", intFlag(1), 100)
    .option("--checkpoint-every <n>", "save the resumable state (current model, optimizer, generator) every n steps", intFlag(1), 10000)
    .option(
      "--eval-every <n>",
      `estimate the split losses every n steps (none or 0: never), on the first ${ESTIMATE_ROWS} rows of each split (makemore.py draws 10 random batches of 100; ` +
        "these rows are already shuffled by the split, and drawing would change the batches that follow); the model with the lowest estimate " +
        "(val if the run has a val split, else test) is saved as model.safetensors, the best model, as makemore.py keeps it " +
        "(default: 500 for makemore.py's types, none for lecture and wavenet; --resume keeps the run's)",
      periodFlag,
    )
    .option("--sample-every <n>", "print 10 samples every n steps (none or 0: never), each marked in train, in val, in test or new (default: none)", periodFlag)
    .option("--samples <n>", "words to sample at the end", intFlag(0), 10)
    .option("--top-k <k>", "the samples train prints draw only among the k most likely characters (-1: all, makemore.py's default)", topKFlag)
    .option("--device <d>", "accepted for makemore.py's command lines: makemore-ts trains on the CPU in WebAssembly (--threads), cpu is the only device")
    .option("--num-workers <n>", "accepted for makemore.py's command lines: nothing to do, batches come from the split in memory", intFlag(0))
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
  const given = (k: string) => cmd.getOptionValueSource(k) === "cli";
  if (flags.resume && flags.force) throw new ConfigError("--resume and --force exclude each other");
  applyThreads(flags);
  if (given("device") || given("numWorkers")) io.err(deviceNote(flags, given));
  if (flags.sampleOnly) {
    if (flags.force) throw new ConfigError("--sample-only and --force exclude each other: --sample-only reads the run in the work dir");
    sampleOnly(flags, given, io);
    return;
  }
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

/** A period flag's steps (null: none, or not given). */
function periodOf(flag: number | "none" | undefined): number | null {
  return flag === undefined || flag === "none" ? null : flag;
}

/** The one line --device and --num-workers get: what makemore-ts does instead. */
function deviceNote(flags: TrainFlags, given: (k: string) => boolean): string {
  const device = given("device") && flags.device !== "cpu" ? ` (--device ${flags.device} trains there too)` : "";
  const workers = given("numWorkers") ? "; --num-workers has nothing to do: batches come from the split in memory" : "";
  return `makemore: note: makemore-ts trains on the CPU in WebAssembly (--threads sets its threads); cpu is the only device${device}${workers}`;
}

/** --sample-only: makemore.py's `print_samples(num=50)` from the work dir's model (the best one), then exit. */
function sampleOnly(flags: TrainFlags, given: (k: string) => boolean, io: Output): void {
  const dir = flags.workDir;
  if (!hasRun(dir)) throw new ConfigError(`--sample-only: ${dir} holds no run to sample from (no config.json); train one with makemore train -o ${dir}`);
  // the seed seeds the sampling here (as makemore.py's manual_seed does before print_samples), not the run
  checkGivenSettings(readRunConfig(dir), { ...flags, seed: undefined }, (k) => k !== "seed" && given(k), "--sample-only");
  const count = given("samples") ? flags.samples : SAMPLE_ONLY_COUNT;
  const { samples, marked, config } = sampleFromRun(dir, {
    count,
    topK: topKOf(flags.topK),
    seed: given("seed") ? flags.seed : undefined,
    inputFile: flags.inputFile,
    note: (text) => io.err(`makemore: note: ${text}`),
  });
  if (flags.json) {
    io.out(JSON.stringify({ workDir: dir, step: config.best?.step ?? config.stepsDone, best: config.best, samples: samplesJson(samples, marked) }, null, 2));
    return;
  }
  io.out(`${dir}: ${config.model.type}, ${modelNote(config.best, config.stepsDone)}`);
  io.out(formatSamples(samples, marked));
}

/** "the best model (step 1500 of 2000; its test estimate 2.3301 on 1000 rows)" or "the model after 2000 steps". */
export function modelNote(best: TrainingRun["best"], stepsDone: number): string {
  if (best === null) return `the model after ${stepsDone} steps`;
  return `the best model (step ${best.step} of ${stepsDone}; its ${best.split} estimate ${best.loss.toFixed(4)} on ${best.rows} rows)`;
}

async function trainLocked(flags: TrainFlags, cmd: Command, io: Output, state: RunState): Promise<void> {
  const dir = flags.workDir;
  const given = (k: string) => cmd.getOptionValueSource(k) === "cli";
  let run: TrainingRun;
  const mode = checkRunDir(dir, { resume: !!flags.resume, force: !!flags.force });
  if (mode === "resume") {
    const saved = readRunConfig(dir);
    checkGivenSettings(saved, flags, given, "--resume");
    const { steps } = runOptions({ ...flags, type: saved.model.type }, (k) => k in { steps: 1, maxSteps: 1 } && given(k));
    run = loadRun(dir, {
      steps,
      evalEvery: given("evalEvery") ? periodOf(flags.evalEvery) : undefined,
      logEvery: flags.logEvery,
      inputFile: flags.inputFile,
      note: (text) => io.err(`makemore: note: ${text}`),
    });
  } else {
    run = createRun({ ...runOptions(flags, given), ...(given("evalEvery") ? { evalEvery: periodOf(flags.evalEvery) } : {}) }, { logEvery: flags.logEvery });
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
    const estimates = run.evalEvery === null ? "" : `\nestimates: every ${run.evalEvery} steps on the first ${ESTIMATE_ROWS} rows of each split; the best model goes to model.safetensors`;
    io.err(
      `makemore-ts: ${settings.model.type} with ${numParameters(model)} parameters on ${settings.data.file}: ${sizes} rows\n` +
        `model: ${describeModel(settings.model)}\n` +
        `training: ${describeTraining(settings)}` +
        (isOpenEnded(trainer.config.steps) ? ", until interrupted (Ctrl-C saves the run)" : "") +
        estimates +
        (mode === "resume" ? `\nresuming at step ${trainer.step}${ofSteps(trainer.config.steps)}` : ""),
    );
  }
  // every run collects (one modulo a step between collections): its curves cannot be had afterwards
  const kept = mode === "resume" ? readDiagnostics(dir, run) : null;
  for (const note of kept?.notes ?? []) io.err(`makemore: note: ${note}`);
  const collector = collectRun(run, undefined, kept?.collected ?? null);
  const startStep = trainer.step;
  const save = () => {
    saveRun(run, dir, undefined, collector);
    state.savedStep = trainer.step;
  };
  const saveBest = () => {
    // a whole save (before the first resumable one) writes diagnostics.jsonl too: after --force, not the replaced run's
    saveBestModel(run, dir, undefined, collector);
    state.savedStep ??= trainer.step; // before any resumable save a best save is a whole one
  };
  const seconds = await trainSteps(run, flags, io, save, saveBest, () => interrupted(state));
  if (state.requested && !trainer.done) {
    // a save with no step of this command's in it would only replace what --force is replacing
    if (trainer.step === startStep) throw new InterruptedError(`interrupted before the first step: nothing saved${mode === "resume" ? `; ${dir} is as it was` : ""}`);
    save();
    throw new InterruptedError(`interrupted at step ${trainer.step}${ofSteps(trainer.config.steps)}: saved to ${dir}; continue with --resume`);
  }
  const bnStats = model.batchNorms().length ? (flags.bnStats ?? settings.training.evalStats ?? "running") : null;
  const { estimate, losses } = run.finish(bnStats);
  if (estimate && !flags.json) io.err(formatEstimate(estimate, trainer.config.steps));
  save();
  if (await interrupted(state)) throw new InterruptedError(`interrupted after the last step: the finished run (step ${trainer.step}) is saved to ${dir}`);
  const samples = run.sample({ count: flags.samples, topK: topKOf(flags.topK) });
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
          evalEvery: run.evalEvery,
          best: run.best,
          samples: samplesJson(samples, true),
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
  if (run.best !== null) io.out(`model.safetensors: ${modelNote(run.best, trainer.step)}`);
  // as makemore.py's loop prints them: from the model training ended with, which need not be the best
  const from = run.best !== null && run.best.step !== trainer.step ? ` from the last model (step ${trainer.step}; sample -o ${dir} uses the best)` : "";
  if (samples.length) io.out(formatSamples(samples, true, `${samples.length} samples${from}`));
  io.out(`saved to ${dir}/ (model.safetensors, config.json, metrics.jsonl, diagnostics.jsonl)`);
  if (report) io.out(`report: ${report}`);
}

/** " of 2000", or "" for a run until interrupted. */
function ofSteps(steps: number): string {
  return isOpenEnded(steps) ? "" : ` of ${steps}`;
}

/** "train 2.4512  test 2.4601": an estimate's losses. */
function estimateLosses(e: Estimate): string {
  return formatLosses(e.eval);
}

/**
 * The progress line of an estimate: "step 500/10000: estimate train 2.4512  test 2.4601 (first 1000 rows
 * of each split); the best so far: saved as model.safetensors".
 */
function formatEstimate(e: Estimate, steps: number): string {
  const counts = Object.entries(e.rows);
  const rows = new Set(counts.map(([, n]) => n)).size === 1 ? `first ${counts[0][1]} rows of each split` : `first rows: ${counts.map(([s, n]) => `${s} ${n}`).join(", ")}`;
  const of = isOpenEnded(steps) ? "" : `/${steps}`;
  return `step ${e.step}${of}: estimate ${estimateLosses(e)} (${rows})${e.best ? "; the best so far: saved as model.safetensors" : ""}`;
}

/**
 * Trains to the end or until `stop()`, with the progress bar (or, without a terminal, a line per save
 * and estimate), the estimates, samples and saves the loop says are due; returns the seconds taken.
 */
async function trainSteps(
  run: TrainingRun, flags: TrainFlags, io: Output, save: () => void, saveBest: () => void, stop: () => Promise<boolean>,
): Promise<number> {
  const { trainer } = run;
  const openEnded = isOpenEnded(trainer.config.steps);
  const loop = new TrainingLoop(run, {
    checkpointEvery: flags.checkpointEvery,
    sampleEvery: periodOf(flags.sampleEvery),
    samples: { topK: topKOf(flags.topK) },
  });
  const showBar = flags.progress && !flags.json && process.stderr.isTTY === true;
  const format = openEnded
    ? "step {value} | loss {loss} | {speed} steps/s{estimate}"
    : "{bar} {value}/{total} | loss {loss} | {speed} steps/s | ETA {eta_formatted}{estimate}";
  const bar = showBar ? new cliProgress.SingleBar({ format, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  const start = performance.now();
  const startStep = trainer.step;
  let shown = ""; // the last estimate, on the bar
  bar?.start(trainer.config.steps, trainer.step, { loss: "-", speed: "-", estimate: shown });
  try {
    while (!loop.done && !(await stop())) {
      const tick = loop.next();
      const seconds = (performance.now() - start) / 1000;
      const speed = Math.round((trainer.step - startStep) / Math.max(seconds, 1e-9));
      const loss = trainer.losses[trainer.step - 1];
      const e = tick.estimate;
      if (e) shown = ` | estimate ${estimateLosses(e)}${e.best ? " (best)" : ""}`;
      bar?.update(trainer.step, { loss: loss?.toFixed(4), speed, estimate: shown });
      if (e && !showBar && !flags.json) io.err(formatEstimate(e, trainer.config.steps));
      if (tick.save === "best") saveBest();
      if (tick.samples && !flags.json) {
        bar?.stop();
        io.out(formatSamples(tick.samples, true, `step ${tick.step}: ${tick.samples.length} samples`));
        bar?.start(trainer.config.steps, trainer.step, { loss: loss?.toFixed(4), speed, estimate: shown });
      }
      if (tick.save === "resumable") {
        save();
        if (!showBar && !flags.json) {
          io.err(`step ${trainer.step}${openEnded ? "" : `/${trainer.config.steps}`}: loss ${loss.toFixed(4)} (${speed} steps/s); saved`);
        }
      }
    }
  } finally {
    bar?.stop();
  }
  return (performance.now() - start) / 1000;
}

/** "train 2.0711  val 2.1119  test 2.1107" for the splits there are. */
export function formatLosses(losses: Partial<Record<"train" | "val" | "test", number>>): string {
  return (["train", "val", "test"] as const).filter((k) => losses[k] !== undefined).map((k) => `${k} ${losses[k]!.toFixed(4)}`).join("  ");
}

/** " (BatchNorm calibrated on the training set)" and the like; "" without BatchNorm. */
export function bnNote(bnStats: EvalStats | null): string {
  return bnStats === null ? "" : bnStats === "calibrated" ? " (BatchNorm calibrated on the training set)" : " (BatchNorm running statistics)";
}
