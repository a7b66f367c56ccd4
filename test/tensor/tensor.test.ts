// Forward values computable by hand, creation, dtypes and PyTorch's type promotion, and the error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MakemoreError } from '../../src/errors.ts';
import { arange, full, ones, onesLike, tensor, zeros, zerosLike } from '../../src/tensor/create.ts';
import { ShapeError, TensorError } from '../../src/tensor/errors.ts';
import { oneHot } from '../../src/tensor/indexing.ts';
import { crossEntropy } from '../../src/tensor/loss.ts';
import { assertClose } from './check-op.ts';

const f32 = Math.fround;

test('creation: tensor, zeros, ones, full, *Like, arange', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.numel, 6);
  assert.equal(t.ndim, 2);
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.ok(t.data instanceof Float32Array);
  assert.equal(tensor(3.5).item(), 3.5);
  assert.deepEqual(tensor(3.5).shape, []);
  assert.equal(tensor([0.1]).data[0], f32(0.1));
  assert.equal(tensor([1, 2], { dtype: 'int32' }).dtype, 'int32');
  assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
  assert.deepEqual(tensor(new Int32Array(6), { shape: [2, 3] }).shape, [2, 3]);
  assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  const src = new Float32Array([1, 2]);
  const copy = tensor(src);
  src[0] = 9;
  assert.equal(copy.data[0], 1, 'tensor() copies a typed array');
  assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(ones(3).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], 0.1, { dtype: 'float64' }).toArray(), [0.1, 0.1]);
  assert.equal(zerosLike(tensor([1], { dtype: 'int32' })).dtype, 'int32');
  assert.deepEqual(onesLike(t).shape, [2, 3]);
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(arange(5).dtype, 'int32');
  assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.equal(arange(1, 2, 0.25).dtype, 'float32');
  assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.equal(arange(3, { dtype: 'float64' }).dtype, 'float64');
  assert.throws(() => tensor([[1, 2], [3]]), /expected sequence of length 2 at dim 1 \(got 1\)/);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), ShapeError);
  assert.throws(() => t.item(), /a Tensor with 6 elements cannot be converted to Scalar/);
});

test('elementwise forward values and float32 rounding of JS numbers', () => {
  const a = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(a.add(tensor([10, 20])).toArray(), [[11, 22], [13, 24]]);
  assert.deepEqual(a.sub(tensor([[1], [2]])).toArray(), [[0, 1], [1, 2]]);
  assert.deepEqual(a.mul(a).toArray(), [[1, 4], [9, 16]]);
  assert.deepEqual(a.div(2).toArray(), [[0.5, 1], [1.5, 2]]);
  assert.deepEqual(a.neg().toArray(), [[-1, -2], [-3, -4]]);
  // float32 * python float rounds the scalar to float32 first, then the product
  assert.equal(tensor([3]).mul(0.1).data[0], f32(3 * f32(0.1)));
  assert.equal(tensor([3], { dtype: 'float64' }).mul(0.1).data[0], 3 * 0.1);
  assert.equal(tensor([1]).mul(1 / 31).data[0], f32(1 / 31));
  // pow special cases round like PyTorch's CPU kernels
  const x = tensor([2, 3, 0.7]);
  assertClose(x.pow(-0.5).data, [...x.data].map((v) => f32(1 / f32(Math.sqrt(v)))), 0, 0);
  assertClose(x.pow(-1).data, [...x.data].map((v) => f32(1 / v)), 0, 0);
  assertClose(x.pow(2).data, [...x.data].map((v) => f32(v * v)), 0, 0);
  assertClose(x.pow(0.5).data, [...x.data].map((v) => f32(Math.sqrt(v))), 0, 0);
  assertClose(tensor([0, 1]).exp().data, [1, f32(Math.E)], 0, 0);
  assertClose(tensor([1, Math.E]).log().data, [0, 1], 1e-7, 0);
  assertClose(tensor([0, 100, -100]).tanh().data, [0, 1, -1], 0, 0);
});

