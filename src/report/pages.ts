// The pages: a run's report (`makemore diagnose`, `makemore train --report`) and the learning-rate
// finder's (`makemore lr-find --report`), as sections of chart and table specs.

import type { RunDiagnostics } from "../diagnostics/run_report.ts";
import type { LrFinderResult } from "../train/lr_finder.ts";
import { fmt, layerStdOverTrainingChart, lossChart, lrFinderChart, pct, saturationOverTrainingChart, updateRatioChart } from "./charts.ts";
import {
  activationCharts,
  dlogitsChart,
  embeddingChart,
  initLogitsChart,
  initLossChart,
  initMapsChart,
  initSaturationChart,
  initTable,
  initW2Chart,
  layerTable,
  parameterCharts,
  parameterTable,
  saturationChart,
} from "./charts_inside.ts";
import { gainActivationChart, gainGradientChart, gainTable, gainUpdateRatioChart } from "./charts_deep.ts";
import type { ReportPage, Section, TableSpec } from "./spec.ts";

/** "nEmbd 10, nHidden 200, …": a model config's settings, the type and the data's sizes left out. */
export function describeModel(m: Record<string, unknown>): string {
  return Object.entries(m)
    .filter(([k]) => k !== "type" && k !== "vocabSize")
    .filter(([k]) => !(m.batchNorm === false && k.startsWith("bn"))) // no BatchNorm: its settings mean nothing
    .map(([k, v]) => `${k} ${typeof v === "number" ? fraction(v) : v}`)
    .join(", ");
}

/** A number as typed: "5/3" for the double nearest 5/3 (the lecture's gain), else its shortest decimal. */
export function fraction(x: number): string {
  const text = String(x);
  if (Number.isInteger(x) || text.length <= 8) return text;
  for (let q = 2; q <= 12; q++) {
    const p = Math.round(x * q);
    if (p / q === x) return `${p}/${q}`;
  }
  return text;
}

/** The optimizer and its schedule in one line. */
export function describeTraining(s: RunDiagnostics["run"]["settings"]): string {
  const o = s.optimizer;
  const opt = o.type === "sgd" ? "SGD" : `AdamW (betas ${o.beta1}, ${o.beta2}, eps ${o.eps}, weight decay ${o.weightDecay})`;
  const sc = s.schedule;
  const lr = sc.decayStep === null ? `lr ${sc.lr}` : `lr ${sc.lr} → ${sc.lrAfterDecay} at step ${sc.decayStep}`;
  const t = s.training;
  return `${opt}, batch ${t.batchSize}, ${lr}, seed ${t.seed}, torch ${t.torchVersion}`;
}

function describeSplit(s: RunDiagnostics["run"]["settings"]): string {
  const sp = s.data.split;
  return sp.kind === "shuffle" ? `split seed ${sp.seed}` : sp.kind === "file-order" ? "split in file order" : "split by torch.randperm";
}

function runTable(d: RunDiagnostics): TableSpec {
  const s = d.run.settings;
  const f = d.run.final;
  const losses = f ? (["train", "val", "test"] as const).filter((k) => f[k] !== undefined).map((k) => `${k} ${fmt(f[k])}`).join(", ") : "";
  const rows: (string | number)[][] = [
    ["data", `${s.data.file} (${s.data.words} words, ${describeSplit(s)})`],
    ["model", `${s.model.type}: ${describeModel(s.model)}, vocabulary ${s.model.vocabSize}: ${d.run.numParameters} parameters`],
    ["training", describeTraining(s)],
    ["steps", `${d.run.stepsDone} of ${d.run.steps}`],
    ["first loss", `${fmt(d.run.firstLoss)} (−ln(1/V) = ${fmt(d.expectedInitialLoss)})`],
    ["final losses", f ? `${losses}${f.bnStats ? ` (BatchNorm ${f.bnStats})` : ""}, step ${f.step}` : "not evaluated"],
  ];
  if (d.deadNeurons) {
    rows.push(["dead neurons", `${d.deadNeurons.dead.length} of ${d.deadNeurons.units} saturated on all ${d.deadNeurons.examples} training examples`]);
  }
  return { kind: "table", id: "run-table", title: "Configuration and final losses", head: ["", ""], rows };
}

/** The report of a run. */
export function runReportPage(d: RunDiagnostics, title = "makemore-ts report"): ReportPage {
  const sections: Section[] = [{ title: "Run", items: [runTable(d), lossChart(d.lossCurve, "loss", d.estimates ?? [])] }];
  if (d.init) {
    sections.push({
      title: "Initialization (makemore part 3's stages)",
      items: [initTable(d.init), initLossChart(d.init), ...[initW2Chart(d.init)].filter((c) => c !== null), initLogitsChart(d.init), initSaturationChart(d.init), initMapsChart(d.init)],
    });
  }
  if (d.gains) {
    const g = d.gains;
    sections.push({
      title: "Gain experiments (makemore part 3's deeper network without BatchNorm)",
      items: [gainTable(g), gainActivationChart(g), gainGradientChart(g), gainUpdateRatioChart(g)],
    });
  }
  const tr = d.training;
  if (tr) {
    const items = tr.series.updateToData.some((r) => r.some(Number.isFinite)) ? [updateRatioChart(tr.series)] : [];
    if (tr.series.saturated.some(Number.isFinite)) items.push(saturationOverTrainingChart(tr.series));
    items.push(layerStdOverTrainingChart(tr.series));
    // makemore part 3 looks inside after its first 1000 steps; a shorter run shows its first step
    const look = tr.snapshot ?? tr.first;
    if (look) {
      const when = look === tr.snapshot ? `at step ${look.step}, where makemore part 3 looks` : `step ${look.step}`;
      const prefix = look === tr.snapshot ? "snapshot" : "first";
      items.push(...activationCharts(look, prefix, when), ...parameterCharts(look, prefix, when));
    }
    sections.push({ title: "During training", items });
  }
  const b = d.batch;
  const inside = [
    layerTable(b),
    ...activationCharts(b, "batch", `after ${d.run.stepsDone} steps`),
    parameterTable(b),
    ...parameterCharts(b, "batch", `after ${d.run.stepsDone} steps`),
  ];
  if (b.saturation) inside.push(saturationChart(b, d.deadNeurons));
  if (b.dlogits.rows > 0) inside.push(dlogitsChart(b, d.run.settings.vocabulary));
  if (d.embedding) inside.push(embeddingChart(d.embedding));
  sections.push({ title: `Inside the trained model (one batch of ${b.batchSize}, loss ${fmt(b.loss)})`, items: inside });
  const f = d.run.final;
  const tanh = b.layers.find((l) => l.kind === "Tanh");
  return {
    title,
    subtitle:
      `${d.run.settings.model.type}, ${d.run.stepsDone} steps` +
      ("init" in d.run.settings.model ? `, init ${d.run.settings.model.init}` : "") +
      (f ? `; ${f.val !== undefined ? "val" : "test"} loss ${fmt(f.val ?? f.test)}` : "") +
      (tanh ? `; tanh saturated ${pct(tanh.output.saturated)}` : ""),
    sections,
  };
}

/** The learning-rate finder's page. */
export function lrFinderPage(r: LrFinderResult, description: string): ReportPage {
  return {
    title: "makemore-ts learning-rate finder",
    subtitle: description,
    sections: [{ title: "Loss against the learning rate", items: [lrFinderChart(r)] }],
  };
}
