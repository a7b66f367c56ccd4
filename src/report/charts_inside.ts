// Chart builders for the looks inside the network (makemore parts 2–4): the init stages side by side,
// the activation and gradient histograms of one batch, the parameters' gradients and grad:data ratios,
// the saturation image, dlogits, and the embedding in 2D. Arranging only; the numbers come from
// src/diagnostics/.

import type { Embedding2D } from "../diagnostics/embedding.ts";
import { stageLabel, type InitExperiments } from "../diagnostics/init_stages.ts";
import type { LayerStats, ParameterStats } from "../diagnostics/layers.ts";
import type { BatchDiagnostics } from "../diagnostics/probe.ts";
import type { Histogram } from "../diagnostics/stats.ts";
import { color, densityDataset, fmt, histogramChart, histogramDataset, lineChart, lineDataset, niceRange, pct, signed } from "./charts.ts";
import { EMBEDDING_LABELS, layoutLabels } from "./label_layout.ts";
import type { ChartJsConfig, ChartSpec, Panel, TableSpec } from "./spec.ts";

const stageName = stageLabel;

export function initTable(e: InitExperiments): TableSpec {
  return {
    kind: "table",
    id: "init-table",
    title: "Init stages: first step",
    explain: `Each stage of makemore part 3 initialized from seed ${e.seed} and given its first batch of ${e.batchSize}; a uniform prediction would lose −ln(1/V) = ${fmt(e.expectedLoss)}.`,
    head: ["stage", "BatchNorm", "first loss", "saturated |h|>0.97", "|h|>0.99", "hpreact std", "logits std"],
    rows: e.stages.map((s) => [stageName(s), s.batchNorm ? "yes" : "no", fmt(s.firstLoss), pct(s.saturated), pct(s.saturation.share), fmt(s.hpreactStd, 3), fmt(s.logitsStd, 3)]),
  };
}

/**
 * The loss curve of each init stage side by side: log10 of the minibatch loss, each line starting at its
 * stage's first step and going on with the mean over windows (the lecture's lossi, smoothed).
 */
export function initLossChart(e: InitExperiments): ChartSpec {
  const datasets = e.stages.map((s, i) => {
    const c = s.curve;
    const data = [{ x: 0, y: c.first }, ...c.windowStart.map((start, k) => ({ x: start + c.window / 2, y: c.windowMean[k] }))];
    return lineDataset(stageName(s), data, i, { borderWidth: s.run ? 2.5 : 1.75, ...(s.run ? { borderDash: [6, 3] } : {}) });
  });
  const guide = Math.log10(e.expectedLoss);
  datasets.push(lineDataset(`−ln(1/V) = ${fmt(e.expectedLoss)}`, [{ x: 0, y: guide }, { x: e.curveSteps, y: guide }], 7, { borderDash: [2, 4], borderWidth: 1.5 }));
  const last = (s: InitExperiments["stages"][number]) => (s.curve.windowMean.length ? 10 ** s.curve.windowMean[s.curve.windowMean.length - 1] : NaN);
  return {
    id: "init-loss",
    kind: "chartjs",
    title: "Loss curves of the init stages (log10)",
    explain: `Each stage trained ${e.curveSteps} steps at lr ${e.lr} with batches of ${e.batchSize}, the log10 loss averaged over windows of ${e.window} steps after its first step: the naive init first spends its steps squashing confidently wrong logits (the hockey stick), the fixed ones start near −ln(1/V) and go straight to learning.`,
    caption: e.stages
      .map((s) => `${stageName(s)}: ${fmt(s.firstLoss)} → ${fmt(last(s))}` + (s.divergedAt === null ? "" : ` (diverged at step ${s.divergedAt})`))
      .join("; ") + ` (first step → mean of the last ${e.window} steps)`,
    config: lineChart(datasets, "step", "log10 loss"),
  };
}

/** A small histogram panel on its own x range (rounded outward), counting from 0. */
function histogramPanel(label: string, h: Histogram, colorIndex: number, xTitle: string): Panel {
  const config: ChartJsConfig = histogramChart([histogramDataset(label, h, colorIndex)], xTitle);
  const [min, max] = niceRange(h.lo, h.hi, 4);
  const options = config.options as { scales: { x: Record<string, unknown> }; plugins: { legend: { display: boolean } } };
  options.scales.x = { ...options.scales.x, min, max };
  options.plugins.legend.display = false;
  return { label, config };
}

