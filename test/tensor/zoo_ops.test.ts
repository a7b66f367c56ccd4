// The ops makemore.py's models add to the engine (sigmoid, cat/stack/narrow/split, expand/roll/unsqueeze,
// maskedFill with the causal mask, the batched matmul, cross-entropy with ignore_index, and the composed
// linear/layerNorm/newGelu): forward values against what torch computes on small hand-worked cases, and
// every gradient against float64 central finite differences (check-op.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad } from '../../src/tensor/autograd.ts';
import { tensor, zeros } from '../../src/tensor/create.ts';
import { layerNorm, linear, newGelu } from '../../src/tensor/functional.ts';
import { cat, narrow, split, stack } from '../../src/tensor/join.ts';
import { crossEntropy } from '../../src/tensor/loss.ts';
import { causalMask, maskedFill } from '../../src/tensor/masking.ts';
import { expand, roll, unsqueeze } from '../../src/tensor/shape.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { assertClose, checkOp } from './check-op.ts';

const idx = (values: number[][] | number[]): Tensor => tensor(values, { dtype: 'int32' });

test('sigmoid: values and gradient', () => {
  const s = tensor([-2, 0, 3], { dtype: 'float64' }).sigmoid();
  assertClose(s.data, [-2, 0, 3].map((v) => 1 / (1 + Math.exp(-v))), 1e-15, 0);
  assert.equal(idx([0]).sigmoid().dtype, 'float32', 'integers are promoted');
  checkOp([[3, 4]], (a) => a.sigmoid());
  checkOp([[5]], (a) => a.mul(20).sigmoid()); // saturated: tiny but exact gradients
});

test('cat and stack: values along every dimension, gradients split back', () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5], [6]]);
  assert.deepEqual(cat([a, b], 1).toArray(), [[1, 2, 5], [3, 4, 6]]);
  assert.deepEqual(cat([a, tensor([[7, 8]])], 0).toArray(), [[1, 2], [3, 4], [7, 8]]);
  assert.deepEqual(cat([a, tensor([[7, 8]])], -2).shape, [3, 2]);
  assert.deepEqual(stack([a, a.mul(10)], 1).toArray(), [[[1, 2], [10, 20]], [[3, 4], [30, 40]]]);
  assert.deepEqual(stack([a, a], 2).shape, [2, 2, 2]);
  assert.throws(() => cat([a, tensor([[1, 2, 3]])], 0), { name: 'ShapeError', message: /Sizes of tensors must match except in dimension 0/ });
  assert.throws(() => stack([a, b]), { name: 'ShapeError', message: /equal size/ });
  checkOp([[2, 3], [2, 4]], (x, y) => cat([x, y], 1));
  checkOp([[2, 3, 2], [1, 3, 2], [4, 3, 2]], (x, y, z) => cat([x, y, z], 0));
  checkOp([[2, 3], [2, 3]], (x, y) => cat([x, y, x], -1)); // x used twice: both slices' gradients add
  checkOp([[3, 2], [3, 2], [3, 2]], (x, y, z) => stack([x, y, z], 1));
  checkOp([[4], [4]], (x, y) => stack([x, y], 0));
});

test('narrow and split: values and gradients (zeros outside the slice)', () => {
  const x = tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
  assert.deepEqual(narrow(x, 1, 1, 3).toArray(), [[1, 2, 3], [6, 7, 8]]);
  assert.deepEqual(narrow(x, 0, -1, 1).toArray(), [[5, 6, 7, 8, 9]]);
  assert.deepEqual(split(x, 2, 1).map((t) => t.toArray()), [[[0, 1], [5, 6]], [[2, 3], [7, 8]], [[4], [9]]]);
  assert.throws(() => narrow(x, 1, 3, 3), { name: 'ShapeError', message: /exceeds dimension 1 of size 5/ });
  checkOp([[2, 5]], (a) => a.narrow(1, 1, 3));
  checkOp([[4, 3, 2]], (a) => a.narrow(0, 2, 2));
  checkOp([[2, 6, 3]], (a) => {
    const [q, k, v] = a.split(2, 1); // attention's q, k, v out of one tensor
    return q.mul(k).add(v);
  });
});

