// Chart builders for makemore part 3's deeper network: its gain experiments side by side (without
// BatchNorm, gains 1, 5/3 and 3; src/diagnostics/gain_experiments.ts) — each layer's tanh activations and
// the gradients they received at the first step, and the update:data ratios of the lecture's first 1000
// steps — one small chart per gain, each on its own scale, as the lecture's figures (one line per layer,
// the legend with mean, std and saturation). Arranging only; the numbers come from src/diagnostics/.

import type { GainExperiment, GainExperiments } from "../diagnostics/gain_experiments.ts";
import type { LayerStats } from "../diagnostics/layers.ts";
import { fmt, histogramChart, histogramDataset, lineChart, lineDataset, pct, points, signed } from "./charts.ts";
import type { ChartSpec, Panel, TableSpec } from "./spec.ts";

const tanhLayers = (x: GainExperiment): LayerStats[] => x.init.layers.filter((l) => l.kind === "Tanh");

/** "layer 2 (Tanh): mean -0.00, std 0.63, saturated 2.78%", the lecture's printout ('mean %+.2f'). */
export function tanhLegend(l: LayerStats): string {
  return `${l.name}: mean ${signed(l.output.mean)}, std ${l.output.std.toFixed(2)}, saturated ${pct(l.output.saturated)}`;
}

/** "layer 2 (Tanh): grad std 2.64e-3". */
function gradLegend(l: LayerStats): string {
  return `${l.name}: mean ${fmt(l.grad!.mean, 6)}, grad std ${l.grad!.std.toExponential(2)}`;
}

export function gainTable(e: GainExperiments): TableSpec {
  const layers = tanhLayers(e.experiments[0]).map((l) => l.name);
  return {
    kind: "table",
    id: "gain-table",
    title: "Gain experiments: each tanh layer at the first step",
    explain: `makemore part 3's deeper network without BatchNorm, its weights randn/√fan_in × gain, initialized from seed ${e.seed} and given its first batch of ${e.batchSize}: the std of each tanh layer's output (saturated share |t| > 0.97) and of the gradient it received.`,
    head: ["gain", ...layers],
    rows: e.experiments.map((x) => [
      x.label,
      ...tanhLayers(x).map((l) => `std ${fmt(l.output.std, 2)} (${pct(l.output.saturated)}); grad ${l.grad ? l.grad.std.toExponential(2) : "–"}`),
    ]),
  };
}

function panels(e: GainExperiments, panel: (x: GainExperiment) => Panel): Panel[] {
  return e.experiments.map(panel);
}

export function gainActivationChart(e: GainExperiments): ChartSpec {
  return {
    id: "gain-activations",
    kind: "panels",
    title: "Gain experiments: activation distribution at the first step",
    explain:
      "The histogram of each tanh layer's output, without BatchNorm: at gain 1 each layer is narrower than the one before (the activations shrink towards zero), at 5/3 — Kaiming's gain for tanh — every layer keeps about the same spread, at 3 tanh piles up at ±1 (saturated).",
    caption: e.experiments.map((x) => `gain ${x.label}: std ${tanhLayers(x).map((l) => fmt(l.output.std, 2)).join(" → ")}`).join("; "),
    panels: panels(e, (x) => ({
      label: `gain ${x.label}`,
      config: histogramChart(tanhLayers(x).map((l, i) => histogramDataset(tanhLegend(l), l.output.histogram, i)), "tanh output"),
    })),
    layout: { columns: 3, height: 320 },
  };
}

export function gainGradientChart(e: GainExperiments): ChartSpec {
  return {
    id: "gain-gradients",
    kind: "panels",
    title: "Gain experiments: gradient distribution at the first step",
    explain:
      "The histogram of the gradient each tanh layer's output received, without BatchNorm: at gain 1 the gradient shrinks on its way back from the output to the first layer, at 3 it grows, at 5/3 it stays closest to the same size — layers whose gradients differ learn at different speeds.",
    caption: e.experiments.map((x) => `gain ${x.label}: grad std ${tanhLayers(x).map((l) => (l.grad ? l.grad.std.toExponential(2) : "–")).join(" → ")}`).join("; "),
    panels: panels(e, (x) => ({
      label: `gain ${x.label}`,
      config: histogramChart(tanhLayers(x).filter((l) => l.grad !== null).map((l, i) => histogramDataset(gradLegend(l), l.grad!.histogram, i)), "gradient"),
    })),
    layout: { columns: 3, height: 320 },
  };
}

export function gainUpdateRatioChart(e: GainExperiments): ChartSpec {
  return {
    id: "gain-update-ratio",
    kind: "panels",
    title: `Gain experiments: update:data ratio over the first ${e.steps} steps`,
    explain:
      "log10(std(lr·grad) / std(data)) of each weight matrix while training (the lecture's ud, lr " +
      `${e.lr}), with the lecture's 1e-3 rule of thumb: far above it a matrix learns too fast, far below too slowly.`,
    caption: `every ${e.experiments[0]?.series.every ?? "–"} steps; the 2-D parameters (${e.experiments[0]?.series.parameters.filter((_, i) => e.experiments[0].series.parameterShapes[i].length === 2).join(", ") ?? ""})`,
    panels: panels(e, (x) => {
      const s = x.series;
      const shown = s.parameters.flatMap((_, i) => (s.parameterShapes[i].length === 2 ? [i] : []));
      const datasets = shown.map((i, k) => lineDataset(s.parameters[i], points(s.steps, s.updateToData[i]), k));
      if (s.steps.length) datasets.push(lineDataset("1e-3", [{ x: s.steps[0], y: -3 }, { x: s.steps[s.steps.length - 1], y: -3 }], 7, { borderDash: [6, 4], borderWidth: 2 }));
      return { label: `gain ${x.label}`, config: lineChart(datasets, "step", "log10 update:data") };
    }),
    layout: { columns: 3, height: 320 },
  };
}
