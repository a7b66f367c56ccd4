// Kernel benchmark: GFLOP/s of the WebAssembly SIMD matrix products against the plain-TypeScript
// reference kernels, measured in the same run, for the three layouts at the lecture's shapes (the MLP
// of makemore part 3: batch 32, block 3 × embedding 10 = 30 inputs, 200 hidden, 27 characters) and
// at 256×1024·1024×1024, in both builds of the module (src/kernels/wasm.ts: "simd", a multiply then an
// add; "relaxed", relaxed SIMD's fused multiply-add, where the runtime has it), each beside its ceiling:
// the GFLOP/s of one core running independent multiply-add chains in registers (asm/peak.ts), so the
// fraction of the machine each product reaches is read in one run. Then a naive triple loop as the
// documented baseline, tanh throughput, and the fused layer kernels, in the build the library picked,
// at the lecture's shapes (cross-entropy, BatchNorm forward and backward) and at makemore.py's
// transformer defaults (LayerNorm, GELU, attention, the BoW's causal mean; sigmoid at the GRU's gate
// shape), the MLP's embedding bag as src/nn/context_linear.ts uses it, and one AdamW step over the
// transformer's 204,544 parameters.
// Each cell: warm-up, then batches of calls until at least 0.3 s have passed (performance.now()).
// Run: npm run bench:kernels (builds nothing: run npm run build:wasm first if asm/ changed);
// MAKEMORE_WASM=simd|relaxed picks the build of the fused kernels' section.
//
// Letters: C[M,N] = A·B summed over K.

import { createTsKernels, wasmKernels, type F32Buf, type Kernels } from "../src/index.ts";
import { adamwScalars, createWasmKernels, relaxedSimdSupported, wasmVariant, type WasmVariant } from "../src/kernels/index.ts";
import { instantiateWasm, WASM_ENV } from "../src/kernels/wasm.ts";

type Layout = "NN" | "NT" | "TN";
interface Shape {
  layout: Layout;
  M: number;
  K: number;
  N: number;
  what: string;
}

const SHAPES: Shape[] = [
  { layout: "NN", M: 32, K: 30, N: 200, what: "(32,30) @ (30,200)        hpreact = embcat @ W1" },
  { layout: "NN", M: 32, K: 200, N: 27, what: "(32,200) @ (200,27)       logits = h @ W2" },
  { layout: "NN", M: 256, K: 1024, N: 1024, what: "(256,1024) @ (1024,1024)" },
  { layout: "NT", M: 32, K: 200, N: 30, what: "(32,200) @ (30,200)ᵀ      dembcat = dhpreact @ W1ᵀ" },
  { layout: "NT", M: 32, K: 27, N: 200, what: "(32,27) @ (200,27)ᵀ       dh = dlogits @ W2ᵀ" },
  { layout: "NT", M: 256, K: 1024, N: 1024, what: "(256,1024) @ (1024,1024)ᵀ" },
  { layout: "TN", M: 30, K: 32, N: 200, what: "(32,30)ᵀ @ (32,200)       dW1 = embcatᵀ @ dhpreact" },
  { layout: "TN", M: 200, K: 32, N: 27, what: "(32,200)ᵀ @ (32,27)       dW2 = hᵀ @ dlogits" },
  { layout: "TN", M: 256, K: 1024, N: 1024, what: "(1024,256)ᵀ @ (1024,1024)" },
];

const MIN_SECONDS = 0.3;
const WARMUP_SECONDS = 0.05;

/** Calls per second of `fn`: warm-up, then batches (doubling) until MIN_SECONDS of timed calls. */
function callsPerSecond(fn: () => void): number {
  let t0 = performance.now();
  do fn();
  while (performance.now() - t0 < WARMUP_SECONDS * 1000);
  let calls = 0;
  let batch = 1;
  t0 = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS * 1000) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = performance.now() - t0;
    if (elapsed < 50) batch *= 2;
  }
  return calls / (elapsed / 1000);
}

/** A deterministic fill in [-1, 1) (no Math.random). */
function fillDeterministic(v: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
}

