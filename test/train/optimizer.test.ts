// The optimizers (src/train/optimizer.ts, adamw.ts): AdamW against the real torch.optim.AdamW of
// PyTorch 1.13 (x86-64, AVX2 kernels) BIT FOR BIT — every parameter, exp_avg and exp_avg_sq after every
// step equal as float32 bit patterns, 0 ulp (fixture: test/fixtures/make/adamw_vectors.py); SGD through
// the interface = sgdStep = one axpy per parameter; the state a checkpoint saves; resuming from it; the config checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createTsKernels, wasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { parameter, type Parameter } from "../../src/nn/layer.ts";
import { sgdStep } from "../../src/train/sgd.ts";
import {
  ADAMW_DEFAULTS, checkOptimizerConfig, createOptimizer, type Optimizer, type OptimizerConfig,
} from "../../src/train/optimizer.ts";
import { powInt } from "../../src/train/adamw.ts";
import { ConfigError } from "../../src/errors.ts";
import { fillRandom, makeRandom, ulps } from "../kernels/helpers.ts";

const BACKENDS: readonly (readonly [string, Kernels])[] = [
  ["wasm", wasmKernels()],
  ["ts", createTsKernels()],
];

interface TorchStep {
  grad: number[][];
  param: number[][];
  exp_avg: number[][];
  exp_avg_sq: number[][];
}
interface TorchCase {
  name: string;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  initial: number[][];
  steps: TorchStep[];
}
interface Fixture {
  meta: { torch: string; cpu_capability: string[] };
  params: { name: string; shape: number[] }[];
  cases: TorchCase[];
  biasCorrections: { beta: number; step: number; oneMinusPow: string }[];
}

const FIXTURE: Fixture = JSON.parse(
  readFileSync(new URL("../fixtures/optim/adamw-torch1.13.json", import.meta.url), "utf8"),
);

/** Runs `fn` with the arena released afterwards. */
function scoped<T>(k: Kernels, fn: () => T): T {
  const mark = k.arena.mark();
  try {
    return fn();
  } finally {
    k.arena.release(mark);
  }
}

function bitsOf(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** Largest ulp distance between a float32 view and PyTorch's bit patterns, and where. */
function maxUlps(got: Float32Array, torchBits: number[]): { ulp: number; at: number } {
  const want = new Float32Array(new Uint32Array(torchBits).buffer);
  assert.equal(got.length, want.length);
  let ulp = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = ulps(got[i], want[i]);
    if (d > ulp || Number.isNaN(d)) [ulp, at] = [Number.isNaN(d) ? Infinity : d, i];
  }
  return { ulp, at };
}

function makeParams(k: Kernels, shapes: readonly { name: string; shape: number[] }[]): Parameter[] {
  return shapes.map((s) => parameter(k, s.name, [...s.shape]));
}

test("the fixture is real PyTorch 1.13 with the AVX2 kernels", () => {
  assert.match(FIXTURE.meta.torch, /^1\.13/);
  assert.deepEqual(FIXTURE.meta.cpu_capability, ["- CPU capability usage: AVX2"]);
  assert.equal(FIXTURE.cases.length, 3);
});

for (const [backend, k] of BACKENDS) {
  for (const c of FIXTURE.cases) {
    test(`AdamW = torch.optim.AdamW of PyTorch 1.13 bit for bit: case ${c.name}, ${c.steps.length} steps [${backend}]`, () =>
      scoped(k, () => {
        const params = makeParams(k, FIXTURE.params);
        params.forEach((p, j) => p.data.view.set(new Float32Array(new Uint32Array(c.initial[j]).buffer)));
        const opt = createOptimizer(
          { type: "adamw", beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay },
          params,
          k,
        );
        const state = opt.state();
        let worst = 0;
        c.steps.forEach((s, t) => {
          params.forEach((p, j) => p.grad.view.set(new Float32Array(new Uint32Array(s.grad[j]).buffer)));
          opt.step(c.lr);
          assert.equal(opt.stepCount, t + 1);
          params.forEach((p, j) => {
            for (const [what, got, want] of [
              ["param", p.data.view, s.param[j]],
              ["exp_avg", state[2 * j].data.view, s.exp_avg[j]],
              ["exp_avg_sq", state[2 * j + 1].data.view, s.exp_avg_sq[j]],
            ] as const) {
              const { ulp, at } = maxUlps(got, want);
              worst = Math.max(worst, ulp);
              assert.equal(ulp, 0, `step ${t + 1}: ${what} of ${p.name}[${at}] is ${ulp} ulp from PyTorch's`);
            }
          });
        });
        assert.equal(worst, 0);
      }));
  }
}

