// Typed errors of the tensor library. Messages follow PyTorch's wording where PyTorch has one
// ("mat1 and mat2 shapes cannot be multiplied (96x2 and 6x100)", "The size of tensor a (3) must match the
// size of tensor b (4) at non-singleton dimension 1"), prefixed with the op that raised them.
import { MakemoreError } from '../errors.ts';

/** Misuse of a tensor: wrong dtype for an op, autograd called where it cannot work, index out of range. */
export class TensorError extends MakemoreError {}

/** Shapes that do not fit the op: broadcasting, matmul, reshape, dimension out of range. */
export class ShapeError extends TensorError {}
