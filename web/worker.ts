// The lab's trainer, a Web Worker: the library and its wasm module, one TrainingRun on the page's settings,
// trained in slices of about 20 ms so that messages (pause, a new learning rate, a request for samples) are
// handled between them. It posts each slice's minibatch losses, and at most every LOOK_MS a look inside (the
// last step's batch diagnostics, the collected update:data series, the embedding): numbers only, the page
// draws them (web/protocol.ts).

import { threadCount } from "../src/kernels/index.ts";
import { loadKernels, type WorkerKernels } from "./kernels.ts";
import { parseWords } from "../src/data/words.ts";
import { Generator } from "../src/random/generator.ts";
import { TrainingRun } from "../src/train/run.ts";
import { decodeMetrics, decodeRunConfig, FILES } from "../src/train/checkpoint.ts";
import { samplingGenerator } from "../src/train/loop.ts";
import { estimateSplits } from "../src/train/evaluate.ts";
import { findLearningRate } from "../src/train/lr_finder.ts";
import { initExperiments } from "../src/diagnostics/init_stages.ts";
import { gainExperiments } from "../src/diagnostics/gain_experiments.ts";
import { LectureMLP } from "../src/models/lecture.ts";
import { DeepMLP } from "../src/models/deep.ts";
import { modelType } from "../src/models/registry.ts";
import { buildCorpus, DEFAULT_SPLIT_SEED } from "../src/data/splits.ts";
import { formatGradcheck, gradcheckFromSeed } from "../src/ninja/gradcheck.ts";
import { formatZooGradcheck, zooGradcheckFromSeed } from "../src/ninja/zoo_gradcheck.ts";
import { hasOracle } from "../src/ninja/zoo_oracle.ts";
import { TrainingCollector } from "../src/diagnostics/collector.ts";
import { readBatch } from "../src/diagnostics/probe.ts";
import { embedding2d } from "../src/diagnostics/embedding.ts";
import { embeddingLabels } from "../src/diagnostics/run_report.ts";
import { MakemoreError } from "../src/errors.ts";
import { numParameters } from "../src/models/model.ts";
import { UNTIL_INTERRUPTED, type RunOptions } from "../src/train/config.ts";
import { learningRate } from "../src/train/schedule.ts";
import type { FromWorker, LabSettings, ToWorker, Watch } from "./protocol.ts";
import { labSettingsOf } from "./settings.ts";
import { keepRun } from "./keep.ts";

/** Training time per slice between two looks at the message queue. */
const SLICE_MS = 20;
/** Least time between two looks inside (the page redraws its charts at most this often). */
const LOOK_MS = 250;
/** Steps of the learning-rate finder's sweep (makemore part 2: 1000, lr 10^-3 … 10^0). */
const LR_FINDER_STEPS = 1000;
/** Bytes the gradient check's autograd side may take in the browser. */
const GRADCHECK_MEMORY = 1 << 30;
/** The collector's interval: update:data ratios every this many steps. */
const COLLECT_EVERY = 25;

const post = (m: FromWorker) => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);

let run: TrainingRun | null = null;
let collector: TrainingCollector | null = null;
let playing = false;
let watch: Watch = { evalEvery: 0, sampleEvery: 0, temperature: 1, topK: null };
let lastLook = 0;
let lastLoss = NaN;
/** The run's words (the file's bytes, and split into words), for the tools' fresh models and the kept run. */
let data: { words: string[]; source: string; bytes: Uint8Array } | null = null;
/** The step and the URL query of the run last kept for a reload (a settings change is kept too). */
let kept = { step: -1, query: "" };
/** The run diverged: it is not kept over the last good one. */
let diverged = false;
/** The generator of the samples asked for on demand: each click gives new words. */
let demand: Generator | null = null;

/** The learning rate of the next step. */
const currentLr = (r: TrainingRun) => learningRate(r.trainer.config.schedule, r.trainer.step);

