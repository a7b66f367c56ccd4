// Chart builders: diagnostics numbers in, chart specs out (spec.ts). They only arrange and label what
// src/diagnostics/ computed — no statistics here. This file holds the shared helpers and the curves
// over time (the loss, the learning-rate finder, the update:data ratios, saturation during training);
// charts_inside.ts holds the looks inside one batch.

import type { TrainingSeries } from "../diagnostics/collector.ts";
import type { LossCurve } from "../diagnostics/loss_curve.ts";
import type { Histogram } from "../diagnostics/stats.ts";
import type { SplitLosses } from "../train/evaluate.ts";
import type { LrFinderResult } from "../train/lr_finder.ts";
import type { ChartJsConfig, ChartSpec } from "./spec.ts";

/** matplotlib's tab10, the lectures' colours. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

export const color = (i: number): string => PALETTE[i % PALETTE.length];

/** A number for a label: fixed digits, or the value's own text when it is not finite. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return "–";
  if (!Number.isFinite(x)) return String(x);
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(digits);
}

/** A mean as the lectures print it ('%+.2f'): "+0.01", "-0.00". */
export const signed = (x: number, digits = 2): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(digits)}` : String(x));

export const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : String(x));

type Point = { x: number; y: number };

/**
 * Axis limits: [lo, hi] rounded outward to a step of 1, 2 or 5 × 10^k that cuts it in about `ticks`
 * intervals, so an axis with fixed limits still ends on readable ticks. A point range widens to ±1.
 */
export function niceRange(lo: number, hi: number, ticks = 6): [number, number] {
  if (!(hi > lo)) {
    const c = Number.isFinite(lo) ? lo : 0;
    return [c - 1, c + 1];
  }
  const raw = (hi - lo) / ticks;
  const k = Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * 10 ** k).find((st) => st >= raw * (1 - 1e-12))!;
  const round = (v: number) => +v.toPrecision(12); // 0.30000000000000004 → 0.3
  return [round(Math.floor(lo / step) * step), round(Math.ceil(hi / step) * step)];
}

export function points(xs: ArrayLike<number>, ys: ArrayLike<number>): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < xs.length; i++) out.push({ x: xs[i], y: ys[i] });
  return out;
}

/** A line dataset without point markers. */
export function lineDataset(label: string, data: Point[], colorIndex: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { label, data, borderColor: color(colorIndex), backgroundColor: color(colorIndex), borderWidth: 1.5, pointRadius: 0, ...extra };
}

/** A histogram as the lectures draw it: a line through (bin centre, count). */
export function histogramDataset(label: string, h: Histogram, colorIndex: number): Record<string, unknown> {
  return lineDataset(label, points(h.centers, h.counts), colorIndex);
}

/** A histogram as a density (`torch.histogram(t, density=True)`): tensors of different sizes on one scale. */
export function densityDataset(label: string, h: Histogram, colorIndex: number): Record<string, unknown> {
  return lineDataset(label, points(h.centers, h.density), colorIndex);
}

/**
 * Options of an x–y chart with linear (or logarithmic) axes. A logarithmic axis gets its ticks from the
 * renderer (browser.ts: 1, 2, 5 or decades, as many as fit, in plain numbers).
 */
export function xyOptions(xTitle: string, yTitle: string, { yLog = false, legend = true }: { yLog?: boolean; legend?: boolean } = {}): Record<string, unknown> {
  return {
    scales: {
      x: { type: "linear", title: { display: true, text: xTitle } },
      y: { type: yLog ? "logarithmic" : "linear", title: { display: true, text: yTitle } },
    },
    plugins: { legend: { display: legend } },
  };
}

export function lineChart(datasets: Record<string, unknown>[], xTitle: string, yTitle: string, opts: { yLog?: boolean; legend?: boolean } = {}): ChartJsConfig {
  return { type: "line", data: { datasets }, options: xyOptions(xTitle, yTitle, opts) };
}

/**
 * Histograms (histogramDataset) with their count axis from 0, as the lectures' plt.hist draws it: an axis
 * starting at the smallest count (Chart.js's default) would exaggerate a pile, such as tanh's at ±1.
 */
export function histogramChart(datasets: Record<string, unknown>[], xTitle: string, yTitle = "count"): ChartJsConfig {
  const config = lineChart(datasets, xTitle, yTitle);
  const scales = (config.options as { scales: { y: Record<string, unknown> } }).scales;
  scales.y = { ...scales.y, min: 0 };
  return config;
}

/** The loss curve: log10 of each step's loss (a min–max band per bucket) and its mean per window. */
export function lossChart(c: LossCurve, id = "loss", estimates: readonly { step: number; losses: SplitLosses }[] = []): ChartSpec {
  const band = c.bucket > 1;
  const datasets = band
    ? [
        lineDataset(`min over ${c.bucket} steps`, points(c.start, c.min), 7, { borderWidth: 0.5 }),
        lineDataset(`max over ${c.bucket} steps`, points(c.start, c.max), 7, { borderWidth: 0.5, fill: "-1", backgroundColor: "rgba(31,119,180,0.25)" }),
      ]
    : [lineDataset("log10 loss", points(c.start, c.mean), 0, { borderWidth: 1 })];
  datasets.push(lineDataset(`mean over ${c.window} steps`, points(c.windowStart.map((s) => s + c.window / 2), c.windowMean), 3, { borderWidth: 2.5 }));
  // the split losses estimated while training (--eval-every), each split a line with its points
  const splits = (["train", "val", "test"] as const).filter((s) => estimates.some((e) => e.losses[s] !== undefined));
  splits.forEach((s, i) => {
    const at = estimates.filter((e) => e.losses[s] !== undefined);
    datasets.push(lineDataset(`${s} (estimate)`, points(at.map((e) => e.step), at.map((e) => Math.log10(e.losses[s]!))), [1, 2, 4][i], { borderWidth: 2, pointRadius: 3 }));
  });
  return {
    id,
    kind: "chartjs",
    title: "Training loss (log10)",
    explain: `The minibatch loss of every step on a log10 scale, with its mean over windows of ${c.window} steps (the lecture's lossi.view(-1, ${c.window}).mean(1)), so the trend shows through the noise of small batches.`,
    caption:
      `${c.steps} steps; first step log10 loss ${fmt(c.first)} (loss ${fmt(10 ** c.first)}); last window mean ${fmt(c.windowMean.at(-1))}` +
      (splits.length ? `; ${splits.join(", ")} losses estimated ${estimates.length} times (--eval-every)` : ""),
    config: lineChart(datasets, "step", "log10 loss"),
  };
}