/** makemore part 3's `plt.hist(W2.view(-1))` and `plt.hist((W2*0.01).view(-1))`: W2 before and after the ×0.01 fix. */
export function initW2Chart(e: InitExperiments): ChartSpec | null {
  const shown = e.stages.filter((s) => !s.run && (s.preset === "naive" || s.preset === "scaled-output"));
  if (shown.length < 2) return null;
  return {
    id: "init-w2",
    kind: "panels",
    title: "Output weights W2 at initialization",
    explain: "The values of W2 as initialized, before and after makemore part 3's fix (W2 · 0.01), each on its own axis: the same randn shape 100 times narrower, which brings the first logits near zero.",
    caption: shown.map((s) => `${stageName(s)}: std ${fmt(s.w2Std, 4)}, from ${fmt(s.w2.lo, 4)} to ${fmt(s.w2.hi, 4)}`).join("; "),
    panels: shown.map((s) => histogramPanel(`${stageName(s)}: W2 std ${fmt(s.w2Std, 4)}`, s.w2, e.stages.indexOf(s), "W2 value")),
    layout: { columns: 2, height: 220 },
  };
}
export function initSaturationChart(e: InitExperiments): ChartSpec {
  return {
    id: "init-saturation",
    kind: "chartjs",
    title: "Tanh saturation of each init stage",
    explain: "The share of hidden units with |h| > 0.97 on the first batch: a wide hpreact pushes tanh into its flat tails, Kaiming's (5/3)/√fan_in and BatchNorm bring it back.",
    caption: e.stages.map((s) => `${stageName(s)}: ${pct(s.saturated)}`).join("; "),
    config: {
      type: "bar",
      data: { labels: e.stages.map(stageName), datasets: [{ label: "share |h| > 0.97", data: e.stages.map((s) => s.saturated), backgroundColor: e.stages.map((_, i) => color(i)) }] },
      options: { scales: { y: { min: 0, max: 1, title: { display: true, text: "share" } } }, plugins: { legend: { display: false } } },
    },
  };
}

export function initLogitsChart(e: InitExperiments): ChartSpec {
  return {
    id: "init-logits",
    kind: "panels",
    title: "Logits at initialization",
    explain: "The histogram of the first batch's logits for each stage, each on its own axis: at a good init they sit close to zero, so every character starts out about equally likely — mind the x ranges, from tens for the naive init to tenths after the fix.",
    caption: e.stages.map((s) => `${stageName(s)}: ${fmt(s.logits.lo, 2)} to ${fmt(s.logits.hi, 2)}`).join("; "),
    panels: e.stages.map((s, i) => histogramPanel(`${stageName(s)}: logits std ${fmt(s.logitsStd, 3)}`, s.logits, i, "logit")),
    layout: { columns: 3, height: 200 },
  };
}

export function initMapsChart(e: InitExperiments): ChartSpec {
  return {
    id: "init-maps",
    kind: "bits",
    title: "Saturation maps at initialization",
    explain: "White where |h| > 0.99 on the first batch (rows: examples, columns: hidden units), as makemore part 3's imshow: the naive init is mostly white, each fix darkens it.",
    images: e.stages.map((s) => ({ label: `${stageName(s)}: ${pct(s.saturation.share)}`, image: s.saturation })),
  };
}

/** "h (Tanh)", or the name alone when it says the kind already ("layer 2 (Tanh)"). */
function layerName(l: LayerStats): string {
  return l.name.endsWith(`(${l.kind})`) ? l.name : `${l.name} (${l.kind})`;
}

/** The lecture's printout: "layer 2 (Tanh): mean -0.00, std 0.63, saturated 2.78%" (mean as '%+.2f'). */
function layerLabel(l: LayerStats): string {
  return `${layerName(l)}: mean ${signed(l.output.mean)}, std ${fmt(l.output.std, 2)}${l.kind === "Tanh" ? `, saturated ${pct(l.output.saturated)}` : ""}`;
}

export function layerTable(b: BatchDiagnostics, id = "layer-table"): TableSpec {
  return {
    kind: "table",
    id,
    title: "Layers on one batch",
    explain: "Each layer's output and the gradient it received, as makemore part 3 prints them.",
    head: ["output", "layer", "shape", "mean", "std", "saturated |t|>0.97", "grad mean", "grad std"],
    rows: b.layers.map((l) => [l.name, l.kind, `(${l.shape.join(", ")})`, fmt(l.output.mean), fmt(l.output.std), l.kind === "Tanh" ? pct(l.output.saturated) : "–", fmt(l.grad?.mean, 6), fmt(l.grad?.std, 6)]),
  };
}