test('type promotion follows torch.result_type', () => {
  const i = tensor([1, 2], { dtype: 'int32' });
  const f = tensor([1, 2]);
  const d = tensor([1, 2], { dtype: 'float64' });
  assert.equal(i.add(i).dtype, 'int32');
  assert.equal(i.add(2).dtype, 'int32');
  assert.equal(i.add(0.5).dtype, 'float32');
  assert.equal(i.div(i).dtype, 'float32'); // true division
  assert.deepEqual(i.div(tensor([2, 4], { dtype: 'int32' })).toArray(), [0.5, 0.5]);
  assert.equal(f.add(d).dtype, 'float64');
  assert.equal(f.add(tensor(2, { dtype: 'float64' })).dtype, 'float32'); // 0-dim loses to dimensioned
  assert.equal(i.add(tensor(2, { dtype: 'float64' })).dtype, 'float64'); // ...unless of a higher category
  assert.equal(i.exp().dtype, 'float32');
  assert.equal(i.pow(2).dtype, 'int32');
  assert.deepEqual(i.pow(2).toArray(), [1, 4]);
  assert.equal(i.pow(0.5).dtype, 'float32');
  assert.equal(d.to('float32').dtype, 'float32');
  assert.deepEqual(tensor([1.7, -1.7]).to('int32').toArray(), [1, -1]);
  assert.deepEqual(tensor([2 ** 30], { dtype: 'int32' }).mul(4).toArray(), [0]); // int32 wraps
});

test('reductions: values, indices, keepdim, ties', () => {
  const a = tensor([[1, 5, 5], [7, 2, 7]]);
  assert.deepEqual(a.sum().toArray(), 27);
  assert.deepEqual(a.sum(0).toArray(), [8, 7, 12]);
  assert.deepEqual(a.sum(1, { keepdim: true }).shape, [2, 1]);
  assert.deepEqual(a.sum(null, { keepdim: true }).shape, [1, 1]);
  assert.deepEqual(a.mean(1).toArray(), [11 / 3, 16 / 3].map(f32));
  const m = a.max(1);
  assert.deepEqual(m.values.toArray(), [5, 7]);
  assert.deepEqual(m.indices.toArray(), [1, 0]); // first index on ties
  assert.equal(m.indices.dtype, 'int32');
  assert.deepEqual(a.max(0, { keepdim: true }).values.toArray(), [[7, 5, 7]]);
  assert.equal(a.max().item(), 7);
  assert.ok(Number.isNaN(tensor([1, NaN, 3]).max().item()));
  assert.deepEqual(tensor([[1, NaN, 3]]).max(1).indices.toArray(), [1]);
  const v = tensor([1, 2, 3, 4]);
  assertClose(v.var().data, [5 / 3]);
  assertClose(v.var(0, { unbiased: false }).data, [1.25]);
  assertClose(v.std().data, [Math.sqrt(5 / 3)]);
  assert.deepEqual(tensor([[1, 2], [3, 5]]).var(0, { keepdim: true }).toArray(), [[2, 4.5]]);
  assert.deepEqual(tensor([[1, 2]], { dtype: 'int32' }).sum(1).toArray(), [3]);
  assert.throws(() => tensor([1], { dtype: 'int32' }).mean(), /floating point/);
});

