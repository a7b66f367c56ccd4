// Every primitive and derived op, forward and gradient, against central finite differences in float64
// (check-op.ts), one line per case, with broadcasting and keepdim variants.
import { test } from 'node:test';
import { tensor } from '../../src/tensor/create.ts';
import { crossEntropy } from '../../src/tensor/loss.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { checkOp } from './check-op.ts';

const idx = (values: number[][] | number[]): Tensor => tensor(values, { dtype: 'int32' });
const positive = { low: 0.5, high: 2 };

test('add, sub, mul, div with broadcasting', () => {
  checkOp([[3, 4], [3, 4]], (a, b) => a.add(b));
  checkOp([[3, 4], [4]], (a, b) => a.add(b));
  checkOp([[3, 1], [1, 4]], (a, b) => a.add(b));
  checkOp([[2, 3, 4], [3, 1]], (a, b) => a.sub(b));
  checkOp([[4], [2, 3, 4]], (a, b) => a.sub(b));
  checkOp([[3, 4], [1, 4]], (a, b) => a.mul(b));
  checkOp([[3, 4], []], (a, b) => a.mul(b));
  checkOp([[3, 4], [3, 1]], (a, b) => a.div(b), positive);
  checkOp([[1, 4], [3, 1]], (a, b) => a.div(b), positive);
  checkOp([[3, 4]], (a) => a.mul(a)); // used twice: gradients accumulate
});

test('ops with a JS number', () => {
  checkOp([[3, 4]], (a) => a.add(1.5));
  checkOp([[3, 4]], (a) => a.sub(0.1));
  checkOp([[3, 4]], (a) => a.mul(1 / 31));
  checkOp([[3, 4]], (a) => a.div(3), positive);
});

test('unary: neg, pow, exp, log, tanh', () => {
  checkOp([[3, 4]], (a) => a.neg());
  checkOp([[3, 4]], (a) => a.pow(2));
  checkOp([[3, 4]], (a) => a.pow(3));
  checkOp([[3, 4]], (a) => a.pow(-0.5), positive);
  checkOp([[3, 4]], (a) => a.pow(0.5), positive);
  checkOp([[3, 4]], (a) => a.pow(-1), positive);
  checkOp([[3, 4]], (a) => a.pow(-2), positive);
  checkOp([[3, 4]], (a) => a.pow(1.7), positive);
  checkOp([[3, 4]], (a) => a.exp());
  checkOp([[3, 4]], (a) => a.log(), positive);
  checkOp([[3, 4]], (a) => a.tanh());
});

test('reductions: sum, mean, max, var, std', () => {
  checkOp([[3, 4]], (a) => a.sum());
  checkOp([[3, 4]], (a) => a.sum(0));
  checkOp([[3, 4]], (a) => a.sum(1, { keepdim: true }));
  checkOp([[2, 3, 4]], (a) => a.sum(-2));
  checkOp([[2, 3, 4]], (a) => a.sum(null, { keepdim: true }));
  checkOp([[3, 4]], (a) => a.mean());
  checkOp([[3, 4]], (a) => a.mean(0, { keepdim: true }));
  checkOp([[2, 3, 4]], (a) => a.mean(2));
  checkOp([[3, 4]], (a) => a.max());
  checkOp([[3, 4]], (a) => a.max(1).values);
  checkOp([[3, 4]], (a) => a.max(0, { keepdim: true }).values);
  checkOp([[2, 3, 4]], (a) => a.max(1, { keepdim: true }).values);
  checkOp([[3, 4]], (a) => a.var());
  checkOp([[5, 4]], (a) => a.var(0, { keepdim: true }));
  checkOp([[5, 4]], (a) => a.var(1, { unbiased: false }));
  checkOp([[5, 4]], (a) => a.std(0));
  checkOp([[5, 4]], (a) => a.std());
});

test('matmul, reshape, transpose', () => {
  checkOp([[3, 4], [4, 5]], (a, b) => a.matmul(b));
  checkOp([[2, 3, 4], [4, 5]], (a, b) => a.matmul(b));
  checkOp([[4], [4, 5]], (a, b) => a.matmul(b));
  checkOp([[3, 4], [4]], (a, b) => a.matmul(b));
  checkOp([[4], [4]], (a, b) => a.matmul(b));
  checkOp([[2, 3, 4]], (a) => a.view(2, -1));
  checkOp([[2, 3, 4]], (a) => a.reshape([4, 6]).mul(a.view(4, 6)));
  checkOp([[3, 4]], (a) => a.T);
  checkOp([[2, 3, 4]], (a) => a.transpose(0, 2));
  checkOp([[2, 3, 4]], (a) => a.transpose(-1, 1));
});

test('indexing: C[X], x[arange(n), Y]', () => {
  checkOp([[5, 3]], (C) => C.index(idx([[0, 1, 1], [4, 0, 0]]))); // repeated rows scatter-add
  checkOp([[5]], (C) => C.index(idx([3, 3, -1])));
  checkOp([[4, 5]], (x) => x.pick(idx([0, 4, 4, 2])));
  checkOp([[5, 3]], (C) => C.index(idx([[0, 2], [1, 4]])).view(2, -1));
});

test('softmax, logSoftmax, crossEntropy', () => {
  checkOp([[3, 5]], (a) => a.softmax(1));
  checkOp([[3, 5]], (a) => a.softmax(0));
  checkOp([[3, 5]], (a) => a.logSoftmax(-1));
  checkOp([[4, 5]], (a) => crossEntropy(a, idx([0, 4, 2, 2])));
  checkOp([[4, 5]], (a) => crossEntropy(a.mul(30), idx([1, 3, 0, 4]))); // large logits: stable
});

test('a small MLP end to end (Linear, BatchNorm-like, tanh, cross-entropy)', () => {
  const X = idx([[0, 1], [2, 3], [1, 1]]);
  const Y = idx([2, 0, 1]);
  checkOp([[4, 2], [4, 3], [3], [1, 3]], (C, W, b, gain) => {
    const h = C.index(X).view(3, -1).matmul(W).add(b); // (3, 4) @ (4, 3) -> (3, 3)
    const hn = h.sub(h.mean(0, { keepdim: true })).div(h.std(0, { keepdim: true }).add(1e-5)); // (3, 3)
    return crossEntropy(gain.mul(hn).tanh(), Y);
  });
});
