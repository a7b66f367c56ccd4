// Shared by the layer tests: each fast-path layer (src/nn/) runs on both kernel backends and its forward and
// hand-written backward are held against the autograd engine (src/tensor/) on the same numbers, with
// float32 tolerances. Data comes from a seeded Generator, so every run sees the same numbers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { Embedding } from "../../src/nn/embedding.ts";
import { numel, type Act, type Layer } from "../../src/nn/layer.ts";
import { Generator } from "../../src/random/generator.ts";
import { noGrad } from "../../src/tensor/autograd.ts";
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

/** a + b elementwise (float64 sums of float32 values), as a tensor of a's shape: what an accumulating backward leaves. */
export function plus(a: Tensor, b: Tensor | null): Tensor {
  assert.ok(b !== null, "autograd computed no gradient");
  return new Tensor(Float32Array.from(a.data, (v, i) => v + b.data[i]), [...a.shape]);
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

/** What checkLayer checks: a layer of the fast path, or an Embedding (integer inputs, no input gradient). */
export type Checkable = Layer | Embedding;

export interface CheckOptions<L extends Checkable> {
  /** Seed of the Generator that draws everything (default: a hash of the test's name). */
  seed?: number;
  /** The input: normals · scale + shift (default 1, 0). */
  input?: { scale?: number; shift?: number };
  /** Integer inputs in [0, tokens) instead (the layer must then be an Embedding). */
  tokens?: number;
  /** Initialization of parameters by name: normals · scale + shift (default 0.3, 0), e.g. BatchNorm's gain near 1. */
  init?: Record<string, { scale?: number; shift?: number }>;
  /** The scale of dx's tolerance when dx is a difference of larger terms (see assertClose). */
  dxScale?: (x: Tensor, params: Tensor[], dout: Tensor) => number;
  /** The output must equal autograd's bit for bit (a lookup or a view moves values, it computes nothing). */
  exact?: boolean;
  /** Extra checks on the layer afterwards (its buffers, its mode, …). */
  after?: (layer: L, k: Kernels) => void;
}

/** A small string hash: each test's own seed. */
function seedOf(name: string): number {
  let h = 17;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 1_000_003;
  return h;
}

/**
 * One test per backend holding a layer against autograd on input shape `inShape` (use odd sizes):
 * draws the input, every parameter (overwriting the layer's data) and dout; runs record, forward and
 * backward; asserts the output (y === rec.out, rec.x === x), the input gradient and every parameter
 * gradient equal `oracle`'s under autograd (`params` in the order of layer.parameters(), the layer's shapes).
 * Backward is run three times on the same record:
 *   1. into a zeroed dx and zeroed parameter gradients: the gradients themselves;
 *   2. into dx and gradients pre-filled with known nonzero values: they must end as prefill + gradient
 *      (the llm.c contract: backward adds, so a layer that overwrites fails here);
 *   3. with dx null (no input gradient wanted): the parameter gradients still arrive;
 *   4. with `accumulate = false` into a pre-filled dx: dx is overwritten with the gradient (what
 *      Sequential asks of its layers), while the parameter gradients still add.
 * A view (isView) shares its input's buffer: its output must be x's buffer, its backward takes dout's
 * own buffer as dx (the gradient is already there) and throws on any other.
 */
export function checkLayer<L extends Checkable>(
  name: string,
  make: (k: Kernels) => L,
  inShape: number[],
  oracle: (x: Tensor, params: Tensor[]) => Tensor,
  options: CheckOptions<L> = {},
): void {
  testBothBackends(name, (k) => {
    const g = new Generator(options.seed ?? seedOf(name));
    const layer = make(k);
    const tokens = options.tokens !== undefined;
    const x = tokens ? randintT(g, options.tokens!, inShape) : leaf(randnT(g, inShape, options.input?.scale ?? 1, options.input?.shift ?? 0));
    const params = layer.parameters().map((p) => {
      const { scale = 0.3, shift = 0 } = options.init?.[p.name] ?? {};
      const t = randnT(g, [...p.shape], scale, shift);
      setBuf(p.data, t);
      return leaf(t);
    });
    const want = oracle(x, params);
    const dout = randnT(g, [...want.shape]);
    want.backward(dout);
    const n = numel(inShape);
    const dScale = options.dxScale && noGrad(() => options.dxScale!(x, params, dout));

    // forward
    let y: Act;
    let backward: (dx: F32Buf | null, accumulate?: boolean) => void;
    const d = act(k, dout).data;
    if (layer instanceof Embedding) {
      assert.ok(tokens, "an Embedding takes integer inputs: pass options.tokens");
      const rec = layer.record(n);
      const idx = { data: k.arena.i32From(x.data), shape: [...inShape] };
      y = layer.forward(rec, idx);
      assert.equal(rec.idx, idx, "rec.idx is the input");
      assert.equal(y, rec.out, "forward returns rec.out");
      backward = () => layer.backward(rec, d);
    } else {
      assert.ok(!tokens, "options.tokens is for an Embedding");
      const rec = layer.record(inShape);
      const xa = act(k, x);
      y = layer.forward(rec, xa);
      assert.equal(rec.x, xa, "rec.x is the input");
      assert.equal(y, rec.out, "forward returns rec.out");
      if (layer.isView) assert.equal(y.data, xa.data, "a view's output is its input's buffer");
      backward = (dx, accumulate) => layer.backward(rec, d, dx, accumulate);
    }
    assert.deepEqual(y.shape, want.shape, "output shape");
    if (options.exact) assert.deepEqual(fromBuf(y.data, y.shape).data, want.data, "out (exactly)");
    else assertClose("out", fromBuf(y.data, y.shape), want);

    const grads = layer.parameters().map((p) => p.grad);
    const checkParams = (pass: string, prefill: Tensor[] | null) => {
      layer.parameters().forEach((p, i) => {
        const w = prefill ? plus(prefill[i], params[i].grad) : params[i].grad;
        assertClose(`${pass}: d${p.name}`, fromBuf(p.grad, p.shape), w);
      });
    };

    if (tokens) {
      // 1. zeroed gradients
      for (const gr of grads) k.fill(gr, 0);
      backward(null);
      checkParams("backward", null);
      // 2. pre-filled gradients: backward adds
      const pre = layer.parameters().map((p) => randnT(g, [...p.shape]));
      pre.forEach((t, i) => setBuf(grads[i], t));
      backward(null);
      checkParams("backward into pre-filled gradients", pre);
    } else if ((layer as Layer).isView) {
      // The container hands a view dout's own buffer as its input gradient: it must leave it as it is.
      backward(d);
      assertClose("dx (dout's buffer)", fromBuf(d, inShape), x.grad);
      backward(null);
      const other = k.arena.f32(n);
      assert.throws(() => backward(other), /must be its output gradient's buffer/);
      assert.deepEqual(layer.parameters(), []);
    } else {
      // 1. zeroed dx and parameter gradients
      const dx = k.arena.f32(n);
      k.fill(dx, 0);
      for (const gr of grads) k.fill(gr, 0);
      backward(dx);
      assertClose("backward: dx", fromBuf(dx, inShape), x.grad, { scale: dScale });
      checkParams("backward", null);

      // 2. pre-filled: dx and p.grad must end as prefill + gradient
      const preDx = randnT(g, inShape);
      const pre = layer.parameters().map((p) => randnT(g, [...p.shape]));
      setBuf(dx, preDx);
      pre.forEach((t, i) => setBuf(grads[i], t));
      backward(dx);
      assertClose("backward into a pre-filled dx: dx", fromBuf(dx, inShape), plus(preDx, x.grad), { scale: dScale });
      checkParams("backward into pre-filled gradients", pre);

      // 3. dx null: only the parameter gradients
      for (const gr of grads) k.fill(gr, 0);
      backward(null);
      checkParams("backward with dx null", null);

      // 4. accumulate = false: dx overwritten, parameter gradients still added
      setBuf(dx, preDx);
      pre.forEach((t, i) => setBuf(grads[i], t));
      backward(dx, false);
      assertClose("backward with accumulate = false: dx", fromBuf(dx, inShape), x.grad, { scale: dScale });
      checkParams("backward with accumulate = false", pre);
    }
    options.after?.(layer, k);
  });
}
