// Labels of a labelled scatter (the character embedding, makemore part 2's `plt.text(C[i,0], C[i,1],
// itos[i])`) placed beside their points so that no label covers another label or any point: a greedy
// search, the most crowded points first, over spots on rings around each point (right, left, above,
// below, the diagonals, then further out), in a nominal plot area of `width` × `height` pixels. The
// places are returned in data units with the axis limits they assume; the renderer (browser.ts) draws a
// smaller plot area with a proportionally smaller font, so what does not overlap here does not there.
// Deterministic: no jitter, the same points give the same picture.
//
// Coordinates: data units (x right, y up) and frame pixels (px right, py down, origin top left).

import { niceRange } from "./charts.ts";

export interface LabelLayoutOptions {
  /** The plot area the layout is made for, in pixels. */
  width: number;
  height: number;
  /** Font size of the labels (px); a label box is `charWidth`·length + 2 wide and 1.2·font tall. */
  font: number;
  /** An upper bound of one character's width at that font (bold sans-serif: about 1.05·font). */
  charWidth: number;
  /** Radius of the point markers (px). */
  markerRadius: number;
  /** Least gap between a label and another label or a marker (px). */
  gap: number;
}

/** The embedding chart's: a 700 × 480 px chart whose axes leave a plot area of about 640 × 420. */
export const EMBEDDING_LABELS: LabelLayoutOptions = { width: 640, height: 420, font: 12, charWidth: 12.6, markerRadius: 3, gap: 2 };

export interface Box {
  /** Centre and size in frame pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LabelLayout {
  /** Axis limits the layout assumes (the chart must use them). */
  xRange: [number, number];
  yRange: [number, number];
  /** Each label's centre, data units. */
  at: { x: number; y: number }[];
  /** Each label's box and each point's marker box in frame pixels (for checks). */
  boxes: Box[];
  markers: Box[];
  /** Labels that found no free spot (placed at their least crowded one); 0 in any sane picture. */
  unplaced: number;
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return Math.abs(a.x - b.x) < (a.w + b.w) / 2 + gap && Math.abs(a.y - b.y) < (a.h + b.h) / 2 + gap;
}

/** Directions tried on each ring, in order of preference: right, left, above, below, then the diagonals. */
const DIRECTIONS: readonly [number, number][] = [
  [1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [-1, -1], [1, 1], [-1, 1],
  [1, -0.5], [-1, -0.5], [1, 0.5], [-1, 0.5], [0.5, -1], [-0.5, -1], [0.5, 1], [-0.5, 1],
];

const RINGS = 24;

export function layoutLabels(points: readonly { x: number; y: number }[], texts: readonly string[], o: LabelLayoutOptions = EMBEDDING_LABELS): LabelLayout {
  if (texts.length !== points.length) throw new RangeError(`layoutLabels: ${texts.length} labels for ${points.length} points`);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  // the points' range, widened so a label fits beside the outermost ones, rounded to readable ticks
  const padX = 0.1 * (Math.max(...xs) - Math.min(...xs) || 1);
  const padY = 0.1 * (Math.max(...ys) - Math.min(...ys) || 1);
  const xRange = niceRange(Math.min(...xs) - padX, Math.max(...xs) + padX);
  const yRange = niceRange(Math.min(...ys) - padY, Math.max(...ys) + padY);
  const toPx = (x: number, y: number) => ({
    x: ((x - xRange[0]) / (xRange[1] - xRange[0])) * o.width,
    y: (1 - (y - yRange[0]) / (yRange[1] - yRange[0])) * o.height,
  });
  const toData = (px: number, py: number) => ({
    x: xRange[0] + (px / o.width) * (xRange[1] - xRange[0]),
    y: yRange[0] + (1 - py / o.height) * (yRange[1] - yRange[0]),
  });
  const r = o.markerRadius;
  const markers: Box[] = points.map((p) => ({ ...toPx(p.x, p.y), w: 2 * r, h: 2 * r }));
  const size = texts.map((t) => ({ w: o.charWidth * [...t].length + 2, h: 1.2 * o.font }));
  // most crowded first: the points with the most others within two label heights
  const near = 2.4 * o.font;
  const crowd = markers.map((m) => markers.filter((q) => Math.hypot(q.x - m.x, q.y - m.y) < near).length);
  const order = points.map((_, i) => i).sort((i, j) => crowd[j] - crowd[i] || i - j);
  const boxes: Box[] = new Array(points.length);
  const placed: Box[] = [];
  let unplaced = 0;
  for (const i of order) {
    const m = markers[i];
    const { w, h } = size[i];
    let best: Box | null = null;
    let bestHits = Infinity;
    search: for (let ring = 0; ring < RINGS; ring++) {
      const d = r + o.gap + ring * 0.5 * o.font; // distance from the point to the label's near edge
      for (const [dx, dy] of DIRECTIONS.slice(0, ring === 0 ? 8 : DIRECTIONS.length)) {
        const box = { x: m.x + dx * (d + w / 2), y: m.y + dy * (d + h / 2), w, h };
        if (box.x - w / 2 < 0 || box.x + w / 2 > o.width || box.y - h / 2 < 0 || box.y + h / 2 > o.height) continue;
        const hits = placed.filter((b) => overlaps(b, box, o.gap)).length + markers.filter((q) => overlaps(q, box, o.gap)).length;
        if (hits === 0) {
          best = box;
          bestHits = 0;
          break search;
        }
        if (hits < bestHits) {
          best = box;
          bestHits = hits;
        }
      }
    }
    if (bestHits > 0) unplaced++;
    boxes[i] = best ?? { x: m.x, y: m.y, w, h };
    placed.push(boxes[i]);
  }
  return { xRange, yRange, at: boxes.map((b) => toData(b.x, b.y)), boxes, markers, unplaced };
}
