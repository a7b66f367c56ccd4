// DIR/diagnostics.jsonl (Node): what a TrainingCollector (src/diagnostics/collector.ts) gathered while
// `makemore train` ran — curves that cannot be recomputed without training again — kept in the run
// directory, so that `makemore diagnose --report` and `--json` draw the same "During training" section
// as `makemore train --report`, and a resumed run's report covers all its steps.
//
// JSON lines, one object a line:
//   header (the first line)  {"format": "makemore-ts/training-diagnostics", "version": 2, "type": "lecture",
//                            "settingsSha256": "9f2c…", "every": 15, "snapshotStep": 1000, "firstLoss": 3.2871,
//                            "parameters": ["C", …], "parameterShapes": [[27, 10], …], "layers": ["hprebn", …]}
//                            — settingsSha256 (the sha256 of the run's settings tree, config.json's model,
//                            optimizer, schedule, vocabulary, data and training, as JSON with sorted keys),
//                            firstLoss (the run's step-0 minibatch loss) and the model's parameters and
//                            layers tie the file to its run: a file another run left is not drawn (runs
//                            alike in all of these train alike, step for step)
//   a point every `every` steps  {"step": 15, "loss": …, "lr": …, "saturated": …, "updateToData": [one per
//                            parameter], "outputStd": [one per layer], "gradStd": [one per layer]}; at most
//                            MAX_POINTS (2000) of them: a longer run's interval doubles (collector.ts)
//   batch diagnostics        {"batch": "first" | "snapshot" | "last", "step": 1000, …BatchDiagnostics
//                            (src/diagnostics/probe.ts)}: of the first step collected, of step snapshotStep
//                            (makemore part 3's look after 1000 steps) and of the run's last step
// Steps are 0-based step indices (the step event's), as in metrics.jsonl. Numbers that are not finite
// (NaN: no tanh layer, or AdamW's update:data) are written as the strings "NaN", "Infinity", "-Infinity".
//
// The file is written whole with every resumable save (--checkpoint-every, Ctrl-C, the end of the run)
// and with a best save that writes the whole checkpoint (a run's first save, when an estimate comes
// before any resumable save), in the same commit as the checkpoint (run_store.ts): after a crash it
// holds what was collected up to the last save, and a resumed run continues it (collector.ts
// `collectedBefore`: what lies at or past the save's step is dropped and done again). Read back leniently: a line that does not parse or does
// not fit (a truncated last line, a hand edit: a batch line is checked down to every number the charts
// read) is skipped with a note, never an error — the model and the rest of the report do not depend on it.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SNAPSHOT_STEP, type CollectedTraining, type StepDiagnostics, type TrainingSeries } from "../diagnostics/collector.ts";
import { sha256Hex } from "../train/checkpoint.ts";
import { settingsOf, type RunSettings } from "../train/config.ts";
import type { TrainingRun } from "../train/run.ts";
import { fsReason } from "./atomic-write.ts";
import { committedPath } from "./run_store.ts";

export const DIAGNOSTICS_FILE = "diagnostics.jsonl";
export const DIAGNOSTICS_FORMAT = "makemore-ts/training-diagnostics";
/** 2: the header names its run's settings (settingsSha256); a version-1 file is not drawn. */
export const DIAGNOSTICS_VERSION = 2;

interface Header {
  format: typeof DIAGNOSTICS_FORMAT;
  version: number;
  type: string;
  /** The sha256 of the run's settings tree (settingsSha256). */
  settingsSha256: string;
  every: number;
  snapshotStep: number;
  /** The run's first minibatch loss (null before its first step). */
  firstLoss: number | null;
  parameters: string[];
  parameterShapes: number[][];
  layers: string[];
}

interface Point {
  step: number;
  loss: number;
  lr: number;
  saturated: number;
  updateToData: number[];
  outputStd: number[];
  gradStd: number[];
}

const BATCHES = ["first", "snapshot", "last"] as const;
type BatchKind = (typeof BATCHES)[number];

/** JSON has no NaN or Infinity: they travel as strings. */
const writeNonFinite = (_k: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v);
const readNonFinite = (_k: string, v: unknown) => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v);
const line = (v: unknown) => JSON.stringify(v, writeNonFinite) + "\n";