test("powInt(beta, t): Python's (glibc's) beta**t, so 1 - beta**t is PyTorch's bias correction bit for bit", () => {
  // (Node 20's V8 rounds some of these `beta ** step` differently from glibc — why powInt exists; Node 24's
  // agrees. Either way powInt must give Python's value.)
  const f64 = new Float64Array(1);
  const u64 = new BigUint64Array(f64.buffer);
  for (const { beta, step, oneMinusPow } of FIXTURE.biasCorrections) {
    u64[0] = BigInt(`0x${oneMinusPow}`);
    assert.equal(1 - powInt(beta, step), f64[0], `1 - ${beta}**${step}`);
  }
  assert.equal(powInt(0.9, 0), 1);
  assert.equal(powInt(0, 3), 0);
});

for (const [backend, k] of BACKENDS) {
  test(`SGD through the interface gives sgdStep's bytes, one axpy per parameter's, has no state, allocates nothing [${backend}]`, () =>
    scoped(k, () => {
      const shapes = [{ name: "W1", shape: [30, 200] }, { name: "b1", shape: [200] }, { name: "C", shape: [27, 10] }];
      const a = makeParams(k, shapes), b = makeParams(k, shapes), c = makeParams(k, shapes);
      const rand = makeRandom(11);
      a.forEach((p, j) => {
        fillRandom(p.data.view, rand);
        fillRandom(p.grad.view, rand);
        for (const q of [b[j], c[j]]) {
          q.data.view.set(p.data.view);
          q.grad.view.set(p.grad.view);
        }
      });
      const opt = createOptimizer({ type: "sgd" }, b, k);
      assert.deepEqual(opt.config, { type: "sgd" });
      assert.deepEqual(opt.state(), []);
      const used = k.arena.bytesUsed;
      for (const lr of [0.1, 0.1, 0.01, 0.037]) {
        sgdStep(k, a, lr);
        opt.step(lr);
        for (const p of c) k.axpy(p.data, Math.fround(-lr), p.grad); // the lectures' p.data += -lr * p.grad, one tensor at a time
      }
      assert.equal(k.arena.bytesUsed, used);
      assert.equal(opt.stepCount, 4);
      a.forEach((p, j) => assert.deepEqual(bitsOf(b[j].data.view), bitsOf(p.data.view), p.name));
      a.forEach((p, j) => assert.deepEqual(bitsOf(c[j].data.view), bitsOf(p.data.view), `${p.name}: per-parameter axpy`));
    }));
}

test("AdamW's state(): exp_avg and exp_avg_sq per parameter, in parameter order, named and shaped as the parameter", () =>
  scoped(wasmKernels(), () => {
    const k = wasmKernels();
    const params = makeParams(k, [{ name: "C", shape: [27, 10] }, { name: "W1", shape: [30, 200] }, { name: "b1", shape: [200] }]);
    const used = k.arena.bytesUsed;
    const opt = createOptimizer(ADAMW_DEFAULTS, params, k);
    assert.deepEqual(opt.config, ADAMW_DEFAULTS);
    assert.equal(opt.stepCount, 0);
    const state = opt.state();
    assert.deepEqual(state.map((b) => b.name), [
      "optimizer.exp_avg.C", "optimizer.exp_avg_sq.C",
      "optimizer.exp_avg.W1", "optimizer.exp_avg_sq.W1",
      "optimizer.exp_avg.b1", "optimizer.exp_avg_sq.b1",
    ]);
    assert.deepEqual(state.map((b) => b.shape), [[27, 10], [27, 10], [30, 200], [30, 200], [200], [200]]);
    for (const b of state) {
      assert.equal(b.data.arena, k.arena);
      assert.equal(b.data.length, b.shape.reduce((x, y) => x * y, 1));
      assert.ok(b.data.view.every((x) => x === 0), `${b.name} starts at zero`);
    }
    assert.equal(new Set(state.map((b) => b.data.ptr)).size, state.length, "distinct buffers");
    // allocated once: state() and step() allocate nothing more in the arena
    const afterCreate = k.arena.bytesUsed;
    assert.ok(afterCreate > used);
    opt.state();
    opt.step(5e-4);
    assert.equal(k.arena.bytesUsed, afterCreate);
    assert.equal(opt.state()[2].data, state[2].data);
  }));

