// Shared by the layer tests: each fast-path layer (src/nn/) runs on both kernel backends and its forward and
// hand-written backward are held against the autograd engine (src/tensor/) on the same numbers, with
// float32 tolerances. Data comes from a seeded Generator, so every run sees the same numbers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import type { Act, LayerContext } from "../../src/nn/layer.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";

/** Both backends: WebAssembly SIMD and the plain-TypeScript reference. */
export const BACKENDS: readonly (readonly [string, Kernels])[] = [
  ["wasm", wasmKernels()],
  ["ts", createTsKernels()],
];

/** A test per backend; the arena is released afterwards, so the layers' buffers do not pile up. */
export function testBothBackends(name: string, fn: (k: Kernels) => void, options: { todo?: string } = {}): void {
  for (const [backend, k] of BACKENDS) {
    test(`${name} [${backend}]`, options, () => {
      const mark = k.arena.mark();
      try {
        fn(k);
      } finally {
        k.arena.release(mark);
      }
    });
  }
}

export function context(k: Kernels, capacity: number): LayerContext {
  return { kernels: k, capacity };
}

/** A float32 tensor of normal samples · scale (+ shift). */
export function randnT(g: Generator, shape: number[], scale = 1, shift = 0): Tensor {
  const data = g.randn(shape);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i] * scale + shift);
  return new Tensor(data, shape);
}

/** An int32 tensor of integers in [0, high). */
export function randintT(g: Generator, high: number, shape: number[]): Tensor {
  return new Tensor(g.randint(0, high, shape), shape);
}

/** A copy of `t` in the backend's arena, as an activation. */
export function act(k: Kernels, t: Tensor): Act {
  return { data: k.arena.f32From(t.data), shape: [...t.shape] };
}

/** A copy of a buffer's first numel(shape) elements as a tensor. */
export function fromBuf(buf: F32Buf, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(buf.view.slice(0, n), shape);
}

/** Copies a tensor's values into a layer's parameter or buffer. */
export function setBuf(buf: F32Buf, t: Tensor): void {
  assert.equal(buf.length, t.numel, "sizes of the buffer and the tensor");
  buf.view.set(t.data);
}

/** A leaf that requires grad. */
export function leaf(t: Tensor): Tensor {
  const x = t.clone();
  x.requiresGrad = true;
  return x;
}

/**
 * Float32 tolerance: |got − want| ≤ atol + rtol·|want| with rtol 1e-5 and atol 2e-6 · max(1e-3, max|want|),
 * a few float32 ulp of the tensor's scale (the backends accumulate in float32 in their own order, the engine in
 * float64, so a sum that cancels keeps an absolute error of the size of its terms). `scale` overrides the
 * tensor's scale when its values are differences of much larger terms.
 */
export function assertClose(name: string, got: Tensor | Float32Array, want: Tensor | null, options: { scale?: number } = {}): void {
  assert.ok(want !== null, `${name}: autograd computed no gradient`);
  const g = got instanceof Tensor ? got.data : got;
  if (got instanceof Tensor) assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  assert.ok(g.length >= want.numel, `${name}: ${g.length} values, expected ${want.numel}`);
  let scale = Math.max(1e-3, options.scale ?? 0);
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  const atol = 2e-6 * scale;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.numel; i++) {
    const d = Math.abs(g[i] - want.data[i]);
    const excess = d / (atol + 1e-5 * Math.abs(want.data[i]));
    if (!(excess <= worst)) [worst, at] = [excess, i];
  }
  assert.ok(worst <= 1, `${name}: element ${at} is ${g[at]}, autograd says ${want.data[at]} (|diff| ${Math.abs(g[at] - want.data[at])}, atol ${atol})`);
}
