// BatchNorm1d (src/nn/batchnorm.ts) against autograd, on both backends: training mode with the lectures'
// unbiased batch variance and with PyTorch's biased one, evaluation mode with running and with calibrated
// statistics — out, dx, dbngain, dbnbias — and the running-statistics update; odd sizes, a batch of 1 where
// it is legal (evaluation) and a ConfigError where it is not (training).
// Letters: R rows, H features.
import assert from "node:assert/strict";
import { BatchNorm1d } from "../../src/nn/batchnorm.ts";
import { Generator } from "../../src/random/generator.ts";
import { noGrad } from "../../src/tensor/autograd.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, context, fromBuf, leaf, randnT, setBuf, testBothBackends } from "./helpers.ts";

const EPS = 1e-5;

/** The layer's math on the engine: bngain · (x − mean) · (var + eps)^-0.5 + bnbias, mean and var given. */
function bnForward(x: Tensor, gain: Tensor, bias: Tensor, mean: Tensor, variance: Tensor): Tensor {
  return gain.mul(x.sub(mean).mul(variance.add(EPS).pow(-0.5))).add(bias); // (1,H) * (R,H) + (1,H) -> (R,H)
}

/** The size of the terms BatchNorm's dx is a difference of: max |bngain · bnvar_inv · dout|. */
function dxScale(gain: Tensor, variance: Tensor, dout: Tensor): number {
  const terms = noGrad(() => gain.mul(variance.add(EPS).pow(-0.5)).mul(dout));
  return Math.max(...[...terms.data].map(Math.abs));
}

function setup(seed: number, R: number, H: number) {
  const g = new Generator(seed);
  return {
    g,
    x: leaf(randnT(g, [R, H], 2, 0.5)), //     (R, H), mean and scale away from 0 and 1
    gain: leaf(randnT(g, [1, H], 0.1, 1)), //  (1, H)
    bias: leaf(randnT(g, [1, H], 0.1)), //     (1, H)
    dout: randnT(g, [R, H]), //                (R, H)
  };
}

for (const unbiased of [true, false]) {
  for (const [R, H] of [[2, 1], [3, 7], [33, 27], [32, 64], [3, 1]]) {
    testBothBackends(`BatchNorm1d training, ${unbiased ? "unbiased (n-1)" : "biased (n)"} variance, (${R}, ${H}): out, dx, dbngain, dbnbias`, (k) => {
      const { x, gain, bias, dout } = setup(R * 100 + H + (unbiased ? 1 : 0), R, H);
      const mean = x.mean(0, { keepdim: true }); //                 (1, H)
      const variance = x.var(0, { keepdim: true, unbiased }); //    (1, H)
      const out = bnForward(x, gain, bias, mean, variance);
      out.backward(dout);

      const bn = new BatchNorm1d(context(k, R), H, { unbiased });
      setBuf(bn.gain.data, gain);
      setBuf(bn.bias.data, bias);
      const y = bn.forward(act(k, x));
      assertClose("out", fromBuf(y.data, [R, H]), out);
      // with 2 rows bnraw is ±1 whatever x is, so dx is ~0: a difference of terms of dxScale's size
      const scale = dxScale(gain, variance, dout);
      assertClose("dx", fromBuf(bn.backward(act(k, dout).data), [R, H]), x.grad, { scale });
      assertClose("dbngain", fromBuf(bn.gain.grad, [1, H]), gain.grad);
      assertClose("dbnbias", fromBuf(bn.bias.grad, [1, H]), bias.grad);
    });
  }
}

testBothBackends("BatchNorm1d training on (B, T, H): statistics over B·T rows (makemore part 5)", (k) => {
  const [B, T, H] = [3, 2, 7];
  const { x, gain, bias, dout } = setup(11, B * T, H);
  const out = bnForward(x, gain, bias, x.mean(0, { keepdim: true }), x.var(0, { keepdim: true }));
  out.backward(dout);
  const bn = new BatchNorm1d(context(k, B * T), H);
  setBuf(bn.gain.data, gain);
  setBuf(bn.bias.data, bias);
  const y = bn.forward({ data: act(k, x).data, shape: [B, T, H] });
  assert.deepEqual(y.shape, [B, T, H]);
  assertClose("out", fromBuf(y.data, [B * T, H]), out);
  assertClose("dx", fromBuf(bn.backward(act(k, dout).data), [B * T, H]), x.grad);
});

for (const unbiased of [true, false]) {
  testBothBackends(`BatchNorm1d running statistics (${unbiased ? "unbiased" : "biased"} normalization): (1 − m)·running + m·batch, var always unbiased`, (k) => {
    const [R, H, m] = [33, 7, 0.1];
    const bn = new BatchNorm1d(context(k, R), H, { momentum: m, unbiased });
    assert.deepEqual([...bn.runningMean.data.view], new Array(H).fill(0));
    assert.deepEqual([...bn.runningVar.data.view], new Array(H).fill(1));
    const g = new Generator(12);
    let rm = new Float64Array(H); // the expectation, in float64
    let rv = new Float64Array(H).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = randnT(g, [R, H], 3, step); // a new batch each step
      bn.forward(act(k, x));
      const [mean, variance] = noGrad(() => [x.mean(0), x.var(0, { unbiased: true })]); // PyTorch: running_var uses n-1
      rm = rm.map((v, j) => (1 - m) * v + m * mean.data[j]);
      rv = rv.map((v, j) => (1 - m) * v + m * variance.data[j]);
      assertClose(`running mean after step ${step}`, fromBuf(bn.runningMean.data, [H]), new Tensor(Float32Array.from(rm), [H]));
      assertClose(`running var after step ${step}`, fromBuf(bn.runningVar.data, [H]), new Tensor(Float32Array.from(rv), [H]));
    }
  });
}

