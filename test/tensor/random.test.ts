// randn / rand / randint draw from the project's Generator exactly as the Generator itself does (whose
// PyTorch streams are tested in test/random/), with the requested shape, dtype and requiresGrad.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator } from '../../src/random/generator.ts';
import { defaultGenerator, manualSeed, rand, randint, randn } from '../../src/tensor/random.ts';

test('randn, rand, randint follow the generator stream', () => {
  const g = new Generator(42);
  const ref = new Generator(42);
  const a = randn([3, 4], { generator: g, requiresGrad: true });
  assert.deepEqual(a.shape, [3, 4]);
  assert.equal(a.requiresGrad, true);
  assert.deepEqual(a.data, ref.randn([3, 4]));
  const b = randn(5, { generator: g, dtype: 'float64' });
  assert.equal(b.dtype, 'float64');
  assert.deepEqual(b.data, ref.randnFloat64(5));
  assert.deepEqual(rand([2, 2], { generator: g }).data, ref.rand([2, 2]));
  assert.deepEqual(rand(3, { generator: g, dtype: 'float64' }).data, ref.randFloat64(3));
  const ix = randint(0, 27, [32], { generator: g });
  assert.equal(ix.dtype, 'int32');
  assert.deepEqual(ix.data, ref.randint(0, 27, [32]));
  assert.equal(randint(0, 5, [2], { generator: g, dtype: 'float32' }).dtype, 'float32');
  assert.throws(() => randn(2, { generator: g, dtype: 'int32' }), /floating point/);
  assert.throws(() => randint(3, 3, 2, { generator: g }), /empty/);
});

test('the default generator is reseeded by manualSeed', () => {
  manualSeed(2147483647);
  const first = randn(8);
  manualSeed(2147483647);
  assert.deepEqual(randn(8).data, first.data);
  assert.deepEqual(first.data, new Generator(2147483647).randn(8));
  assert.ok(defaultGenerator() instanceof Generator);
});
