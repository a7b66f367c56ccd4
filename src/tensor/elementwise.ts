// Binary arithmetic with broadcasting and type promotion: torch.add, torch.sub, torch.mul, torch.div
// (https://pytorch.org/docs/stable/generated/torch.add.html and neighbours). Either operand may be a JS
// number; like PyTorch, `float32 tensor * 0.1` rounds 0.1 to float32 first. Integer tensors divide to float32
// (true division). Each result is stored in its dtype's typed array, which rounds exactly as PyTorch's
// float32 kernels do (one IEEE operation computed in double and rounded once is the float32 result).
import { broadcastIndex, broadcastShapes, sameShape, sizeOf } from './broadcast.ts';
import { type DType, allocate, isFloat, resultType, roundTo } from './dtype.ts';
import { record } from './autograd.ts';
import { TensorError } from './errors.ts';
import { NO_PARAMS, type Rules } from './ops.ts';
import { sumTo } from './reduce.ts';
import { Tensor } from './tensor.ts';
import { cast, neg } from './unary.ts';

export type Operand = Tensor | number;
type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

const FLOAT_FNS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};
// int32 results wrap like C integers; Math.imul keeps the low 32 bits of products beyond 2^53
const INT_MUL = Math.imul;

/** The operand as a tensor of dtype `dt`: numbers become constant 0-dim tensors, tensors a (recorded) cast. */
function operand(x: Operand, dt: DType): Tensor {
  if (typeof x === 'number') {
    const data = allocate(dt, 1);
    data[0] = roundTo(dt, x);
    return new Tensor(data, []);
  }
  return cast(x, dt);
}

function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TensorError(`${op}: at least one operand must be a Tensor`);
  }
  let dt = resultType([a, b]);
  if (op === 'div' && !isFloat(dt)) dt = 'float32'; // true division
  const ta = operand(a, dt);
  const tb = operand(b, dt);
  const shape = broadcastShapes(ta.shape, tb.shape, op);
  const n = sizeOf(shape);
  const out = allocate(dt, n);
  const f = dt === 'int32' && op === 'mul' ? INT_MUL : FLOAT_FNS[op];
  const A = ta.data;
  const B = tb.data;
  if (sameShape(ta.shape, shape) && sameShape(tb.shape, shape)) {
    for (let i = 0; i < n; i++) out[i] = f(A[i], B[i]);
  } else if (sameShape(ta.shape, shape) && tb.numel === 1) {
    const b0 = B[0];
    for (let i = 0; i < n; i++) out[i] = f(A[i], b0);
  } else if (sameShape(ta.shape, shape)) {
    const ib = broadcastIndex(tb.shape, shape); // x + bias: only b is broadcast
    for (let i = 0; i < n; i++) out[i] = f(A[i], B[ib[i]]);
  } else if (sameShape(tb.shape, shape)) {
    const ia = broadcastIndex(ta.shape, shape);
    for (let i = 0; i < n; i++) out[i] = f(A[ia[i]], B[i]);
  } else {
    const ia = broadcastIndex(ta.shape, shape);
    const ib = broadcastIndex(tb.shape, shape);
    for (let i = 0; i < n; i++) out[i] = f(A[ia[i]], B[ib[i]]);
  }
  return record(new Tensor(out, shape), op, [ta, tb], NO_PARAMS);
}

export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b);
}
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b);
}
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b);
}
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b);
}

// Each rule undoes the broadcast with sumTo: an input broadcast along a dimension receives the sum of the
// gradient along it.
export const elementwiseRules: Pick<Rules, BinaryOp> = {
  // d(a + b) = da + db
  add: (g, { inputs: [a, b] }) => [sumTo(g, a.shape), sumTo(g, b.shape)],
  // d(a - b) = da - db
  sub: (g, { inputs: [a, b] }) => [sumTo(g, a.shape), sumTo(neg(g), b.shape)],
  // d(a b) = b da + a db
  mul: (g, { inputs: [a, b] }) => [sumTo(mul(g, b), a.shape), sumTo(mul(g, a), b.shape)],
  // d(a / b) = da / b - (a / b) / b db   (PyTorch's order of operations: -g * ((a / b) / b))
  div: (g, { inputs: [a, b] }) => [sumTo(div(g, b), a.shape), sumTo(mul(neg(g), div(div(a, b), b)), b.shape)],
};
