// Creating tensors: torch.tensor, torch.zeros, torch.ones, torch.zeros_like, torch.ones_like, torch.full,
// torch.arange (https://pytorch.org/docs/stable/torch.html#creation-ops). Random ones are in random.ts.
// JS has one number type, so dtypes are inferred differently from PyTorch: nested JS arrays default to
// float32 (pass { dtype: 'int32' } for indices), a typed array keeps its own dtype, full() defaults to
// float32, and arange() is int32 when all its arguments are integers (as torch.arange is int64).
import { type Shape, formatShape, sizeOf } from './broadcast.ts';
import { type DType, type TypedArray, allocate, castArray, dtypeOfArray, roundTo } from './dtype.ts';
import { ShapeError, TensorError } from './errors.ts';
import { type NestedArray, Tensor } from './tensor.ts';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface TensorOptions extends CreateOptions {
  /** Shape of a flat array or typed array (default: its length, i.e. 1-D). */
  shape?: readonly number[];
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function shapeOf(size: number | Shape, op: string): number[] {
  const shape = typeof size === 'number' ? [size] : [...size];
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${formatShape(shape)}`);
  }
  return shape;
}

/** Shape of a nested array, checking it is not ragged (PyTorch: "expected sequence of length 3 at dim 1 (got 2)"). */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  for (let x: NestedArray = data; Array.isArray(x); x = x[0]) {
    shape.push(x.length);
    if (x.length === 0) break;
  }
  return shape;
}

function flatten(data: NestedArray, shape: Shape, out: number[], dim: number): void {
  if (dim === shape.length) {
    if (typeof data !== 'number') throw new TensorError(`tensor: expected a number at depth ${dim}, got ${typeof data}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    const got = Array.isArray(data) ? data.length : typeof data;
    throw new ShapeError(`tensor: expected sequence of length ${shape[dim]} at dim ${dim} (got ${got})`);
  }
  for (const x of data) flatten(x, shape, out, dim + 1);
}

/** A tensor from a number, nested arrays, a flat array with `shape`, or a typed array (always copied). */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions = {}): Tensor {
  const typed = dtypeOfArray(data);
  let values: TypedArray;
  let shape: number[];
  if (typed !== null) {
    const src = data as TypedArray;
    values = options.dtype === undefined || options.dtype === typed ? src.slice() : castArray(src, options.dtype);
    shape = options.shape ? [...options.shape] : [src.length];
  } else {
    const nested = data as NestedArray;
    const flat: number[] = [];
    const inferred = nestedShape(nested);
    flatten(nested, inferred, flat, 0);
    const dtype = options.dtype ?? 'float32';
    values = allocate(dtype, flat.length);
    for (let i = 0; i < flat.length; i++) values[i] = roundTo(dtype, flat[i]);
    shape = options.shape ? [...options.shape] : inferred;
  }
  if (sizeOf(shape) !== values.length) {
    throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements, got ${values.length}`);
  }
  return finish(new Tensor(values, shape), options);
}

export function full(size: number | Shape, value: number, options: CreateOptions = {}): Tensor {
  const shape = shapeOf(size, 'full');
  const dtype = options.dtype ?? 'float32';
  const data = allocate(dtype, sizeOf(shape));
  data.fill(roundTo(dtype, value));
  return finish(new Tensor(data, shape), options);
}

export function zeros(size: number | Shape, options: CreateOptions = {}): Tensor {
  return full(size, 0, options);
}

export function ones(size: number | Shape, options: CreateOptions = {}): Tensor {
  return full(size, 1, options);
}

/** Zeros of x's shape and (unless given) dtype. */
export function zerosLike(x: Tensor, options: CreateOptions = {}): Tensor {
  return full(x.shape, 0, { dtype: x.dtype, ...options });
}

export function onesLike(x: Tensor, options: CreateOptions = {}): Tensor {
  return full(x.shape, 1, { dtype: x.dtype, ...options });
}

/** arange(end) or arange(start, end, step = 1): start, start + step, ... up to but excluding end. */
export function arange(end: number, options?: CreateOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: CreateOptions): Tensor;
export function arange(...args: (number | CreateOptions | undefined)[]): Tensor {
  const nums = args.filter((a): a is number => typeof a === 'number');
  const options = (args.find((a) => typeof a === 'object') ?? {}) as CreateOptions;
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0 || !Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step)) {
    throw new TensorError(`arange: invalid range (start ${start}, end ${end}, step ${step})`);
  }
  if ((end - start) * step < 0) {
    throw new TensorError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  }
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const n = Math.ceil((end - start) / step);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = roundTo(dtype, start + i * step);
  return finish(new Tensor(data, [n]), options);
}
