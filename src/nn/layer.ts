// What every layer of the fast path shares (llm.c's contract). A layer object holds its parameters and
// nothing of a particular call: the activations belong to the model, one record per call (and per
// time step, for a cell that runs T times). So the same layer can run at every position, and two
// branches can add into one gradient.
//
//   rec = layer.record(shape)         // once, at model construction: the output buffer and whatever
//                                     // backward needs (BatchNorm's bnraw, …), sized for inputs of
//                                     // `shape` (the largest batch it will see)
//   y   = layer.forward(rec, x)       // writes rec.out; keeps x in rec
//   layer.backward(rec, dout, dx)     // dx += ∂loss/∂x (dx may be null: no input gradient wanted)
//                                     // and p.grad += ∂loss/∂p for every parameter
//
// Both gradients ACCUMULATE, as llm.c's `dinp +=` and PyTorch's `.grad`: the caller zeroes them
// (parameters with `zeroGrad` before each step, activation gradients before each backward). A caller
// that knows it is the only writer of dx (Sequential: each activation gradient has one producer) may
// pass `accumulate = false` to have dx overwritten instead, which saves zeroing it. Buffers are
// allocated once, in the kernels' arena; a training step allocates nothing.
//
// An activation is a float32 buffer and a shape whose last dimension is the feature dimension:
// rows = the product of the others (B for (B, H); B·T for (B, T, C)). A record holds `capacity` rows
// at most; a smaller batch uses the first rows.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";

/** An activation: `data` holds product(shape) values, row-major. */
export interface Act {
  readonly data: F32Buf;
  readonly shape: readonly number[];
}

/** A trainable tensor and its gradient, under the name PyTorch's `state_dict` would give it. */
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

/** One call of a layer: its input and output (null before the first forward) and the rows it holds. */
export interface Rec {
  /** Most rows this record takes. */
  readonly capacity: number;
  x: Act | null;
  out: Act | null;
}

export interface Layer<R extends Rec = Rec> {
  /** PyTorch's class name: "Linear", "BatchNorm1d", "Tanh", … */
  readonly kind: string;
  /** True when the output is the input's buffer under another shape (a view): no copy either way. */
  readonly isView?: boolean;
  /** The output shape for an input of shape `inShape` (throws a ConfigError if it cannot take it). */
  outShape(inShape: readonly number[]): number[];
  /** A record for inputs of up to `inShape` (its rows: every dimension but the last). */
  record(inShape: readonly number[]): R;
  forward(rec: R, x: Act): Act;
  /**
   * dout: gradient of rec's last output. Adds into dx (null: not wanted; overwrites it when
   * `accumulate` is false) and always adds into the parameters' grads.
   */
  backward(rec: R, dout: F32Buf, dx: F32Buf | null, accumulate?: boolean): void;
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
export function parameter(kernels: Kernels, name: string, shape: number[]): Parameter {
  const n = numel(shape);
  return { name, shape, data: kernels.arena.f32(n), grad: kernels.arena.f32(n) };
}

/** Throws unless a shape's last dimension is `features`. */
export function checkFeatures(layer: string, shape: readonly number[], features: number): void {
  if (shape[shape.length - 1] !== features) {
    throw new ConfigError(`${layer}: expected ${features} input features, got shape (${shape.join(", ")})`);
  }
}

/** Throws unless `x` has `features` columns and at most `rec.capacity` rows; returns its rows. */
export function checkInput(layer: string, x: Act, features: number, rec: Rec): number {
  const last = x.shape[x.shape.length - 1];
  if (last !== features) {
    throw new ConfigError(`${layer}: expected ${features} input features, got shape (${x.shape.join(", ")})`);
  }
  const rows = rowsOf(x.shape);
  if (rows > rec.capacity) {
    throw new ConfigError(`${layer}: ${rows} rows exceed the ${rec.capacity} this model was built for`);
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

/** Throws the error of a backward called on a record that has not run forward. */
export function needForward(layer: string, rec: Rec): Act {
  if (rec.x === null || rec.out === null) throw new Error(`${layer}.backward called before forward`);
  return rec.x;
}