export function parameterTable(b: BatchDiagnostics, id = "param-table"): TableSpec {
  return {
    kind: "table",
    id,
    title: "Parameters on one batch",
    explain: "Each parameter's gradient, its grad:data ratio std(grad)/std(data), and log10 of the update:data ratio std(lr·grad)/std(data) at the run's learning rate (SGD's update; left out for AdamW, whose update is not lr·grad).",
    head: ["parameter", "shape", "data std", "grad mean", "grad std", "grad:data", "log10 update:data"],
    rows: b.parameters.map((p) => [p.name, `(${p.shape.join(", ")})`, fmt(p.dataStd), fmt(p.gradMean, 6), fmt(p.gradStd, 6), fmt(p.gradToData, 6), fmt(p.updateToDataLog10, 2)]),
  };
}

export function activationCharts(b: BatchDiagnostics, prefix: string, when: string): ChartSpec[] {
  const tanh = b.layers.filter((l) => l.kind === "Tanh");
  const other = b.layers.filter((l) => l.kind !== "Tanh");
  // a network of several tanh layers (makemore part 3's deep one, part 5's): their gradients, as the lectures plot them
  const deep = tanh.length > 1;
  const graded = deep ? tanh : b.layers;
  const charts: ChartSpec[] = [
    {
      id: `${prefix}-tanh`,
      kind: "chartjs",
      title: `Tanh outputs (${when})`,
      explain: "The distribution of each tanh layer's output on one batch (the lecture model's h = tanh(hpreact)): mass piled at ±1 means saturated units that pass almost no gradient, a spread between them is healthy.",
      caption: tanh.map(layerLabel).join("; "),
      config: histogramChart(tanh.map((l, i) => histogramDataset(layerLabel(l), l.output.histogram, i)), "value"),
    },
    {
      id: `${prefix}-preact`,
      kind: "chartjs",
      title: `${[...new Set(other.map((l) => l.kind))].join(", ")} outputs (${when})`,
      explain: "The distributions of the other layers' outputs on one batch — the pre-activations (the lecture model's hprebn and hpreact) and the logits: a pre-activation wider than about ±2 saturates the tanh that follows.",
      caption: other.map(layerLabel).join("; "),
      config: histogramChart(other.map((l, i) => histogramDataset(layerLabel(l), l.output.histogram, i + 1)), "value"),
    },
    {
      id: `${prefix}-grads`,
      kind: "chartjs",
      title: `Gradients of the ${deep ? "tanh layers'" : "layer"} outputs (${when})`,
      explain:
        "The distribution of the gradient each layer's output received in the backward pass: similar widths across layers mean the gradient neither vanishes nor explodes on its way back." +
        (deep ? " As makemore part 3 draws it for a deep network: the tanh layers' outputs." : ""),
      caption: graded.map((l) => `${l.name}: std ${fmt(l.grad?.std, 6)}`).join("; "),
      config: histogramChart(
        graded.filter((l) => l.grad !== null).map((l, i) => histogramDataset(`${layerName(l)}: mean ${fmt(l.grad!.mean, 6)}, std ${fmt(l.grad!.std, 6)}`, l.grad!.histogram, i)),
        "gradient",
      ),
    },
  ];
  // a model without tanh (makemore.py's bigram) has no tanh histogram to draw, one without gradients of its outputs no gradient one
  return charts.filter((c) => (c.id.endsWith("-tanh") ? tanh.length > 0 : c.id.endsWith("-grads") ? graded.some((l) => l.grad !== null) : other.length > 0));
}

const isMatrix = (p: ParameterStats) => p.shape.length === 2 && p.shape[0] > 1 && p.shape[1] > 1;

export function parameterCharts(b: BatchDiagnostics, prefix: string, when: string): ChartSpec[] {
  const weights = b.parameters.filter(isMatrix);
  return [
    {
      id: `${prefix}-param-grads`,
      kind: "chartjs",
      title: `Weight gradients (${when})`,
      explain:
        "The gradient distribution of each weight matrix as a density (matrices of different sizes on one scale, as makemore part 3's torch.histogram(density=True)), labelled with its grad:data ratio: one matrix learning much faster than the others (a much wider gradient) is a sign of a bad init.",
      config: histogramChart(weights.map((p, i) => densityDataset(`${p.name} (${p.shape.join("×")}) grad:data ${fmt(p.gradToData, 6)}`, p.histogram, i)), "gradient", "density"),
    },
    {
      id: `${prefix}-grad-data`,
      kind: "chartjs",
      title: `Grad:data ratio per parameter (${when})`,
      explain: "std(grad) / std(data) of every parameter on a log scale: how large a step the gradient asks for relative to the values it changes.",
      caption: b.parameters.map((p) => `${p.name} ${fmt(p.gradToData, 6)}`).join("; "),
      config: {
        type: "bar",
        data: {
          labels: b.parameters.map((p) => p.name),
          datasets: [{ label: "grad:data", data: b.parameters.map((p) => (Number.isFinite(p.gradToData) && p.gradToData > 0 ? p.gradToData : null)), backgroundColor: b.parameters.map((_, i) => color(i)) }],
        },
        options: { scales: { y: { type: "logarithmic", title: { display: true, text: "std(grad) / std(data)" } } }, plugins: { legend: { display: false } } },
      },
    },
  ];
}

