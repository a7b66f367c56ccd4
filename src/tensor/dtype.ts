// Element types and PyTorch's type promotion (torch.result_type, "Type promotion" in the torch docs:
// https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc).
// float32 is the default floating type, float64 is for gradient checking, int32 holds indices
// (PyTorch would use int64; int64 exists only in safetensors files, see safetensors-tensor.ts).

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
  }
}

/** The dtype a typed array holds, or null for any other array. */
export function dtypeOfArray(a: unknown): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return null;
}

/** A JS number as the dtype stores it: float32 rounds (Math.fround), int32 truncates and wraps. */
export function roundTo(dtype: DType, x: number): number {
  if (dtype === 'float32') return Math.fround(x);
  if (dtype === 'int32') return Math.trunc(x) | 0;
  return x;
}

/** A copy of `src` converted element by element to `dtype` (float -> int truncates toward zero, like PyTorch). */
export function castArray(src: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, src.length);
  if (dtype === 'int32') for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]);
  else out.set(src);
  return out;
}

/** torch.promote_types for our three dtypes: int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/** An operand of a binary op as type promotion sees it: a tensor (dtype, ndim) or a JS number. */
export type PromotionOperand = { readonly dtype: DType; readonly ndim: number } | number;

/**
 * torch.result_type: tensors with dimensions decide over zero-dim tensors, which decide over JS numbers,
 * unless the lower group is of a higher category (float over integer). A JS number counts as float32
 * (torch's default dtype) when it is not an integer, and as int32 when it is (JS cannot tell 2.0 from 2).
 */
export function resultType(operands: readonly PromotionOperand[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let wrapped: DType | null = null;
  const join = (acc: DType | null, d: DType): DType => (acc === null ? d : promoteTypes(acc, d));
  for (const o of operands) {
    if (typeof o === 'number') wrapped = join(wrapped, Number.isInteger(o) ? 'int32' : 'float32');
    else if (o.ndim === 0) zero = join(zero, o.dtype);
    else dim = join(dim, o.dtype);
  }
  const combine = (higher: DType | null, lower: DType | null): DType | null => {
    if (higher === null) return lower;
    if (lower === null || isFloat(higher) || !isFloat(lower)) return higher;
    return promoteTypes(higher, lower);
  };
  return combine(dim, combine(zero, wrapped)) ?? 'float32';
}
