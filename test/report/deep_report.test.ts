// The report of makemore part 3's deeper network (--type deep): the gain experiments side by side (gains
// 1, 5/3 and 3 without BatchNorm; one panel per gain, one line per tanh layer labelled with the lecture's
// printout), the look inside after step 1000 (the lecture's `if i >= 1000: break`), and the update:data
// ratios of the 2-D parameters. A run of another type has no gain section; every type's report builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { collectRun, diagnoseRun } from "../../src/diagnostics/run_report.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { fraction, runReportPage } from "../../src/report/pages.ts";
import { chartsOf, type ChartSpec } from "../../src/report/spec.ts";
import { modelTypes } from "../../src/models/registry.ts";
import { embedding2d } from "../../src/diagnostics/embedding.ts";
import { embeddingChart, MAX_LABELLED_POINTS } from "../../src/report/charts_inside.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const byId = (charts: ChartSpec[], id: string): ChartSpec => {
  const c = charts.find((x) => x.id === id);
  assert.ok(c, `the report has the ${id} chart (it has ${charts.map((x) => x.id).join(", ")})`);
  return c;
};

test("a deep run's report: the gain experiments side by side, and the look inside after step 1000", () => {
  const run = createRun({ type: "deep", steps: 1001, model: { nHidden: 40, nLayer: 4 } });
  const collector = collectRun(run, 50);
  run.train();
  const d = diagnoseRun(run, { collector });
  assert.ok(d.gains, "the deep network has gain experiments");
  const page = runReportPage(d);
  const charts = chartsOf(page);
  const acts = byId(charts, "gain-activations");
  assert.equal(acts.kind, "panels");
  if (acts.kind !== "panels") return;
  assert.deepEqual(acts.panels.map((p) => p.label), ["gain 1", "gain 5/3", "gain 3"]);
  for (const p of acts.panels) {
    const labels = p.config.data.datasets.map((s) => String(s.label));
    // one line per tanh layer of the lecture's `layers` list (Linear, Tanh pairs without BatchNorm: 1, 3, 5, 7)
    assert.deepEqual(labels.map((l) => l.split(":")[0]), ["layer 1 (Tanh)", "layer 3 (Tanh)", "layer 5 (Tanh)", "layer 7 (Tanh)"]);
    for (const l of labels) assert.match(l, /: mean [+-]\d\.\d\d, std \d\.\d\d, saturated \d+\.\d\d%$/);
  }
  // the lecture's point, in the numbers the panels draw: gain 1 shrinks the spread layer by layer
  const stds = d.gains!.experiments[0].init.layers.filter((l) => l.kind === "Tanh").map((l) => l.output.std);
  assert.ok(stds.every((s, i) => i === 0 || s < stds[i - 1]), `gain 1: ${stds.join(" → ")}`);
  const ud = byId(charts, "gain-update-ratio");
  if (ud.kind !== "panels") return assert.fail("gain-update-ratio is a grid of panels");
  for (const p of ud.panels) {
    // the 2-D parameters only (C and the five weights; no biases), and the 1e-3 guide
    const labels = p.config.data.datasets.map((s) => String(s.label));
    assert.deepEqual(labels, ["C", "layers.0.weight", "layers.2.weight", "layers.4.weight", "layers.6.weight", "layers.8.weight", "1e-3"]);
  }
  byId(charts, "gain-gradients");
  assert.ok(page.sections.some((s) => s.items.some((i) => i.id === "gain-table")));
  // during training: the batch of step 1000, as the lecture shows it
  const snap = byId(charts, "snapshot-tanh");
  assert.match(snap.title, /at step 1000, where makemore part 3 looks/);
  // the tanh layers' output and gradient histograms, labelled as the lecture prints them (no kind twice)
  const tanhLabels = (id: string) => {
    const c = byId(charts, id);
    return c.kind === "chartjs" ? c.config.data.datasets.map((x) => String(x.label)) : [];
  };
  const layerNames = ["layer 2 (Tanh)", "layer 5 (Tanh)", "layer 8 (Tanh)", "layer 11 (Tanh)"];
  assert.deepEqual(tanhLabels("snapshot-tanh").map((l) => l.split(":")[0]), layerNames);
  assert.deepEqual(tanhLabels("snapshot-grads").map((l) => l.split(":")[0]), layerNames, "a deep network's gradient chart draws its tanh layers, as the lecture");
  // the weight gradients as densities: each integrates to 1 whatever the matrix's size
  const pg = byId(charts, "snapshot-param-grads");
  if (pg.kind !== "chartjs") return assert.fail("snapshot-param-grads is a Chart.js chart");
  assert.equal((pg.config.options as any).scales.y.title.text, "density");
  assert.deepEqual(pg.config.data.datasets.map((x) => String(x.label).split(" ")[0]), ["C", "layers.0.weight", "layers.3.weight", "layers.6.weight", "layers.9.weight", "layers.12.weight"]);
  for (const set of pg.config.data.datasets) {
    const pts = set.data as { x: number; y: number }[];
    const integral = pts.reduce((a, p) => a + p.y, 0) * (pts[1].x - pts[0].x);
    assert.ok(Math.abs(integral - 1) < 1e-6, `${set.label}: integrates to ${integral}`);
  }
  // the model line says the lecture's gain as the lecture does
  assert.match(JSON.stringify(page.sections[0].items[0]), /gain 5\/3/);
});