/**
 * The learning-rate finder: loss against the exponent of the learning rate, as the lecture plots it
 * (`plt.plot(lri, lossi)`), with the rate itself on a logarithmic axis along the top.
 */
export function lrFinderChart(r: LrFinderResult, id = "lr-finder"): ChartSpec {
  const s = r.suggestion;
  const config = lineChart(
    [
      lineDataset("loss", points(r.exps, r.losses), 0, { borderWidth: 0.75 }),
      lineDataset(`moving average (${r.window})`, points(r.exps, r.smoothed), 3, { borderWidth: 2.5 }),
      ...(s === null ? [] : [{ type: "scatter", label: "suggestion", data: [{ x: s.exp, y: s.loss }], pointRadius: 7, pointStyle: "crossRot", borderColor: "#000", borderWidth: 2 }]),
    ],
    "exponent e (lr = 10^e)",
    "loss",
  );
  if (r.exps.length > 1) {
    const [e0, e1] = [r.exps[0], r.exps[r.exps.length - 1]];
    const scales = (config.options as { scales: Record<string, Record<string, unknown>> }).scales;
    scales.x = { ...scales.x, min: e0, max: e1 };
    // the same positions read as rates: log10(lr) = e, so both axes span [e0, e1]
    const rate = (e: number) => +(10 ** e).toPrecision(12); // 10 ** -4 is 0.00009999999999999999
    scales.lr = { type: "logarithmic", axis: "x", position: "top", min: rate(e0), max: rate(e1), title: { display: true, text: "learning rate" }, grid: { drawOnChartArea: false } };
  }
  return {
    id,
    kind: "chartjs",
    title: "Learning-rate finder",
    explain:
      "One training step at each learning rate 10^e, e rising linearly (makemore part 2's lre = torch.linspace(-3, 0, 1000)): the loss falls while the rate helps and turns unstable when it is too large, and the suggested rate is where the smoothed loss is lowest.",
    caption:
      (s === null ? `no suggested lr: the sweep found no valley — ${r.noValley}` : `suggested lr ${fmt(s.lr, 4)} (exponent ${fmt(s.exp, 3)}, smoothed loss ${fmt(s.loss)})`) +
      `; smoothing window ${r.window} steps${r.divergedAt === null ? "" : `; diverged at step ${r.divergedAt}`}`,
    config,
  };
}

