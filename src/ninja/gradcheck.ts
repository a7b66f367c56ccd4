// The gradient check of makemore part 4, as a library call: run the exploded forward pass (forward.ts),
// let autograd backpropagate, derive every gradient by hand (backward.ts, fused.ts), and cmp each pair;
// then the same for the gradient out of every fast-path layer (fastpath.ts), the code the Trainer runs.
// With a PyTorch reference file (reference.ts) the forward pass runs from the file's parameters and batch,
// and each row also says how far our value, autograd's gradient and our gradient are from what PyTorch
// wrote.
// Letters: n batch, H n_hidden, V vocabulary.

import type { Dataset } from "../data/dataset.ts";
import { ConfigError, MakemoreError } from "../errors.ts";
import { Generator } from "../random/generator.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { wasmKernels, type Kernels } from "../kernels/index.ts";
import { manualBackward } from "./backward.ts";
import { FAST_PATH_ORDER, fastPath } from "./fastpath.ts";
import { cmp, formatCmp, formatDiff, maxDiff, type CmpResult, type Tolerance } from "./cmp.ts";
import {
  GRAD_ORDER, MIN_BATCH, drawBatch, explodedForward, initNinja, ninjaDims, valueOf, type Batch, type GradName,
  type NinjaParams,
} from "./forward.ts";
import { batchNormBackward, crossEntropyBackward } from "./fused.ts";
import type { NinjaReference } from "./reference.ts";

/**
 * Float32 tolerance against PyTorch: |ours − PyTorch| ≤ atol + rtol·|PyTorch| with rtol 1e-5 and
 * atol = 1e-6 · max(the tensor's largest |value|, 1/n, 0.01). Our float32 results are rounded from float64
 * sums, PyTorch's from float32 BLAS and pairwise sums, so they agree to a few float32 ulp of the tensor's
 * scale, not of each element (a difference of two large numbers keeps their absolute error). The floor is
 * for gradients that are mathematically zero and so pure rounding noise in both programs: dlogit_maxes (the
 * max does not change the loss; noise of the scale of dloss/dlogprobs = 1/n) and db1 (BatchNorm removes what
 * b1 adds; a sum over the batch, whose noise does not shrink with n).
 */
export function referenceTolerance(ref: Tensor, n: number): Tolerance {
  let scale = Math.max(1 / n, 0.01);
  for (const v of ref.data) scale = Math.max(scale, Math.abs(v));
  return { rtol: 1e-5, atol: 1e-6 * scale };
}

/**
 * The fast path against autograd: |fast − autograd| ≤ atol + rtol·|autograd| with rtol 1e-5 and
 * atol = 1e-5 · max(the gradient's largest |value|, 0.01). The layers sum in float32 in their own order (SIMD
 * lanes, fused formulas), the engine rounds every step of the exploded graph, and two gradients are pure
 * rounding noise of up to ~5e-8 — db1 (BatchNorm removes what b1 adds) and, with very few rows, the
 * ill-conditioned BatchNorm backward — so allclose's atol 1e-8 is too tight; a wrong formula is off by
 * orders of magnitude more (a missing n/(n−1) is 3% at n = 32).
 */
export function fastPathTolerance(autograd: Tensor): Tolerance {
  let scale = 0.01;
  for (const v of autograd.data) scale = Math.max(scale, Math.abs(v));
  return { rtol: 1e-5, atol: 1e-5 * scale };
}

export interface ReferenceDiffs {
  /** max |our value − PyTorch's value| (0 for parameters: they are the file's). */
  value: number;
  /** max |autograd's gradient − PyTorch's|. */
  grad: number;
  /** max |our gradient (hand-derived, or the fast path's) − PyTorch's|. */
  manual: number;
  /** All three within float32 tolerance (referenceTolerance). */
  ok: boolean;
}

export interface GradcheckRow extends CmpResult {
  /** Present when checked against a reference file. */
  reference?: ReferenceDiffs;
}