test('expand, unsqueeze, roll: values as torch gives them, gradients', () => {
  const h = tensor([[1, 2, 3]]);
  assert.deepEqual(expand(h, [2, -1]).toArray(), [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(expand(tensor([[1], [2]]), [2, 2, 3]).toArray(), [[[1, 1, 1], [2, 2, 2]], [[1, 1, 1], [2, 2, 2]]]);
  assert.throws(() => expand(tensor([[1, 2]]), [3, 3]), { name: 'ShapeError', message: /only dimensions of size 1 can grow/ });
  assert.deepEqual(unsqueeze(h, 0).shape, [1, 1, 3]);
  assert.deepEqual(unsqueeze(h, -1).shape, [1, 3, 1]);
  // torch.roll(torch.arange(5), 1) = [4, 0, 1, 2, 3]; shifts wrap, negative shifts go the other way
  assert.deepEqual(roll(idx([0, 1, 2, 3, 4]), 1, 0).toArray(), [4, 0, 1, 2, 3]);
  assert.deepEqual(roll(idx([0, 1, 2, 3, 4]), -7, 0).toArray(), [2, 3, 4, 0, 1]);
  assert.deepEqual(roll(idx([[0, 1, 2], [3, 4, 5]]), 1, 1).toArray(), [[2, 0, 1], [5, 3, 4]]);
  checkOp([[1, 4]], (a) => a.expand(3, -1));
  checkOp([[3, 1]], (a) => a.expand([2, 3, 5]));
  checkOp([[2, 5]], (a) => a.roll(2, 1));
  checkOp([[4, 3]], (a) => a.roll(-1, 0).mul(a)); // rolled and unrolled paths add
});

test('maskedFill with the causal mask: -inf, then softmax gives masked entries exactly 0 and their gradient exactly 0', () => {
  assert.deepEqual(causalMask(3).toArray(), [[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
  const y = maskedFill(x, causalMask(3), -Infinity);
  assert.deepEqual(y.toArray(), [[1, -Infinity, -Infinity], [4, 5, -Infinity], [7, 8, 9]]);
  // (B, nh, T, T) attention scores with a (T, T) mask broadcast over the batch and heads
  const att = tensor(Float64Array.from({ length: 2 * 2 * 4 * 4 }, (_, i) => Math.sin(i)), { shape: [2, 2, 4, 4], requiresGrad: true });
  const p = att.maskedFill(causalMask(4), -Infinity).softmax(-1);
  const w = tensor(Float64Array.from({ length: p.numel }, (_, i) => Math.cos(3 * i)), { shape: [2, 2, 4, 4] });
  p.mul(w).sum().backward();
  const g = att.grad!;
  for (let i = 0; i < p.numel; i++) {
    const [t, s] = [Math.floor(i / 4) % 4, i % 4];
    assert.ok(Number.isFinite(g.data[i]), `gradient ${i} is ${g.data[i]}`);
    if (s > t) {
      assert.equal(p.data[i], 0, `probability of masked entry ${i}`);
      assert.ok(Object.is(g.data[i], 0), `gradient of masked entry ${i}: ${g.data[i]}`);
    } else assert.ok(p.data[i] > 0);
  }
  // the first row of each (batch, head) sees only itself
  for (let z = 0; z < 4; z++) assert.equal(p.data[z * 16], 1);
  assert.throws(() => maskedFill(idx([1, 2]), idx([1, 0]), 0.5), { name: 'TensorError' });
  assert.throws(() => maskedFill(tensor([1, 2]), tensor([1, 0]), 0), { name: 'TensorError', message: /int32 mask/ });
  assert.throws(() => maskedFill(tensor([[1, 2]]), idx([[1], [0]]), 0), { name: 'ShapeError', message: /must broadcast to x's shape/ });
  checkOp([[3, 4]], (a) => a.maskedFill(idx([[1, 0, 0, 1]]), 7).mul(a)); // a finite fill, mask broadcast over rows
  checkOp([[2, 4, 4]], (a) => a.maskedFill(causalMask(4), -Infinity).softmax(-1));
});

test('batched matmul: (B, nh, T, hs) @ (B, nh, hs, T), broadcast batch dimensions, gradients', () => {
  const a = tensor([[[1, 2], [3, 4]], [[0, 1], [1, 0]]]); // (2, 2, 2)
  const b = tensor([[[1, 0], [0, 1]], [[2, 3], [4, 5]]]);
  assert.deepEqual(a.matmul(b).toArray(), [[[1, 2], [3, 4]], [[4, 5], [2, 3]]]);
  // a (T, T) matrix against a batch (the bag of words' causal average): broadcast over the batch
  const avg = tensor([[1, 0], [0.5, 0.5]]);
  assert.deepEqual(avg.matmul(b).toArray(), [[[1, 0], [0.5, 0.5]], [[2, 3], [3, 4]]]);
  assert.throws(() => a.matmul(tensor([[[1, 2, 3]]])), { name: 'ShapeError', message: /cannot be multiplied/ });
  checkOp([[2, 3, 4, 5], [2, 3, 5, 4]], (x, y) => x.matmul(y));
  checkOp([[3, 4], [2, 4, 5]], (x, y) => x.matmul(y)); // left operand broadcast
  checkOp([[2, 1, 3, 4], [3, 4, 2]], (x, y) => x.matmul(y)); // both broadcast
  checkOp([[2, 3, 4], [2, 3, 4]], (q, k) => q.matmul(k.transpose(-1, -2))); // q @ kᵀ
  checkOp([[2, 3, 4]], (q) => q.matmul(q.transpose(-1, -2))); // one tensor on both sides
});

test('crossEntropy with ignoreIndex: the mean over the targets kept, no gradient to ignored rows', () => {
  const logits = tensor([[1, 2, 3], [0, 0, 0], [3, 1, -1]], { dtype: 'float64', requiresGrad: true });
  const Y = idx([2, -1, 0]);
  const loss = crossEntropy(logits, Y, { ignoreIndex: -1 });
  const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
  const expected = ((lse([1, 2, 3]) - 3) + (lse([3, 1, -1]) - 3)) / 2;
  assert.ok(Math.abs(loss.item() - expected) < 1e-14, `${loss.item()} vs ${expected}`);
  loss.backward();
  assert.deepEqual(Array.from(logits.grad!.data.subarray(3, 6)), [0, 0, 0]);
  assert.throws(() => crossEntropy(logits, Y), { name: 'TensorError', message: /Target -1 is out of bounds/ });
  assert.ok(Number.isNaN(crossEntropy(logits, idx([-1, -1, -1]), { ignoreIndex: -1 }).item()), "PyTorch's 0/0");
  checkOp([[5, 4]], (a) => crossEntropy(a, idx([0, -1, 3, -1, 2]), { ignoreIndex: -1 }));
});

test('linear (PyTorch layout), layerNorm, newGelu: values and gradients', () => {
  const x = tensor([[1, 2], [3, 4]]);
  const W = tensor([[1, 0], [0, 1], [1, 1]]); // (out 3, in 2)
  assert.deepEqual(linear(x, W, tensor([0, 0, 10])).toArray(), [[1, 2, 13], [3, 4, 17]]);
  const v = tensor(Float64Array.from([1, 2, 4, 8, -3, 0, 3, 6]), { shape: [2, 4] });
  const ln = layerNorm(v, null, null, 0);
  for (let r = 0; r < 2; r++) {
    const row = Array.from(ln.data.subarray(4 * r, 4 * r + 4));
    const m = row.reduce((s, z) => s + z, 0) / 4;
    const var_ = row.reduce((s, z) => s + (z - m) ** 2, 0) / 4; // biased: 1 exactly
    assert.ok(Math.abs(m) < 1e-15 && Math.abs(var_ - 1) < 1e-14, `row ${r}: mean ${m}, var ${var_}`);
  }
  const xs = [-3, -0.5, 0, 1, 2.5];
  const gelu = newGelu(tensor(xs, { dtype: 'float64' }));
  const ref = xs.map((z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))));
  assertClose(gelu.data, ref, 1e-15, 1e-16);
  checkOp([[2, 3, 4], [5, 4], [5]], (a, w, b) => linear(a, w, b));
  checkOp([[3, 4], [5, 4]], (a, w) => linear(a, w));
  checkOp([[2, 3, 6], [6], [6]], (a, w, b) => layerNorm(a, w, b));
  checkOp([[4, 5]], (a) => layerNorm(a, null, null));
  checkOp([[3, 4]], (a) => newGelu(a));
});

test('the zoo ops record no graph under noGrad and keep dtypes', () => {
  const a = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
  const y = noGrad(() => cat([a, a], 0).narrow(0, 1, 2).expand(2, 2, 3).roll(1, 1).sigmoid().maskedFill(idx([1, 0, 0]), 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.dtype, 'float64');
  assert.equal(cat([a, a], 0).gradFn, 'cat');
});