function matmul(k: Kernels, s: Shape, C: F32Buf, A: F32Buf, B: F32Buf): void {
  if (s.layout === "NN") k.matmulNN(C, A, B, s.M, s.K, s.N);
  else if (s.layout === "NT") k.matmulNT(C, A, B, s.M, s.K, s.N);
  else k.matmulTN(C, A, B, s.M, s.K, s.N);
}

/** The plain i-j-k triple loop on Float32Arrays: the baseline "how fast is plain JS" number. */
function naiveMatmul(c: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}
function lpad(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);

/** Each build this runtime runs, with its kernels (own instance and arena) and its ceiling in GFLOP/s. */
const builds = (["simd", "relaxed"] as const)
  .filter((v) => v === "simd" || relaxedSimdSupported())
  .map((variant: WasmVariant) => {
    const w = instantiateWasm(variant);
    const steps = 250_000; // 80 flops a step (asm/peak.ts): about half a millisecond a call
    const ceiling = (callsPerSecond(() => w.peakMaddF32(steps, 1)) * 80 * steps) / 1e9;
    return { variant, kernels: createWasmKernels(w), ceiling };
  });
const forced = process.env[WASM_ENV];

console.log("makemore-ts kernels: matrix products, GFLOP/s (2·M·K·N flops per call), wasm SIMD vs plain TS");
console.log(`node ${process.version}, ${MIN_SECONDS} s per cell after warm-up`);
console.log(
  `wasm builds: simd (multiply, add) and ${relaxedSimdSupported() ? "relaxed (fused multiply-add)" : "no relaxed: this runtime has no relaxed SIMD"}; ` +
    `the library runs ${wasmVariant()}${forced ? ` (${WASM_ENV}=${forced})` : " (feature detection)"}`,
);
console.log(
  "ceiling, one core, 10 independent multiply-add chains, operands in L1 (asm/peak.ts): " +
    builds.map((b) => `${b.variant} ${b.ceiling.toFixed(2)} GFLOP/s`).join(", ") + "\n",
);
const head = builds.map((b) => `${lpad(b.variant, 8)}${lpad("%ceil", 6)}`).join("");
console.log(`${pad("layout", 7)}${pad("shape", 52)}${head}${lpad("ts", 8)}${lpad("best/ts", 9)}`);
for (const s of SHAPES) {
  const flops = 2 * s.M * s.K * s.N;
  const gflops = (k: Kernels): number => {
    const mark = k.arena.mark();
    const A = k.arena.f32(s.M * s.K);
    const B = k.arena.f32(s.K * s.N);
    const C = k.arena.f32(s.M * s.N);
    fillDeterministic(A.view, 1);
    fillDeterministic(B.view, 2);
    const g = (callsPerSecond(() => matmul(k, s, C, A, B)) * flops) / 1e9;
    k.arena.release(mark);
    return g;
  };
  const gw = builds.map((b) => gflops(b.kernels));
  const gt = gflops(ts);
  const cells = builds.map((b, i) => `${lpad(gw[i].toFixed(2), 8)}${lpad(((100 * gw[i]) / b.ceiling).toFixed(0) + "%", 6)}`).join("");
  console.log(`${pad(s.layout, 7)}${pad(s.what, 52)}${cells}${lpad(gt.toFixed(2), 8)}${lpad((Math.max(...gw) / gt).toFixed(1) + "x", 9)}`);
}

{
  const [M, K, N] = [32, 30, 200];
  const a = new Float32Array(M * K);
  const b = new Float32Array(K * N);
  const c = new Float32Array(M * N);
  fillDeterministic(a, 1);
  fillDeterministic(b, 2);
  const g = (callsPerSecond(() => naiveMatmul(c, a, b, M, K, N)) * 2 * M * K * N) / 1e9;
  console.log(`\nbaseline: naive i-j-k triple loop in plain TS, (32,30) @ (30,200): ${g.toFixed(2)} GFLOP/s`);
}

