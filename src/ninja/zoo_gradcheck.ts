// `makemore gradcheck --type T` as a library call: the gradient of every parameter of a registered model
// type, from its fast path (src/models/ and src/nn/: forward, loss, hand-written backward — the code the
// Trainer runs), against the autograd oracle of the same type (zoo_oracle.ts) on the same parameters and
// batch, printed as the lecture's cmp table (exact / approximate / maxdiff), one row per parameter. The
// oracle runs in float64, so a row's maxdiff is the fast path's float32 rounding, and "exact" says the fast
// path's float32 gradient is the float64 one correctly rounded. Two setups:
//   from a seed   the run `makemore train --type T` would start: the split, the init drawn in PyTorch's
//                 order, then the first batch's randint from the same generator (TrainingRun.create's steps);
//   a reference   a real-PyTorch file in shared/reference/zoo/'s layout (zoo_reference.ts): its parameters
//                 and batch, and each row also held against PyTorch's gradient (grad.<name>).
// Weights the fast path stores in another layout than the oracle's (the lectures' (in, out) against
// PyTorch's (out, in)) are transposed on the way in and their gradients on the way back.
// Letters: B batch, T block size.

import { ConfigError } from "../errors.ts";
import { formatBytes, wasmKernels, type Kernels } from "../kernels/index.ts";
import { buildRunCorpus, wordsHash } from "../data/corpus.ts";
import { Vocabulary } from "../data/vocabulary.ts";
import { checkMemory, planMemory } from "../models/memory.ts";
import { numParameters, zeroGrad, type Model, type ModelConfigBase } from "../models/model.ts";
import { buildModel, initModel, modelConfig, modelType } from "../models/registry.ts";
import { Generator } from "../random/generator.ts";
import { Tensor } from "../tensor/tensor.ts";
import { resolveSettings, splitOf } from "../train/config.ts";
import type { RunOptions, WordSource } from "../train/run.ts";
import { cmp, formatCmp, formatDiff, maxDiff, type CmpResult } from "./cmp.ts";
import { fastPathTolerance, referenceTolerance } from "./gradcheck.ts";
import { zooGradients, zooOracle, type OracleConfig } from "./zoo_oracle.ts";
import type { ZooReference } from "./zoo_reference.ts";

export interface ZooGradcheckRow extends CmpResult {
  /** The weight is stored transposed on the fast path (the lectures' layout): compared in the fast path's. */
  transposed: boolean;
  /** Present when checked against a reference file. */
  reference?: { autograd: number; fast: number; ok: boolean };
}

export interface ZooGradcheckReport {
  type: string;
  source: { kind: "seed"; seed: string } | { kind: "reference"; file: string };
  /** The model config the fast path was built with. */
  config: Record<string, unknown>;
  parameters: number;
  batchSize: number;
  /** Targets the loss averages over (not −1). */
  targets: number;
  kernels: "wasm" | "ts";
  /** The fast path's loss (float32) and the oracle's (float64). */
  loss: { fast: number; autograd: number };
  rows: ZooGradcheckRow[];
  failures: string[];
  ok: boolean;
}

/** The loss tolerance between the fast path (float32 sums) and the float64 oracle. */
const LOSS_RTOL = 1e-5;

/** Copies a parameter's values as a tensor of `shape` (its own, or transposed for the oracle). */
function copyParam(data: Float32Array, shape: readonly number[], transpose: boolean): Tensor {
  const t = new Tensor(data.slice(), shape);
  return transpose ? t.T.clone() : t;
}

/** Both shapes 2-D and each the other reversed (a square matrix counts as the same layout). */
function reversed(a: readonly number[], b: readonly number[]): boolean {
  return a.length === 2 && b.length === 2 && a[0] === b[1] && a[1] === b[0] && a[0] !== a[1];
}

/**
 * Runs the check on `model` (its parameters as they are) and the batch X (B, T), Y (B·targetsPerRow) int32.
 * `reference` adds PyTorch's gradients. The model's kernels' arena gets the batch's tokens for the call only.
 */
