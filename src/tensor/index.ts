// The tensor library's public surface (browser-safe: the Node file helpers are in safetensors-file.ts).
export { Tensor, zeroGrad, type NestedArray, type ShapeArgs } from './tensor.ts';
export { noGrad, isGradEnabled } from './autograd.ts';
export type { DType, TypedArray } from './dtype.ts';
export { TensorError, ShapeError } from './errors.ts';
export { tensor, zeros, ones, zerosLike, onesLike, full, arange, type CreateOptions, type TensorOptions } from './create.ts';
export { randn, rand, randint, manualSeed, defaultGenerator, type RandomOptions } from './random.ts';
export { add, sub, mul, div, type Operand } from './elementwise.ts';
export { neg, pow, exp, log, tanh, sigmoid } from './unary.ts';
export { sum, mean, max, maxDim, variance, std, type KeepDim, type VarOptions, type MaxResult } from './reduce.ts';
export { matmul } from './matmul.ts';
export { reshape, transpose, unsqueeze, expand, roll } from './shape.ts';
export { cat, stack, narrow, split } from './join.ts';
export { maskedFill, causalMask } from './masking.ts';
export { index, pick, oneHot } from './indexing.ts';
export { softmax, logSoftmax, crossEntropy, type CrossEntropyOptions } from './loss.ts';
export { linear, layerNorm, newGelu } from './functional.ts';
export type { Op } from './ops.ts';
export {
  parseSafetensors,
  serializeSafetensors,
  type SafetensorsDType,
  type TensorRecord,
  type SafetensorsFile,
} from './safetensors.ts';
export { recordFromTensor, tensorFromRecord, recordsFromTensors, tensorsFromRecords } from './safetensors-tensor.ts';
