// Test helpers for the tensor library, in the style of tinygrad's helper_test_op: `checkOp(shapes, fn)`
// builds float64 inputs of the given shapes, runs fn, backpropagates a random weighting of its output and
// compares every input's gradient with central finite differences; it also runs fn on float32 copies of
// the inputs and checks the float32 forward agrees with the float64 one.
import assert from 'node:assert/strict';
import { noGrad } from '../../src/tensor/autograd.ts';
import { tensor } from '../../src/tensor/create.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

/** mulberry32: a tiny seeded PRNG for test inputs (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CheckOptions {
  /** Inputs are uniform in [low, high) (default [-2, 2)); use a positive range for log, pow(-0.5), div. */
  low?: number;
  high?: number;
  seed?: number;
  /** Gradient tolerance: |analytic - numeric| <= tol * (1 + |numeric|) (default 1e-6). */
  tol?: number;
  /** Float32 forward tolerance relative to the float64 forward (default 1e-5). */
  tol32?: number;
}

/** sum(y * w) in float64, as a JS number. */
function weighted(y: Tensor, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += y.data[i] * w[i];
  return s;
}

export function checkOp(shapes: number[][], fn: (...xs: Tensor[]) => Tensor, options: CheckOptions = {}): void {
  const { low = -2, high = 2, seed = 1, tol = 1e-6, tol32 = 1e-5 } = options;
  const rand = prng(seed);
  const xs = shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float64Array.from({ length: n }, () => low + (high - low) * rand());
    return tensor(data, { shape, requiresGrad: true });
  });
  const y = fn(...xs);
  assert.equal(y.dtype, 'float64', 'op on float64 inputs should stay float64');
  const w = Float64Array.from({ length: y.numel }, () => rand() * 2 - 1);
  y.mul(tensor(w, { shape: [...y.shape] })).sum().backward();

  const h = 1e-6;
  xs.forEach((x, k) => {
    assert.ok(x.grad, `input ${k} got no gradient`);
    assert.deepEqual(x.grad.shape, x.shape, `gradient of input ${k} has the wrong shape`);
    for (let j = 0; j < x.numel; j++) {
      const orig = x.data[j];
      x.data[j] = orig + h;
      const plus = noGrad(() => weighted(fn(...xs), w));
      x.data[j] = orig - h;
      const minus = noGrad(() => weighted(fn(...xs), w));
      x.data[j] = orig;
      const numeric = (plus - minus) / (2 * h);
      const analytic = x.grad.data[j];
      assert.ok(
        Math.abs(analytic - numeric) <= tol * (1 + Math.abs(numeric)),
        `input ${k} element ${j}: autograd ${analytic} vs finite differences ${numeric}`,
      );
    }
  });

  // the same op in float32 agrees with float64 (catches a float32 path that differs from the float64 one)
  const y32 = noGrad(() => fn(...xs.map((x) => x.detach().to('float32'))));
  assert.equal(y32.dtype, 'float32');
  assert.deepEqual(y32.shape, y.shape);
  for (let i = 0; i < y.numel; i++) {
    assert.ok(
      Math.abs(y32.data[i] - y.data[i]) <= tol32 * (1 + Math.abs(y.data[i])),
      `float32 forward element ${i}: ${y32.data[i]} vs float64 ${y.data[i]}`,
    );
  }
}

/** Asserts two arrays agree elementwise within atol + rtol * |expected|. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-6, atol = 1e-7): void {
  assert.equal(actual.length, expected.length, 'lengths differ');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]),
      `element ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}