test("no gain experiments for another type; the model line writes a typed fraction back as typed", () => {
  const run = createRun({ type: "lecture", steps: 3, model: { nHidden: 16 } });
  run.train();
  const d = diagnoseRun(run);
  assert.equal(d.gains, null);
  assert.ok(!chartsOf(runReportPage(d)).some((c) => c.id.startsWith("gain-")));
  assert.equal(fraction(5 / 3), "5/3");
  assert.equal(fraction(0.001), "0.001");
  assert.equal(fraction(0.1), "0.1");
  assert.equal(fraction(Math.PI), String(Math.PI));
});

test("every model type's report builds: the embedding of makemore.py's MLP labels its blank token", () => {
  const dir = mkdtempSync(join(tmpdir(), "makemore-every-report-"));
  const file = join(dir, "words.txt");
  writeFileSync(file, Array.from({ length: 60 }, (_, i) => `w${"abcdefghij"[i % 10]}${"klmnopqrst"[(i * 7) % 10]}${i % 3 ? "x" : ""}`).join("\n"));
  for (const type of modelTypes()) {
    const run = createRun({ inputFile: file, type: type.type, steps: 3, batchSize: 8, ...(type.type === "wavenet" || type.type === "deep" ? { model: { nHidden: 8, nEmbd: 4 } } : {}) });
    const collector = collectRun(run, 1);
    run.train();
    const d = diagnoseRun(run, { collector });
    const page = runReportPage(d);
    assert.ok(chartsOf(page).length > 3, type.type);
    const C = run.model.embeddingTable();
    if (C === null) continue;
    assert.equal(d.embedding!.points.length, C.shape[0], `${type.type}: a point per row of the table`);
    const labels = d.embedding!.points.map((p) => p.label);
    if (type.type === "mlp") assert.equal(labels.at(-1), "␣", "the MLP's blank token");
    else assert.deepEqual(labels, [...run.settings.vocabulary], type.type);
  }
});

test("diagnose's update:data uses the learning rate of the last step done, not of the last collected point", () => {
  const run = createRun({ steps: 60, lrDecayStep: 55, model: { nHidden: 16 } });
  const collector = collectRun(run, 50); // points at steps 0 and 50, both at lr 0.1
  run.train();
  assert.deepEqual(collector.series.lr, [0.1, 0.1]);
  const d = diagnoseRun(run, { collector });
  for (const p of d.batch.parameters) {
    const want = Math.log10((0.01 * p.gradStd) / p.dataStd); // steps 55–59 ran at 0.01
    assert.ok(Math.abs(p.updateToDataLog10! - want) < 1e-9, `${p.name}: ${p.updateToDataLog10} vs ${want}`);
  }
});

test("an embedding of more characters than can be labelled is drawn without labels, quickly, and says so", () => {
  const V = 1001;
  const C = Float32Array.from({ length: V * 2 }, (_, i) => Math.sin(i * 12.9898) * 3);
  const e = embedding2d(C, V, 2, Array.from({ length: V }, (_, i) => String.fromCodePoint(0x4e00 + i)));
  const t0 = performance.now();
  const chart = embeddingChart(e);
  assert.ok(performance.now() - t0 < 1000, "no quadratic layout of 1001 labels");
  if (chart.kind !== "chartjs") return assert.fail("a Chart.js chart");
  assert.equal(chart.config.data.datasets[0].pointLabels, undefined);
  assert.match(chart.caption ?? "", /1001 characters, too many to label legibly/);
  const small = embeddingChart(embedding2d(C.subarray(0, 2 * MAX_LABELLED_POINTS), MAX_LABELLED_POINTS, 2, Array.from({ length: MAX_LABELLED_POINTS }, (_, i) => String(i))));
  assert.ok(small.kind === "chartjs" && Array.isArray(small.config.data.datasets[0].pointLabels), "up to the limit, labelled");
});
