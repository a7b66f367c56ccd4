import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnoseRun, initCurveSteps } from "../../src/diagnostics/run_report.ts";
import { TrainingCollector } from "../../src/diagnostics/collector.ts";
import { lossCurve } from "../../src/diagnostics/loss_curve.ts";
import { embedding2d } from "../../src/diagnostics/embedding.ts";
import { fmt, lossChart, lrFinderChart } from "../../src/report/charts.ts";
import { embeddingChart } from "../../src/report/charts_inside.ts";
import { findLearningRate } from "../../src/train/lr_finder.ts";
import { chartJsBundle, reportHtml as renderHtml } from "../../src/node/report.ts";
import { runReportPage } from "../../src/report/pages.ts";
import { chartsOf, type ReportPage } from "../../src/report/spec.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { TrainingLoop } from "../../src/train/loop.ts";

function smallReport(collect: boolean) {
  const run = createRun({ steps: 100, model: { nHidden: 16, nEmbd: 2 } });
  const collector = collect ? new TrainingCollector(run.model, { every: 10 }) : null;
  collector?.attach(run.trainer);
  run.train();
  return diagnoseRun(run, { collector });
}

test("the run report: every chart titled and explained in one sentence, unique ids, the collected curves only when collected", () => {
  const d = smallReport(true);
  const page = runReportPage(d);
  const charts = chartsOf(page);
  for (const c of charts) {
    assert.ok(c.title.length > 3, c.id);
    assert.match(c.explain, /^[^\n]+\.$/, `${c.id}: one sentence ending with a period`);
    assert.doesNotMatch(c.explain.replace(/e\.g\./g, ""), /\.\s+[A-Z]/, `${c.id}: one sentence`);
  }
  assert.equal(new Set(charts.map((c) => c.id)).size, charts.length);
  assert.ok(charts.some((c) => c.id === "update-ratio"));
  const without = chartsOf(runReportPage(smallReport(false))).map((c) => c.id);
  assert.ok(!without.includes("update-ratio") && without.includes("embedding") && without.includes("init-loss"));
  // n_embd = 2: the embedding chart is the table itself, with every character as a label
  const emb = charts.find((c) => c.id === "embedding")!;
  assert.ok(emb.kind === "chartjs" && (emb.config.data.datasets[0].pointLabels as string[]).join("") === d.run.settings.vocabulary.join(""));
  assert.match(emb.explain, /C itself/);
});

test("chart builders pass the diagnostics' numbers through unchanged", () => {
  const c = lossCurve([10, 100, 10, 100], { window: 2 });
  const spec = lossChart(c);
  assert.equal(spec.kind, "chartjs");
  if (spec.kind !== "chartjs") return;
  const [raw, mean] = spec.config.data.datasets as { data: { x: number; y: number }[] }[];
  assert.deepEqual(raw.data, [{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 1 }, { x: 3, y: 2 }]);
  assert.deepEqual(mean.data, [{ x: 1, y: 1.5 }, { x: 3, y: 1.5 }]); // at the window centres
});