/** JSON with every object's keys sorted: the same text for the same tree, however it was built or read. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/**
 * The sha256 (hex) of a run's settings tree (config.json's model, optimizer, schedule, vocabulary, data,
 * training): what ties a diagnostics file to the run that collected it.
 */
export function settingsSha256(settings: RunSettings): string {
  return sha256Hex(new TextEncoder().encode(canonicalJson(settingsOf(settings))));
}

/** The run's first minibatch loss, which ties a diagnostics file to it (null before its first step). */
function firstLossOf(run: TrainingRun): number | null {
  return run.trainer.step > 0 ? run.trainer.losses[0] : null;
}

/** A number as JSON, or as the string "NaN", "Infinity", "-Infinity" (what `readNonFinite` reads back). */
const num = (x: number) => (Number.isFinite(x) ? String(x) : `"${x}"`);
const nums = (xs: number[][], i: number) => `[${xs.map((row) => num(row[i])).join(",")}]`;

/** Point `i` of `s` as its line (written by hand: a save writes thousands of them). */
function pointLine(s: TrainingSeries, i: number): string {
  return (
    `{"step":${s.steps[i]},"loss":${num(s.loss[i])},"lr":${num(s.lr[i])},"saturated":${num(s.saturated[i])},` +
    `"updateToData":${nums(s.updateToData, i)},"outputStd":${nums(s.outputStd, i)},"gradStd":${nums(s.gradStd, i)}}\n`
  );
}

// A collector's series grow, and thin only by doubling their interval (collector.ts), and its batch
// diagnostics, once taken, do not change: what a save encoded is kept for the next, which re-encodes
// only the points collected since — or all of them after a thinning (the interval it was encoded at
// differs).
const pointsText = new WeakMap<TrainingSeries, { n: number; every: number; text: string }>();
const batchText = new WeakMap<StepDiagnostics, Partial<Record<BatchKind, string>>>();

/**
 * DIR/diagnostics.jsonl's text for what `c` collected on `run`: its points and batch diagnostics of the
 * steps below the run's steps done (a collector's points are in step order).
 */
export function encodeDiagnostics(c: CollectedTraining & { snapshotStep?: number }, run: TrainingRun): string {
  const step = run.trainer.step;
  const s = c.series;
  const header: Header = {
    format: DIAGNOSTICS_FORMAT,
    version: DIAGNOSTICS_VERSION,
    type: run.model.type,
    settingsSha256: settingsSha256(run.settings),
    every: s.every,
    snapshotStep: c.snapshotStep ?? SNAPSHOT_STEP,
    firstLoss: firstLossOf(run),
    parameters: s.parameters,
    parameterShapes: s.parameterShapes,
    layers: s.layers,
  };
  let n = s.steps.length;
  while (n > 0 && s.steps[n - 1] >= step) n--;
  const cached = pointsText.get(s);
  const valid = cached !== undefined && cached.every === s.every && cached.n <= n;
  let points = valid ? cached.text : "";
  for (let i = valid ? cached.n : 0; i < n; i++) points += pointLine(s, i);
  pointsText.set(s, { n, every: s.every, text: points });
  const out = [line(header), points];
  const batches: Record<BatchKind, StepDiagnostics | null> = { first: c.first, snapshot: c.snapshot, last: c.last };
  for (const kind of BATCHES) {
    const b = batches[kind];
    if (b === null || b.step >= step) continue;
    const texts = batchText.get(b) ?? {};
    out.push((texts[kind] ??= line({ batch: kind, ...b })));
    batchText.set(b, texts);
  }
  return out.join("");
}

/** What the file must match to be the run's own: its settings, its model and its first loss. */
export interface DiagnosticsExpectation {
  type: string;
  /** settingsSha256 of the run's settings. */
  settingsSha256: string;
  parameters: string[];
  parameterShapes: number[][];
  layers: string[];
  firstLoss: number | null;
  /** The run's steps done: what was collected at or past it is dropped. */
  stepsDone: number;
}

/** What a run directory's diagnostics.jsonl held, and a note per line skipped (or why the whole file was). */
export interface DiagnosticsRead {
  collected: CollectedTraining | null;
  notes: string[];
}

