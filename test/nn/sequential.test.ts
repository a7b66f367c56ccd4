// Sequential (src/nn/sequential.ts) against autograd: the lectures' hidden stack — FlattenConsecutive,
// Linear, BatchNorm1d, Tanh, Linear — forward in order, backward in reverse, every parameter's gradient,
// every layer's output gradient and the input's, on both backends; its input gradient is overwritten by
// each backward while the parameters' gradients accumulate; and the container's parameters, buffers and
// train/eval switch.
// Letters: B batch, T context, E embedding width, H hidden, V vocabulary.
import assert from "node:assert/strict";
import type { Kernels } from "../../src/kernels/index.ts";
import { BatchNorm1d } from "../../src/nn/batchnorm.ts";
import { FlattenConsecutive } from "../../src/nn/flatten.ts";
import { Linear } from "../../src/nn/linear.ts";
import { Sequential } from "../../src/nn/sequential.ts";
import { Tanh } from "../../src/nn/tanh.ts";
import { Generator } from "../../src/random/generator.ts";
import { act, assertClose, fromBuf, leaf, randnT, setBuf, testBothBackends } from "./helpers.ts";

function stack(k: Kernels, T: number, E: number, H: number, V: number) {
  const l1 = new Linear(k, T * E, H, { weightName: "W1", biasName: "b1" });
  const bn = new BatchNorm1d(k, H, { momentum: 0.1 });
  const l2 = new Linear(k, H, V, { weightName: "W2", biasName: "b2" });
  return { net: new Sequential(k, [new FlattenConsecutive(T), l1, bn, new Tanh(k, H), l2]), l1, bn, l2 };
}

