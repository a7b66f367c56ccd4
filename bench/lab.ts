// `npm run bench:lab [-- --steps N]`: steps/s of the lecture model in the browser lab's worker (headless
// Chromium, the real page with its charts redrawing) and in Node (TrainingRun.train, as `makemore train`
// runs it), in one run, and their ratio (the goal: the browser at least 0.8× Node). Also the page's
// responsiveness while it trains: the long tasks (over 50 ms) on its main thread after the first round
// of charts, counted by a PerformanceObserver, and the longest in the run's last quarter (a redraw whose
// cost grows with the run shows there; hence the default of the lectures' 200000 steps, ~30 s in the lab).

import { parseArgs } from "node:util";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createRun } from "../src/node/run_dir.ts";
import { startLabServer } from "../src/node/lab_server.ts";
// @ts-expect-error: a build script in plain JavaScript
import { buildWeb } from "../scripts/build-web.mjs";

const { values } = parseArgs({ options: { steps: { type: "string", default: "200000" } } });
const steps = Number(values.steps);
if (!Number.isSafeInteger(steps) || steps < 1000) {
  console.error(`bench:lab: --steps must be an integer >= 1000 (got ${values.steps})`);
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

console.log(`makemore-ts bench:lab — the lectures' MLP (12297 parameters), ${steps} steps of batch 32, seed 2147483647`);

// Node: the CLI's training loop, without the run directory
const run = createRun({ steps });
const t0 = performance.now();
run.train();
const nodeSeconds = (performance.now() - t0) / 1000;
const nodeRate = steps / nodeSeconds;
console.log(`node      ${nodeRate.toFixed(0).padStart(6)} steps/s  (${nodeSeconds.toFixed(2)} s)  loss at the last step ${run.trainer.losses[steps - 1].toFixed(6)}`);

// the browser: the built page, served as `makemore lab` serves it
const site = join(mkdtempSync(join(tmpdir(), "makemore-bench-lab-")), "web");
await buildWeb(site);
const { server, url } = await startLabServer({ port: 0, root: site });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript(() => {
    const w = window as unknown as { __long: { start: number; duration: number }[] };
    w.__long = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(`${url}?type=lecture${process.env.LAB_QUERY ?? ""}`);
  await page.waitForFunction(() => (window as any).lab?.info !== null);
  const started = performance.now();
  await page.click("#play");
  await page.waitForFunction((ids: string[]) => ids.every((id) => ((window as any).lab.drawn[id] ?? 0) >= 1), ["loss", "live-tanh", "embedding"]);
  const firstRound = await page.evaluate(() => performance.now());
  // the page's clock when the run enters its last quarter (by steps)
  await page.waitForFunction((n: number) => (window as any).lab.step >= n, Math.ceil(0.75 * steps), { timeout: 600000, polling: 50 });
  const lastQuarter = await page.evaluate(() => performance.now());
  await page.waitForFunction((n: number) => (window as any).lab.step >= n, steps, { timeout: 600000, polling: 50 });
  const seconds = (performance.now() - started) / 1000;
  const r = await page.evaluate(({ after, late }: { after: number; late: number }) => {
    const l = (window as any).lab;
    const long = ((window as any).__long as { start: number; duration: number }[]).filter((e) => e.start > after);
    return {
      step: l.step as number,
      last: l.losses[Math.min(l.step, l.losses.length) - 1] as number,
      drawn: l.drawn as Record<string, number>,
      drawMs: l.drawMs as Record<string, number>,
      long: long.map((e) => e.duration),
      late: long.filter((e) => e.start >= late).map((e) => e.duration),
    };
  }, { after: firstRound, late: lastQuarter });
  await page.click("#pause");
  const rate = r.step / seconds;
  const redraws = Math.min(...Object.values(r.drawn));
  console.log(`browser   ${rate.toFixed(0).padStart(6)} steps/s  (${r.step} steps in ${seconds.toFixed(2)} s, the charts redrawn ${redraws}+ times each)`);
  console.log(`ratio: the lab's worker trains at ${(rate / nodeRate).toFixed(2)}x Node's speed (goal: at least 0.8x)`);
  console.log(
    `main thread after the first charts: ${r.long.length} long task${r.long.length === 1 ? "" : "s"} over 50 ms` +
      (r.long.length ? ` (longest ${Math.max(...r.long).toFixed(0)} ms)` : ""),
  );
  console.log(
    `main thread in the last quarter (steps ${Math.ceil(0.75 * steps)}+): ${r.late.length} long task${r.late.length === 1 ? "" : "s"}` +
      (r.late.length ? ` (longest ${Math.max(...r.late).toFixed(0)} ms)` : ""),
  );
  console.log(`slowest redraw of each chart (ms): ${Object.entries(r.drawMs).map(([id, ms]) => `${id} ${ms.toFixed(0)}`).join(", ")}`);
} finally {
  await browser.close();
  server.close();
}
