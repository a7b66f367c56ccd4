// What every layer of the fast path shares (llm.c style): `forward` writes its output into a buffer it
// owns and keeps what `backward` needs as fields; `backward` takes the gradient of its output, writes
// the gradient of its input into another buffer it owns, and ACCUMULATES into its parameters'
// gradients (zero them with `zeroGrad` before each step, as PyTorch's `p.grad = None`). All buffers are
// allocated once, at construction, for up to `capacity` rows; a step allocates nothing.
//
// An activation is a float32 buffer and a shape whose last dimension is the feature dimension: rows =
// the product of the others (B for (B, H); B·T for (B, T, C)). Buffers hold `capacity` rows; a batch
// uses the first rows.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";

/** An activation: `data` holds product(shape) values, row-major. */
export interface Act {
  readonly data: F32Buf;
  readonly shape: readonly number[];
}

/** A trainable tensor and its gradient, under the lectures' name (C, W1, b1, bngain, …). */
export interface Parameter {
  name: string;
  readonly shape: readonly number[];
  readonly data: F32Buf;
  readonly grad: F32Buf;
}

/** Non-trainable state saved with the model (BatchNorm's running statistics). */
export interface Buffer {
  name: string;
  readonly shape: readonly number[];
  readonly data: F32Buf;
}

/** Where a layer allocates, and for how many rows. */
export interface LayerContext {
  readonly kernels: Kernels;
  /** Most rows (examples × positions) a forward pass takes. */
  readonly capacity: number;
}

export interface Layer {
  /** Output of the last forward pass (valid until the next). */
  readonly out: Act | null;
  forward(x: Act): Act;
  /** dout: gradient of the last output (same shape); returns the gradient of the input, or null. */
  backward(dout: F32Buf): F32Buf | null;
  parameters(): Parameter[];
  buffers(): Buffer[];
  /** Training mode (batch statistics) or evaluation mode (stored statistics). */
  train(mode: boolean): void;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Rows of an activation: every dimension but the last. */
export function rowsOf(shape: readonly number[]): number {
  return numel(shape) / shape[shape.length - 1];
}

/** A new parameter with a zeroed gradient. */
export function parameter(ctx: LayerContext, name: string, shape: number[]): Parameter {
  const n = numel(shape);
  return { name, shape, data: ctx.kernels.arena.f32(n), grad: ctx.kernels.arena.f32(n) };
}

/** Throws unless `x` has `features` columns and at most `capacity` rows. */
export function checkInput(layer: string, x: Act, features: number, ctx: LayerContext): number {
  const last = x.shape[x.shape.length - 1];
  if (last !== features) {
    throw new ConfigError(`${layer}: expected ${features} input features, got shape (${x.shape.join(", ")})`);
  }
  const rows = rowsOf(x.shape);
  if (rows > ctx.capacity) {
    throw new ConfigError(`${layer}: ${rows} rows exceed the capacity of ${ctx.capacity} this model was built for`);
  }
  return rows;
}

export function positiveInt(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${what} must be a positive integer (got ${n})`);
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The output Act for input shape `like` with its last dimension replaced by `last`: `prev` itself when
 * it already is that (so a step with the same batch shape allocates nothing), else a new one.
 */
export function outputAct(prev: Act | null, data: F32Buf, like: readonly number[], last: number): Act {
  if (prev !== null && prev.data === data && prev.shape.length === like.length && prev.shape[like.length - 1] === last) {
    let same = true;
    for (let i = 0; i < like.length - 1; i++) if (prev.shape[i] !== like[i]) same = false;
    if (same) return prev;
  }
  return { data, shape: [...like.slice(0, -1), last] };
}