for (const [B, T, E, H, V] of [[3, 3, 10, 7, 27], [33, 2, 1, 27, 7], [32, 3, 10, 64, 27]]) {
  testBothBackends(`Sequential Flatten→Linear→BatchNorm1d→Tanh→Linear (B ${B}, T ${T}, E ${E}, H ${H}, V ${V})`, (k) => {
    const g = new Generator(B + T + E + H + V);
    const emb = leaf(randnT(g, [B, T, E])); //                     (B, T, E)
    const W1 = leaf(randnT(g, [T * E, H], 0.3)); //                (T*E, H)
    const b1 = leaf(randnT(g, [H], 0.1)); //                       (H)
    const bngain = leaf(randnT(g, [1, H], 0.1, 1)); //             (1, H)
    const bnbias = leaf(randnT(g, [1, H], 0.1)); //                (1, H)
    const W2 = leaf(randnT(g, [H, V], 0.1)); //                    (H, V)
    const b2 = leaf(randnT(g, [V], 0.1)); //                       (V)
    const dlogits = randnT(g, [B, V], 0.03); //                    (B, V)
    const hprebn = emb.view(B, -1).matmul(W1).add(b1).retainGrad(); // (B, T*E) @ (T*E, H) + (H) -> (B, H)
    const bnraw = hprebn.sub(hprebn.mean(0, { keepdim: true })).mul(hprebn.var(0, { keepdim: true }).add(1e-5).pow(-0.5));
    const hpreact = bngain.mul(bnraw).add(bnbias).retainGrad(); // (B, H)
    const h = hpreact.tanh().retainGrad(); //                      (B, H)
    const logits = h.matmul(W2).add(b2); //                        (B, H) @ (H, V) + (V) -> (B, V)
    logits.backward(dlogits);

    const { net, l1, bn, l2 } = stack(k, T, E, H, V);
    for (const [buf, t] of [[l1.weight.data, W1], [l1.bias!.data, b1], [bn.gain.data, bngain], [bn.bias.data, bnbias], [l2.weight.data, W2], [l2.bias!.data, b2]] as const) setBuf(buf, t);
    assert.deepEqual(net.parameters().map((p) => p.name), ["W1", "b1", "bngain", "bnbias", "W2", "b2"]);
    assert.deepEqual(net.buffers().map((b) => b.name), ["bnmean_running", "bnvar_running", "bnmean", "bnvar"]);
    const rec = net.record([B, T, E]);
    const x = act(k, emb);
    const out = net.forward(rec, x);
    assert.deepEqual(out.shape, [B, V]);
    assert.equal(out, rec.recs[4].out, "the output is the last layer's");
    assert.equal(rec.recs[0].out!.data, x.data, "FlattenConsecutive's output is the input's buffer");
    assertClose("logits", fromBuf(out.data, [B, V]), logits);
    assertClose("h (Tanh's output)", fromBuf(rec.recs[3].out!.data, [B, H]), h);
    const d = act(k, dlogits).data;
    const demb = net.backward(rec, d);
    assert.equal(demb, rec.dx, "backward returns the record's input gradient");
    assertClose("demb", fromBuf(demb, [B, T, E]), emb.grad);
    assert.equal(rec.outGrads[4], d, "the last layer's output gradient is dout");
    assert.equal(rec.outGrads[0], rec.dx, "a view's output gradient is its input's");
    assertClose("dh (Tanh's output gradient)", fromBuf(rec.outGrads[3]!, [B, H]), h.grad);
    assertClose("dhpreact (BatchNorm1d's output gradient)", fromBuf(rec.outGrads[2]!, [B, H]), hpreact.grad);
    assertClose("dhprebn (Linear 1's output gradient)", fromBuf(rec.outGrads[1]!, [B, H]), hprebn.grad);
    for (const [p, t] of [[l1.weight, W1], [bn.gain, bngain], [bn.bias, bnbias], [l2.weight, W2], [l2.bias!, b2]] as const) {
      assertClose(`d${p.name}`, fromBuf(p.grad, t.shape), t.grad);
    }
    // db1 is mathematically 0 (BatchNorm subtracts the mean b1 adds): rounding noise of Σ_r dhprebn, so its
    // scale is the largest Σ_r |dhprebn[r, j]|
    const terms = new Float64Array(H);
    hprebn.grad!.data.forEach((v, i) => (terms[i % H] += Math.abs(v)));
    assertClose("db1", fromBuf(l1.bias!.grad, [H]), b1.grad, { scale: Math.max(...terms) });

    // a second backward: the input and intermediate gradients are this pass's alone, the parameters' add up
    net.backward(rec, d);
    assertClose("demb after a second backward (overwritten)", fromBuf(rec.dx, [B, T, E]), emb.grad);
    assertClose("dhprebn after a second backward (overwritten)", fromBuf(rec.outGrads[1]!, [B, H]), hprebn.grad);
    for (const [p, t] of [[l1.weight, W1], [bn.gain, bngain], [bn.bias, bnbias], [l2.weight, W2], [l2.bias!, b2]] as const) {
      assertClose(`d${p.name} after a second backward (accumulated)`, fromBuf(p.grad, t.shape), t.grad!.mul(2));
    }
  });
}

testBothBackends("Sequential.train(false) reaches every layer; a batch of 1 is then legal", (k) => {
  const { net, bn } = stack(k, 3, 2, 5, 6);
  const rec = net.record([4, 3, 2]);
  net.train(false);
  assert.equal(bn.isTraining, false);
  const out = net.forward(rec, act(k, randnT(new Generator(3), [1, 3, 2])));
  assert.deepEqual(out.shape, [1, 6]);
  net.train(true);
  assert.equal(bn.isTraining, true);
  assert.throws(() => net.forward(rec, act(k, randnT(new Generator(3), [1, 3, 2]))), { name: "ConfigError" });
  assert.throws(() => net.forward(rec, act(k, randnT(new Generator(3), [5, 3, 2]))), { name: "ConfigError", message: /5 rows exceed the 4 this model was built for/ });
});

testBothBackends("Sequential.backward before forward names the layer", (k) => {
  const { net } = stack(k, 3, 2, 5, 6);
  const rec = net.record([4, 3, 2]);
  assert.throws(() => net.backward(rec, k.arena.f32(4 * 6)), /layer 4 \(Linear\) has not run forward/);
});