export interface GradcheckReport {
  /** Where the parameters and the batch came from. */
  source: { kind: "seed"; seed: number } | { kind: "reference"; file: string } | { kind: "params" };
  nHidden: number;
  batchSize: number;
  loss: number;
  /** Exercise 1: one row per intermediate and parameter, in makemore part 4's order (d<name>). */
  rows: GradcheckRow[];
  /** Exercise 2 (dlogits in one expression) and exercise 3 (dhprebn in one expression). */
  exercises: GradcheckRow[];
  /** The fast path (src/nn's layers, what the Trainer runs): the gradient out of every layer and of every parameter. */
  fastPath: { kernels: "wasm" | "ts"; loss: number; rows: GradcheckRow[] };
  /** Rows not approximately equal, or outside float32 tolerance of the reference. */
  failures: string[];
  ok: boolean;
}

/** Raised (after the table is printed) when a gradient is not approximately equal. */
export class GradcheckError extends MakemoreError {}

const WHY_MIN_BATCH = "over fewer, BatchNorm's backward is a difference of large terms that float32 cannot resolve";

export interface GradcheckOptions {
  /** A PyTorch reference of the same parameters and batch: every row is also held against it. */
  reference?: NinjaReference;
  /** The backend the fast path runs on (default: the WebAssembly kernels). */
  kernels?: Kernels;
}

/** Runs the check on given parameters and batch. */
export function gradcheck(params: NinjaParams, batch: Batch, { reference, kernels = wasmKernels() }: GradcheckOptions = {}): GradcheckReport {
  if (batch.Xb.shape[0] < MIN_BATCH) throw new ConfigError(`gradcheck needs a batch of at least ${MIN_BATCH} rows (${WHY_MIN_BATCH})`);
  const pass = explodedForward(params, batch.Xb, batch.Yb);
  pass.loss.backward(); // autograd: every .grad
  const manual = manualBackward(pass); // exercise 1
  const fast = fastPath(params, batch, kernels); // the layers the Trainer uses
  const failures: string[] = [];

  // One row: `got` against autograd's gradient of `name` (and, with a reference, `value` and the gradients
  // against PyTorch's). `where` tells the rows of the three sections apart in the list of failures.
  const row = (name: GradName, got: Tensor, where: string, value: Tensor = valueOf(pass, name), tol?: Tolerance): GradcheckRow => {
    const label = `d${name}`;
    const r: GradcheckRow = cmp(label, got, valueOf(pass, name).grad, tol);
    if (!r.approximate) failures.push(`${label}${where} (maxdiff ${formatDiff(r.maxdiff)}${r.problem ? `, ${r.problem}` : ""})`);
    if (reference) {
      const theirValue = valueRef(reference, name); // PyTorch's value and gradient of this tensor
      const theirGrad = reference.grads[name];
      const gradTol = referenceTolerance(theirGrad, pass.n);
      const v = maxDiff(value, theirValue, referenceTolerance(theirValue, pass.n));
      const autograd = valueOf(pass, name).grad;
      const grad = autograd ? maxDiff(autograd, theirGrad, gradTol) : UNCOMPARABLE;
      const mine = r.problem === undefined ? maxDiff(got, theirGrad, gradTol) : UNCOMPARABLE;
      const ok = v.close && grad.close && mine.close;
      r.reference = { value: v.maxdiff, grad: grad.maxdiff, manual: mine.maxdiff, ok };
      if (!ok) {
        const what = [!v.close && "value", !grad.close && "autograd's gradient", !mine.close && "our gradient"];
        failures.push(`${label}${where} vs PyTorch: ${what.filter(Boolean).join(", ")} outside float32 tolerance`);
      }
    }
    return r;
  };

  const rows = GRAD_ORDER.map((name) => row(name, manual[name], ""));
  const { logits, bnvar_inv, bnraw } = pass.t;
  const exercises = [
    row("logits", crossEntropyBackward(logits, batch.Yb), " (exercise 2)"),
    row("hprebn", batchNormBackward(manual.hpreact, { bngain: pass.params.bngain, bnvar_inv, bnraw }), " (exercise 3)"),
  ];
  const fastRows = FAST_PATH_ORDER.map((name) => {
    const autograd = valueOf(pass, name).grad;
    return row(name, fast.grads[name], " (fast path)", fast.values[name], autograd ? fastPathTolerance(autograd) : undefined);
  });
  return {
    source: reference ? { kind: "reference", file: reference.file } : { kind: "params" },
    nHidden: params.W1.shape[1],
    batchSize: pass.n,
    loss: pass.loss.item(),
    rows,
    exercises,
    fastPath: { kernels: kernels.name, loss: fast.loss, rows: fastRows },
    failures,
    ok: failures.length === 0,
  };
}

