// BatchNorm1d (src/nn/batchnorm.ts) against autograd, on both backends: training mode with the lectures'
// unbiased batch variance and with PyTorch's biased one, evaluation mode with running and with calibrated
// statistics — out, dx, dbngain, dbnbias, each added into what the gradients held — and the
// running-statistics update; odd sizes, a (B, T, H) input, a batch of 1 where it is legal (evaluation) and
// a ConfigError where it is not (training).
// Letters: R rows, H features.
import assert from "node:assert/strict";
import type { Kernels } from "../../src/kernels/index.ts";
import { BatchNorm1d } from "../../src/nn/batchnorm.ts";
import { Generator } from "../../src/random/generator.ts";
import { noGrad } from "../../src/tensor/autograd.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { act, assertClose, checkLayer, fromBuf, randnT, setBuf, testBothBackends } from "./helpers.ts";

const EPS = 1e-5;

/** bngain near 1, bnbias near 0 (checkLayer's initialization of the parameters). */
const INIT = { init: { bngain: { scale: 0.1, shift: 1 }, bnbias: { scale: 0.1 } } };
/** The input: mean and scale away from 0 and 1. */
const INPUT = { input: { scale: 2, shift: 0.5 } };

/** The layer's math on the engine: bngain · (x − mean) · (var + eps)^-0.5 + bnbias, mean and var given. */
function bnForward(x: Tensor, gain: Tensor, bias: Tensor, mean: Tensor, variance: Tensor): Tensor {
  return gain.mul(x.sub(mean).mul(variance.add(EPS).pow(-0.5))).add(bias); // (1,H) * (R,H) + (1,H) -> (R,H)
}

/** Training mode on the engine: the batch's mean and variance, over every row of a (R, H) or (B, T, H) x. */
function bnTrain(x: Tensor, gain: Tensor, bias: Tensor, unbiased = true): Tensor {
  const H = x.shape[x.shape.length - 1];
  const x2 = x.view(-1, H); // (B·T, H)
  const out = bnForward(x2, gain, bias, x2.mean(0, { keepdim: true }), x2.var(0, { keepdim: true, unbiased }));
  return out.view(...x.shape);
}

/** The size of the terms BatchNorm's dx is a difference of: max |bngain · bnvar_inv · dout|. */
function dxScale(gain: Tensor, variance: Tensor, dout: Tensor): number {
  const terms = noGrad(() => gain.mul(variance.add(EPS).pow(-0.5)).mul(dout));
  return Math.max(...[...terms.data].map(Math.abs));
}

for (const unbiased of [true, false]) {
  for (const [R, H] of [[2, 1], [3, 7], [33, 27], [32, 64], [3, 1]]) {
    checkLayer(
      `BatchNorm1d training, ${unbiased ? "unbiased (n-1)" : "biased (n)"} variance, (${R}, ${H}): out, dx, dbngain, dbnbias`,
      (k) => new BatchNorm1d(k, H, { unbiased }),
      [R, H],
      (x, [gain, bias]) => bnTrain(x, gain, bias, unbiased),
      {
        ...INIT, ...INPUT,
        // with 2 rows bnraw is ±1 whatever x is, so dx is ~0: a difference of terms of dxScale's size
        dxScale: (x, [gain], dout) => dxScale(gain, x.var(0, { keepdim: true, unbiased }), dout),
      },
    );
  }
}

checkLayer(
  "BatchNorm1d training on (B, T, H): statistics over B·T rows (makemore part 5)",
  (k) => new BatchNorm1d(k, 7),
  [3, 2, 7],
  (x, [gain, bias]) => bnTrain(x, gain, bias),
  { ...INIT, ...INPUT },
);

for (const unbiased of [true, false]) {
  testBothBackends(`BatchNorm1d running statistics (${unbiased ? "unbiased" : "biased"} normalization): (1 − m)·running + m·batch, var always unbiased`, (k) => {
    const [R, H, m] = [33, 7, 0.1];
    const bn = new BatchNorm1d(k, H, { momentum: m, unbiased });
    const rec = bn.record([R, H]);
    assert.deepEqual([...bn.runningMean.data.view], new Array(H).fill(0));
    assert.deepEqual([...bn.runningVar.data.view], new Array(H).fill(1));
    const g = new Generator(12);
    let rm = new Float64Array(H); // the expectation, in float64
    let rv = new Float64Array(H).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = randnT(g, [R, H], 3, step); // a new batch each step
      bn.forward(rec, act(k, x));
      const [mean, variance] = noGrad(() => [x.mean(0), x.var(0, { unbiased: true })]); // PyTorch: running_var uses n-1
      rm = rm.map((v, j) => (1 - m) * v + m * mean.data[j]);
      rv = rv.map((v, j) => (1 - m) * v + m * variance.data[j]);
      assertClose(`running mean after step ${step}`, fromBuf(bn.runningMean.data, [H]), new Tensor(Float32Array.from(rm), [H]));
      assertClose(`running var after step ${step}`, fromBuf(bn.runningVar.data, [H]), new Tensor(Float32Array.from(rv), [H]));
    }
  });
}