export function zooGradcheck(
  model: Model,
  X: Tensor,
  Y: Tensor,
  source: ZooGradcheckReport["source"],
  reference?: ZooReference,
): ZooGradcheckReport {
  const config = model.config as unknown as OracleConfig & Record<string, unknown>;
  const oracle = zooOracle(model.type);
  const expected = new Map(oracle.shapes(config));
  const params: Record<string, Tensor> = {};
  const transposed = new Set<string>();
  for (const p of model.parameters()) {
    const want = expected.get(p.name);
    if (want === undefined) throw new ConfigError(`gradcheck --type ${model.type}: the fast path's parameter '${p.name}' is not one of the oracle's (${[...expected.keys()].join(", ")})`);
    const same = want.length === p.shape.length && want.every((d, i) => d === p.shape[i]);
    if (!same && !reversed(want, p.shape)) {
      throw new ConfigError(`gradcheck --type ${model.type}: parameter '${p.name}' is [${p.shape.join(", ")}] on the fast path, the oracle's is [${want.join(", ")}]`);
    }
    if (!same) transposed.add(p.name);
    params[p.name] = copyParam(p.data.view, p.shape, !same);
  }
  const missing = [...expected.keys()].filter((k) => !(k in params));
  if (missing.length > 0) throw new ConfigError(`gradcheck --type ${model.type}: the fast path has no parameter ${missing.join(", ")}`);

  // the fast path: forward, loss, zeroGrad, backward, as the Trainer's step does
  const [B, T] = X.shape;
  const k = model.kernels;
  const mark = k.arena.mark();
  let fastLoss: number;
  try {
    model.train(true);
    model.forward({ data: k.arena.i32From(X.data), shape: [B, T] });
    fastLoss = model.loss(Y.data as Int32Array);
    zeroGrad(model);
    model.backward();
  } finally {
    k.arena.release(mark);
  }

  // the oracle on the same parameters and batch (float64)
  const yShape = model.targetsPerRow === 1 ? [B] : [B, T];
  const oracleRun = zooGradients(params, X, Y.reshape(yShape), config);
  const failures: string[] = [];
  if (!(Math.abs(fastLoss - oracleRun.loss) <= LOSS_RTOL * Math.max(1, Math.abs(oracleRun.loss)))) {
    failures.push(`loss: fast path ${fastLoss}, autograd ${oracleRun.loss}`);
  }
  const rows = model.parameters().map((p): ZooGradcheckRow => {
    const flip = transposed.has(p.name);
    const fast = new Tensor(p.grad.view.slice(), p.shape);
    const exact = oracleRun.grads[p.name].to("float32"); // the float64 gradient, rounded once
    const autograd = flip ? exact.T.clone() : exact; //     in the fast path's layout
    const r: ZooGradcheckRow = { ...cmp(p.name, fast, autograd, fastPathTolerance(autograd)), transposed: flip };
    if (!r.approximate) failures.push(`${p.name} (maxdiff ${formatDiff(r.maxdiff)})`);
    if (reference) {
      const theirs = flip ? reference.grads[p.name].T.clone() : reference.grads[p.name];
      const tol = referenceTolerance(theirs, oracleRun.targets);
      const a = maxDiff(autograd, theirs, tol);
      const f = maxDiff(fast, theirs, tol);
      r.reference = { autograd: a.maxdiff, fast: f.maxdiff, ok: a.close && f.close };
      if (!r.reference.ok) {
        const what = [!a.close && "autograd's gradient", !f.close && "the fast path's gradient"].filter(Boolean).join(", ");
        failures.push(`${p.name} vs PyTorch: ${what} outside float32 tolerance`);
      }
    }
    return r;
  });
  return {
    type: model.type,
    source,
    config: { ...config },
    parameters: numParameters(model),
    batchSize: B,
    targets: oracleRun.targets,
    kernels: k.name === "ts" ? "ts" : "wasm",
    loss: { fast: fastLoss, autograd: oracleRun.loss },
    rows,
    failures,
    ok: failures.length === 0,
  };
}

/**
 * The autograd side's bytes per byte of the fast path's plan (src/models/memory.ts): the graph keeps every
 * intermediate in float64, measured at 2.5–4.8 times the plan's bytes for the zoo's types at makemore.py's
 * sizes (the transformer most), and the backward adds gradients of about as much.
 */
export const AUTOGRAD_BYTES_PER_PLAN_BYTE = 12;

/** Throws a ConfigError when the oracle's graph for `config` and `batchSize` rows would not fit in `limit` bytes. */
export function checkAutogradMemory(config: ModelConfigBase, batchSize: number, limit: number): void {
  const need = AUTOGRAD_BYTES_PER_PLAN_BYTE * planMemory(config, { batchSize }).total;
  if (need > limit) {
    throw new ConfigError(
      `gradcheck --type ${config.type} with a batch of ${batchSize}: the autograd side of the check would hold about ${formatBytes(need)}, ` +
        `more than the ${formatBytes(limit)} it may use: use a smaller --batch-size or model`,
    );
  }
}

export interface ZooSeedOptions {
  type: string;
  /** Default: the type's (makemore.py: 3407). */
  seed?: number | bigint;
  /** Default: the type's (32). */
  batchSize?: number;
  /** Settings of the type (its config fields). */
  model?: Record<string, unknown>;
  torchVersion?: RunOptions["torchVersion"];
  /** Bytes the autograd side may use (default: no limit). */
  memoryLimit?: number;
}

/**
 * The check on the run `makemore train --type T` would start on `data`: the split, the init, and then the
 * first batch drawn from the run's generator as the Trainer draws it. The steps of TrainingRun.create, with
 * the model built for the batch only (a run's is built for its evaluation chunks too).
 */
