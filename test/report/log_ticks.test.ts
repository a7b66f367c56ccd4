// The ticks the renderer gives every logarithmic axis (browser.ts), run from its own script text in a
// bare context: 1, 2, 5 of each decade when they fit, decades only (or every 2nd, 5th decade) when
// they would overlap, plain decimals within 1e-4 … 1e5, powers of ten beyond.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { BROWSER_RENDERER } from "../../src/report/browser.ts";

interface Renderer {
  logTicks(min: number, max: number, lengthPx: number, labelPx: (values: number[]) => number): number[] | null;
  logLabels(values: number[]): string[];
  niceLog(v: number, direction: number): number;
}

function renderer(): Renderer {
  const window: { makemoreCharts?: Renderer } = {};
  runInNewContext(BROWSER_RENDERER, { window });
  const m = window.makemoreCharts!;
  // arrays made in the script's context, copied into this one's for deepEqual
  const copy = <T>(a: T[] | null) => (a === null ? null : Array.from(a));
  return {
    logTicks: (min, max, length, labelPx) => copy(m.logTicks(min, max, length, labelPx)),
    logLabels: (values) => copy(m.logLabels(values))!,
    niceLog: m.niceLog,
  };
}

const r = renderer();
const rows = (px: number) => () => px; // a vertical axis: every label takes the same height

test("a few decades on a tall axis: 1, 2 and 5 of each, in plain numbers", () => {
  const v = r.logTicks(0.001, 2, 300, rows(18))!;
  assert.deepEqual(v, [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  assert.deepEqual(r.logLabels(v), ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]);
});

test("many decades (grad:data down to 1e-9): decades only, as powers of ten", () => {
  const v = r.logTicks(5e-9, 0.2, 300, rows(18))!;
  assert.deepEqual(v, [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
  assert.deepEqual(r.logLabels(v), ["10⁻⁸", "10⁻⁷", "10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"]);
  assert.deepEqual(r.logLabels([2e-9, 5e-9, 1e3]), ["2·10⁻⁹", "5·10⁻⁹", "10³"]);
});

test("no two labels closer than their size: a shorter axis thins the ticks, every 2nd or 5th decade", () => {
  const spacing = (v: number[], length: number, min: number, max: number) =>
    Math.min(...v.slice(1).map((x, i) => (Math.log10(x / v[i]) / Math.log10(max / min)) * length));
  for (const [min, max, length] of [[1e-12, 1, 120], [1e-12, 1, 60], [1e-3, 10, 100], [1e-3, 10, 40], [0.5, 3, 80]] as const) {
    const v = r.logTicks(min, max, length, rows(16))!;
    assert.ok(v.length >= 2, `${min}…${max} on ${length} px: ${v}`);
    assert.ok(spacing(v, length, min, max) >= 16, `${min}…${max} on ${length} px: ${v} overlap`);
    for (const x of v) assert.ok(x >= min && x <= max);
    const mantissas = new Set(v.map((x) => +(x / 10 ** Math.floor(Math.log10(x) + 1e-9)).toPrecision(3)));
    assert.ok([...mantissas].every((m) => [1, 2, 5].includes(m)), `${v}: mantissas ${[...mantissas]}`);
  }
  assert.deepEqual(r.logTicks(1e-12, 1, 60, rows(16)), [1e-10, 1e-5, 1]); // every 5th decade, 10⁰ among them
});

test("a horizontal axis measures its labels: long ones thin the ticks", () => {
  const wide = (v: number[]) => Math.max(...r.logLabels(v).map((l) => l.length)) * 7 + 10;
  assert.deepEqual(r.logTicks(1e-3, 1, 1000, wide), [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  assert.deepEqual(r.logTicks(1e-3, 1, 200, wide), [0.001, 0.01, 0.1, 1]);
});

test("under a decade: every 1 … 9, where 1, 2, 5 would leave one or two ticks", () => {
  assert.deepEqual(r.logTicks(0.6, 0.95, 200, rows(16)), [0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(r.logLabels([0.6, 0.7, 0.8, 0.9]), ["0.6", "0.7", "0.8", "0.9"]);
  assert.equal(r.logTicks(0.71, 0.78, 200, rows(16)), null); // no such tick in range: Chart.js's own stay
});

test("the axis ends on 1, 2 or 5 of a decade", () => {
  assert.equal(r.niceLog(9.84e-9, -1), 5e-9);
  assert.equal(r.niceLog(0.173, 1), 0.2);
  assert.equal(r.niceLog(0.7, 1), 1);
  assert.equal(r.niceLog(0.001, -1), 0.001);
  assert.equal(r.niceLog(0.001, 1), 0.001);
});
