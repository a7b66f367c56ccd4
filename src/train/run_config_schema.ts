// The schema of a run directory's JSON: config.json (RunConfig) and the lines of metrics.jsonl
// (MetricLine). Every field is checked for type, range and shape, and the fields against each other
// (vocabulary and model.vocabSize, steps and stepsDone, the generator's and the run's torch version, …);
// the first defect is one CheckpointError naming the file and the field's path:
//   out/config.json: training.batchSize must be a positive integer (got "lots"); the file is damaged or
//   was edited — retrain or restore it
// JSON has no NaN: a loss that was NaN or infinite is saved as null and read back as NaN. Keys this
// schema does not know are left alone (a newer field is not damage).

import { CheckpointError, MakemoreError } from "../errors.ts";
import { BOUNDARY } from "../data/words.ts";
import { checkModelConfig, modelType, modelTypeNames } from "../models/registry.ts";
import { MT_N } from "../random/mt19937.ts";
import type { RunConfig, MetricLine } from "./checkpoint.ts";
import { checkOptimizerConfig } from "./optimizer.ts";
import { hasBatchNorm, MAX_STEPS } from "./config.ts";

type Json = Record<string, unknown>;
type Fail = (path: string, problem: string) => never;

const DAMAGED = "the file is damaged or was edited — retrain or restore it";
const U64_LIMIT = 1n << 64n;
const TORCH_VERSIONS = ["2.x", "1.13"] as const;
const EVAL_STATS = ["calibrated", "running"] as const;
const SPLITS = ["train", "val", "test"] as const;
const KERNELS_BUILDS = ["simd", "relaxed", "ts"] as const;
const SHA256 = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A value for a message: JSON, cut short (a generator state holds 624 words). */
function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isFinite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isU64 = (v: unknown): v is string => typeof v === "string" && DECIMAL.test(v) && BigInt(v) < U64_LIMIT;

/** Reads typed fields of one JSON object; `path` is where the object sits in the file ("training"). */
class Fields {
  constructor(
    readonly o: Json,
    readonly path: string,
    readonly fail: Fail,
  ) {}

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** The field's value; a missing field is a defect. */
  value(key: string): unknown {
    const v = Object.prototype.hasOwnProperty.call(this.o, key) ? this.o[key] : undefined;
    if (v === undefined) this.fail(this.at(key), "is missing");
    return v;
  }

  check<T>(key: string, what: string, ok: (v: unknown) => boolean): T {
    const v = this.value(key);
    if (!ok(v)) this.fail(this.at(key), `must be ${what} (got ${show(v)})`);
    return v as T;
  }

  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const what = max < Number.MAX_SAFE_INTEGER ? `an integer in ${min}..${max}` : min === 1 ? "a positive integer" : `an integer >= ${min}`;
    return this.check(key, what, (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);
  }

  positive(key: string): number {
    return this.check(key, "a finite number > 0", (v) => isFinite(v) && v > 0);
  }

  oneOf<T>(key: string, choices: readonly T[]): T {
    return this.check(key, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, (v) => choices.includes(v as T));
  }

  oneOfOrNull<T>(key: string, choices: readonly T[]): T | null {
    const what = `one of ${choices.map((c) => JSON.stringify(c)).join(", ")} or null`;
    return this.check(key, what, (v) => v === null || choices.includes(v as T));
  }

  object(key: string): Fields {
    return new Fields(this.check(key, "an object", isObject), this.at(key), this.fail);
  }

  /** A loss (cross-entropy, >= 0), or null for one that was NaN or infinite (read as NaN). */
  loss(key: string): number {
    const v = this.check<number | null>(key, "a number >= 0 (or null)", (x) => (typeof x === "number" && x >= 0) || x === null);
    return v ?? NaN;
  }
}

