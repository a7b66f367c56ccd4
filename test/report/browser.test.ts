// Opens generated reports in headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// every chart must have drawn (a non-blank canvas; a Chart.js chart with points inside its chart
// area), with no console error, no page error and no network request. Saves full-page screenshots to
// test-output/ for a human to look at.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { collectRun, diagnoseRun } from "../../src/diagnostics/run_report.ts";
import type { RunOptions } from "../../src/train/config.ts";
import { reportHtml as renderHtml } from "../../src/node/report.ts";
import { lrFinderPage, runReportPage } from "../../src/report/pages.ts";
import { chartsOf, type ReportPage } from "../../src/report/spec.ts";
import { findLearningRate } from "../../src/train/lr_finder.ts";
import { createRun } from "../../src/node/run_dir.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = resolve("test-output");

interface LogAxis {
  chart: string;
  axis: string;
  horizontal: boolean;
  labels: string[];
  /** Each tick's position along the axis and its label's extent along it (px). */
  at: number[];
  size: number[];
}

interface DrawnLabel {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  px: number;
  py: number;
}

interface PageCheck {
  drawn: string | null;
  charts: { id: string; kind: string; inked: number; points: number; inside: number; error: string | null }[];
  logAxes: LogAxis[];
  pointLabels: { chart: string; labels: DrawnLabel[] }[];
}

/** What the page drew: every chart's ink and points, every logarithmic axis's ticks, the point labels' boxes. */
function inspect(): PageCheck {
  const w = window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any; helpers: { toFont(f: unknown): { string: string; lineHeight: number } } } };
  const slots = Array.from(document.querySelectorAll<HTMLElement>(".chart-slot"));
  const logAxes: LogAxis[] = [];
  const pointLabels: { chart: string; labels: DrawnLabel[] }[] = [];
  const charts = slots.map((slot) => {
    let inked = 0;
    let points = 0;
    let inside = 0;
    for (const c of Array.from(slot.querySelectorAll("canvas"))) {
      const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
      const chart = w.Chart.getChart(c);
      if (!chart) continue;
      const a = chart.chartArea;
      chart.data.datasets.forEach((_: unknown, k: number) => {
        for (const el of chart.getDatasetMeta(k).data) {
          points++;
          if (Number.isFinite(el.x) && Number.isFinite(el.y) && el.x >= a.left - 1 && el.x <= a.right + 1 && el.y >= a.top - 1 && el.y <= a.bottom + 1) inside++;
        }
      });
      for (const [id, scale] of Object.entries<any>(chart.scales)) {
        if (scale.type !== "logarithmic") continue;
        const font = w.Chart.helpers.toFont(scale.options.ticks.font);
        chart.ctx.save();
        chart.ctx.font = font.string;
        const labels = scale.ticks.map((t: { label: string }) => String(t.label));
        logAxes.push({
          chart: slot.id,
          axis: id,
          horizontal: scale.isHorizontal(),
          labels,
          at: scale.ticks.map((_: unknown, i: number) => scale.getPixelForTick(i)),
          size: labels.map((l: string) => (scale.isHorizontal() ? chart.ctx.measureText(l).width : font.lineHeight)),
        });
        chart.ctx.restore();
      }
      if (chart.$makemoreLabels?.length) pointLabels.push({ chart: slot.id, labels: chart.$makemoreLabels });
    }
    return { id: slot.id, kind: slot.dataset.kind ?? "", inked, points, inside, error: slot.getAttribute("data-error") };
  });
  return { drawn: document.body.getAttribute("data-charts-drawn"), charts, logAxes, pointLabels };
}