export function zooGradcheckFromSeed(data: WordSource, options: ZooSeedOptions, kernels: Kernels = wasmKernels()): ZooGradcheckReport {
  zooOracle(options.type); // a type without an oracle fails before any work
  const type = modelType(options.type);
  const runOptions: RunOptions = {
    type: options.type, seed: options.seed, batchSize: options.batchSize, model: options.model, torchVersion: options.torchVersion,
  };
  const generator = new Generator(options.seed ?? type.training.seed, { torchVersion: options.torchVersion ?? "2.x" });
  const vocab = Vocabulary.fromWords(data.words);
  const windows = type.data === "windows" ? modelConfig(type.type, { vocabSize: vocab.size }, options.model ?? {}) : undefined;
  const corpus = buildRunCorpus(data.words, { rows: type.data, split: splitOf(runOptions), blockSize: windows?.blockSize, generator, vocab, source: data.source });
  const { settings } = resolveSettings(runOptions, {
    vocabulary: [...vocab.chars], blockSize: corpus.blockSize, file: data.source, sha256: wordsHash(data.words), words: data.words.length,
  });
  const B = settings.training.batchSize;
  checkMemory(settings.model, kernels.arena, { batchSize: B });
  if (options.memoryLimit !== undefined) checkAutogradMemory(settings.model, B, options.memoryLimit);
  const mark = kernels.arena.mark();
  try {
    const model = buildModel(settings.model, kernels, B);
    initModel(model, generator);
    const train = corpus.data.train!;
    const ix = generator.randint(0, train.size, [B]); // ix = torch.randint(0, len(train), (B,)), the Trainer's first draw
    const [T, P] = [train.blockSize, train.targetsPerRow];
    const X = new Int32Array(B * T);
    const Y = new Int32Array(B * P);
    ix.forEach((e, b) => {
      X.set(train.X.subarray(e * T, (e + 1) * T), b * T); // Xb = Xtr[ix]
      Y.set(train.Y.subarray(e * P, (e + 1) * P), b * P); // Yb = Ytr[ix]
    });
    return zooGradcheck(model, new Tensor(X, [B, T]), new Tensor(Y, [B * P]), { kind: "seed", seed: String(settings.training.seed) });
  } finally {
    kernels.arena.release(mark);
  }
}

/**
 * The check on a reference file's parameters and batch: the fast-path model of its type built with the sizes
 * its shapes tell (`model` adds settings they do not, such as the transformer's nHead).
 */
export function zooGradcheckReference(
  ref: ZooReference,
  { kernels = wasmKernels(), model = {}, memoryLimit }: { kernels?: Kernels; model?: Record<string, unknown>; memoryLimit?: number } = {},
): ZooGradcheckReport {
  const t = modelType(ref.type);
  const known = new Set(Object.keys(t.defaults));
  const sizes = Object.fromEntries(Object.entries(ref.config).filter(([key]) => known.has(key) && key !== "type"));
  const [B, T] = ref.X.shape;
  const config = modelConfig(ref.type, { vocabSize: ref.config.vocabSize, blockSize: T }, { ...sizes, ...model, ...(known.has("blockSize") ? { blockSize: T } : {}) });
  if (memoryLimit !== undefined) checkAutogradMemory(config, B, memoryLimit);
  const mark = kernels.arena.mark();
  try {
    const m = buildModel(config, kernels, B);
    for (const p of m.parameters()) {
      const theirs = ref.params[p.name];
      if (theirs === undefined) throw new ConfigError(`${ref.file}: the fast path's parameter '${p.name}' is not in the file`);
      const same = theirs.shape.length === p.shape.length && theirs.shape.every((d, i) => d === p.shape[i]);
      p.data.view.set((same ? theirs : theirs.T.clone()).data);
    }
    return zooGradcheck(m, ref.X, ref.Y.reshape(-1), { kind: "reference", file: ref.file }, ref);
  } finally {
    kernels.arena.release(mark);
  }
}

function formatRow(r: ZooGradcheckRow, width: number): string {
  const line = formatCmp({ ...r, name: r.name.padEnd(width) }) + (r.transposed ? " (transposed)" : "");
  if (!r.reference) return line;
  const { autograd, fast, ok } = r.reference;
  return `${line.padEnd(width + 56)} | vs PyTorch: autograd ${formatDiff(autograd).padEnd(7)} fast ${formatDiff(fast).padEnd(7)} ${ok ? "ok" : "NOT OK"}`;
}

/** The report: a header, one cmp row per parameter, a verdict. */
export function formatZooGradcheck(r: ZooGradcheckReport): string {
  const src = r.source.kind === "seed" ? `seed ${r.source.seed}` : `reference ${r.source.file}`;
  const width = Math.max(15, ...r.rows.map((x) => x.name.length));
  return [
    `gradcheck --type ${r.type}: ${src}, batch ${r.batchSize} (${r.targets} targets), ${r.parameters} parameters`,
    `loss: fast path ${r.loss.fast.toFixed(7)} (src/nn, ${r.kernels} kernels), autograd ${r.loss.autograd.toFixed(7)} (float64)`,
    "every parameter's gradient, the fast path's hand-written backward against autograd; approximate: within 1e-5 of the gradient's scale",
    ...r.rows.map((row) => formatRow(row, width)),
    r.ok
      ? `ok: ${r.rows.length === 1 ? "the 1 gradient" : `all ${r.rows.length} gradients`} approximately equal${r.source.kind === "reference" ? ", and within float32 tolerance of PyTorch" : ""}`
      : `FAILED: ${r.failures.join("; ")}`,
  ].join("\n");
}
