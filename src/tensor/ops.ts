// The primitives of the autograd engine, as one type: every differentiable op the engine records is a key
// of OpParams, and its value is what the forward saves for the backward. rules.ts maps each key to its
// derivative rule with a mapped type, so adding a primitive without a rule is a compile error (the jax-js
// pattern). Everything else (mean, var, std, softmax, logSoftmax, N-D matmul, sub-by-scalar, stack, split,
// layerNorm, gelu...) is composed from these, so only these derivatives are written by hand.
import type { DType } from './dtype.ts';
import type { Tensor } from './tensor.ts';

export interface OpParams {
  add: Record<string, never>; // elementwise.ts, broadcasting
  sub: Record<string, never>;
  mul: Record<string, never>;
  div: Record<string, never>;
  neg: Record<string, never>; // unary.ts
  pow: { exponent: number };
  exp: Record<string, never>;
  log: Record<string, never>;
  tanh: Record<string, never>;
  sigmoid: Record<string, never>;
  cast: { from: DType };
  sum: { dim: number | null; keepdim: boolean }; // reduce.ts
  max: { dim: number | null; keepdim: boolean; argmax: Int32Array };
  matmul: Record<string, never>; // matmul.ts
  bmm: Record<string, never>; // matmul.ts, batched with broadcast batch dimensions
  reshape: Record<string, never>; // shape.ts
  transpose: { dim0: number; dim1: number };
  expand: Record<string, never>;
  roll: { shift: number; dim: number };
  cat: { dim: number; sizes: readonly number[] }; // join.ts: sizes along dim of each input
  narrow: { dim: number; start: number };
  maskedFill: { mask: Uint8Array }; // masking.ts: the mask broadcast to the output, 1 = filled
  index: { rows: Int32Array }; // indexing.ts: C[X], the rows picked (negative indices wrapped)
  pick: { cols: Int32Array }; // x[arange(N), Y], the column picked in each row
  crossEntropy: { probs: Float64Array; targets: Int32Array; ignoreIndex: number | null; count: number }; // loss.ts
}

export type Op = keyof OpParams;

/** A recorded application of a primitive: the graph edge from an output back to its inputs. */
export interface Node<K extends Op = Op> {
  readonly op: K;
  /** The tensors the output depends on differentiably (index tensors live in params). */
  readonly inputs: readonly Tensor[];
  readonly params: OpParams[K];
}

/**
 * A derivative rule: given the gradient `g` of the loss with respect to the output `out`, the gradient
 * with respect to each input (same order as node.inputs; null where an input gets nothing). Rules run with
 * gradient recording off, so they may use any tensor op.
 */
export type Rule<K extends Op> = (g: Tensor, node: Node<K>, out: Tensor) => (Tensor | null)[];

export type Rules = { [K in Op]: Rule<K> };

/** The empty params object of ops that save nothing. */
export const NO_PARAMS: Record<string, never> = Object.freeze({}) as Record<string, never>;