/** Deterministic gradients for step t (a seeded PRNG, never Math.random). */
function setGrads(params: readonly Parameter[], t: number): void {
  const rand = makeRandom(1000 + t);
  for (const p of params) {
    const g = p.grad.view;
    fillRandom(g, rand);
    for (let i = 0; i < g.length; i++) g[i] *= i % 7 === 0 ? 0 : i % 3 === 0 ? 1e-4 : 1;
  }
}

for (const [backend, k] of BACKENDS) {
  for (const config of [ADAMW_DEFAULTS, { type: "sgd" } as const] satisfies OptimizerConfig[]) {
    test(`--resume: restoring ${config.type}'s saved state into a fresh optimizer continues byte for byte [${backend}]`, () =>
      scoped(k, () => {
        const shapes = [{ name: "W1", shape: [30, 200] }, { name: "b1", shape: [200] }, { name: "bngain", shape: [1, 17] }];
        const init = (ps: Parameter[]) => {
          const rand = makeRandom(5);
          for (const p of ps) fillRandom(p.data.view, rand);
          return ps;
        };
        const lrs = [5e-4, 5e-4, 1e-3, 0.05, 5e-4, 2e-4, 5e-4];
        const run = (opt: Optimizer, ps: Parameter[], from: number, to: number) => {
          for (let t = from; t < to; t++) {
            setGrads(ps, t);
            opt.step(lrs[t]);
          }
        };
        // uninterrupted: 7 steps
        const a = init(makeParams(k, shapes));
        const optA = createOptimizer(config, a, k);
        run(optA, a, 0, 7);
        // interrupted after 3: save parameters, optimizer tensors and step count …
        const b = init(makeParams(k, shapes));
        const optB = createOptimizer(config, b, k);
        run(optB, b, 0, 3);
        const savedParams = b.map((p) => Float32Array.from(p.data.view));
        const savedState = new Map(optB.state().map((s) => [s.name, Float32Array.from(s.data.view)]));
        const savedSteps = optB.stepCount;
        assert.equal(savedSteps, 3);
        // … and load them into a fresh model and optimizer (after more allocation: the arena may grow)
        const c = makeParams(k, shapes);
        c.forEach((p, j) => p.data.view.set(savedParams[j]));
        const optC = createOptimizer(config, c, k);
        k.arena.f32(1 << 20);
        for (const s of optC.state()) s.data.view.set(savedState.get(s.name)!);
        optC.stepCount = savedSteps;
        run(optC, c, 3, 7);
        assert.equal(optC.stepCount, optA.stepCount);
        a.forEach((p, j) => assert.deepEqual(bitsOf(c[j].data.view), bitsOf(p.data.view), `${p.name} after resuming`));
        const sa = optA.state(), sc = optC.state();
        sa.forEach((s, j) => assert.deepEqual(bitsOf(sc[j].data.view), bitsOf(s.data.view), s.name));
        if (config.type === "adamw") {
          // the step count matters: the same tensors at step count 0 take other steps (bias correction)
          const d = makeParams(k, shapes);
          d.forEach((p, j) => p.data.view.set(savedParams[j]));
          const optD = createOptimizer(config, d, k);
          for (const s of optD.state()) s.data.view.set(savedState.get(s.name)!);
          run(optD, d, 3, 7);
          assert.notDeepEqual(bitsOf(d[0].data.view), bitsOf(a[0].data.view));
        }
      }));
  }
}