export function expectationOf(run: TrainingRun): DiagnosticsExpectation {
  const params = run.model.parameters();
  return {
    type: run.model.type,
    settingsSha256: settingsSha256(run.settings),
    parameters: params.map((p) => p.name),
    parameterShapes: params.map((p) => [...p.shape]),
    layers: run.model.activations().map((a) => a.name),
    firstLoss: firstLossOf(run),
    stepsDone: run.trainer.step,
  };
}

const isNum = (v: unknown): v is number => typeof v === "number";
const isStep = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStr = (v: unknown): v is string => typeof v === "string";
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const listOf = (v: unknown, item: (x: unknown) => boolean): v is unknown[] => Array.isArray(v) && v.every(item);
const numbers = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every(isNum);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function isPoint(v: Record<string, unknown>, e: DiagnosticsExpectation): boolean {
  return (
    isStep(v.step) && isNum(v.loss) && isNum(v.lr) && isNum(v.saturated) &&
    numbers(v.updateToData, e.parameters.length) && numbers(v.outputStd, e.layers.length) && numbers(v.gradStd, e.layers.length)
  );
}

// A batch line, checked down to every number a chart or `diagnose` reads (probe.ts BatchDiagnostics,
// layers.ts LayerStats and ParameterStats, stats.ts Histogram), so that a damaged one is skipped here
// rather than failing the report.

/** stats.ts Histogram: lo, hi, and centers, counts and density of one length. */
function isHistogram(v: unknown): boolean {
  return isObj(v) && isNum(v.lo) && isNum(v.hi) && listOf(v.centers, isNum) && numbers(v.counts, v.centers.length) && numbers(v.density, v.centers.length);
}

/** layers.ts LayerStats: the output's statistics and histogram, the gradient's (or null). */
function isLayer(v: unknown): boolean {
  if (!isObj(v) || !isStep(v.index) || !isStr(v.name) || !isStr(v.kind) || !listOf(v.shape, isStep)) return false;
  const out = v.output;
  if (!isObj(out) || !isNum(out.mean) || !isNum(out.std) || !isNum(out.saturated) || !isHistogram(out.histogram)) return false;
  const g = v.grad;
  return g === null || (isObj(g) && isNum(g.mean) && isNum(g.std) && isHistogram(g.histogram));
}

/** layers.ts ParameterStats. */
function isParameter(v: unknown): boolean {
  return (
    isObj(v) && isStr(v.name) && listOf(v.shape, isStep) && isNum(v.dataStd) && isNum(v.gradMean) && isNum(v.gradStd) &&
    isNum(v.gradToData) && (v.updateToDataLog10 === null || isNum(v.updateToDataLog10)) && isHistogram(v.histogram)
  );
}

/** probe.ts BitImage: `rows` strings of `cols` 0s and 1s. */
function isBitImage(v: unknown): boolean {
  if (!isObj(v) || !isStep(v.rows) || !isStep(v.cols) || !isNum(v.threshold) || !isNum(v.share)) return false;
  const { rows, cols } = v;
  return Array.isArray(v.bits) && v.bits.length === rows && v.bits.every((r) => isStr(r) && r.length === cols && /^[01]*$/.test(r));
}

/** probe.ts FloatImage: rows × cols values. */
function isFloatImage(v: unknown): boolean {
  return isObj(v) && isStep(v.rows) && isStep(v.cols) && numbers(v.values, v.rows * v.cols);
}

/** A batch line: which batch, its step, and a whole BatchDiagnostics (probe.ts). */
function isBatch(v: Record<string, unknown>): boolean {
  return (
    BATCHES.includes(v.batch as BatchKind) && isStep(v.step) && isStep(v.batchSize) && isNum(v.loss) &&
    listOf(v.layers, isLayer) && listOf(v.parameters, isParameter) && (v.saturation === null || isBitImage(v.saturation)) &&
    listOf(v.deadOnBatch, isStep) && isHistogram(v.logits) && isFloatImage(v.dlogits)
  );
}

