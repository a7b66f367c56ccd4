import { test } from "node:test";
import assert from "node:assert/strict";
import { embedding2d, principalComponents, symmetricEigen } from "../../src/diagnostics/embedding.ts";

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
