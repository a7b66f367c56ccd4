// Inside one step of a model (makemore part 3, "diagnostic tools"): after a forward and a backward
// pass, the distribution of every layer's output and of the gradient it received, and of every
// parameter's gradient with its grad:data ratio. Reads what the fast path leaves behind — the model's
// named activations (`Model.activations()`: each output and its gradient), each parameter's `.grad` —
// and allocates only the numbers it returns.
//
// Layers keep the names their model gives them: the lecture model's hprebn (Linear W1), hpreact
// (BatchNorm1d, or Linear W1 without it), h (Tanh), logits (Linear W2); "layer 3 (Tanh)" elsewhere.

import type { Model, NamedAct } from "../models/model.ts";
import type { Act } from "../nn/layer.ts";
import { numel } from "../nn/layer.ts";
import { histogram, log10Ratio, shareAbove, summarize, type Histogram } from "./stats.ts";

/** makemore part 3: a tanh unit is saturated when |t| > 0.97. */
export const SATURATION_THRESHOLD = 0.97;

export type LayerKind = string;

export interface ActivationStats {
  mean: number;
  std: number;
  /** Share of |value| > 0.97 (meaningful for Tanh outputs; computed for every layer). */
  saturated: number;
  histogram: Histogram;
}

export interface GradientStats {
  mean: number;
  std: number;
  histogram: Histogram;
}

export interface LayerStats {
  /** Position in `model.activations()`. */
  index: number;
  /** The model's name of the output (the lecture model: hprebn, hpreact, h, logits). */
  name: string;
  kind: LayerKind;
  shape: number[];
  output: ActivationStats;
  /** Gradient of the output in the last backward pass (null before any backward). */
  grad: GradientStats | null;
}

export interface ParameterStats {
  name: string;
  shape: number[];
  dataStd: number;
  gradMean: number;
  gradStd: number;
  /** std(grad) / std(data) (makemore part 3's grad:data ratio). */
  gradToData: number;
  /** log10(std(lr·grad) / std(data)) at `lr`, when one was given: the size of an SGD update. */
  updateToDataLog10: number | null;
  histogram: Histogram;
}

export interface StatsOptions {
  bins?: number;
}

/** The model's last Tanh activation (the lecture model's h), or null if it has none. */
export function lastTanh(model: Model): NamedAct | null {
  const t = model.activations().filter((a) => a.kind === "Tanh");
  return t.length ? t[t.length - 1] : null;
}

/** The live values of an activation (the buffer holds `capacity` rows; a batch uses the first). */
export function actValues(a: Act): Float32Array {
  return a.data.view.subarray(0, numel(a.shape));
}

/** Output and output-gradient statistics of every named activation of the model (after a forward). */
export function layerStats(model: Model, { bins = 50 }: StatsOptions = {}): LayerStats[] {
  const out: LayerStats[] = [];
  model.activations().forEach((a: NamedAct, i) => {
    if (a.act === null) return;
    const values = actValues(a.act);
    const s = summarize(values);
    const range: [number, number] | undefined = a.kind === "Tanh" ? [-1, 1] : undefined;
    let grad: GradientStats | null = null;
    if (a.grad !== null) {
      const gv = a.grad.view.subarray(0, values.length);
      const gs = summarize(gv);
      grad = { mean: gs.mean, std: gs.std, histogram: histogram(gv, { bins }) };
    }
    out.push({
      index: i,
      name: a.name,
      kind: a.kind,
      shape: [...a.act.shape],
      output: { mean: s.mean, std: s.std, saturated: shareAbove(values, SATURATION_THRESHOLD), histogram: histogram(values, { bins, range }) },
      grad,
    });
  });
  return out;
}

/** Gradient statistics and grad:data ratio of every parameter (the lecture model: C, W1, b1, W2, b2, bngain, bnbias). */
export function parameterStats(model: Model, { bins = 50, lr }: StatsOptions & { lr?: number } = {}): ParameterStats[] {
  return model.parameters().map((p) => {
    const d = summarize(p.data.view);
    const g = summarize(p.grad.view);
    return {
      name: p.name,
      shape: [...p.shape],
      dataStd: d.std,
      gradMean: g.mean,
      gradStd: g.std,
      gradToData: g.std / d.std,
      updateToDataLog10: lr === undefined ? null : log10Ratio(lr * g.std, d.std),
      histogram: histogram(p.grad.view, { bins }),
    };
  });
}

/**
 * log10(std(lr·grad) / std(data)) of every parameter, into `out` (makemore part 3's `ud`); allocates
 * nothing. std(lr·grad) = lr·std(grad).
 */
export function updateToDataRatios(model: Model, lr: number, out: Float64Array): void {
  const ps = model.parameters();
  for (let i = 0; i < ps.length; i++) out[i] = log10Ratio(lr * stdNoAlloc(ps[i].grad.view), stdNoAlloc(ps[i].data.view));
}

function stdNoAlloc(v: Float32Array): number {
  const n = v.length;
  if (n < 2) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i] - mean;
    sq += d * d;
  }
  return Math.sqrt(sq / (n - 1));
}
