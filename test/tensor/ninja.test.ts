// THE KEY TEST: the lecture's exploded forward pass (makemore part 4, "becoming a backprop ninja"),
// rebuilt with the engine from the parameters and batch real PyTorch used, then compared intermediate by
// intermediate, value and gradient, with what PyTorch computed (test/fixtures/ninja-2147483647-h64.*, made
// by /work/shared/reference/make/torch_ninja_ref.py: seed 2147483647, n_hidden 64, batch 32).
// Letters: B batch (32), T context (3), E embedding (10), H hidden (64), V vocabulary (27).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Generator } from '../../src/random/generator.ts';
import { randn } from '../../src/tensor/random.ts';
import { readSafetensors } from '../../src/node/safetensors-file.ts';
import { tensorsFromRecords } from '../../src/tensor/safetensors-tensor.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Largest |a - b| and whether every element is within atol + rtol * |ref| (torch.allclose's rule). */
function compare(got: Tensor, ref: Tensor, rtol: number, atol: number): { maxdiff: number; ok: boolean; exact: boolean } {
  assert.deepEqual(got.shape, ref.shape);
  assert.equal(got.dtype, ref.dtype);
  let maxdiff = 0;
  let ok = true;
  for (let i = 0; i < ref.numel; i++) {
    const d = Math.abs(got.data[i] - ref.data[i]);
    maxdiff = Math.max(maxdiff, d);
    if (!(d <= atol + rtol * Math.abs(ref.data[i]))) ok = false;
  }
  return { maxdiff, ok, exact: maxdiff === 0 };
}

test('exploded forward pass and backward match PyTorch, intermediate by intermediate', async () => {
  const file = await readSafetensors(fixture('ninja-2147483647-h64.safetensors'));
  const ref = tensorsFromRecords(file.tensors);
  const summary = JSON.parse(readFileSync(fixture('ninja-2147483647-h64.json'), 'utf8')) as { loss: number };
  assert.equal(file.metadata.seed, '2147483647');

  const params = ['C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias'] as const;
  const p = Object.fromEntries(params.map((k) => [k, ref[k].clone()])) as Record<(typeof params)[number], Tensor>;
  for (const t of Object.values(p)) t.requiresGrad = true;
  const { C, W1, b1, W2, b2, bngain, bnbias } = p;
  const Xb = ref.Xb; // (B, T) int32
  const Yb = ref.Yb; // (B) int32
  const n = Xb.shape[0];

  // the lecture's forward pass, line for line
  const emb = C.index(Xb); // (V, E)[(B, T)] -> (B, T, E)
  const embcat = emb.view(emb.shape[0], -1); // (B, T*E)
  const hprebn = embcat.matmul(W1).add(b1); // (B, T*E) @ (T*E, H) + (H) -> (B, H)
  const bnmeani = hprebn.sum(0, { keepdim: true }).mul(1 / n); // (1, H)   [1/n*x == x*(1/n) bit for bit]
  const bndiff = hprebn.sub(bnmeani); // (B, H)
  const bndiff2 = bndiff.pow(2); // (B, H)
  const bnvar = bndiff2.sum(0, { keepdim: true }).mul(1 / (n - 1)); // (1, H)
  const bnvarInv = bnvar.add(1e-5).pow(-0.5); // (1, H)
  const bnraw = bndiff.mul(bnvarInv); // (B, H)
  const hpreact = bngain.mul(bnraw).add(bnbias); // (B, H)
  const h = hpreact.tanh(); // (B, H)
  const logits = h.matmul(W2).add(b2); // (B, H) @ (H, V) + (V) -> (B, V)
  const logitMaxes = logits.max(1, { keepdim: true }).values; // (B, 1)
  const normLogits = logits.sub(logitMaxes); // (B, V)
  const counts = normLogits.exp(); // (B, V)
  const countsSum = counts.sum(1, { keepdim: true }); // (B, 1)
  const countsSumInv = countsSum.pow(-1); // (B, 1)
  const probs = counts.mul(countsSumInv); // (B, V)
  const logprobs = probs.log(); // (B, V)
  const loss = logprobs.pick(Yb).mean().neg(); // -logprobs[range(n), Yb].mean()

  const inter: Record<string, Tensor> = {
    logprobs, probs, counts, counts_sum: countsSum, counts_sum_inv: countsSumInv, norm_logits: normLogits,
    logit_maxes: logitMaxes, logits, h, hpreact, bnraw, bnvar_inv: bnvarInv, bnvar, bndiff2, bndiff,
    hprebn, bnmeani, embcat, emb,
  };
  for (const t of Object.values(inter)) t.retainGrad();
  loss.backward();

  // float32 tolerance: torch.allclose's atol 1e-6 with rtol 1e-5 (values of order 1 agree to a few ulp;
  // the differences come from summation order, float32 BLAS and libm, which the engine does in float64)
  const rtol = 1e-5;
  const atol = 1e-6;
  const rows: string[] = [];
  const failures: string[] = [];
  const pad = (s: string, w: number): string => s.padEnd(w);
  rows.push(`${pad('name', 15)} | ${pad('maxdiff value', 13)} | ${pad('maxdiff grad', 12)} | exact value, grad`);
  for (const [name, t] of [...Object.entries(inter), ...Object.entries(p)]) {
    const v = compare(t, ref[name], rtol, atol);
    assert.ok(t.grad, `${name} has no .grad`);
    const g = compare(t.grad, ref[`d${name}`], rtol, atol);
    const e = `${v.exact}, ${g.exact}`;
    rows.push(`${pad(name, 15)} | ${pad(v.maxdiff.toExponential(2), 13)} | ${pad(g.maxdiff.toExponential(2), 12)} | ${e}`);
    if (!v.ok) failures.push(`${name} value (maxdiff ${v.maxdiff})`);
    if (!g.ok) failures.push(`d${name} (maxdiff ${g.maxdiff})`);
  }
  console.log(`loss ${loss.item()} (PyTorch ${summary.loss}, diff ${Math.abs(loss.item() - summary.loss).toExponential(2)})`);
  console.log(rows.join('\n'));
  assert.ok(Math.abs(loss.item() - 3.557147) <= 1e-6, `loss ${loss.item()}`);
  assert.ok(Math.abs(loss.item() - summary.loss) <= 1e-6, `loss ${loss.item()} vs ${summary.loss}`);
  assert.deepEqual(failures, []);
});

test("the fixture's parameters are the lecture's init drawn with randn from Generator(2147483647)", async () => {
  const file = await readSafetensors(fixture('ninja-2147483647-h64.safetensors'));
  const ref = tensorsFromRecords(file.tensors);
  const g = new Generator(2147483647);
  const gen = { generator: g };
  const C = randn([27, 10], gen);
  const W1 = randn([30, 64], gen).mul(5 / 3).div(30 ** 0.5);
  const b1 = randn(64, gen).mul(0.1);
  const W2 = randn([64, 27], gen).mul(0.1);
  const b2 = randn(27, gen).mul(0.1);
  const bngain = randn([1, 64], gen).mul(0.1).add(1.0);
  const bnbias = randn([1, 64], gen).mul(0.1);
  for (const [name, t] of Object.entries({ C, W1, b1, W2, b2, bngain, bnbias })) {
    assert.deepEqual(t.shape, ref[name].shape, name);
    assert.deepEqual(t.data, ref[name].data, `${name} is bit for bit PyTorch's`);
  }
});
