// The Tensor: a contiguous row-major typed array with a shape and a dtype, plus the autograd fields of
// torch.Tensor (requires_grad, grad, grad_fn, retain_grad, is_leaf: https://pytorch.org/docs/stable/tensors.html).
// The math lives in one file per op family (elementwise, unary, reduce, matmul, shape, indexing, loss);
// the methods here only forward to them, so `a.mul(b).sum()` reads like the lectures' `(a * b).sum()`.
import { runBackward } from './autograd.ts';
import { formatShape, sizeOf } from './broadcast.ts';
import { type DType, type TypedArray, castArray, dtypeOfArray, isFloat } from './dtype.ts';
import { add, div, mul, sub } from './elementwise.ts';
import { TensorError } from './errors.ts';
import { index, pick } from './indexing.ts';
import { narrow, split } from './join.ts';
import { logSoftmax, softmax } from './loss.ts';
import { maskedFill } from './masking.ts';
import { matmul } from './matmul.ts';
import type { Node } from './ops.ts';
import { type KeepDim, type MaxResult, type VarOptions, max, maxDim, mean, std, sum, variance } from './reduce.ts';
import { expand, reshape, roll, transpose, unsqueeze } from './shape.ts';
import { cast, exp, log, neg, pow, sigmoid, tanh } from './unary.ts';

/** Nested JS arrays of numbers, as toArray() returns and tensor() accepts. */
export type NestedArray = number | NestedArray[];

/** A shape given as numbers, `x.view(32, -1)`, or as one array, `x.view([32, -1])`. */
export type ShapeArgs = number[] | [readonly number[]];

function shapeArgs(args: ShapeArgs): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

export class Tensor {
  /** The elements, row-major; its class is the dtype (Float32Array, Float64Array, Int32Array). */
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** dL/dthis after backward(): kept for leaves that require grad and for tensors that called retainGrad(). */
  grad: Tensor | null = null;
  private leafRequiresGrad = false;
  private retains = false;
  private gradNode: Node | null = null;