export function saturationChart(b: BatchDiagnostics, deadOnTrain: { dead: number[]; examples: number; units: number } | null, id = "saturation"): ChartSpec {
  return {
    id,
    kind: "bits",
    title: "Saturation map of one batch",
    explain: "White where |h| > 0.99 (rows: the batch's examples, columns: hidden units), as makemore part 3's imshow: an all-white column is a dead neuron that no example of the batch can train.",
    caption:
      `${pct(b.saturation!.share)} saturated; dead on this batch: ${b.deadOnBatch.length} of ${b.saturation!.cols}` +
      (deadOnTrain ? `; dead over the training split (${deadOnTrain.examples} examples): ${deadOnTrain.dead.length} of ${deadOnTrain.units}` : ""),
    images: [{ label: `batch of ${b.batchSize}`, image: b.saturation! }],
  };
}

export function dlogitsChart(b: BatchDiagnostics, vocabulary: readonly string[], id = "dlogits"): ChartSpec {
  return {
    id,
    kind: "heatmap",
    title: "dlogits of one batch",
    explain: "dloss/dlogits = (softmax − one_hot)/B for each example (rows) and character (columns), as makemore part 4 draws it: dark at each target pulls its logit up, the light rest pushes the others down.",
    image: b.dlogits,
    xLabels: [...vocabulary],
  };
}

/** Most characters the embedding chart labels (the layout is quadratic in them, and more would not fit legibly). */
export const MAX_LABELLED_POINTS = 120;

/** The characters at their embedding, each label beside its point where no other label or point is (label_layout.ts). */
export function embeddingChart(e: Embedding2D, id = "embedding"): ChartSpec {
  const pca = e.method === "pca";
  const how = pca ? `the first two principal components of C (${pct(e.explained![0])} and ${pct(e.explained![1])} of its variance)` : `C itself (n_embd = ${e.width})`;
  // the layout's search grows with the square of the points; past MAX_LABELLED_POINTS characters no
  // layout keeps 12-px labels apart in this frame anyway: the points are drawn alone
  const labelled = e.points.length <= MAX_LABELLED_POINTS;
  const layout = labelled ? layoutLabels(e.points, e.points.map((p) => p.label), EMBEDDING_LABELS) : null;
  const facts = [
    labelled ? "" : `${e.points.length} characters, too many to label legibly: the points are drawn without their labels`,
    e.closest.length ? `closest in this picture: ${e.closest.map((c) => `${c.a}–${c.b}`).join(", ")}` : "",
    e.vowels ? `the vowels a, e, i, o, u lie on average ${fmt(e.vowels.ratio, 2)}× as far apart as any two characters (${e.vowels.ratio < 1 ? "closer together" : "no closer together"} than the rest)` : "",
  ].filter((f) => f !== "");
  return {
    id,
    kind: "chartjs",
    title: "Character embedding",
    explain: `Each character at its embedding — ${how} — as in makemore part 2, its label beside its point: characters close together here have similar embeddings ${pca ? `along these two directions, which may still differ along the other ${e.width - 2}` : "in C itself"}.`,
    caption: facts.length ? facts.join("; ") : undefined,
    config: {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "C",
            data: e.points.map((p) => ({ x: p.x, y: p.y })),
            ...(layout
              ? {
                  pointLabels: e.points.map((p) => p.label),
                  labelLayout: { at: layout.at, frame: { width: EMBEDDING_LABELS.width, height: EMBEDDING_LABELS.height }, font: EMBEDDING_LABELS.font, near: 2 * EMBEDDING_LABELS.font },
                }
              : {}),
            pointRadius: EMBEDDING_LABELS.markerRadius,
            pointHoverRadius: EMBEDDING_LABELS.markerRadius + 2,
            backgroundColor: "#1f77b4",
            borderColor: "#1f77b4",
          },
        ],
      },
      options: {
        scales: {
          x: { type: "linear", ...(layout ? { min: layout.xRange[0], max: layout.xRange[1] } : {}), title: { display: true, text: pca ? "PC 1" : "C[:, 0]" } },
          y: { type: "linear", ...(layout ? { min: layout.yRange[0], max: layout.yRange[1] } : {}), title: { display: true, text: pca ? "PC 2" : "C[:, 1]" } },
        },
        plugins: { legend: { display: false } },
      },
    },
    height: EMBEDDING_LABELS.height + 60,
    width: EMBEDDING_LABELS.width + 60,
  };
}
