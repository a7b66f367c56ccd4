// Random tensors drawn from the project's PyTorch-compatible Generator (src/random/generator.ts):
// torch.randn, torch.rand, torch.randint with generator= (https://pytorch.org/docs/stable/generated/torch.randn.html).
// The same seed and the same order of draws give PyTorch's numbers. Without { generator } the draws come
// from a default generator seeded like PyTorch's default (torch.initial_seed() 67280421310721) and
// reseeded by manualSeed.
import { Generator } from '../random/generator.ts';
import { type Shape, formatShape } from './broadcast.ts';
import { castArray, isFloat } from './dtype.ts';
import type { CreateOptions } from './create.ts';
import { ShapeError, TensorError } from './errors.ts';
import { Tensor } from './tensor.ts';

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

let defaultGen: Generator | undefined;

/** The generator used when none is passed (torch.default_generator). */
export function defaultGenerator(): Generator {
  defaultGen ??= new Generator();
  return defaultGen;
}

/** Reseeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator().manualSeed(seed);
}

function shapeOf(size: number | Shape, op: string): number[] {
  const shape = typeof size === 'number' ? [size] : [...size];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError(`${op}: invalid shape ${formatShape(shape)}`);
  return shape;
}

function floatDType(options: RandomOptions, op: string): 'float32' | 'float64' {
  const dtype = options.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new TensorError(`${op}: dtype must be floating point (got ${dtype})`);
  return dtype as 'float32' | 'float64';
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Standard normal samples (torch.randn(size, generator=g)). */
export function randn(size: number | Shape, options: RandomOptions = {}): Tensor {
  const shape = shapeOf(size, 'randn');
  const g = options.generator ?? defaultGenerator();
  const data = floatDType(options, 'randn') === 'float64' ? g.randnFloat64(shape) : g.randn(shape);
  return finish(new Tensor(data, shape), options);
}

/** Uniform samples in [0, 1) (torch.rand(size, generator=g)). */
export function rand(size: number | Shape, options: RandomOptions = {}): Tensor {
  const shape = shapeOf(size, 'rand');
  const g = options.generator ?? defaultGenerator();
  const data = floatDType(options, 'rand') === 'float64' ? g.randFloat64(shape) : g.rand(shape);
  return finish(new Tensor(data, shape), options);
}

/** Integers uniform in [low, high) (torch.randint(low, high, size, generator=g)); int32 unless dtype says. */
export function randint(low: number, high: number, size: number | Shape, options: RandomOptions = {}): Tensor {
  const shape = shapeOf(size, 'randint');
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new TensorError(`randint: random_ from ${low} to ${high} is empty or not integer`);
  }
  const g = options.generator ?? defaultGenerator();
  const ints = g.randint(low, high, shape);
  const data = options.dtype === undefined || options.dtype === 'int32' ? ints : castArray(ints, options.dtype);
  return finish(new Tensor(data, shape), options);
}