{
  const n = 32 * 200; // the hidden layer of one batch
  const mark = arena.mark();
  const x = arena.f32(n);
  const y = arena.f32(n);
  fillDeterministic(x.view, 3);
  for (let i = 0; i < n; i++) x.view[i] *= 4;
  const mw = (callsPerSecond(() => wasm.tanh(y, x)) * n) / 1e6;
  const mt = (callsPerSecond(() => ts.tanh(y, x)) * n) / 1e6;
  console.log(`tanh forward, n = ${n}: wasm ${mw.toFixed(0)} M/s, ts (Math.tanh) ${mt.toFixed(0)} M/s, ${(mw / mt).toFixed(1)}x`);
  const one = arena.f32(1);
  const calls = callsPerSecond(() => wasm.matmulNN(y, x, one, 1, 1, 1));
  console.log(`per-call overhead: wasm matmulNN on (1,1) @ (1,1): ${(1e9 / calls).toFixed(0)} ns per call`);
  arena.release(mark);
}

{
  // the fused layer kernels, µs per call at the lecture's shapes (and a 4096-row evaluation batch)
  const mark = arena.mark();
  const cell = (what: string, run: (k: Kernels) => void): void => {
    const uw = 1e6 / callsPerSecond(() => run(wasm));
    const ut = 1e6 / callsPerSecond(() => run(ts));
    console.log(`${pad(what, 59)}${lpad(uw.toFixed(2), 8)}${lpad(ut.toFixed(2), 8)}${lpad((ut / uw).toFixed(1) + "x", 9)}`);
  };
  console.log(`\n${pad(`fused kernels, µs per call (wasm: the ${wasmVariant()} build)`, 59)}${lpad("wasm", 8)}${lpad("ts", 8)}${lpad("ts/wasm", 9)}`);
  for (const R of [32, 4096]) {
    const V = 27;
    const logits = arena.f32(R * V);
    fillDeterministic(logits.view, 4);
    for (let i = 0; i < R * V; i++) logits.view[i] *= 3;
    const targets = arena.i32From(Array.from({ length: R }, (_, r) => (r * 7 + 3) % V));
    const dlogits = arena.f32(R * V);
    const losses = arena.f32(R);
    cell(`crossEntropy (${R},${V})`, (k) => void k.crossEntropy(dlogits, logits, targets, R, V));
    cell(`crossEntropyRows (${R},${V})`, (k) => k.crossEntropyRows(losses, logits, targets, R, V));
    const some = arena.i32From(Array.from({ length: R }, (_, r) => (r % 4 === 3 ? -1 /* IGNORE_INDEX */ : (r * 7 + 3) % V)));
    cell(`crossEntropy (${R},${V}), a quarter of the rows ignored`, (k) => void k.crossEntropy(dlogits, logits, some, R, V));
  }
  {
    const [R, H] = [32, 200];
    const [X, out, raw, dX, dout] = [0, 1, 2, 3, 4].map(() => arena.f32(R * H));
    const [gain, bias, mean, variance, invstd, dgain, dbias] = [0, 1, 2, 3, 4, 5, 6].map(() => arena.f32(H));
    fillDeterministic(X.view, 5);
    fillDeterministic(dout.view, 6);
    gain.view.fill(1);
    cell(`batchNormTrain (${R},${H})`, (k) => k.batchNormTrain(out, raw, mean, variance, invstd, X, gain, bias, R, H, 1e-5, true));
    cell(`batchNormBackward (${R},${H}) batch-unbiased`, (k) => k.batchNormBackward(dX, dgain, dbias, dout, raw, gain, invstd, R, H, "batch-unbiased"));
    cell(`batchNormBackward (${R},${H}) batch-unbiased, accumulate`, (k) => k.batchNormBackward(dX, dgain, dbias, dout, raw, gain, invstd, R, H, "batch-unbiased", true));
  }
  {
    // makemore.py's transformer at its defaults: B 32, T 16, n_embd 64, 4 heads; the GRU's gates (32, 64)
    const [B, T, C, NH] = [32, 16, 64, 4];
    const R = B * T;
    const [x, out, dx, dout] = [0, 1, 2, 3].map(() => arena.f32(R * C));
    const [weight, bias, dweight, dbias] = [0, 1, 2, 3].map(() => arena.f32(C));
    const [mean, rstd] = [arena.f32(R), arena.f32(R)];
    fillDeterministic(x.view, 7);
    fillDeterministic(dout.view, 8);
    weight.view.fill(1);
    cell(`layerNorm (${R},${C})`, (k) => k.layerNorm(out, mean, rstd, x, weight, bias, R, C));
    cell(`layerNormBackward (${R},${C})`, (k) => k.layerNormBackward(dx, dweight, dbias, dout, x, mean, rstd, weight, R, C));
    const n = R * 4 * C;
    const [h, g, dh, dg] = [0, 1, 2, 3].map(() => arena.f32(n));
    fillDeterministic(h.view, 9);
    fillDeterministic(dg.view, 10);
    for (let i = 0; i < n; i++) h.view[i] *= 3;
    cell(`gelu (${R},${4 * C})`, (k) => k.gelu(g, h));
    cell(`geluBackward (${R},${4 * C})`, (k) => k.geluBackward(dh, h, dg));
    const gate = arena.f32(B * C);
    cell(`sigmoid (${B},${C})`, (k) => k.sigmoid(gate, h, B * C));
    cell(`sigmoidBackward (${B},${C})`, (k) => k.sigmoidBackward(dh, gate, dg, B * C));
    const qkv = arena.f32(R * 3 * C), dqkv = arena.f32(R * 3 * C);
    const att = arena.f32(B * NH * T * T), datt = arena.f32(B * NH * T * T);
    fillDeterministic(qkv.view, 11);
    cell(`attentionForward B ${B}, T ${T}, C ${C}, NH ${NH}`, (k) => k.attentionForward(out, att, qkv, B, T, C, NH));
    cell(`attentionBackward B ${B}, T ${T}, C ${C}, NH ${NH}`, (k) => k.attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH));
    // makemore.py's bow: the causal mean of its BoW block at the same B, T, C
    cell(`causalMean B ${B}, T ${T}, C ${C}`, (k) => k.causalMean(out, x, B, T, C));
    cell(`causalMeanBackward B ${B}, T ${T}, C ${C}`, (k) => k.causalMeanBackward(dx, dout, B, T, C));
    // makemore.py's mlp as src/nn/context_linear.ts computes it: B·T bags of T rows of P ((V+1)·T, n_embd2)
    const [V1, E] = [28, 64];
    const tableP = arena.f32(V1 * T * E), dP = arena.f32(V1 * T * E), pre = arena.f32(R * E);
    fillDeterministic(tableP.view, 14);
    const bags = arena.i32From(Array.from({ length: R * T }, (_, i) => ((i * 7 + 3) % V1) * T + (i % T)));
    cell(`embeddingBagSum R ${R}, K ${T}, V ${V1 * T}, E ${E}`, (k) => k.embeddingBagSum(pre, tableP, bags, R, T, V1 * T, E));
    cell(`embeddingBagScatterAdd R ${R}, K ${T}, V ${V1 * T}, E ${E}`, (k) => k.embeddingBagScatterAdd(dP, dout, bags, R, T, V1 * T, E));
    // one AdamW step over all the transformer's parameters as one vector (makemore's betas, eps, lr, wd; t = 3)
    const P = 204544;
    const [p, pg, pm, pv] = [0, 1, 2, 3].map(() => arena.f32(P));
    fillDeterministic(p.view, 12);
    fillDeterministic(pg.view, 13);
    for (let i = 0; i < P; i++) pg.view[i] *= 1e-2;
    const s = adamwScalars(5e-4, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 }, 1 - 0.9 ** 3, 1 - 0.99 ** 3);
    cell(`adamw (${P}), the transformer's parameter count`, (k) => k.adamw(p, pg, pm, pv, P, s));
  }
  arena.release(mark);
}