const UNCOMPARABLE = { maxdiff: NaN, close: false, exact: false };

/** PyTorch's value of an intermediate or parameter. */
function valueRef(reference: NinjaReference, name: GradName): Tensor {
  return name in reference.values ? reference.values[name as keyof NinjaReference["values"]] : reference.params[name as keyof NinjaParams];
}

export interface SeedOptions {
  /** Seed of the one Generator every draw comes from (makemore part 4: 2147483647). */
  seed: number;
  /** H (makemore part 4: 64). */
  nHidden: number;
  /** n (makemore part 4: 32). */
  batchSize: number;
}

/** makemore part 4's setup: init from Generator(seed), then one minibatch of `train` drawn from the same generator. */
export function gradcheckFromSeed(train: Dataset, vocabSize: number, options: SeedOptions, kernels?: Kernels): GradcheckReport {
  const g = new Generator(options.seed);
  const params = initNinja(g, { ...ninjaDims(vocabSize, options.nHidden), blockSize: train.blockSize });
  const batch = drawBatch(g, train, options.batchSize);
  return { ...gradcheck(params, batch, { kernels }), source: { kind: "seed", seed: options.seed } };
}

/** The check on a reference file's parameters and batch, each row also held against the file. */
export function gradcheckReference(reference: NinjaReference, kernels?: Kernels): GradcheckReport {
  return gradcheck(reference.params, { Xb: reference.Xb, Yb: reference.Yb }, { reference, kernels });
}

function formatRow(r: GradcheckRow): string {
  const line = formatCmp(r);
  if (!r.reference) return line;
  const { value, grad, manual, ok } = r.reference;
  return `${line.padEnd(71)} | vs PyTorch: value ${formatDiff(value).padEnd(7)} grad ${formatDiff(grad).padEnd(7)} manual ${formatDiff(manual).padEnd(7)} ${ok ? "ok" : "NOT OK"}`;
}

/** The report as the lectures print it, with a header line and a verdict. */
export function formatGradcheck(r: GradcheckReport): string {
  const src =
    r.source.kind === "seed" ? `seed ${r.source.seed}` : r.source.kind === "reference" ? `reference ${r.source.file}` : "given parameters";
  const total = r.rows.length + r.exercises.length + r.fastPath.rows.length;
  const broken = r.rows.filter((x) => !x.approximate);
  const hint =
    broken.length > 1
      ? `\n${broken[0].name} is the first step of exercise 1 that fails: the steps after it start from its result`
      : "";
  return [
    `gradcheck: ${src}, n_hidden ${r.nHidden}, batch ${r.batchSize}, loss ${r.loss.toFixed(7)}`,
    "exercise 1: every gradient by hand, step by step",
    ...r.rows.map(formatRow),
    "exercise 2: cross-entropy backward in one expression",
    formatRow(r.exercises[0]),
    "exercise 3: BatchNorm backward in one expression",
    formatRow(r.exercises[1]),
    `fast path: the layers the trainer runs (src/nn, ${r.fastPath.kernels} kernels), loss ${r.fastPath.loss.toFixed(7)}; ` +
      "approximate: within 1e-5 of the gradient's scale (float32 sums)",
    ...r.fastPath.rows.map(formatRow),
    r.ok
      ? `ok: all ${total} gradients approximately equal${r.source.kind === "reference" ? ", and within float32 tolerance of PyTorch" : ""}`
      : `FAILED: ${r.failures.join("; ")}${hint}`,
  ].join("\n");
}
