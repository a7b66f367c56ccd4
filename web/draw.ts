// The lab's charts: Chart.js and the report's renderer (src/report/browser.ts) set up for live drawing, the
// live charts built from what the worker streamed (with the report's own builders, so the lab and
// `makemore diagnose --report` draw the same pictures) and redrawn at most every REDRAW_MS, one chart per
// animation frame, and the tools' tables and charts.

import { Chart } from "chart.js/auto";
import { BROWSER_RENDERER } from "../src/report/browser.ts";
import { lossChart, updateRatioChart } from "../src/report/charts.ts";
import { activationCharts, dlogitsChart, embeddingChart, parameterCharts, saturationChart } from "../src/report/charts_inside.ts";
import type { ChartSpec, Item, TableSpec } from "../src/report/spec.ts";
import { LiveLossCurve, type LossCurve } from "../src/diagnostics/loss_curve.ts";
import type { FromWorker, RunInfo } from "./protocol.ts";

const REDRAW_MS = 250;
/** Points of the live loss chart (its buckets' min, max and mean): enough for a 1000-px line. */
const LOSS_POINTS = 400;

/** What the page keeps of the worker's stream (window.lab, which the tests read). */
export interface LabState {
  info: RunInfo | null;
  step: number;
  losses: Float32Array;
  estimates: { step: number; losses: Record<string, number> }[];
  inside: Extract<FromWorker, { kind: "inside" }> | null;
  samples: { step: number; word: string; mark: string }[];
  stepsPerSecond: number;
  errors: string[];
  /** Charts drawn so far, by element id (for the tests: each redraw counts). */
  drawn: Record<string, number>;
  /** The longest a chart's redraw took on the page's thread (ms), by id. */
  drawMs: Record<string, number>;
  /** The step of the run kept for a reload (IndexedDB), or -1. */
  keptStep: number;
}

// Chart.js for the shared renderer, without animations (a live chart redraws several times a second)
(window as unknown as { Chart: typeof Chart }).Chart = Chart;
Chart.defaults.animation = false;
new Function(BROWSER_RENDERER)();
const renderer = (window as unknown as { makemoreCharts: { render(el: HTMLElement, spec: ChartSpec): void; update(el: HTMLElement, spec: ChartSpec): boolean } }).makemoreCharts;

/** Destroys the Chart.js charts inside `el` (before its content is replaced). */
export function clearCharts(el: HTMLElement): void {
  el.querySelectorAll("canvas").forEach((c) => Chart.getChart(c)?.destroy());
}

/** A table spec as an HTML table. */
function tableElement(t: TableSpec): HTMLElement {
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const h of t.head) head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
  const body = table.createTBody();
  for (const row of t.rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = String(cell);
  }
  return table;
}

/** Replaces `el`'s content with the item: its title (explanation on hover), the chart or table, its caption. */
function drawInto(el: HTMLElement, item: Item): void {
  clearCharts(el);
  el.replaceChildren(Object.assign(document.createElement("h3"), { textContent: item.title, title: item.explain ?? "" }));
  if (item.kind === "table") el.appendChild(tableElement(item));
  else renderer.render(el, item);
  if (item.kind !== "table" && item.caption) el.appendChild(Object.assign(document.createElement("p"), { className: "caption", textContent: item.caption }));
}

/** Redraws a live chart into `el`: in place when `el` holds a Chart.js chart of the same type, else anew. */
function redrawInto(el: HTMLElement, spec: ChartSpec): void {
  const h3 = el.querySelector<HTMLElement>(":scope > h3");
  if (h3 === null || !renderer.update(el, spec)) return drawInto(el, spec);
  h3.textContent = spec.title;
  h3.title = spec.explain ?? "";
  const caption = el.querySelector(":scope > p.caption");
  if (!spec.caption) caption?.remove();
  else if (caption) caption.textContent = spec.caption;
  else el.appendChild(Object.assign(document.createElement("p"), { className: "caption", textContent: spec.caption }));
}