/** Options that build a new run of `run`'s settings (the tools train a copy from its init). */
function sameSettings(r: TrainingRun, steps: number): RunOptions {
  const { type, vocabSize: _v, ...rest } = r.settings.model;
  // a context-window type's block size is a setting; a sequence type's comes from the data
  const { blockSize: _b, ...sequenceModel } = rest;
  const model = modelType(type).data === "windows" ? rest : sequenceModel;
  const t = r.settings.training;
  const sp = r.settings.data.split;
  return {
    type,
    model,
    steps,
    batchSize: t.batchSize,
    seed: BigInt(t.seed),
    torchVersion: t.torchVersion,
    lr: r.settings.schedule.lr,
    lrDecayStep: null,
    optimizer: r.settings.optimizer,
    ...(sp.kind === "shuffle" ? { splitSeed: sp.seed } : sp.kind === "file-order" ? { splitSeed: null } : {}),
    evalEvery: null,
  };
}

/** makemore part 2's lr finder, or part 3's init stages / gain experiments, for the run's settings. */
function tool(name: "lr-finder" | "init-stages" | "gradcheck"): void {
  const r = run!;
  const d = data!;
  const t = r.settings.training;
  if (name === "gradcheck") {
    const type = r.settings.model.type;
    if (type === "lecture") {
      // makemore part 4's walkthrough: its exploded MLP (n_hidden 64, batch 32) on the lectures' split of these words
      const corpus = buildCorpus(d.words, { blockSize: 3, splitSeed: DEFAULT_SPLIT_SEED });
      const report = gradcheckFromSeed(corpus.data.train!, corpus.vocab.size, { seed: Number(t.seed), nHidden: 64, batchSize: 32 });
      post({ kind: "gradcheck", text: formatGradcheck(report), ok: report.ok });
    } else if (hasOracle(type)) {
      const fields = new Set(modelType(type).fields.map((f) => f.key));
      const model = Object.fromEntries(Object.entries(r.settings.model).filter(([k]) => fields.has(k)));
      const report = zooGradcheckFromSeed(d, { type, seed: BigInt(t.seed), batchSize: t.batchSize, model, torchVersion: t.torchVersion, memoryLimit: GRADCHECK_MEMORY });
      post({ kind: "gradcheck", text: formatZooGradcheck(report), ok: report.ok });
    } else {
      throw new MakemoreError(`--type ${type} has no autograd oracle to check against`);
    }
    return;
  }
  if (name === "lr-finder") {
    const copy = TrainingRun.create(d, sameSettings(r, LR_FINDER_STEPS));
    post({ kind: "lr-finder", result: findLearningRate(copy.trainer, { steps: LR_FINDER_STEPS }) });
    return;
  }
  const train = r.corpus.data.train!;
  const m = r.model;
  post({
    kind: "init-stages",
    init: m instanceof LectureMLP ? initExperiments(m.config, train, m.kernels, { seed: BigInt(t.seed), batchSize: Math.max(2, t.batchSize), torchVersion: t.torchVersion, runPreset: m.config.init, curveSteps: 1000 }) : null,
    gains: m instanceof DeepMLP ? gainExperiments(m.config, train, m.kernels, { seed: BigInt(t.seed), batchSize: t.batchSize, torchVersion: t.torchVersion }) : null,
  });
}

function options(s: LabSettings): RunOptions {
  return {
    type: s.type,
    model: s.model,
    steps: UNTIL_INTERRUPTED, // the lab trains until paused; the schedule is the type's unless the page sets it
    ...(s.seed !== null ? { seed: BigInt(s.seed) } : {}),
    ...(s.batchSize !== null ? { batchSize: s.batchSize } : {}),
    ...(s.lr !== null ? { lr: s.lr } : {}),
    ...(s.lrDecayStep !== null ? { lrDecayStep: s.lrDecayStep === "none" ? null : s.lrDecayStep } : {}),
  };
}

function start(s: LabSettings, bytes: Uint8Array, source: string): void {
  const { words } = parseWords(bytes, source);
  data = { words, source, bytes };
  begin(TrainingRun.create({ words, source }, options(s)));
}