for (const R of [1, 3, 33]) {
  const H = 7;
  const g = new Generator(20 + R);
  const runningMean = randnT(g, [1, H], 0.5);
  const runningVar = randnT(g, [1, H], 0.3, 2); // positive
  checkLayer(
    `BatchNorm1d evaluation with running statistics, ${R} row${R === 1 ? "" : "s"}: out, dx, dbngain, dbnbias`,
    (k) => {
      const bn = new BatchNorm1d(k, H);
      setBuf(bn.runningMean.data, runningMean);
      setBuf(bn.runningVar.data, runningVar);
      bn.train(false);
      assert.equal(bn.isTraining, false);
      return bn;
    },
    [R, H],
    (x, [gain, bias]) => bnForward(x, gain, bias, runningMean, runningVar), // the statistics are constants
    {
      ...INIT, ...INPUT,
      after: (bn) => {
        assert.deepEqual(fromBuf(bn.runningMean.data, [1, H]).data, runningMean.data, "evaluation leaves the running mean alone");
        assert.deepEqual(fromBuf(bn.runningVar.data, [1, H]).data, runningVar.data, "and the running variance");
      },
    },
  );
}

for (const R of [1, 5]) {
  const H = 27;
  const g = new Generator(30 + R);
  const chunks = [randnT(g, [33, H], 2, 1), randnT(g, [33, H], 2, 1), randnT(g, [7, H], 2, 1)]; // "the entire training set"
  const all = new Tensor(Float32Array.from(chunks.flatMap((c) => [...c.data])), [73, H]);
  const [mean, variance] = noGrad(() => [all.mean(0, { keepdim: true }), all.var(0, { keepdim: true, unbiased: true })]);
  /** A BatchNorm1d in evaluation mode, calibrated on the chunks (a record of its own for them). */
  const calibrated = (k: Kernels) => {
    const bn = new BatchNorm1d(k, H);
    const rec = bn.record([33, H]);
    bn.train(false);
    bn.evalStats = "calibrated";
    assert.throws(() => bn.forward(rec, act(k, chunks[2])), { name: "ConfigError", message: /never calibrated/ });
    bn.evalStats = "running";
    bn.beginCalibration(k.arena.f64(2 * H));
    for (const c of chunks) bn.accumulateCalibration(act(k, c));
    bn.endCalibration();
    assert.ok(bn.isCalibrated);
    assertClose("calibrated mean", fromBuf(bn.calibratedMean.data, [1, H]), mean);
    assertClose("calibrated var", fromBuf(bn.calibratedVar.data, [1, H]), variance);
    bn.evalStats = "calibrated";
    return bn;
  };
  checkLayer(
    `BatchNorm1d evaluation with calibrated statistics (makemore part 4's calibration), ${R} row${R === 1 ? "" : "s"}`,
    calibrated,
    [R, H],
    (x, [gain, bias]) => bnForward(x, gain, bias, mean, variance),
    { ...INIT, ...INPUT },
  );
}

testBothBackends("BatchNorm1d in training mode with 1 row is a ConfigError (no variance of one value)", (k) => {
  const bn = new BatchNorm1d(k, 7);
  const rec = bn.record([4, 7]);
  const g = new Generator(40);
  assert.throws(() => bn.forward(rec, act(k, randnT(g, [1, 7]))), { name: "ConfigError", message: /batch of 1/ });
  assert.throws(() => bn.forward(rec, act(k, randnT(g, [5, 7]))), { name: "ConfigError", message: /BatchNorm1d: 5 rows exceed the 4 this model was built for/ });
  assert.throws(() => new BatchNorm1d(k, 7, { momentum: 2 }), { name: "ConfigError" });
  assert.throws(() => new BatchNorm1d(k, 0), { name: "ConfigError" });
});

testBothBackends("BatchNorm1d backward uses the statistics of its forward, even if the mode changed in between", (k) => {
  const [R, H] = [5, 3];
  const g = new Generator(77);
  const x = randnT(g, [R, H], 2, 0.5);
  const gain = randnT(g, [1, H], 0.1, 1);
  const bias = randnT(g, [1, H], 0.1);
  const dout = randnT(g, [R, H]);
  const run = (switchMode: boolean) => {
    const bn = new BatchNorm1d(k, H);
    setBuf(bn.gain.data, gain);
    setBuf(bn.bias.data, bias);
    const rec = bn.record([R, H]);
    bn.forward(rec, act(k, x)); // training mode: batch statistics
    if (switchMode) bn.train(false);
    const dx = k.arena.f32(R * H);
    bn.backward(rec, act(k, dout).data, dx);
    return [...dx.view, ...bn.gain.grad.view, ...bn.bias.grad.view];
  };
  assert.deepEqual(run(true), run(false));
});

testBothBackends("BatchNorm1d: two records of one layer (two calls) keep their own statistics for backward", (k) => {
  const [R, H] = [5, 3];
  const g = new Generator(78);
  const x1 = randnT(g, [R, H], 2, 0.5);
  const x2 = randnT(g, [R, H], 0.5, -1); // other statistics
  const dout = randnT(g, [R, H]);
  const gradsOf = (calls: Tensor[]) => {
    const bn = new BatchNorm1d(k, H);
    const recs = calls.map(() => bn.record([R, H]));
    calls.forEach((x, i) => bn.forward(recs[i], act(k, x)));
    const dx = k.arena.f32(R * H);
    bn.backward(recs[0], act(k, dout).data, dx); // the first call's backward, after the second forward
    return [...dx.view];
  };
  assert.deepEqual(gradsOf([x1, x2]), gradsOf([x1]));
});