  constructor(data: TypedArray, shape: readonly number[]) {
    const dtype = dtypeOfArray(data);
    if (dtype === null) throw new TensorError('Tensor: data must be a Float32Array, Float64Array or Int32Array');
    if (sizeOf(shape) !== data.length) {
      throw new TensorError(`Tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements, data has ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  // ---- metadata ----------------------------------------------------------------------------------------
  get numel(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** The one element of a one-element tensor as a JS number. */
  item(): number {
    if (this.numel !== 1) {
      throw new TensorError(`item: a Tensor with ${this.numel} elements cannot be converted to Scalar`);
    }
    return this.data[0];
  }
  /** The elements as nested JS arrays (a number for a 0-dim tensor). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const n = this.shape[dim];
      const inner = stride / n;
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * inner, inner));
    };
    return build(0, 0, this.numel);
  }
  toString(): string {
    return `tensor(${JSON.stringify(this.toArray())}, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  // ---- autograd ----------------------------------------------------------------------------------------
  /** True for tensors created by the user (no grad_fn), false for results of recorded ops. */
  get isLeaf(): boolean {
    return this.gradNode === null;
  }
  get requiresGrad(): boolean {
    return this.gradNode !== null || this.leafRequiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (!this.isLeaf) {
      if (!value) {
        throw new TensorError(
          'requiresGrad: you can only change requires_grad flags of leaf variables; use detach() instead',
        );
      }
      return;
    }
    if (value && !isFloat(this.dtype)) {
      throw new TensorError(`requiresGrad: only Tensors of floating point dtype can require gradients (got ${this.dtype})`);
    }
    this.leafRequiresGrad = value;
  }
  /** The primitive that produced this tensor ('matmul', 'tanh', ...), null for leaves (torch's grad_fn). */
  get gradFn(): string | null {
    return this.gradNode?.op ?? null;
  }
  /** @internal The graph node that produced this tensor (autograd.ts). */
  get node(): Node | null {
    return this.gradNode;
  }
  /** @internal Used by autograd.record only. */
  setNode(node: Node): void {
    this.gradNode = node;
  }
  get retainsGrad(): boolean {
    return this.retains;
  }
  /** Keep .grad on this non-leaf tensor during backward() (torch's retain_grad; a no-op on leaves). */
  retainGrad(): this {
    if (!this.requiresGrad) throw new TensorError("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
    if (!this.isLeaf) this.retains = true;
    return this;
  }
  /**
   * Backpropagates from this tensor: `gradient` is dL/dthis (default 1, only for one-element tensors).
   * Unlike PyTorch the graph is not freed, so calling backward twice accumulates twice.
   */
  backward(gradient?: Tensor): void {
    if (gradient === undefined && this.numel !== 1) {
      throw new TensorError(
        `backward: grad can be implicitly created only for scalar outputs (got shape ${formatShape(this.shape)})`,
      );
    }
    const seed = gradient ?? new Tensor(castArray(new Float64Array([1]), this.dtype), this.shape);
    runBackward(this, seed);
  }
  /** The same data outside the graph (shares the typed array, like torch's detach()). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }
  /** A copy of the data outside the graph (torch's x.detach().clone()). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }
  /** Sets .grad to null (torch's zero_grad(set_to_none=True) for one tensor). */
  zeroGrad(): void {
    this.grad = null;
  }

  // ---- elementwise with broadcasting (elementwise.ts, unary.ts) ----------------------------------------
  add(other: Tensor | number): Tensor {
    return add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return div(this, other);
  }
  /** this ** exponent, a JS number (torch.pow(tensor, scalar)). */
  pow(exponent: number): Tensor {
    return pow(this, exponent);
  }
  neg(): Tensor {
    return neg(this);
  }
  exp(): Tensor {
    return exp(this);
  }
  log(): Tensor {
    return log(this);
  }
  tanh(): Tensor {
    return tanh(this);
  }
  sigmoid(): Tensor {
    return sigmoid(this);
  }
  /** A copy converted to `dtype` (differentiable between float dtypes); `this` when already of that dtype. */
  to(dtype: DType): Tensor {
    return cast(this, dtype);
  }

  // ---- reductions (reduce.ts) --------------------------------------------------------------------------
  sum(dim: number | null = null, options: KeepDim = {}): Tensor {
    return sum(this, dim, options);
  }
  mean(dim: number | null = null, options: KeepDim = {}): Tensor {
    return mean(this, dim, options);
  }
  /** max(): the largest element; max(dim): { values, indices } along dim (first index on ties). */
  max(): Tensor;
  max(dim: number, options?: KeepDim): MaxResult;
  max(dim?: number, options: KeepDim = {}): Tensor | MaxResult {
    return dim === undefined ? max(this) : maxDim(this, dim, options);
  }
  /** Variance, unbiased (Bessel's correction) unless { unbiased: false }. */
  var(dim: number | null = null, options: VarOptions = {}): Tensor {
    return variance(this, dim, options);
  }
  std(dim: number | null = null, options: VarOptions = {}): Tensor {
    return std(this, dim, options);
  }

  // ---- linear algebra, shapes, indexing, softmax -------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  /** Same elements, new shape (one dimension may be -1). Shares data, like torch's view. */
  view(...shape: ShapeArgs): Tensor {
    return reshape(this, shapeArgs(shape));
  }
  reshape(...shape: ShapeArgs): Tensor {
    return reshape(this, shapeArgs(shape));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return transpose(this, dim0, dim1);
  }
  unsqueeze(dim: number): Tensor {
    return unsqueeze(this, dim);
  }
  /** Repeated along dimensions of size 1 (and new leading ones) to `shape`; -1 keeps a size. A copy. */
  expand(...shape: ShapeArgs): Tensor {
    return expand(this, shapeArgs(shape));
  }
  /** torch.roll(this, shift, dim). */
  roll(shift: number, dim: number): Tensor {
    return roll(this, shift, dim);
  }
  /** Elements start … start + length − 1 along dim (a copy). */
  narrow(dim: number, start: number, length: number): Tensor {
    return narrow(this, dim, start, length);
  }
  /** Pieces of `size` along dim (torch.split with an int). */
  split(size: number, dim = 0): Tensor[] {
    return split(this, size, dim);
  }
  /** `value` where the int32 mask (broadcast to this shape) is nonzero. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return maskedFill(this, mask, value);
  }
  /** The transpose of a matrix (a copy; 0-D and 1-D tensors are returned as they are). */
  get T(): Tensor {
    if (this.ndim > 2) throw new TensorError(`T: expects a tensor with <= 2 dimensions, but got ${this.ndim}`);
    return this.ndim < 2 ? this : transpose(this, 0, 1);
  }
  /** this[idx]: rows of this picked by an integer tensor of any shape, e.g. C[X]: (V, E)[(B, T)] -> (B, T, E). */
  index(idx: Tensor): Tensor {
    return index(this, idx);
  }
  /** this[arange(N), idx]: out[i] = this[i, idx[i]]; (N, C) with (N) -> (N). */
  pick(idx: Tensor): Tensor {
    return pick(this, idx);
  }
  softmax(dim: number): Tensor {
    return softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return logSoftmax(this, dim);
  }
}

/** Sets .grad to null on each tensor (optimizer.zero_grad(set_to_none=True)). */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.grad = null;
}