test('matmul, view, transpose, index, pick, oneHot: values and shapes', () => {
  const a = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(a.matmul(tensor([[5, 6], [7, 8]])).toArray(), [[19, 22], [43, 50]]);
  assert.deepEqual(a.matmul(tensor([1, 1])).toArray(), [3, 7]);
  assert.deepEqual(tensor([1, 1]).matmul(a).toArray(), [4, 6]);
  assert.deepEqual(zeros([32, 3, 2]).matmul(zeros([2, 5])).shape, [32, 3, 5]);
  assert.deepEqual(a.T.toArray(), [[1, 3], [2, 4]]);
  const b = arange(24).view(2, 3, 4);
  assert.deepEqual(b.view(-1, 4).shape, [6, 4]);
  assert.deepEqual(b.view([4, -1]).shape, [4, 6]);
  assert.equal(b.view(6, 4).data, b.data, 'view shares the data');
  assert.deepEqual(b.transpose(0, 2).shape, [4, 3, 2]);
  assert.equal(b.transpose(0, 2).toArray().toString(), tensor(transposeNaive()).toArray().toString());
  const C = arange(27 * 10, { dtype: 'float32' }).view(27, 10);
  const X = tensor(Array.from({ length: 32 }, (_, i) => [i % 27, (i * 7) % 27, 0]), { dtype: 'int32' });
  const emb = C.index(X);
  assert.deepEqual(emb.shape, [32, 3, 10]);
  assert.deepEqual((emb.toArray() as number[][][])[5][1], (C.toArray() as number[][])[(5 * 7) % 27]);
  assert.deepEqual(C.index(tensor([-1], { dtype: 'int32' })).toArray(), [(C.toArray() as number[][])[26]]);
  assert.deepEqual(a.pick(tensor([1, 0], { dtype: 'int32' })).toArray(), [2, 3]);
  assert.deepEqual(oneHot(tensor([0, 2], { dtype: 'int32' })).toArray(), [[1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(oneHot(tensor([1], { dtype: 'int32' }), 4).toArray(), [[0, 1, 0, 0]]);

  function transposeNaive(): number[][][] {
    const out: number[][][] = [];
    for (let k = 0; k < 4; k++) {
      out.push([]);
      for (let j = 0; j < 3; j++) out[k].push([0, 1].map((i) => i * 12 + j * 4 + k));
    }
    return out;
  }
});

test('softmax, logSoftmax and crossEntropy agree and are stable', () => {
  const logits = tensor([[1, 2, 3], [1000, 0, -1000]]);
  const p = logits.softmax(1);
  assertClose(p.sum(1).data, [1, 1], 1e-6);
  assertClose(p.log().data.slice(0, 3), logits.logSoftmax(1).data.slice(0, 3), 1e-6);
  assert.deepEqual(logits.logSoftmax(1).toArray(), [[...logits.logSoftmax(1).data.slice(0, 3)], [0, -1000, -2000]]);
  const Y = tensor([2, 0], { dtype: 'int32' });
  const ce = crossEntropy(logits, Y);
  assertClose(ce.data, [-logits.logSoftmax(1).pick(Y).mean().item()], 1e-6);
  assert.ok(Number.isFinite(ce.item()));
  assertClose(crossEntropy(tensor([[0, 0, 0, 0]]), tensor([3], { dtype: 'int32' })).data, [Math.log(4)], 1e-6);
});

test('errors name the op and the shapes', () => {
  assert.throws(() => zeros([32, 3, 2]).matmul(zeros([6, 100])), {
    name: 'ShapeError',
    message: 'matmul: mat1 and mat2 shapes cannot be multiplied (96x2 and 6x100)',
  });
  assert.throws(
    () => zeros([2, 3]).add(zeros([2, 4])),
    /add: The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/,
  );
  assert.throws(() => zeros([4, 3]).mul(zeros([4])), /mul: The size of tensor a \(3\) must match the size of tensor b \(4\)/);
  assert.throws(() => zeros(12).view(3, 5), /shape '\[3, 5\]' is invalid for input of size 12/);
  assert.throws(() => zeros(12).view(-1, -1), /only one dimension can be inferred/);
  assert.throws(() => zeros([2, 3]).sum(2), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
  assert.throws(() => zeros([27, 10]).index(tensor([27], { dtype: 'int32' })), /index 27 is out of bounds for dimension 0 with size 27/);
  assert.throws(() => zeros([27, 10]).index(tensor([1])), /indices must be integer tensors \(got float32\)/);
  assert.throws(() => zeros([4, 3]).pick(tensor([0, 1], { dtype: 'int32' })), /pick: expected x of shape \(N, C\)/);
  assert.throws(() => crossEntropy(zeros([4, 3]), tensor([0, 1, 2, 3], { dtype: 'int32' })), /Target 3 is out of bounds/);
  assert.throws(() => crossEntropy(zeros([4, 3]), tensor([0], { dtype: 'int32' })), /Expected input batch_size \(4\) to match target batch_size \(1\)/);
  assert.throws(() => zeros([2, 2]).matmul(zeros([2, 2], { dtype: 'float64' })), /same dtype/);
  assert.throws(() => tensor([1], { dtype: 'int32' }).pow(-1), /Integers to negative integer powers/);
  assert.throws(() => zeros([2, 2, 2]).T, TensorError);
  const e = (() => {
    try {
      zeros(2).add(zeros(3));
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof ShapeError && e instanceof TensorError && e instanceof MakemoreError);
});
