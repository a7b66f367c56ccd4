import { test } from "node:test";
import assert from "node:assert/strict";
import { histogram, log10Ratio, shareAbove, summarize } from "../../src/diagnostics/stats.ts";
import { lossCurve, defaultWindow } from "../../src/diagnostics/loss_curve.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("summarize: mean and Bessel-corrected std, as torch's t.std()", () => {
  const s = summarize([1, 2, 3, 4]);
  close(s.mean, 2.5);
  close(s.std, Math.sqrt(5 / 3)); // Σ(x−2.5)² = 5, over n−1 = 3
  assert.equal(s.min, 1);
  assert.equal(s.max, 4);
  assert.ok(Number.isNaN(summarize([7]).std));
});

test("shareAbove: strictly beyond the threshold, either sign", () => {
  assert.equal(shareAbove([0.5, -0.98, 0.99, 0.97], 0.97), 0.5); // 0.97 itself is not saturated
  assert.equal(shareAbove(Float32Array.from([1, -1, 0, 0]), 0.97), 0.5);
});

test("histogram: equal bins over the range, the last bin closed, out-of-range values left out", () => {
  const h = histogram([0, 0.5, 1, 1, 2, 5, -1], { bins: 2, range: [0, 2] });
  assert.deepEqual(h.counts, [2, 3]);
  assert.deepEqual(h.centers, [0.5, 1.5]);
  assert.deepEqual(h.density, [0.4, 0.6]); // counts / (5 values · width 1)
  const auto = histogram([1, 2, 3, 4], { bins: 3 });
  assert.equal(auto.lo, 1);
  assert.equal(auto.hi, 4);
  assert.deepEqual(auto.counts, [1, 1, 2]);
  assert.deepEqual(histogram([3, 3], { bins: 1 }).counts, [2]); // a constant gets a unit-wide bin
});

test("log10Ratio: NaN when the ratio is not a positive finite number", () => {
  close(log10Ratio(0.001, 1), -3);
  assert.ok(Number.isNaN(log10Ratio(1, 0)));
  assert.ok(Number.isNaN(log10Ratio(0, 1)));
});

test("lossCurve: log10 loss in min/mean/max buckets and means over full windows", () => {
  const c = lossCurve([10, 100, 10, 100, 1000], { window: 2, maxPoints: 2 }); // log10: 1 2 1 2 3
  assert.equal(c.bucket, 3);
  assert.deepEqual(c.start, [0, 3]);
  assert.deepEqual(c.min, [1, 2]);
  assert.deepEqual(c.max, [2, 3]);
  close(c.mean[0], 4 / 3);
  close(c.mean[1], 2.5);
  assert.deepEqual(c.windowStart, [0, 2]); // the last, partial window is left out (as .view(-1, w))
  assert.deepEqual(c.windowMean, [1.5, 1.5]);
  assert.equal(c.first, 1);
  assert.equal(defaultWindow(200000), 1000);
  assert.equal(defaultWindow(300), 15);
  assert.equal(lossCurve(new Float32Array(5000).fill(10)).bucket, 3);
});