/** A run saved by the CLI (or kept by the page): its files, on words that must be the run's. */
function open(files: Record<string, Uint8Array>, bytes: Uint8Array, source: string): void {
  const need = (name: string) => {
    const f = files[name];
    if (f === undefined) throw new MakemoreError(`${name} is missing: open a run's config.json and model.safetensors (and train_state.safetensors to go on training)`);
    return f;
  };
  const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);
  const config = decodeRunConfig(utf8(need(FILES.config)), FILES.config);
  const metrics = files[FILES.metrics] ? decodeMetrics(utf8(files[FILES.metrics]), FILES.metrics) : [];
  const state = files[FILES.state];
  const { words } = parseWords(bytes, source);
  data = { words, source, bytes };
  const r = TrainingRun.fromCheckpoint(
    { config, metrics, [FILES.model]: need(FILES.model), ...(state ? { [FILES.state]: state } : {}) },
    { words, source },
    { steps: UNTIL_INTERRUPTED },
  );
  begin(r);
  const done = r.trainer.step;
  if (done > 0) post({ kind: "losses", start: 0, losses: Array.from(r.trainer.losses.subarray(0, done)), stepsPerSecond: 0, lr: currentLr(r) });
}

/** The run's settings for the page (its controls and URL). */
const labSettings = (r: TrainingRun): LabSettings => labSettingsOf(r.settings, { evalEvery: watch.evalEvery, sampleEvery: watch.sampleEvery, kernels: kernels.setting });

function begin(r: TrainingRun): void {
  run = r;
  collector = new TrainingCollector(r.model, { every: COLLECT_EVERY, sgd: r.settings.optimizer.type === "sgd" });
  collector.attach(r.trainer);
  lastLook = 0;
  kept = { step: -1, query: "" };
  diverged = false;
  // its own stream, apart from the training batches and from the samples every N steps (seed + step, as the CLI's)
  const t = r.settings.training;
  demand = new Generator(BigInt.asUintN(64, BigInt(t.seed) - 1n), { torchVersion: t.torchVersion });
  post({
    kind: "ready",
    info: {
      type: r.settings.model.type,
      description: r.settings.model.type,
      numParameters: numParameters(r.model),
      vocabulary: [...r.settings.vocabulary],
      splits: Object.fromEntries(r.corpus.splits.map((k) => [k, r.corpus.data[k]!.size])),
      data: { source: data!.source, words: data!.words.length },
      capacity: r.model.capacity,
      settings: labSettings(r),
      step: r.trainer.step,
      modelOnly: r.modelOnly,
      kernels: r.model.kernels.build,
      kernelsNote: kernels.note,
      threads: threadCount(),
    },
  });
}

/** Trains `count` steps, or for one slice when count is null; posts the losses, an estimate, a look. */
function train(count: number | null): void {
  const r = run!;
  const t = r.trainer;
  const first = t.step;
  const t0 = performance.now();
  const losses: number[] = [];
  try {
    while (count === null ? performance.now() - t0 < SLICE_MS : losses.length < count) {
      lastLoss = t.trainStep();
      losses.push(lastLoss);
      if (watch.sampleEvery > 0 && t.step % watch.sampleEvery === 0) sample(10, watch.temperature, watch.topK, samplingGenerator(r, t.step));
      if (watch.evalEvery > 0 && t.step % watch.evalEvery === 0) {
        // makemore.py's estimate (the first min(1000, n) rows of each split, evaluation mode), without
        // run.estimate's bookkeeping of a best model, which the lab does not keep
        const { losses: est } = estimateSplits(r.model, r.corpus.data);
        post({ kind: "estimate", step: t.step, losses: est as Record<string, number> });
      }
    }
  } catch (e) {
    // the steps before the one that failed are the run's: the page shows them with the error
    diverged = true;
    if (losses.length) post({ kind: "losses", start: first, losses, stepsPerSecond: 0, lr: currentLr(r) });
    throw e;
  }
  const seconds = (performance.now() - t0) / 1000;
  post({ kind: "losses", start: first, losses, stepsPerSecond: losses.length / Math.max(seconds, 1e-6), lr: currentLr(r) });
  const now = performance.now();
  if (count !== null || now - lastLook >= LOOK_MS) {
    lastLook = now;
    look();
  }
}

function look(): void {
  const r = run!;
  const C = r.model.embeddingTable();
  post({
    kind: "inside",
    step: r.trainer.step,
    batch: readBatch(r.model, lastLoss, { lr: r.settings.optimizer.type === "sgd" ? learningRate(r.trainer.config.schedule, r.trainer.step - 1) : undefined }),
    series: collector!.series,
    embedding: C === null ? null : embedding2d(C.data.view, C.shape[0], C.shape[1], embeddingLabels(r.settings.vocabulary, C.shape[0])),
  });
}

