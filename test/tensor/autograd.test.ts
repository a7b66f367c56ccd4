// The autograd engine's contract, PyTorch's: who keeps .grad, accumulation, noGrad, retainGrad, detach,
// seed gradients, dtype of gradients, and the errors of misuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGradEnabled, noGrad } from '../../src/tensor/autograd.ts';
import { tensor, zeros } from '../../src/tensor/create.ts';
import { type Tensor, zeroGrad } from '../../src/tensor/tensor.ts';
import { assertClose } from './check-op.ts';

test('a tensor used twice accumulates both gradients', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  a.mul(a).add(a).sum().backward(); // d(a² + a) = 2a + 1
  assert.deepEqual(a.grad?.toArray(), [3, 5, 7]);
  const b = tensor([2], { requiresGrad: true });
  const c = b.mul(3);
  c.mul(c).add(c).sum().backward(); // c = 3b: d(c² + c)/db = (2c + 1) * 3
  assert.deepEqual(b.grad?.toArray(), [39]);
});

/** t.grad as nested arrays (a function call, so TypeScript does not keep an earlier null narrowing). */
const gradOf = (t: Tensor): unknown => t.grad?.toArray();

test('leaf grads accumulate across backward calls until zeroGrad', () => {
  const w = tensor([[1, 2]], { requiresGrad: true });
  w.sum().backward();
  w.mul(2).sum().backward();
  assert.deepEqual(w.grad?.toArray(), [[3, 3]]);
  zeroGrad([w]);
  assert.equal(w.grad, null);
  w.sum().backward();
  assert.deepEqual(gradOf(w), [[1, 1]]);
  w.zeroGrad();
  assert.equal(w.grad, null);
});

test('only leaves that require grad and retained non-leaves keep .grad', () => {
  const x = tensor([1, 2]); // leaf, no grad
  const w = tensor([3, 4], { requiresGrad: true });
  const y = x.mul(w);
  const z = y.exp().retainGrad();
  const loss = z.sum();
  assert.equal(w.isLeaf, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn, 'mul');
  assert.equal(y.requiresGrad, true);
  loss.backward();
  assert.equal(x.grad, null);
  assert.equal(y.grad, null);
  assert.equal(loss.grad, null);
  assert.ok(z.grad);
  assert.deepEqual(z.grad.toArray(), [1, 1]);
  assertClose(w.grad!.data, [1 * Math.exp(3), 2 * Math.exp(8)], 1e-6);
  assert.equal(x.requiresGrad, false);
});

test('noGrad records nothing and restores the mode, even on throw', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => w.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => w.add(zeros(3))));
  assert.equal(isGradEnabled(), true);
  assert.equal(noGrad(() => noGrad(isGradEnabled)), false);
});

test('detach cuts the graph; backward seeds; gradients keep the input dtype', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const y = w.mul(w.detach()); // only the first factor carries gradient
  y.backward(tensor([1, 10]));
  assert.deepEqual(w.grad?.toArray(), [1, 20]);
  const v = tensor([0.5], { requiresGrad: true }); // float32
  v.to('float64').mul(tensor([3], { dtype: 'float64' })).sum().backward();
  assert.equal(v.grad?.dtype, 'float32');
  assert.deepEqual(v.grad?.toArray(), [3]);
  const u = tensor([1, 2], { requiresGrad: true, dtype: 'float64' });
  u.mul(tensor([1, 1])).sum().backward(); // float64 * float32 -> float64
  assert.equal(u.grad?.dtype, 'float64');
});

test('an integer index tensor mixes with float parameters', () => {
  const C = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
  const X = tensor([[0, 2], [2, 2]], { dtype: 'int32' });
  C.index(X).sum().backward(); // row 0 once, row 2 three times, row 1 never
  assert.deepEqual(C.grad?.toArray(), [[1, 1], [0, 0], [3, 3]]);
  const L = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  L.max(1).values.sum().backward();
  assert.deepEqual(L.grad?.toArray(), [[0, 0, 1], [0, 0, 1]]);
  const T = tensor([1, 3, 3], { requiresGrad: true });
  T.max().backward(); // max() over all elements shares the gradient among ties, like PyTorch
  assert.deepEqual(T.grad?.toArray(), [0, 0.5, 0.5]);
  const D = tensor([[3, 1, 3]], { requiresGrad: true });
  D.max(1).values.sum().backward(); // max(dim) sends it to the first maximum
  assert.deepEqual(D.grad?.toArray(), [[1, 0, 0]]);
});

test('a long chain does not overflow the stack', () => {
  const a = tensor([1], { requiresGrad: true });
  let y = a;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.sum().backward();
  assert.deepEqual(a.grad?.toArray(), [1]);
});

test('misuse gives TensorErrors with PyTorch wording', () => {
  assert.throws(() => tensor([1, 2], { requiresGrad: true }).mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
  assert.throws(() => tensor([1]).backward(), /does not require grad and does not have a grad_fn/);
  assert.throws(() => tensor([1], { dtype: 'int32', requiresGrad: true }), /only Tensors of floating point dtype can require gradients/);
  const y = tensor([1], { requiresGrad: true }).mul(2);
  assert.throws(() => (y.requiresGrad = false), /leaf variables/);
  assert.throws(() => y.backward(tensor([1, 2])), /Mismatch in shape/);
  assert.throws(() => tensor([1]).retainGrad(), /requires_grad=False/);
});