test("renderHtml: one self-contained file — Chart.js inlined, no external resource, text escaped", () => {
  const page: ReportPage = {
    title: "a </script><b>title</b>",
    sections: [
      {
        title: "s",
        items: [
          lossChart(lossCurve([3, 2, 1])),
          { kind: "table", id: "t", title: "table", head: ["k", "v"], rows: [["</script>", 1]] },
          { kind: "bits", id: "b", title: "bits", explain: "Bits.", images: [{ label: "x", image: { rows: 1, cols: 2, bits: ["10"] } }] },
        ],
      },
    ],
  };
  const html = renderHtml(page);
  assert.ok(html.includes(chartJsBundle().slice(0, 2000)), "Chart.js is inlined");
  assert.match(chartJsBundle(), /Chart\.js v4/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(http/i);
  assert.equal(html.match(/<\/script>/g)!.length, html.match(/<script[ >]/g)!.length, "no stray closing tag");
  assert.match(html, /a &lt;\/script&gt;&lt;b&gt;title/);
  const json = html.match(/<script type="application\/json" id="makemore-report-data">([^<]*)<\/script>/)![1];
  assert.deepEqual(JSON.parse(json).charts.map((c: { id: string }) => c.id), ["loss", "b"]);
  assert.throws(() => renderHtml({ title: "x", sections: [{ title: "s", items: [page.sections[0].items[1], page.sections[0].items[1]] }] }), /two items have the id "t"/);
});

test("every histogram in the run report counts from 0 (an axis from the smallest count would exaggerate tanh's pile at ±1)", () => {
  const charts = chartsOf(runReportPage(smallReport(true)));
  const counted = charts.flatMap((c) => (c.kind === "chartjs" && (c.config.options as any)?.scales?.y?.title?.text === "count" ? [c] : []));
  assert.ok(counted.length >= 4, `histograms found: ${counted.map((c) => c.id).join(", ")}`);
  for (const c of counted) assert.equal((c.config.options as any).scales.y.min, 0, `${c.id}: the count axis starts at 0`);
});

test("the loss chart draws the split losses estimated while training (--eval-every), on the same log10 scale", () => {
  const run = createRun({ steps: 60, evalEvery: 20, model: { nHidden: 16, nEmbd: 2 } });
  const loop = new TrainingLoop(run, { checkpointEvery: 1000 });
  while (!loop.done) loop.next();
  const d = diagnoseRun(run, { collector: null });
  assert.deepEqual(d.estimates.map((e) => e.step), [20, 40, 60]);
  const chart = chartsOf(runReportPage(d)).find((c) => c.id === "loss")!;
  assert.ok(chart.kind === "chartjs");
  const val = chart.config.data.datasets.find((s) => s.label === "val (estimate)")!;
  assert.deepEqual((val.data as { x: number; y: number }[]).map((p) => p.x), [20, 40, 60]);
  (val.data as { x: number; y: number }[]).forEach((p, i) => assert.equal(p.y, Math.log10(d.estimates[i].losses.val!)));
  assert.match(chart.caption ?? "", /train, val, test losses estimated 3 times/);
  // without estimates, no such lines
  const plain = chartsOf(runReportPage(smallReport(false))).find((c) => c.id === "loss")!;
  assert.ok(plain.kind === "chartjs" && !plain.config.data.datasets.some((s) => String(s.label).includes("estimate")));
});

test("update:data is drawn for the 2-D parameters, as makemore part 3 does; the others are named in the caption", () => {
  const chart = chartsOf(runReportPage(smallReport(true))).find((c) => c.id === "update-ratio")!;
  assert.ok(chart.kind === "chartjs");
  const labels = chart.config.data.datasets.map((d) => String(d.label));
  // p.ndim == 2: the lecture model's bngain and bnbias are (1, H), its biases (H)
  assert.deepEqual(labels, ["C", "W1", "W2", "bngain", "bnbias", "1e-3 (rule of thumb)"]);
  assert.match(chart.caption ?? "", /left out: b1, b2\)/);
});

test("init stages: one loss curve per stage, starting at the first loss of the init table, as long as asked", () => {
  const d = smallReport(false);
  const e = d.init!;
  const page = runReportPage(d);
  const chart = chartsOf(page).find((c) => c.id === "init-loss")!;
  assert.ok(chart.kind === "chartjs");
  const table = page.sections.flatMap((s) => s.items).find((i) => i.id === "init-table")!;
  assert.ok(table.kind === "table");
  const firstLossColumn = table.head.indexOf("first loss");
  e.stages.forEach((s, i) => {
    const line = chart.config.data.datasets[i] as { label: string; data: { x: number; y: number }[] };
    assert.equal(line.label, table.rows[i][0]);
    assert.equal(line.data[0].x, 0);
    assert.equal(line.data[0].y, Math.log10(s.firstLoss));
    assert.equal(table.rows[i][firstLossColumn], fmt(10 ** line.data[0].y), "the table's first loss");
    assert.equal(line.data.length, 1 + Math.floor(e.curveSteps / e.window));
    assert.ok(line.data.at(-1)!.x <= e.curveSteps && line.data.at(-1)!.x > e.curveSteps - e.window);
    assert.deepEqual(line.data.slice(1).map((p) => p.y), s.curve.windowMean);
  });
  assert.equal(e.curveSteps, 100, "a 100-step run's stages train as long as the run");
  assert.deepEqual([initCurveSteps(1), initCurveSteps(3000), initCurveSteps(200000)], [100, 2000, 2000]);
});

const xRange = (config: { options?: Record<string, unknown> }) => (config.options as { scales: { x: { min: number; max: number } } }).scales.x;
const yMin = (config: { options?: Record<string, unknown> }) => (config.options as { scales: { y: { min: number } } }).scales.y.min;

