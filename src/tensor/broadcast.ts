// Shape arithmetic shared by every op: sizes, row-major strides, dimension wrapping, and PyTorch's
// broadcasting rules (https://pytorch.org/docs/stable/notes/broadcasting.html): align shapes at the right,
// each pair of sizes must be equal or one of them 1.
import { ShapeError } from './errors.ts';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar's []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** `[32, 3, 10]`, the way PyTorch prints a shape inside its messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A dimension index in [-ndim, ndim) wrapped to [0, ndim), with PyTorch's message when out of range. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1); // PyTorch lets a 0-dim tensor use dim 0 / -1
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new ShapeError(
      `${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + n : dim;
}

/** The shape both operands broadcast to, or PyTorch's error naming the first dimension that disagrees. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = i < nd - a.length ? 1 : a[i - (nd - a.length)];
    const db = i < nd - b.length ? 1 : b[i - (nd - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton ` +
          `dimension ${i} (shapes ${formatShape(a)} and ${formatShape(b)})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each flat index of `outShape`, the flat index of the element of `inShape` that broadcasts to it.
 * `inShape` must broadcast to `outShape` (checked by the caller through broadcastShapes).
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const nd = outShape.length;
  const lead = nd - inShape.length;
  const inStrides = stridesOf(inShape);
  // stride of each output dimension inside the input: 0 where the input is broadcast (missing or size 1)
  const st = outShape.map((_, d) => (d < lead || inShape[d - lead] === 1 ? 0 : inStrides[d - lead]));
  const idx = new Int32Array(n);
  const counter = new Array<number>(nd).fill(0);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = pos;
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      pos += st[d];
      if (counter[d] < outShape[d]) break;
      pos -= st[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return idx;
}

/** A shape with -1 resolved against `numel`, or PyTorch's "shape '[3, 5]' is invalid for input of size 12". */
export function inferShape(shape: Shape, numel: number, op: string): number[] {
  const out = [...shape];
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be inferred (shape ${formatShape(shape)})`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape dimension ${d} in ${formatShape(shape)}`);
    } else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${numel}`);
    }
    out[infer] = numel / known;
  }
  if (sizeOf(out) !== numel) {
    throw new ShapeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}
