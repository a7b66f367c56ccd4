import { test } from "node:test";
import assert from "node:assert/strict";
import { embedding2d, pictureFacts, principalComponents, symmetricEigen } from "../../src/diagnostics/embedding.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("symmetricEigen: [[2, 1], [1, 2]] has eigenvalues 3 and 1 along (1, 1) and (1, −1)", () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  close(values[0], 3);
  close(values[1], 1);
  close(Math.abs(vectors[0]), Math.SQRT1_2); // column 0: (1, 1)/√2
  close(vectors[0], vectors[2]);
  close(vectors[1], -vectors[3]); // column 1: (1, −1)/√2 up to sign
});

test("principalComponents: the axis of largest variance first, with its share", () => {
  // Rows (±1, 0, 0) and (0, ±2, 0): variances 2/3 along x and 8/3 along y, none along z.
  const m = [1, 0, 0, -1, 0, 0, 0, 2, 0, 0, -2, 0];
  const pc = principalComponents(m, 4, 3, 2);
  close(pc.explained[0], 0.8);
  close(pc.explained[1], 0.2);
  pc.components[0].forEach((v, i) => close(Math.abs(v), i === 1 ? 1 : 0));
  pc.components[1].forEach((v, i) => close(Math.abs(v), i === 0 ? 1 : 0));
  close(Math.abs(pc.projections[2 * 2]), 2); // row (0, 2, 0) lies 2 along PC 1 …
  close(pc.projections[2 * 2 + 1], 0); //       … and 0 along PC 2
  close(Math.abs(pc.projections[0 * 2 + 1]), 1); // row (1, 0, 0): 1 along PC 2
});

test("embedding2d: the table itself for n_embd = 2, else PCA, labelled by character", () => {
  const t = embedding2d([0.5, -1, 2, 3], 2, 2, [".", "a"]);
  assert.equal(t.method, "table");
  assert.deepEqual(t.points, [{ label: ".", x: 0.5, y: -1 }, { label: "a", x: 2, y: 3 }]);
  const p = embedding2d([1, 0, 0, -1, 0, 0, 0, 2, 0, 0, -2, 0], 4, 3, ["a", "b", "c", "d"]);
  assert.equal(p.method, "pca");
  assert.deepEqual(p.points.map((q) => q.label), ["a", "b", "c", "d"]);
  close(p.explained![0], 0.8);
  assert.throws(() => embedding2d([0, 0], 1, 2, ["a", "b"]), /2 labels for 1 rows/);
});

test("pictureFacts: the closest pairs of the picture and how far apart its vowels lie, measured", () => {
  // the vowels on a unit square's corners and centre, the consonants far out on a line
  const pts = [
    { label: "a", x: 0, y: 0 },
    { label: "e", x: 1, y: 0 },
    { label: "i", x: 0, y: 1 },
    { label: "o", x: 1, y: 1 },
    { label: "u", x: 0.5, y: 0.5 },
    { label: "b", x: 10, y: 0 },
    { label: "c", x: 20, y: 0 },
  ];
  const f = pictureFacts(pts, 2);
  assert.deepEqual(f.closest.map((c) => c.a + c.b), ["au", "eu"]);
  close(f.closest[0].distance, Math.SQRT1_2);
  // vowel pairs: 4 sides of 1, 2 diagonals of √2, 4 half-diagonals of √2/2
  const vowelMean = (4 + 2 * Math.SQRT2 + 4 * Math.SQRT1_2) / 10;
  close(f.vowels!.mean, vowelMean);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++, n++) sum += Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y);
  close(f.vowels!.all, sum / n);
  close(f.vowels!.ratio, vowelMean / (sum / n));
  assert.ok(f.vowels!.ratio < 1);
  // without all five vowels there is no vowel figure
  assert.equal(pictureFacts(pts.filter((p) => p.label !== "u")).vowels, null);
});

test("embedding2d carries the picture's facts and the table's width", () => {
  const p = embedding2d([1, 0, 0, -1, 0, 0, 0, 2, 0, 0, -2, 0], 4, 3, ["a", "b", "c", "d"]);
  assert.equal(p.width, 3);
  assert.deepEqual(p.closest, pictureFacts(p.points).closest);
  assert.equal(p.vowels, null);
});