test("logits at init: one small chart per stage, each x axis covering its own stage's logits, not a shared range", () => {
  const d = smallReport(false);
  const stages = d.init!.stages;
  const chart = chartsOf(runReportPage(d)).find((c) => c.id === "init-logits")!;
  assert.ok(chart.kind === "panels");
  assert.equal(chart.panels.length, stages.length);
  chart.panels.forEach((p, i) => {
    const { lo, hi } = stages[i].logits;
    const x = xRange(p.config);
    assert.ok(x.min <= lo && x.max >= hi, `${p.label}: [${x.min}, ${x.max}] covers [${lo}, ${hi}]`);
    assert.ok(x.max - x.min <= 2.5 * (hi - lo), `${p.label}: [${x.min}, ${x.max}] is its own range, not a shared one (${lo} … ${hi})`);
    assert.equal(yMin(p.config), 0, "counts from 0");
    assert.match(p.label, new RegExp(`^${stages[i].preset}`));
  });
  const naive = xRange(chart.panels[0].config);
  const scaled = xRange(chart.panels[1].config);
  assert.ok(naive.max - naive.min > 20 * (scaled.max - scaled.min), "the naive logits spread over a much wider axis");
});

test("W2 at init: naive and ×0.01 side by side, each on its own axis, about 100 times apart", () => {
  const d = smallReport(false);
  const chart = chartsOf(runReportPage(d)).find((c) => c.id === "init-w2")!;
  assert.ok(chart.kind === "panels");
  assert.deepEqual(chart.panels.map((p) => p.label.split(":")[0]), ["naive", "scaled-output"]);
  const [naive, scaled] = chart.panels.map((p) => xRange(p.config));
  const ratio = (naive.max - naive.min) / (scaled.max - scaled.min);
  assert.ok(ratio > 50 && ratio < 200, `axis ratio ${ratio}`);
  const [a, b] = d.init!.stages;
  assert.ok(naive.min <= a.w2.lo && naive.max >= a.w2.hi && scaled.min <= b.w2.lo && scaled.max >= b.w2.hi);
  for (const p of chart.panels) assert.equal(yMin(p.config), 0);
});

test("the embedding's caption says what its picture shows: the vowels close together only when they are", () => {
  const letters = [..."abcdefghijklmnopqrstuvwxyz"];
  const vowel = (l: string) => "aeiou".includes(l);
  // the vowels bunched at the origin, or spread to the corners while the consonants bunch
  for (const bunched of [true, false]) {
    const points = letters.map((label, i) => {
      const out = vowel(label) !== bunched;
      return { label, x: out ? 10 * Math.cos(i) : 0.1 * Math.cos(i), y: out ? 10 * Math.sin(i) : 0.1 * Math.sin(i) };
    });
    const e = embedding2d(points.flatMap((p) => [p.x, p.y]), 26, 2, letters);
    const spec = embeddingChart(e);
    assert.doesNotMatch(spec.explain, /vowel/, "the explanation claims nothing about the vowels");
    assert.match(spec.caption ?? "", bunched ? /\(closer together than the rest\)/ : /\(no closer together than the rest\)/);
    assert.match(spec.caption ?? "", new RegExp(`${fmt(e.vowels!.ratio, 2)}×`));
  }
});

test("the lr finder draws the rate itself on a logarithmic axis along the top, aligned with the exponent below", () => {
  const run = createRun({ steps: 100, model: { nHidden: 16 } });
  const r = findLearningRate(run.trainer, { steps: 100, minExp: -4, maxExp: 1 });
  const spec = lrFinderChart(r);
  assert.ok(spec.kind === "chartjs");
  const scales = (spec.config.options as { scales: Record<string, Record<string, unknown>> }).scales;
  assert.deepEqual([scales.x.min, scales.x.max], [-4, 1]);
  assert.equal(scales.lr.type, "logarithmic");
  assert.equal(scales.lr.position, "top");
  assert.deepEqual([scales.lr.min, scales.lr.max], [1e-4, 10]);
});

test("no chart fixes its own log-axis tick format: the renderer gives every logarithmic axis its readable ticks", () => {
  const charts = chartsOf(runReportPage(smallReport(true)));
  const logAxes = charts.flatMap((c) => (c.kind === "chartjs" ? Object.values((c.config.options as { scales?: Record<string, Record<string, unknown>> }).scales ?? {}) : [])).filter((s) => s.type === "logarithmic");
  assert.ok(logAxes.length >= 2, `${logAxes.length} log axes`);
  for (const s of logAxes) assert.equal((s.ticks as Record<string, unknown> | undefined)?.format, undefined);
});
