// The embedding's labels: beside their points, none over another label or a point, inside the plot —
// checked on the chart spec itself (its axis limits, its layout's places) for names.txt's trained
// embedding (n_embd 2 and PCA of n_embd 10) and for synthetic crowds where labels on their points would
// pile up.

import { test } from "node:test";
import assert from "node:assert/strict";
import { embedding2d, type Embedding2D } from "../../src/diagnostics/embedding.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { embeddingChart } from "../../src/report/charts_inside.ts";
import { EMBEDDING_LABELS, layoutLabels, overlaps, type Box } from "../../src/report/label_layout.ts";
import { niceRange } from "../../src/report/charts.ts";
import { PyRandom } from "../../src/random/pyrandom.ts";

/** The label and marker boxes the chart spec draws, in the layout's frame pixels. */
function specBoxes(e: Embedding2D): { labels: Box[]; markers: Box[]; frame: { width: number; height: number } } {
  const spec = embeddingChart(e);
  assert.ok(spec.kind === "chartjs");
  const ds = spec.config.data.datasets[0] as { data: { x: number; y: number }[]; pointLabels: string[]; pointRadius: number; labelLayout: { at: { x: number; y: number }[]; frame: { width: number; height: number }; font: number } };
  const { x, y } = (spec.config.options as { scales: Record<"x" | "y", { min: number; max: number }> }).scales;
  const { frame, font, at } = ds.labelLayout;
  const px = (p: { x: number; y: number }) => ({ x: ((p.x - x.min) / (x.max - x.min)) * frame.width, y: (1 - (p.y - y.min) / (y.max - y.min)) * frame.height });
  return {
    labels: at.map((p, i) => ({ ...px(p), w: EMBEDDING_LABELS.charWidth * [...ds.pointLabels[i]].length + 2, h: 1.2 * font })),
    markers: ds.data.map((p) => ({ ...px(p), w: 2 * ds.pointRadius, h: 2 * ds.pointRadius })),
    frame,
  };
}

function assertReadable(e: Embedding2D, what: string): void {
  const { labels, markers, frame } = specBoxes(e);
  for (let i = 0; i < labels.length; i++) {
    const b = labels[i];
    const name = `${what}: "${e.points[i].label}"`;
    assert.ok(b.x - b.w / 2 >= 0 && b.x + b.w / 2 <= frame.width && b.y - b.h / 2 >= 0 && b.y + b.h / 2 <= frame.height, `${name} inside the plot`);
    for (let j = i + 1; j < labels.length; j++) assert.ok(!overlaps(b, labels[j]), `${name} overlaps "${e.points[j].label}"`);
    markers.forEach((m, j) => assert.ok(!overlaps(b, m), `${name} covers the point of "${e.points[j].label}"`));
    // beside its own point: within a few label heights
    const far = Math.hypot(b.x - markers[i].x, b.y - markers[i].y);
    assert.ok(far < 8 * EMBEDDING_LABELS.font, `${name} is ${far.toFixed(0)} px from its point`);
  }
}

/** Labels centred on their points (the chart before): do any two overlap? */
function centredOverlap(e: Embedding2D): boolean {
  const { labels, markers } = specBoxes(e);
  const centred = markers.map((m, i) => ({ ...m, w: labels[i].w, h: labels[i].h }));
  return centred.some((a, i) => centred.some((b, j) => j > i && overlaps(a, b)));
}

const letters = [".", ..."abcdefghijklmnopqrstuvwxyz"];

test("names.txt's trained embedding: no label over another or over a point, n_embd 2 and the PCA of n_embd 10", () => {
  for (const nEmbd of [2, 10]) {
    const run = createRun({ steps: 3000, model: { nEmbd, nHidden: 64 } });
    run.train();
    const C = run.model.embeddingTable()!;
    const e = embedding2d(C.data.view, C.shape[0], C.shape[1], run.settings.vocabulary);
    assert.equal(e.method, nEmbd === 2 ? "table" : "pca");
    assertReadable(e, `n_embd ${nEmbd}`);
  }
});

test("a crowded picture: 27 labels in a tight cluster and around it find free places", () => {
  const g = new PyRandom(7);
  const crowd = letters.map((label, i) => ({ label, x: i < 20 ? 0.01 * g.random() : 5 * g.random(), y: i < 20 ? 0.01 * g.random() : 5 * g.random() }));
  const e = { method: "table" as const, points: crowd, explained: null, width: 2, closest: [], vowels: null };
  assert.ok(centredOverlap(e), "labels on their points would pile up here");
  assertReadable(e, "crowd");
  // all on one spot, and two far apart
  const pile = letters.map((label, i) => ({ label, x: i === 0 ? -10 : i === 1 ? 10 : 0, y: 0 }));
  assertReadable({ ...e, points: pile }, "pile");
  const layout = layoutLabels(pile, pile.map((p) => p.label));
  assert.equal(layout.unplaced, 0);
});

test("the layout is deterministic: the same points give the same places (no jitter)", () => {
  const pts = letters.map((label, i) => ({ label, x: Math.cos(i), y: Math.sin(2 * i) }));
  const a = layoutLabels(pts, letters);
  const b = layoutLabels(pts, letters);
  assert.deepEqual(a, b);
});

test("niceRange: limits on a 1, 2, 5 step around the values", () => {
  assert.deepEqual(niceRange(-3.37, 4.22), [-4, 6]);
  assert.deepEqual(niceRange(-0.0337, 0.0422, 4), [-0.04, 0.06]);
  assert.deepEqual(niceRange(0.1, 0.7), [0.1, 0.7]);
  assert.deepEqual(niceRange(2, 2), [1, 3]);
});
