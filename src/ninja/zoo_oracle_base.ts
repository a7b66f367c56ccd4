// What every oracle model of the zoo (zoo_oracle.ts) shares: the config it reads, the contract of one
// model type's oracle, and the helpers the forward passes use. An oracle is a model type's forward pass
// written with the autograd engine's tensors (src/tensor/), line for line as the PyTorch class that defines
// the type (shared/reference/make/torch_zoo.py, which is makemore.py's model zoo and makemore part 5's
// WaveNet), from a map of state_dict names to tensors in the reference file's layout (PyTorch's (out, in)
// for nn.Linear, the lecture's (in, out) for the WaveNet's own layers). Its gradients come out of the
// engine, so it checks the fast path's hand-written backward, and PyTorch's files check it.
// Letters: B batch, T block size (positions), V vocabulary, E n_embd, E2 n_embd2, H n_hidden.

import { ConfigError } from "../errors.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** Parameters by state_dict name. */
export type OracleParams = Readonly<Record<string, Tensor>>;

/**
 * The sizes an oracle reads; the registry's model configs (src/models/) have these fields under these names,
 * so one of them can be passed as it is.
 */
export interface OracleConfig {
  type: string;
  /** V: tokens, the boundary token 0 included. */
  vocabSize: number;
  /** T: positions of a row (makemore.py: the longest word + 1; the WaveNet: its context, 8). */
  blockSize: number;
  /** E (makemore.py's n_embd). */
  nEmbd?: number;
  /** E2 (makemore.py's n_embd2). */
  nEmbd2?: number;
  /** Transformer blocks. */
  nLayer?: number;
  /** Attention heads: the one size the parameters' shapes do not tell. */
  nHead?: number;
  /** H, the WaveNet's and the deep network's width. */
  nHidden?: number;
  /** Whether the deep network has its BatchNorm layers (default true). */
  batchNorm?: boolean;
}

export type ShapeOf = (name: string) => readonly number[] | undefined;

/** One model type's oracle. */
export interface ZooOracle {
  readonly type: string;
  /** Every parameter, in named_parameters() order, with its shape in the reference file's layout. */
  shapes(c: OracleConfig): [string, number[]][];
  /**
   * The config's sizes read from the parameters' shapes and the batch's X (B, T); throws a ConfigError
   * naming a tensor that is missing or has too few dimensions. nHead is not among them.
   */
  infer(shape: ShapeOf, X: readonly number[]): Omit<OracleConfig, "type">;
  /** The logits for X (B, T): (B, T, V) for makemore.py's types, (B, V) for the WaveNet. */
  logits(p: OracleParams, X: Tensor, c: OracleConfig): Tensor;
}

/** A size of the config, which this type needs. */
export function need(c: OracleConfig, key: "nEmbd" | "nEmbd2" | "nLayer" | "nHead" | "nHidden"): number {
  const v = c[key];
  if (v === undefined || !Number.isInteger(v) || v < 1) {
    throw new ConfigError(`the ${c.type} oracle needs ${key} in its config (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** A parameter by name, or a ConfigError naming it. */
export function param(p: OracleParams, name: string): Tensor {
  const t = Object.prototype.hasOwnProperty.call(p, name) ? p[name] : undefined;
  if (t === undefined) throw new ConfigError(`the oracle has no parameter '${name}'`);
  return t;
}

/** Dimension `i` of tensor `name`'s shape, for infer(). */
export function dimOf(shape: ShapeOf, name: string, i: number): number {
  const s = shape(name);
  if (s === undefined) throw new ConfigError(`missing tensor '${name}'`);
  if (s.length <= i) throw new ConfigError(`tensor '${name}' has shape [${s.join(", ")}], expected at least ${i + 1} dimensions`);
  return s[i];
}

/** An nn.Linear's two parameters in PyTorch's layout: `<prefix>.weight` (out, in), `<prefix>.bias` (out). */
export function linearShapes(prefix: string, fanIn: number, fanOut: number, bias = true): [string, number[]][] {
  const w: [string, number[]] = [`${prefix}.weight`, [fanOut, fanIn]];
  return bias ? [w, [`${prefix}.bias`, [fanOut]]] : [w];
}
