// Training-step benchmark: µs per step of the lecture model (makemore part 4: C 27×10, W1 30×200,
// BatchNorm1d(200), tanh, W2 200×27, cross-entropy; SGD, batch 32) with the WebAssembly SIMD kernels and
// with the plain-TypeScript kernels, measured in the same run, and their ratio. A full step is
// Trainer.trainStep(): draw a minibatch (randint on the Generator, gather Xb/Yb), forward, loss,
// zero the grads, backward, SGD. Then a per-phase breakdown for the wasm backend on a fixed minibatch:
// forward only, + loss, + zeroGrad + backward, + SGD (each row includes the phases above it).
// For the comparison with PyTorch, run `npm run bench:train` (both in one script).
// Run: node --import tsx bench/step.ts [steps]   (default 4000 steps per timing, 5 repetitions, the
// best kept so that other load on the machine shows less; the phases are timed separately, so under
// load their differences can come out negative)
//
// Letters: B batch (32), T block size (3).

import {
  buildCorpus, createOptimizer, createTsKernels, Generator, initModel, LectureMLP, modelConfig, numParameters, readWordFile, sgdStep,
  stepSchedule, Trainer, wasmKernels, zeroGrad, type Kernels, type LectureConfig, type Tokens,
} from "../src/node/index.ts";

const STEPS = Number(process.argv[2] ?? 4000);
const REPEATS = 5;
const B = 32;
const SEED = 2147483647;

const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: 42 });
const train = corpus.data.train;
const V = corpus.vocab.size;

function lectureModel(kernels: Kernels, g: Generator): LectureMLP {
  const model = new LectureMLP(modelConfig("lecture", { vocabSize: V }) as LectureConfig, kernels, B);
  initModel(model, g);
  return model;
}

/** Best (lowest) µs per call of `fn` over REPEATS runs of `n` calls, after a warm-up of n/4 calls. */
function usPerCall(fn: () => void, n: number): number {
  for (let i = 0; i < n / 4; i++) fn();
  let best = Infinity;
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / n);
  }
  return best;
}

/** µs per full training step (Trainer.trainStep) on `kernels`. */
function stepTime(kernels: Kernels, n: number): { us: number; loss: number } {
  const g = new Generator(SEED);
  const model = lectureModel(kernels, g);
  const trainer = new Trainer(model, train, g, createOptimizer({ type: "sgd" }, model.parameters(), kernels), {
    steps: Math.ceil(n * (REPEATS + 0.25)) + 10,
    batchSize: B,
    schedule: stepSchedule(0.1, 100000),
  });
  model.train(true);
  let loss = NaN;
  const us = usPerCall(() => {
    loss = trainer.trainStep();
  }, n);
  return { us, loss };
}

/** Per-phase µs on a fixed minibatch (the first B training examples). */
function phases(kernels: Kernels, n: number): { name: string; us: number }[] {
  const g = new Generator(SEED);
  const model = lectureModel(kernels, g);
  const T = train.blockSize;
  const xb = kernels.arena.i32(B * T);
  xb.view.set(train.X.subarray(0, B * T));
  const yb = train.Y.slice(0, B);
  const tokens: Tokens = { data: xb, shape: [B, T] };
  const params = model.parameters();
  model.train(true);
  const forward = () => model.forward(tokens);
  const loss = () => {
    forward();
    model.loss(yb);
  };
  const backward = () => {
    loss();
    zeroGrad(model);
    model.backward();
  };
  const step = () => {
    backward();
    sgdStep(kernels, params, 1e-4);
  };
  return [
    { name: "forward", us: usPerCall(forward, n) },
    { name: "+ loss", us: usPerCall(loss, n) },
    { name: "+ zeroGrad + backward", us: usPerCall(backward, n) },
    { name: "+ SGD", us: usPerCall(step, n) },
  ];
}

const wasm = wasmKernels();
const ts = createTsKernels();
console.log(`makemore-ts training step: the lecture model (${numParameters(lectureModel(wasm, new Generator(SEED)))} parameters), batch ${B}`);
console.log(`node ${process.version}; ${STEPS} steps per timing, best of ${REPEATS}\n`);
const w = stepTime(wasm, STEPS);
const t = stepTime(ts, Math.max(200, Math.round(STEPS / 4)));
console.log(`wasm kernels: ${w.us.toFixed(1)} µs/step`);
console.log(`ts kernels:   ${t.us.toFixed(1)} µs/step`);
console.log(`ratio ts/wasm: ${(t.us / w.us).toFixed(2)}x`);
console.log(`\nwasm breakdown on a fixed minibatch (cumulative):`);
let prev = 0;
for (const p of phases(wasm, STEPS)) {
  console.log(`  ${p.name.padEnd(24)} ${p.us.toFixed(1).padStart(7)} µs   (this phase ${(p.us - prev).toFixed(1)} µs)`);
  prev = p.us;
}
console.log(`  ${"minibatch draw + rest".padEnd(24)} ${(w.us - prev).toFixed(1).padStart(7)} µs   (full step − the above)`);
