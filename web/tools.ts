// The lab's tools panel: what the worker's tools return, drawn — makemore part 2's learning-rate finder
// (with "Use it"), part 3's init stages or gain experiments, part 4's `cmp` table (`makemore gradcheck`'s
// own text).

import { fmt, lrFinderChart } from "../src/report/charts.ts";
import { initLogitsChart, initLossChart, initMapsChart, initSaturationChart, initTable, initW2Chart } from "../src/report/charts_inside.ts";
import { gainActivationChart, gainGradientChart, gainTable, gainUpdateRatioChart } from "../src/report/charts_deep.ts";
import type { ChartSpec, Item } from "../src/report/spec.ts";
import type { FromWorker } from "./protocol.ts";
import { clearCharts, drawItems } from "./draw.ts";
import { $ } from "./controls.ts";

export type ToolResult = Extract<FromWorker, { kind: "lr-finder" | "gradcheck" | "init-stages" }>;

export function showToolResult(m: ToolResult): void {
  const note = $("tool-note");
  const out = $("tool-output");
  switch (m.kind) {
    case "lr-finder": {
      const r = m.result;
      const s = r.suggestion;
      note.textContent = s
        ? `suggested learning rate ${fmt(s.lr, 3)} (10^${s.exp.toFixed(3)}): the lowest moving average over ${r.window} steps`
        : `no suggestion: ${r.noValley ?? "the sweep found no valley"}`;
      const use = $<HTMLButtonElement>("use-lr");
      use.hidden = s === null;
      use.dataset.lr = s ? String(s.lr) : "";
      drawItems(out, [lrFinderChart(r)]);
      return;
    }
    case "gradcheck": {
      note.textContent = m.ok ? "every gradient checks: the hand-written backward agrees with autograd" : "some gradients do not check: see the rows marked False";
      clearCharts(out);
      out.replaceChildren(Object.assign(document.createElement("pre"), { id: "cmp", textContent: m.text }));
      return;
    }
    case "init-stages": {
      const items: Item[] = [];
      if (m.init) {
        const e = m.init;
        items.push(initTable(e), initLossChart(e), ...[initW2Chart(e)].filter((c): c is ChartSpec => c !== null), initLogitsChart(e), initSaturationChart(e), initMapsChart(e));
      }
      if (m.gains) {
        const g = m.gains;
        items.push(gainTable(g), gainActivationChart(g), gainGradientChart(g), gainUpdateRatioChart(g));
      }
      note.textContent = items.length ? "" : "the init stages are the lecture model's, the gain experiments the deep network's: pick one of those types";
      drawItems(out, items);
      return;
    }
  }
}

/** Empties the panel (a new run's tools have not run yet). */
export function clearTools(): void {
  clearCharts($("tool-output"));
  $("tool-output").replaceChildren();
  $("tool-note").textContent = "";
  $("use-lr").hidden = true;
}