/** Opens the page at each width in turn (the charts redraw at each), checking it drew without a problem. */
async function openAndCheck(page: ReportPage, name: string, widths = [1200]): Promise<PageCheck[]> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium (CI: .ci/run does)`);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, renderHtml(page));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const p = await browser.newPage({ viewport: { width: widths[0], height: 900 } });
    const problems: string[] = [];
    p.on("console", (m) => {
      // reading the canvases twice (inspect, at each width) is what Chromium's willReadFrequently hint is about
      if (m.text().includes("willReadFrequently")) return;
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    p.on("request", (r) => {
      if (!r.url().startsWith("file:")) problems.push(`network request: ${r.url()}`);
    });
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector("body[data-charts-drawn]", { timeout: 20000 });
    const results: PageCheck[] = [];
    for (const [i, width] of widths.entries()) {
      if (i > 0) {
        await p.setViewportSize({ width, height: 900 });
        await p.waitForTimeout(500); // Chart.js redraws on its resize observer
      }
      results.push(await p.evaluate(inspect));
      await p.screenshot({ path: join(OUT, `${name}${i > 0 ? `-${width}` : ""}.png`), fullPage: true });
    }
    assert.deepEqual(problems, [], problems.join("\n"));
    return results;
  } finally {
    await browser.close();
  }
}

function assertAllDrawn(page: ReportPage, r: PageCheck): void {
  const specs = chartsOf(page);
  assert.equal(r.drawn, String(specs.length), "every chart was drawn");
  assert.equal(r.charts.length, specs.length);
  for (const c of r.charts) {
    assert.equal(c.error, null, `${c.id}: ${c.error}`);
    assert.ok(c.inked > 500, `${c.id}: canvas is blank (${c.inked} inked pixels)`);
    if (c.kind === "chartjs" || c.kind === "panels") assert.ok(c.inside > 0 && c.inside >= c.points * 0.5, `${c.id}: ${c.inside} of ${c.points} points inside the chart area`);
  }
}

/** A readable log tick: a plain number whose leading digit is 1–9, or 10 to a power, with 2· or 5· before it. */
const READABLE_LOG_TICK = /^(0\.0*[1-9]|[1-9]0*)$|^([25]·)?10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+$/;

/** Every logarithmic axis: readable labels, at least two, none overlapping the next. */
function assertReadableLogAxes(r: PageCheck, where: string): void {
  for (const a of r.logAxes) {
    const name = `${where} ${a.chart} axis ${a.axis}`;
    assert.ok(a.labels.length >= 2, `${name}: ${a.labels.length} tick labels`);
    for (const l of a.labels) assert.match(l, READABLE_LOG_TICK, `${name}: label "${l}"`);
    for (let i = 1; i < a.labels.length; i++) {
      const gap = Math.abs(a.at[i] - a.at[i - 1]);
      const need = a.horizontal ? (a.size[i] + a.size[i - 1]) / 2 : Math.max(a.size[i], a.size[i - 1]);
      assert.ok(gap >= need, `${name}: "${a.labels[i - 1]}" and "${a.labels[i]}" are ${gap.toFixed(1)} px apart, need ${need.toFixed(1)}`);
    }
  }
}

/** The drawn point labels: none over another, none over a point (markers of radius r). */
function assertLabelsApart(r: PageCheck, where: string, radius: number): void {
  for (const { chart, labels } of r.pointLabels) {
    const box = (l: DrawnLabel) => ({ x0: l.x - l.w / 2, x1: l.x + l.w / 2, y0: l.y - l.h / 2, y1: l.y + l.h / 2 });
    const hit = (a: ReturnType<typeof box>, b: ReturnType<typeof box>) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
    labels.forEach((l, i) => {
      labels.forEach((m, j) => {
        if (j > i) assert.ok(!hit(box(l), box(m)), `${where} ${chart}: "${l.text}" overlaps "${m.text}"`);
        assert.ok(!hit(box(l), { x0: m.px - radius, x1: m.px + radius, y0: m.py - radius, y1: m.py + radius }), `${where} ${chart}: "${l.text}" covers the point of "${m.text}"`);
      });
    });
  }
}

/** The report of a run trained with a collector every 10 steps, as `train --report` makes it. */
function trainedReport(options: RunOptions): ReportPage {
  const run = createRun(options);
  const collector = collectRun(run, 10);
  run.train();
  run.evaluate();
  return runReportPage(diagnoseRun(run, { collector }));
}

test("the run report renders every chart in headless Chromium, offline, without console errors", { timeout: 120000 }, async () => {
  const page = trainedReport({ steps: 300, model: { nHidden: 48 }, lrDecayStep: 200 });
  const ids = chartsOf(page).map((c) => c.id);
  for (const id of ["loss", "init-loss", "init-w2", "init-saturation", "init-logits", "init-maps", "update-ratio", "saturation-training", "batch-tanh", "batch-preact", "batch-grads", "batch-param-grads", "batch-grad-data", "saturation", "dlogits", "embedding"]) {
    assert.ok(ids.includes(id), `the report has the ${id} chart`);
  }
  // at the page's full width and at a narrow one, where the log axes are shorter and the embedding smaller
  const [wide, narrow] = await openAndCheck(page, "report", [1200, 620]);
  for (const [r, where] of [[wide, "1200 px"], [narrow, "620 px"]] as const) {
    assertAllDrawn(page, r);
    assert.ok(r.logAxes.some((a) => a.chart === "chart-batch-grad-data"), `${where}: the grad:data axis is logarithmic`);
    assertReadableLogAxes(r, where);
    assert.equal(r.pointLabels.length, 1, "the embedding's labels");
    assertLabelsApart(r, where, 3);
  }
});

test("the learning-rate finder's page renders its curve", { timeout: 60000 }, async () => {
  const run = createRun({ steps: 200, model: { nHidden: 32 } });
  const page = lrFinderPage(findLearningRate(run.trainer, { steps: 200 }), "200 steps");
  const [wide, narrow] = await openAndCheck(page, "lr-find", [1200, 520]);
  for (const [r, where] of [[wide, "1200 px"], [narrow, "520 px"]] as const) {
    assertAllDrawn(page, r);
    assert.ok(r.logAxes.some((a) => a.axis === "lr" && a.horizontal), `${where}: the rate on a logarithmic axis`);
    assertReadableLogAxes(r, where);
  }
});

for (const type of ["wavenet", "bigram"] as const) {
  test(`a ${type} run's report renders every chart it has (no init stages; ${type === "bigram" ? "no tanh, no embedding" : "three tanh layers"})`, { timeout: 120000 }, async () => {
    const page = trainedReport({ type, steps: 120 });
    const ids = chartsOf(page).map((c) => c.id);
    assert.ok(!ids.includes("init-loss"), "the init stages are the lecture model's");
    assert.equal(ids.includes("embedding"), type === "wavenet");
    assert.equal(ids.includes("saturation"), type === "wavenet");
    assert.equal(ids.includes("update-ratio"), type === "wavenet", "lr·grad is SGD's update, not AdamW's");
    const [r] = await openAndCheck(page, `report-${type}`);
    assertAllDrawn(page, r);
    assertReadableLogAxes(r, type);
  });
}