test("ADAMW_DEFAULTS are makemore.py's: betas (0.9, 0.99), eps 1e-8, weight decay 0.01", () => {
  assert.deepEqual(ADAMW_DEFAULTS, { type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
  assert.ok(Object.isFrozen(ADAMW_DEFAULTS));
});

test("checkOptimizerConfig accepts valid configs and returns a copy of their fields", () => {
  assert.deepEqual(checkOptimizerConfig({ type: "sgd" }), { type: "sgd" });
  assert.deepEqual(checkOptimizerConfig({ type: "sgd", beta1: undefined }), { type: "sgd" });
  const c = { ...ADAMW_DEFAULTS };
  const checked = checkOptimizerConfig(c);
  assert.deepEqual(checked, ADAMW_DEFAULTS);
  assert.notEqual(checked, c);
  assert.deepEqual(checkOptimizerConfig({ type: "adamw", beta1: 0, beta2: 0.999999, eps: 0, weightDecay: 0 }), {
    type: "adamw", beta1: 0, beta2: 0.999999, eps: 0, weightDecay: 0,
  });
});

test("checkOptimizerConfig rejects bad values with a ConfigError naming the field", () => {
  const bad: [unknown, RegExp][] = [
    [null, /^optimizer must be an object/],
    ["adamw", /^optimizer must be an object/],
    [[], /^optimizer must be an object/],
    [{}, /^optimizer\.type must be "sgd" or "adamw" \(got undefined\)/],
    [{ type: "adam" }, /^optimizer\.type must be "sgd" or "adamw" \(got "adam"\)/],
    [{ ...ADAMW_DEFAULTS, beta1: 1 }, /^optimizer\.beta1 must be a finite number in \[0, 1\) \(got 1\)/],
    [{ ...ADAMW_DEFAULTS, beta1: -0.1 }, /^optimizer\.beta1 must be .* in \[0, 1\)/],
    [{ ...ADAMW_DEFAULTS, beta2: NaN }, /^optimizer\.beta2 must be .* in \[0, 1\) \(got NaN\)/],
    [{ ...ADAMW_DEFAULTS, beta2: "0.99" }, /^optimizer\.beta2 must be .* \(got "0\.99"\)/],
    [{ ...ADAMW_DEFAULTS, eps: -1e-8 }, /^optimizer\.eps must be a finite number >= 0/],
    [{ ...ADAMW_DEFAULTS, eps: Infinity }, /^optimizer\.eps must be a finite number >= 0/],
    [{ ...ADAMW_DEFAULTS, weightDecay: -0.01 }, /^optimizer\.weightDecay must be a finite number >= 0/],
    [{ type: "adamw", beta1: 0.9, beta2: 0.99, eps: 1e-8 }, /^optimizer\.weightDecay must be .* \(got undefined\)/],
    [{ ...ADAMW_DEFAULTS, lr: 0.1 }, /^optimizer\.lr is not an optimizer setting/],
    [{ type: "sgd", weightDecay: 0.01 }, /^optimizer\.weightDecay \(--weight-decay\) applies to AdamW only; this run.s optimizer is SGD/],
  ];
  for (const [c, message] of bad) {
    assert.throws(() => checkOptimizerConfig(c), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(c));
  }
  const k = createTsKernels();
  assert.throws(() => createOptimizer({ ...ADAMW_DEFAULTS, beta1: 1.5 }, [], k), ConfigError);
});

test("step rejects a learning rate that is negative or not finite, and a bad restored step count", () => {
  const k = createTsKernels();
  const params = makeParams(k, [{ name: "W", shape: [3, 2] }]);
  for (const config of [ADAMW_DEFAULTS, { type: "sgd" } as const]) {
    const opt = createOptimizer(config, params, k);
    for (const lr of [-1e-3, NaN, Infinity]) assert.throws(() => opt.step(lr), ConfigError, `${config.type} lr ${lr}`);
  }
  const opt = createOptimizer(ADAMW_DEFAULTS, params, k);
  opt.stepCount = 1.5;
  assert.throws(() => opt.step(1e-3), /optimizer step count must be an integer >= 0 \(got 1\.5\)/);
});
