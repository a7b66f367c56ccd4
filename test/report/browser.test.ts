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

interface PageCheck {
  drawn: string | null;
  charts: { id: string; kind: string; inked: number; points: number; inside: number; error: string | null }[];
}

async function openAndCheck(page: ReportPage, name: string): Promise<PageCheck> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium (CI: .ci/run does)`);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, renderHtml(page));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const p = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    p.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    p.on("request", (r) => {
      if (!r.url().startsWith("file:")) problems.push(`network request: ${r.url()}`);
    });
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector("body[data-charts-drawn]", { timeout: 20000 });
    const result = await p.evaluate(() => {
      const w = window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } };
      const slots = Array.from(document.querySelectorAll<HTMLElement>(".chart-slot"));
      return {
        drawn: document.body.getAttribute("data-charts-drawn"),
        charts: slots.map((slot) => {
          let inked = 0;
          let points = 0;
          let inside = 0;
          for (const c of Array.from(slot.querySelectorAll("canvas"))) {
            const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
            const chart = w.Chart.getChart(c);
            if (chart) {
              const a = chart.chartArea;
              chart.data.datasets.forEach((_: unknown, k: number) => {
                for (const el of chart.getDatasetMeta(k).data) {
                  points++;
                  if (Number.isFinite(el.x) && Number.isFinite(el.y) && el.x >= a.left - 1 && el.x <= a.right + 1 && el.y >= a.top - 1 && el.y <= a.bottom + 1) inside++;
                }
              });
            }
          }
          return { id: slot.id, kind: slot.dataset.kind ?? "", inked, points, inside, error: slot.getAttribute("data-error") };
        }),
      };
    });
    await p.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    assert.deepEqual(problems, [], problems.join("\n"));
    return result;
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
    if (c.kind === "chartjs") assert.ok(c.inside > 0 && c.inside >= c.points * 0.5, `${c.id}: ${c.inside} of ${c.points} points inside the chart area`);
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
  for (const id of ["loss", "init-loss", "init-saturation", "init-logits", "init-maps", "update-ratio", "saturation-training", "batch-tanh", "batch-preact", "batch-grads", "batch-param-grads", "batch-grad-data", "saturation", "dlogits", "embedding"]) {
    assert.ok(ids.includes(id), `the report has the ${id} chart`);
  }
  assertAllDrawn(page, await openAndCheck(page, "report"));
});

test("the learning-rate finder's page renders its curve", { timeout: 60000 }, async () => {
  const run = createRun({ steps: 200, model: { nHidden: 32 } });
  const page = lrFinderPage(findLearningRate(run.trainer, { steps: 200 }), "200 steps");
  assertAllDrawn(page, await openAndCheck(page, "lr-find"));
});

for (const type of ["wavenet", "bigram"] as const) {
  test(`a ${type} run's report renders every chart it has (no init stages; ${type === "bigram" ? "no tanh, no embedding" : "three tanh layers"})`, { timeout: 120000 }, async () => {
    const page = trainedReport({ type, steps: 120 });
    const ids = chartsOf(page).map((c) => c.id);
    assert.ok(!ids.includes("init-loss"), "the init stages are the lecture model's");
    assert.equal(ids.includes("embedding"), type === "wavenet");
    assert.equal(ids.includes("saturation"), type === "wavenet");
    assert.equal(ids.includes("update-ratio"), type === "wavenet", "lr·grad is SGD's update, not AdamW's");
    assertAllDrawn(page, await openAndCheck(page, `report-${type}`));
  });
}
