// Chart builders for the looks inside the network (makemore parts 2–4): the init stages side by side,
// the activation and gradient histograms of one batch, the parameters' gradients and grad:data ratios,
// the saturation image, dlogits, and the embedding in 2D. Arranging only; the numbers come from
// src/diagnostics/.

import type { Embedding2D } from "../diagnostics/embedding.ts";
import { stageLabel, type InitExperiments } from "../diagnostics/init_stages.ts";
import type { LayerStats, ParameterStats } from "../diagnostics/layers.ts";
import type { BatchDiagnostics } from "../diagnostics/probe.ts";
import { color, fmt, histogramChart, histogramDataset, lineChart, pct, SCIENTIFIC } from "./charts.ts";
import type { ChartSpec, TableSpec } from "./spec.ts";

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

export function initLossChart(e: InitExperiments): ChartSpec {
  const labels = e.stages.map(stageName);
  return {
    id: "init-loss",
    kind: "chartjs",
    title: "First-step loss of each init stage",
    explain: "The loss of the very first minibatch: plain randn weights give confidently wrong logits (the hockey stick), scaling W2 down brings it to the loss of a uniform guess.",
    caption: e.stages.map((s) => `${stageName(s)}: ${fmt(s.firstLoss)}`).join("; "),
    config: {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: "first loss", data: e.stages.map((s) => s.firstLoss), backgroundColor: e.stages.map((_, i) => color(i)) },
          { type: "line", label: `−ln(1/V) = ${fmt(e.expectedLoss)}`, data: labels.map(() => e.expectedLoss), borderColor: "#000", borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
        ],
      },
      options: { scales: { y: { title: { display: true, text: "loss" } } } },
    },
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
    kind: "chartjs",
    title: "Logits at initialization",
    explain: "The histogram of the first batch's logits for each stage: at a good init they sit close to zero, so every character starts out about equally likely.",
    config: histogramChart(e.stages.map((s, i) => histogramDataset(`${stageName(s)} (std ${fmt(s.logitsStd, 2)})`, s.logits, i)), "logit"),
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

function layerLabel(l: LayerStats): string {
  return `${l.name} (${l.kind}): mean ${fmt(l.output.mean, 2)}, std ${fmt(l.output.std, 2)}${l.kind === "Tanh" ? `, saturated ${pct(l.output.saturated)}` : ""}`;
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
  const charts: ChartSpec[] = [
    {
      id: `${prefix}-tanh`,
      kind: "chartjs",
      title: `Tanh outputs (${when})`,
      explain: "The distribution of h = tanh(hpreact) on one batch: mass piled at ±1 means saturated units that pass almost no gradient, a spread between them is healthy.",
      caption: tanh.map(layerLabel).join("; "),
      config: histogramChart(tanh.map((l, i) => histogramDataset(layerLabel(l), l.output.histogram, i)), "value"),
    },
    {
      id: `${prefix}-preact`,
      kind: "chartjs",
      title: `Linear and BatchNorm outputs (${when})`,
      explain: "The distributions of the pre-activation hpreact (and hprebn, before BatchNorm) and of the logits on one batch: hpreact wider than about ±2 saturates the tanh that follows.",
      caption: other.map(layerLabel).join("; "),
      config: histogramChart(other.map((l, i) => histogramDataset(layerLabel(l), l.output.histogram, i + 1)), "value"),
    },
    {
      id: `${prefix}-grads`,
      kind: "chartjs",
      title: `Gradients of the layer outputs (${when})`,
      explain: "The distribution of the gradient each layer's output received in the backward pass: similar widths across layers mean the gradient neither vanishes nor explodes on its way back.",
      caption: b.layers.map((l) => `${l.name}: std ${fmt(l.grad?.std, 6)}`).join("; "),
      config: histogramChart(
        b.layers.filter((l) => l.grad !== null).map((l, i) => histogramDataset(`${l.name} (${l.kind}) grad std ${fmt(l.grad!.std, 6)}`, l.grad!.histogram, i)),
        "gradient",
      ),
    },
  ];
  // a model without tanh (makemore.py's bigram) has no tanh histogram to draw, one without gradients of its outputs no gradient one
  return charts.filter((c) => (c.id.endsWith("-tanh") ? tanh.length > 0 : c.id.endsWith("-grads") ? b.layers.some((l) => l.grad !== null) : other.length > 0));
}

const isMatrix = (p: ParameterStats) => p.shape.length === 2 && p.shape[0] > 1 && p.shape[1] > 1;

export function parameterCharts(b: BatchDiagnostics, prefix: string, when: string): ChartSpec[] {
  const weights = b.parameters.filter(isMatrix);
  return [
    {
      id: `${prefix}-param-grads`,
      kind: "chartjs",
      title: `Weight gradients (${when})`,
      explain: "The gradient distribution of each weight matrix, labelled with its grad:data ratio: one matrix learning much faster than the others (a much wider gradient) is a sign of a bad init.",
      config: histogramChart(weights.map((p, i) => histogramDataset(`${p.name} (${p.shape.join("×")}) grad:data ${fmt(p.gradToData, 6)}`, p.histogram, i)), "gradient"),
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
        options: { scales: { y: { type: "logarithmic", ticks: { format: SCIENTIFIC }, title: { display: true, text: "std(grad) / std(data)" } } }, plugins: { legend: { display: false } } },
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

export function embeddingChart(e: Embedding2D, id = "embedding"): ChartSpec {
  const how = e.method === "table" ? "C itself (n_embd = 2)" : `the first two principal components of C (${pct(e.explained![0])} and ${pct(e.explained![1])} of its variance)`;
  return {
    id,
    kind: "chartjs",
    title: "Character embedding",
    explain: `Each character at its embedding — ${how} — as in makemore part 2: characters the model treats alike (the vowels, say) end up close together.`,
    config: {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "C",
            data: e.points.map((p) => ({ x: p.x, y: p.y })),
            pointLabels: e.points.map((p) => p.label),
            pointRadius: 11,
            backgroundColor: "rgba(31,119,180,0.35)",
            borderColor: "#1f77b4",
          },
        ],
      },
      options: {
        scales: { x: { title: { display: true, text: e.method === "table" ? "C[:, 0]" : "PC 1" } }, y: { title: { display: true, text: e.method === "table" ? "C[:, 1]" : "PC 2" } } },
        plugins: { legend: { display: false } },
      },
    },
    height: 480,
  };
}
