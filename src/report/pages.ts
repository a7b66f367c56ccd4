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
  layerTable,
  parameterCharts,
  parameterTable,
  saturationChart,
} from "./charts_inside.ts";
import type { ReportPage, Section, TableSpec } from "./spec.ts";

function runTable(d: RunDiagnostics): TableSpec {
  const s = d.run.settings;
  const m = s.model;
  const t = s.training;
  const f = d.run.final;
  const rows: (string | number)[][] = [
    ["data", `${s.data.file} (${s.data.words} words, split seed ${s.data.splitSeed ?? "none"})`],
    ["model", `block ${m.blockSize}, n_embd ${m.nEmbd}, n_hidden ${m.nHidden}, ${m.batchNorm ? "BatchNorm" : "no BatchNorm"}, vocabulary ${m.vocabSize}: ${d.run.numParameters} parameters`],
    ["training", `init ${t.init}, batch ${t.batchSize}, lr ${t.lr} → ${t.lrAfterDecay} at step ${t.lrDecayStep}, seed ${t.seed}, torch ${t.torchVersion}`],
    ["steps", `${d.run.stepsDone} of ${d.run.steps}`],
    ["first loss", `${fmt(d.run.firstLoss)} (−ln(1/V) = ${fmt(d.expectedInitialLoss)})`],
    ["final losses", f ? `train ${fmt(f.train)}, val ${fmt(f.val)}, test ${fmt(f.test)} (BatchNorm ${f.bnStats}, step ${f.step})` : "not evaluated"],
    ["dead neurons", `${d.deadNeurons.dead.length} of ${d.deadNeurons.units} saturated on all ${d.deadNeurons.examples} training examples`],
  ];
  return { kind: "table", id: "run-table", title: "Configuration and final losses", head: ["", ""], rows };
}

/** The report of a run. */
export function runReportPage(d: RunDiagnostics, title = "makemore-ts report"): ReportPage {
  const sections: Section[] = [{ title: "Run", items: [runTable(d), lossChart(d.lossCurve)] }];
  sections.push({
    title: "Initialization (seed 002's stages)",
    items: [initTable(d.init), initLossChart(d.init), initSaturationChart(d.init), initLogitsChart(d.init), initMapsChart(d.init)],
  });
  const tr = d.training;
  if (tr) {
    const items = [updateRatioChart(tr.series), saturationOverTrainingChart(tr.series), layerStdOverTrainingChart(tr.series)];
    if (tr.first) items.push(...activationCharts(tr.first, "first", `step ${tr.first.step}`));
    sections.push({ title: "During training", items });
  }
  const b = d.batch;
  sections.push({
    title: `Inside the trained model (one batch of ${b.batchSize}, loss ${fmt(b.loss)})`,
    items: [
      layerTable(b),
      ...activationCharts(b, "batch", `after step ${d.run.stepsDone}`),
      parameterTable(b),
      ...parameterCharts(b, "batch", `after step ${d.run.stepsDone}`),
      saturationChart(b, d.deadNeurons),
      dlogitsChart(b, d.run.settings.vocabulary),
      embeddingChart(d.embedding),
    ],
  });
  const f = d.run.final;
  return {
    title,
    subtitle:
      `${d.run.stepsDone} steps, init ${d.run.settings.training.init}` +
      (f ? `; val loss ${fmt(f.val)}` : "") +
      `; tanh saturated ${pct(b.layers.find((l) => l.kind === "Tanh")?.output.saturated ?? NaN)}`,
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