for (const R of [1, 3, 33]) {
  testBothBackends(`BatchNorm1d evaluation with running statistics, ${R} row${R === 1 ? "" : "s"}: out, dx, dbngain, dbnbias`, (k) => {
    const H = 7;
    const { g, x, gain, bias, dout } = setup(20 + R, R, H);
    const runningMean = randnT(g, [1, H], 0.5);
    const runningVar = randnT(g, [1, H], 0.3, 2); // positive
    const out = bnForward(x, gain, bias, runningMean, runningVar); // the statistics are constants
    out.backward(dout);
    const bn = new BatchNorm1d(context(k, R), H);
    setBuf(bn.gain.data, gain);
    setBuf(bn.bias.data, bias);
    setBuf(bn.runningMean.data, runningMean);
    setBuf(bn.runningVar.data, runningVar);
    bn.train(false);
    assert.equal(bn.isTraining, false);
    const y = bn.forward(act(k, x));
    assertClose("out", fromBuf(y.data, [R, H]), out);
    assertClose("dx", fromBuf(bn.backward(act(k, dout).data), [R, H]), x.grad);
    assertClose("dbngain", fromBuf(bn.gain.grad, [1, H]), gain.grad);
    assertClose("dbnbias", fromBuf(bn.bias.grad, [1, H]), bias.grad);
    assert.deepEqual(fromBuf(bn.runningMean.data, [1, H]).data, runningMean.data, "evaluation leaves the running mean alone");
  });
}

for (const R of [1, 5]) {
  testBothBackends(`BatchNorm1d evaluation with calibrated statistics (seed 001's calibration), ${R} row${R === 1 ? "" : "s"}`, (k) => {
    const H = 27;
    const { g, x, gain, bias, dout } = setup(30 + R, R, H);
    const chunks = [randnT(g, [33, H], 2, 1), randnT(g, [33, H], 2, 1), randnT(g, [7, H], 2, 1)]; // "the entire training set"
    const all = new Tensor(Float32Array.from(chunks.flatMap((c) => [...c.data])), [73, H]);
    const [mean, variance] = noGrad(() => [all.mean(0, { keepdim: true }), all.var(0, { keepdim: true, unbiased: true })]);
    const out = bnForward(x, gain, bias, mean, variance);
    out.backward(dout);

    const bn = new BatchNorm1d(context(k, 33), H);
    setBuf(bn.gain.data, gain);
    setBuf(bn.bias.data, bias);
    bn.train(false);
    bn.evalStats = "calibrated";
    assert.throws(() => bn.forward(act(k, x)), { name: "ConfigError", message: /never calibrated/ });
    bn.evalStats = "running";
    bn.beginCalibration();
    for (const c of chunks) bn.forward(act(k, c));
    bn.endCalibration();
    assert.ok(bn.isCalibrated);
    assertClose("calibrated mean", fromBuf(bn.calibratedMean.data, [1, H]), mean);
    assertClose("calibrated var", fromBuf(bn.calibratedVar.data, [1, H]), variance);
    bn.evalStats = "calibrated";
    const y = bn.forward(act(k, x));
    assertClose("out", fromBuf(y.data, [R, H]), out);
    assertClose("dx", fromBuf(bn.backward(act(k, dout).data), [R, H]), x.grad);
    assertClose("dbngain", fromBuf(bn.gain.grad, [1, H]), gain.grad);
    assertClose("dbnbias", fromBuf(bn.bias.grad, [1, H]), bias.grad);
  });
}

testBothBackends("BatchNorm1d in training mode with 1 row is a ConfigError (no variance of one value)", (k) => {
  const bn = new BatchNorm1d(context(k, 4), 7);
  const g = new Generator(40);
  assert.throws(() => bn.forward(act(k, randnT(g, [1, 7]))), { name: "ConfigError", message: /batch of 1/ });
  assert.throws(() => new BatchNorm1d(context(k, 4), 7, { momentum: 2 }), { name: "ConfigError" });
  assert.throws(() => new BatchNorm1d(context(k, 4), 0), { name: "ConfigError" });
});

testBothBackends("BatchNorm1d backward uses the statistics of its forward, even if the mode changed in between", (k) => {
  const R = 5;
  const H = 3;
  const { x, gain, bias, dout } = setup(77, R, H);
  const run = (switchMode: boolean) => {
    const bn = new BatchNorm1d(context(k, R), H);
    setBuf(bn.gain.data, gain);
    setBuf(bn.bias.data, bias);
    bn.forward(act(k, x)); // training mode: batch statistics
    if (switchMode) bn.train(false);
    return fromBuf(bn.backward(act(k, dout).data), [R, H]);
  };
  assert.deepEqual([...run(true).data], [...run(false).data]);
});