/** Why a header does not belong to the expected run, or null if it does. */
function headerMismatch(h: Record<string, unknown>, e: DiagnosticsExpectation): string | null {
  if (h.format !== DIAGNOSTICS_FORMAT) return `its first line is not a header of ${DIAGNOSTICS_FORMAT}`;
  if (h.version !== DIAGNOSTICS_VERSION) return `version ${String(h.version)}, this makemore-ts reads version ${DIAGNOSTICS_VERSION}`;
  if (!isStep(h.every) || (h.every as number) < 1 || !isStep(h.snapshotStep) || !isStr(h.settingsSha256)) return "its header is damaged";
  if (h.type !== e.type || !same(h.parameters, e.parameters) || !same(h.parameterShapes, e.parameterShapes) || !same(h.layers, e.layers)) {
    return `it was collected on another model (${String(h.type)}: ${Array.isArray(h.parameters) ? h.parameters.join(", ") : "?"})`;
  }
  if (h.settingsSha256 !== e.settingsSha256) return "it was collected on another run (its settings differ from this run's config.json: left by a run this one replaced)";
  const f = h.firstLoss;
  if (!(f === e.firstLoss || (e.firstLoss === null && f === null))) return `it was collected on another run (its first loss ${String(f)}, this run's ${String(e.firstLoss)})`;
  return null;
}

/**
 * Reads a diagnostics.jsonl text (`where` names it in notes) for the run `e` describes: the points and
 * batch diagnostics before its steps done, in step order (a step written twice: the later line). Lines
 * that do not parse or do not fit are skipped with a note; a header of another run or model drops all.
 */
export function decodeDiagnostics(text: string, e: DiagnosticsExpectation, where: string): DiagnosticsRead {
  const notes: string[] = [];
  const lines = text.split("\n");
  let header: Header | null = null;
  const points = new Map<number, Point>();
  const batches: Record<BatchKind, StepDiagnostics | null> = { first: null, snapshot: null, last: null };
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(lines[i], readNonFinite);
    } catch (err) {
      notes.push(`${where}:${i + 1}: skipped, not valid JSON (${(err as Error).message})${i === lines.length - 1 ? "; a write cut short leaves such a last line" : ""}`);
      continue;
    }
    const o = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    if (header === null) {
      const why = headerMismatch(o, e);
      if (why !== null) return { collected: null, notes: [...notes, `${where}: not drawn: ${why}`] };
      header = o as unknown as Header;
      continue;
    }
    if ("batch" in o) {
      if (!isBatch(o)) notes.push(`${where}:${i + 1}: skipped, not the batch diagnostics of a step`);
      else if ((o.step as number) < e.stepsDone) {
        const { batch, ...b } = o;
        batches[batch as BatchKind] = b as unknown as StepDiagnostics;
      }
      continue;
    }
    if (!isPoint(o, e)) {
      notes.push(`${where}:${i + 1}: skipped, not a collected point of this model`);
      continue;
    }
    if ((o.step as number) < e.stepsDone) points.set(o.step as number, o as unknown as Point);
  }
  if (header === null) return { collected: null, notes: [...notes, `${where}: not drawn: it holds no header line`] };
  const ordered = [...points.values()].sort((a, b) => a.step - b.step);
  const series: TrainingSeries = {
    every: header.every,
    steps: ordered.map((p) => p.step),
    loss: ordered.map((p) => p.loss),
    lr: ordered.map((p) => p.lr),
    saturated: ordered.map((p) => p.saturated),
    parameters: e.parameters,
    parameterShapes: e.parameterShapes,
    updateToData: e.parameters.map((_, j) => ordered.map((p) => p.updateToData[j])),
    layers: e.layers,
    outputStd: e.layers.map((_, k) => ordered.map((p) => p.outputStd[k])),
    gradStd: e.layers.map((_, k) => ordered.map((p) => p.gradStd[k])),
  };
  return { collected: { series, ...batches }, notes };
}

/**
 * What DIR/diagnostics.jsonl holds for `run` (loaded from DIR): nothing (null, no note) for a run saved
 * without it; null with a note if it cannot be read or belongs to another run.
 */
export function readDiagnostics(dir: string, run: TrainingRun): DiagnosticsRead {
  const path = committedPath(dir, DIAGNOSTICS_FILE);
  if (!existsSync(path)) return { collected: null, notes: [] };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { collected: null, notes: [`${join(dir, DIAGNOSTICS_FILE)}: not drawn: cannot read it: ${fsReason(err)}`] };
  }
  return decodeDiagnostics(text, expectationOf(run), join(dir, DIAGNOSTICS_FILE));
}