/** Replaces `out`'s content with these tables and charts (the tools'), one per animation frame. */
export function drawItems(out: HTMLElement, items: Item[]): void {
  clearCharts(out);
  out.replaceChildren();
  const next = () => {
    const item = items.shift();
    if (!item) return;
    const fig = document.createElement("div");
    fig.className = "chart";
    fig.id = `tool-${item.id}`;
    out.appendChild(fig);
    drawInto(fig, item);
    requestAnimationFrame(next);
  };
  requestAnimationFrame(next);
}

/**
 * The live loss curve up to `step`, fed only the steps that came in since the last redraw (over the whole
 * run, lossCurve would be a long task once the run is long). It starts over for another run: the page's
 * state emptied for a new one (another `info`, the step gone back), or the losses it read rewritten
 * since (an opened run's history arriving after its `ready`). A grown copy of `losses` keeps them.
 */
function liveLossCurve(): (state: LabState, step: number) => LossCurve {
  let live = new LiveLossCurve({ maxPoints: LOSS_POINTS });
  let info: RunInfo | null = null;
  let last = NaN; // the loss at step live.steps - 1 when it was read (Object.is: a diverged run's NaN)
  return (state, step) => {
    const seen = live.steps;
    if (state.info !== info || step < seen || (seen > 0 && !Object.is(state.losses[seen - 1], last))) {
      live = new LiveLossCurve({ maxPoints: LOSS_POINTS });
      info = state.info;
    }
    live.extend(state.losses, step);
    last = step > 0 ? state.losses[step - 1] : NaN;
    return live.curve();
  };
}

/** The live charts, each built only when its turn comes (building one is part of its frame's work). */
function liveSpecs(state: LabState, lossCurveTo: (state: LabState, step: number) => LossCurve): (() => ChartSpec)[] {
  const out: (() => ChartSpec)[] = [];
  const step = state.step;
  if (step > 0) {
    const estimates = state.estimates.map((e) => ({ step: e.step, losses: e.losses }));
    out.push(() => lossChart(lossCurveTo(state, step), "loss", estimates));
  }
  const ins = state.inside;
  if (ins) {
    const when = `step ${ins.step - 1}`;
    const b = ins.batch;
    for (const id of ["live-tanh", "live-grads"]) out.push(() => activationCharts(b, "live", when).find((c) => c.id === id)!);
    out.push(() => parameterCharts(b, "live", when).find((c) => c.id === "live-param-grads")!);
    if (ins.series.updateToData.some((r) => r.some(Number.isFinite))) out.push(() => updateRatioChart(ins.series));
    if (b.saturation) out.push(() => saturationChart(b, null));
    if (b.dlogits.rows > 0 && state.info) {
      const vocabulary = state.info.vocabulary;
      out.push(() => dlogitsChart(b, vocabulary));
    }
    if (ins.embedding) {
      const e = ins.embedding;
      out.push(() => embeddingChart(e));
    }
  }
  return out;
}

/**
 * A function that asks for a redraw of the live charts: at most every REDRAW_MS, each chart in its own
 * animation frame (no long task on the page's thread), into its element `chart-<id>`.
 */
export function liveRedrawer(state: LabState): () => void {
  let due = false;
  let last = 0;
  const lossCurveTo = liveLossCurve();
  const redraw = () => {
    due = false;
    last = performance.now();
    const queue = liveSpecs(state, lossCurveTo);
    const run = state.info; // a new run empties the page: the rest of this queue is the old run's
    const next = () => {
      const make = queue.shift();
      if (!make || state.info !== run) return;
      const t0 = performance.now();
      const spec = make();
      const el = spec === undefined ? null : document.getElementById(`chart-${spec.id}`);
      if (spec !== undefined && el !== null) {
        redrawInto(el, spec);
        state.drawn[spec.id] = (state.drawn[spec.id] ?? 0) + 1;
        if (state.drawn[spec.id] > 1) state.drawMs[spec.id] = Math.max(state.drawMs[spec.id] ?? 0, performance.now() - t0); // the first draws set Chart.js up
      }
      requestAnimationFrame(next);
    };
    requestAnimationFrame(next);
  };
  return () => {
    if (due) return;
    due = true;
    setTimeout(redraw, Math.max(0, last + REDRAW_MS - performance.now()));
  };
}