function loop(): void {
  if (!playing || run === null) return;
  try {
    train(null);
  } catch (e) {
    playing = false;
    fail(e);
    return;
  }
  yieldThen(loop);
}

// Yields to the message queue and comes back at once: a MessageChannel's message, not setTimeout(0),
// which browsers clamp to 4 ms once nested (a fifth of every 20-ms slice).
const channel = new MessageChannel();
let resume: (() => void) | null = null;
channel.port1.onmessage = () => resume?.();
function yieldThen(f: () => void): void {
  resume = f;
  channel.port2.postMessage(0);
}

function fail(e: unknown): void {
  post({ kind: "error", message: e instanceof MakemoreError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`, playing });
}

/** `count` words from the run, drawn with `g` (never the training generator: the batches that follow stay the run's). */
function sample(count: number, temperature: number, topK: number | null, g: Generator): void {
  const r = run!;
  post({ kind: "samples", step: r.trainer.step, samples: r.sample({ count, temperature, topK: topK ?? undefined }, g) });
}

const MODEL_ONLY = "this run was opened without its train_state.safetensors: it can be sampled, not trained";

/** Keeps the run for a reload of the page (IndexedDB, web/keep.ts), if it has trained since the last time. */
async function keep(key: string, query: string): Promise<void> {
  const r = run;
  if (r === null || r.modelOnly || diverged || (r.trainer.step === kept.step && query === kept.query)) return;
  const step = r.trainer.step;
  const files = Object.fromEntries(Object.entries(r.checkpoint()).map(([k, v]) => [k, typeof v === "string" ? new TextEncoder().encode(v) : v]));
  const d = data!;
  try {
    await keepRun(key, { query, source: d.source, words: d.bytes, step, files, time: Date.now() });
  } catch {
    return; // storage refused (a private window): a reload just starts afresh
  }
  if (run !== r) return;
  kept = { step, query };
  post({ kind: "kept", step });
}

/** The kernels this worker runs, set by its first message (web/kernels.ts). */
let kernels: WorkerKernels = { note: null, setting: "auto" };

let ready: Promise<unknown> | null = null;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    await (ready ??= loadKernels(m).then((k) => (kernels = k)));
    switch (m.kind) {
      case "start":
        playing = false;
        watch = m.watch;
        start(m.settings, m.words, m.source);
        return;
      case "open":
        playing = false;
        watch = m.watch;
        open(m.files, m.words, m.source);
        return;
      case "play":
        if (run === null || playing) return;
        if (run.modelOnly) throw new MakemoreError(MODEL_ONLY);
        playing = true;
        loop();
        return;
      case "pause":
        playing = false;
        if (run) post({ kind: "paused", step: run.trainer.step });
        return;
      case "step":
        if (run?.modelOnly) throw new MakemoreError(MODEL_ONLY);
        if (run && !playing) train(m.count);
        return;
      case "retune":
        if (run === null) return;
        try {
          run.retune({ ...(m.lr !== undefined ? { lr: m.lr } : {}), ...(m.lrDecayStep !== undefined ? { lrDecayStep: m.lrDecayStep } : {}), ...(m.batchSize !== undefined ? { batchSize: m.batchSize } : {}) });
        } finally {
          post({ kind: "settings", settings: labSettings(run), lr: currentLr(run) }); // refused: the controls go back to the run's values
        }
        return;
      case "watch":
        watch = m.watch;
        return;
      case "download":
        if (run?.modelOnly) throw new MakemoreError("this run was opened without its train_state.safetensors: the lab has nothing to add to the files you opened");
        if (run) post({ kind: "files", step: run.trainer.step, files: { ...run.checkpoint() } });
        return;
      case "keep":
        await keep(m.key, m.query);
        return;
      case "tool":
        if (run) tool(m.tool);
        return;
      case "sample":
        if (run) sample(m.count, m.temperature, m.topK, demand!);
        return;
    }
  } catch (e) {
    fail(e);
  }
};
