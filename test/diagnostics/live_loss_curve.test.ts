import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveLossCurve, lossCurve, type LossCurve } from "../../src/diagnostics/loss_curve.ts";

/** A run's losses without Math.random: a decaying curve, a step down at 30000 (the lr decay) and a hashed noise. */
function syntheticLosses(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const noise = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
    out[i] = 2.1 + 1.2 * Math.exp(-i / 4000) - (i >= 30000 ? 0.1 : 0) + 0.6 * (noise - Math.floor(noise));
  }
  return out;
}

/** Irregular chunks, as the worker's slices come in. */
const CHUNKS = [1, 7, 1000, 2, 333, 4096, 13, 1999, 1, 777, 5000, 64];

/** The live curve against lossCurve over the same steps with its bucket: buckets' sums may round differently (merged vs in order). */
function assertSameCurve(live: LossCurve, all: ArrayLike<number>, where: string): void {
  const ref = lossCurve(all, { bucket: live.bucket });
  assert.equal(live.steps, ref.steps, where);
  assert.equal(live.window, ref.window, where);
  assert.deepEqual(live.start, ref.start, where);
  assert.deepEqual(live.min, ref.min, where);
  assert.deepEqual(live.max, ref.max, where);
  assert.equal(live.mean.length, ref.mean.length, where);
  live.mean.forEach((m, k) => assert.ok(Math.abs(m - ref.mean[k]) <= 1e-13 * Math.abs(ref.mean[k]), `${where}: mean[${k}] ${m} vs ${ref.mean[k]}`));
  // each window is summed in step order, as lossCurve sums it: the same numbers
  assert.deepEqual(live.windowStart, ref.windowStart, where);
  assert.deepEqual(live.windowMean, ref.windowMean, where);
  assert.ok(Object.is(live.first, ref.first), where);
}

test("LiveLossCurve: fed in irregular chunks, equals lossCurve with its bucket at every point of the run", () => {
  const n = 50000;
  const losses = syntheticLosses(n);
  const live = new LiveLossCurve({ maxPoints: 100 });
  assertSameCurve(live.curve(), [], "no steps");
  const windows = new Set<number>();
  const buckets = new Set<number>();
  let step = 0;
  for (let c = 0; step < n; c++) {
    step = Math.min(n, step + CHUNKS[c % CHUNKS.length]);
    live.extend(losses, step);
    const curve = live.curve();
    assertSameCurve(curve, losses.subarray(0, step), `at step ${step}`);
    windows.add(curve.window);
    buckets.add(curve.bucket);
  }
  // the checks above covered short-run windows and the lectures' 1000, and a bucket doubled many times
  assert.ok(windows.has(1000) && [...windows].some((w) => w < 1000 && w > 1), `windows ${[...windows]}`);
  assert.ok(Math.max(...buckets) >= 512, `buckets ${[...buckets]}`); // 50000 steps in at most 100 points
});

test("LiveLossCurve: the finest power-of-two bucket that keeps at most maxPoints points", () => {
  const losses = syntheticLosses(30000);
  for (const maxPoints of [1, 2, 3, 37, 400]) {
    const live = new LiveLossCurve({ maxPoints });
    let step = 0;
    for (let c = 0; step < losses.length; c++) {
      step = Math.min(losses.length, step + CHUNKS[(c * 5) % CHUNKS.length]);
      live.extend(losses, step);
      const { bucket, start } = live.curve();
      const where = `maxPoints ${maxPoints}, step ${step}`;
      assert.ok(start.length <= maxPoints, `${where}: ${start.length} points`);
      assert.equal(start.length, Math.ceil(step / bucket), where);
      assert.equal(bucket & (bucket - 1), 0, `${where}: bucket ${bucket}`);
      if (bucket > 1) assert.ok(Math.ceil(step / (bucket / 2)) > maxPoints, `${where}: bucket ${bucket} is coarser than needed`);
    }
    assertSameCurve(live.curve(), losses, `maxPoints ${maxPoints}, the end`);
  }
});

test("LiveLossCurve: a diverged run's NaN and infinite losses are bucketed as lossCurve does", () => {
  const losses = syntheticLosses(3000);
  losses.fill(Infinity, 1200, 1300);
  losses.fill(NaN, 1300);
  const live = new LiveLossCurve({ maxPoints: 10 });
  for (let step = 0; step < losses.length; ) {
    step = Math.min(losses.length, step + 97);
    live.extend(losses, step);
  }
  const curve = live.curve();
  const ref = lossCurve(losses, { bucket: curve.bucket });
  assert.deepEqual(curve.min, ref.min);
  assert.deepEqual(curve.max, ref.max);
  assert.deepEqual(curve.mean.map(Number.isNaN), ref.mean.map(Number.isNaN));
  assert.equal(curve.max[Math.floor(1250 / curve.bucket)], Infinity); // the infinite losses' bucket
  assert.ok(Number.isNaN(curve.mean.at(-1)!)); // the diverged end
});

test("LiveLossCurve: extend takes only steps forward, within the losses given", () => {
  const losses = syntheticLosses(100);
  const live = new LiveLossCurve({ maxPoints: 8 });
  live.extend(losses, 50);
  live.extend(losses, 50); // nothing new
  assert.equal(live.curve().steps, 50);
  assert.throws(() => live.extend(losses, 49), /from 50/);
  assert.throws(() => live.extend(losses, 101), /to 100/);
  assert.throws(() => new LiveLossCurve({ maxPoints: 0 }), /maxPoints/);
  assert.throws(() => lossCurve(losses, { bucket: 0 }), /bucket/);
});