/**
 * Update:data ratios over training, with the lecture's rule of thumb at −3: the 2-D parameters (weight
 * matrices and tables), as makemore part 3 draws them — a bias or BatchNorm gain far below would squash
 * the axis.
 */
export function updateRatioChart(s: TrainingSeries, id = "update-ratio"): ChartSpec {
  const shown = s.parameters.flatMap((_, i) => (s.parameterShapes[i].length === 2 ? [i] : []));
  const left = s.parameters.filter((_, i) => !shown.includes(i));
  const datasets = shown.map((i, k) => lineDataset(s.parameters[i], points(s.steps, s.updateToData[i]), k));
  if (s.steps.length) {
    const x0 = s.steps[0];
    const x1 = s.steps[s.steps.length - 1];
    datasets.push(lineDataset("1e-3 (rule of thumb)", [{ x: x0, y: -3 }, { x: x1, y: -3 }], 7, { borderDash: [6, 4], borderWidth: 2 }));
  }
  return {
    id,
    kind: "chartjs",
    title: "Update:data ratio during training",
    explain:
      "log10(std(lr·grad) / std(data)) of each parameter every few steps (makemore part 3's ud): about −3 means each update changes the weights by a thousandth, far below is learning too slowly and far above too fast.",
    caption: `every ${s.every} steps, ${s.steps.length} points${left.length ? `; the 2-D parameters (left out: ${left.join(", ")})` : ""}`,
    config: lineChart(datasets, "step", "log10 update:data"),
  };
}

/** Share of saturated tanh units and the std of each layer's output over training. */
export function saturationOverTrainingChart(s: TrainingSeries, id = "saturation-training"): ChartSpec {
  return {
    id,
    kind: "chartjs",
    title: "Tanh saturation during training",
    explain: "The share of the last tanh layer's units with |h| > 0.97 on each collected step's batch: a well-initialized network starts low and stays low, a saturated one passes almost no gradient through tanh.",
    caption: s.saturated.length ? `first ${pct(s.saturated[0])}, last ${pct(s.saturated[s.saturated.length - 1])}` : undefined,
    config: lineChart([lineDataset("saturated share", points(s.steps, s.saturated), 3, { borderWidth: 2 })], "step", "share |h| > 0.97", { legend: false }),
  };
}

/** Std of every layer's output and gradient over training. */
export function layerStdOverTrainingChart(s: TrainingSeries, id = "layer-std-training"): ChartSpec {
  // a deep network (several tanh layers): the tanh layers only, as makemore part 3 follows them
  const tanh = s.layers.flatMap((name, i) => (name.endsWith("(Tanh)") ? [i] : []));
  const shown = tanh.length > 1 ? tanh : s.layers.map((_, i) => i);
  const datasets = shown.flatMap((i, k) => [
    lineDataset(`${s.layers[i]} output`, points(s.steps, s.outputStd[i]), k),
    lineDataset(`${s.layers[i]} grad`, points(s.steps, s.gradStd[i]), k, { borderDash: [4, 3] }),
  ]);
  return {
    id,
    kind: "chartjs",
    title: `${shown === tanh ? "Tanh layers'" : "Layer"} output and gradient std during training`,
    explain: "The standard deviation of each layer's output (solid) and of the gradient it received (dashed), on a log scale: healthy layers keep both roughly steady instead of shrinking or exploding.",
    config: lineChart(datasets, "step", "std", { yLog: true }),
  };
}