/** Checks config.json's parsed object field by field (format and version already checked); `where` names the file. */
export function checkRunConfig(raw: Json, where: string): RunConfig {
  const fail: Fail = (path, problem) => {
    throw new CheckpointError(`${path} ${problem}; ${DAMAGED}`, where);
  };
  const top = new Fields(raw, "", fail);

  // model: its type first (an unknown type is a defect of this file, not a flag), then its own checks
  const model = top.object("model");
  const type = modelType(model.oneOf("type", modelTypeNames()));
  for (const key of ["vocabSize", "blockSize", ...Object.keys(type.defaults)]) model.value(key);
  raw.model = rethrow("model", fail, () => checkModelConfig(model.o));
  top.object("optimizer");
  raw.optimizer = rethrow("optimizer", fail, () => checkOptimizerConfig(raw.optimizer));

  const schedule = top.object("schedule");
  schedule.positive("lr");
  schedule.check("decayStep", "null or an integer >= 0", (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0));
  schedule.positive("lrAfterDecay");

  const vocabulary = top.check<unknown[]>("vocabulary", `a list of characters starting with "${BOUNDARY}"`, (v) => Array.isArray(v) && v[0] === BOUNDARY);
  checkVocabulary(vocabulary, fail);
  if (vocabulary.length !== model.o.vocabSize) {
    fail("model.vocabSize", `is ${show(model.o.vocabSize)} but vocabulary holds ${vocabulary.length} tokens`);
  }

  const data = top.object("data");
  data.check("file", "a file name", (v) => typeof v === "string" && v !== "" && !v.includes("\0"));
  data.check("sha256", "64 lowercase hex digits", (v) => typeof v === "string" && SHA256.test(v));
  data.int("words", 1);
  data.int("maxLineLength", 1);
  const split = data.object("split");
  const kinds = type.data === "windows" ? (["shuffle", "file-order"] as const) : (["randperm"] as const);
  if (split.oneOf<string>("kind", kinds) === "shuffle") split.int("seed", Number.MIN_SAFE_INTEGER);

  const training = top.object("training");
  training.int("batchSize", 1);
  training.check("seed", "a decimal string of a 64-bit seed", isU64);
  const torchVersion = training.oneOf("torchVersion", TORCH_VERSIONS);
  const batchNorm = hasBatchNorm(type, model.o);
  if (batchNorm) training.oneOf("evalStats", EVAL_STATS);
  else training.check("evalStats", `null (this ${type.type} model has no BatchNorm)`, (v) => v === null);

  const stepsDone = top.int("stepsDone");
  top.int("steps", stepsDone);
  top.int("optimizerSteps");
  // a run saved before the build was recorded trained under the plain build, then the only default
  if (!Object.prototype.hasOwnProperty.call(raw, "kernels")) raw.kernels = "simd";
  else top.oneOf("kernels", KERNELS_BUILDS);

  const generator = top.object("generator");
  generator.oneOf("kind", ["torch.Generator"]);
  generator.check("torchVersion", `${JSON.stringify(torchVersion)} (training.torchVersion)`, (v) => v === torchVersion);
  generator.check("seed", "a decimal string of a 64-bit seed", isU64);
  const mt = generator.check<unknown[]>("mt", `a list of ${MT_N} words`, (v) => Array.isArray(v) && v.length === MT_N);
  const bad = mt.findIndex((w) => !(Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff));
  if (bad >= 0) fail(`generator.mt[${bad}]`, `must be a 32-bit unsigned integer (got ${show(mt[bad])})`);
  generator.int("idx", 0, MT_N);
  generator.check("normalCache", "null or a finite number", (v) => v === null || isFinite(v));

  if (top.value("metrics") !== null) {
    const metrics = top.object("metrics");
    for (const s of SPLITS) if (Object.prototype.hasOwnProperty.call(metrics.o, s)) metrics.o[s] = metrics.loss(s);
    metrics.oneOfOrNull("bnStats", EVAL_STATS);
    metrics.int("step", 0, stepsDone);
  }

  top.check("evalEvery", "null or a positive integer", (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 1));
  if (top.value("best") !== null) {
    const best = top.object("best");
    // past stepsDone after a best save, and past steps if --resume shortened the run after one
    best.int("step", 0, MAX_STEPS);
    best.oneOf("split", SPLITS);
    best.o.loss = best.loss("loss");
    best.int("rows", 1);
  }

  const files = top.object("files");
  for (const name of ["model.safetensors", "train_state.safetensors"]) {
    files.check(name, "a sha256 of 64 lowercase hex digits", (v) => typeof v === "string" && SHA256.test(v));
  }
  return raw as unknown as RunConfig;
}

/** The boundary token, then distinct single characters in code-point order (Vocabulary.fromWords). */
function checkVocabulary(vocabulary: unknown[], fail: Fail): void {
  if (vocabulary.length < 2) fail("vocabulary", `must hold "${BOUNDARY}" and at least one character (got ${show(vocabulary)})`);
  let previous = -1;
  vocabulary.forEach((c, i) => {
    if (i === 0) return;
    if (typeof c !== "string" || [...c].length !== 1 || c === BOUNDARY) {
      fail(`vocabulary[${i}]`, `must be a single character other than "${BOUNDARY}" (got ${show(c)})`);
    }
    const code = (c as string).codePointAt(0)!;
    if (code <= previous) fail(`vocabulary[${i}]`, `${show(c)} is out of order: the characters are sorted, each once`);
    previous = code;
  });
}

/** Runs a check of another module (model, optimizer), its ConfigError re-thrown as this file's defect. */
function rethrow<T>(section: string, fail: Fail, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof MakemoreError)) throw e;
    const m = e.message;
    return m.startsWith(`${section}.`) ? fail(m.slice(0, m.indexOf(" ")), m.slice(m.indexOf(" ") + 1)) : fail(section, `is invalid: ${m}`);
  }
}

/** Checks one parsed line of metrics.jsonl; `where` names the file and line ("out/metrics.jsonl:3"). */
export function checkMetricLine(raw: unknown, where: string): MetricLine {
  const fail: Fail = (path, problem) => {
    throw new CheckpointError(`${path} ${problem}; ${DAMAGED}`, where);
  };
  if (!isObject(raw)) fail("the line", `must be a JSON object (got ${show(raw)})`);
  const line = new Fields(raw as Json, "", fail);
  line.int("step");
  if (Object.prototype.hasOwnProperty.call(line.o, "eval")) {
    // an estimate while training: {step, eval: {train, test}, rows: {train, test}, best, bnStats}
    const losses = line.object("eval");
    const rows = line.object("rows");
    const splits = Object.keys(losses.o);
    if (splits.length === 0) fail("eval", "must hold the loss of at least one split");
    for (const k of splits) {
      if (!(SPLITS as readonly string[]).includes(k)) fail(`eval.${k}`, `is not a split (one of ${SPLITS.join(", ")})`);
      losses.o[k] = losses.loss(k);
      rows.int(k, 1);
    }
    line.check("best", "true or false", (v) => typeof v === "boolean");
    line.oneOfOrNull("bnStats", EVAL_STATS);
  } else if (Object.prototype.hasOwnProperty.call(line.o, "split")) {
    line.oneOf("split", SPLITS);
    line.o.loss = line.loss("loss");
    line.oneOfOrNull("bnStats", EVAL_STATS);
  } else {
    line.o.loss = line.loss("loss");
    line.positive("lr");
  }
  return line.o as unknown as MetricLine;
}
