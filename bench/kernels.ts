// Kernel benchmark: GFLOP/s of the WebAssembly SIMD matrix products against the plain-TypeScript
// reference kernels, measured in the same run, for the three layouts at the lecture's shapes (the MLP
// of makemore part 3: batch 32, block 3 × embedding 10 = 30 inputs, 200 hidden, 27 characters) and
// at 256×1024·1024×1024, then the products makemore.py's transformer and mlp run at their defaults (the
// zoo's: 512 rows of 64 features; ZOO_SHAPES) and its attention's batched (T,T) products, in both builds
// of the module (src/kernels/wasm.ts: "simd", a multiply then an add; "relaxed", relaxed SIMD's fused
// multiply-add, where the runtime has it), each beside its ceiling:
// the GFLOP/s of one core running independent multiply-add chains in registers (asm/peak.ts), so the
// fraction of the machine each product reaches is read in one run. Then a naive triple loop as the
// documented baseline, tanh throughput, and the fused layer kernels, in the build the library picked,
// at the lecture's shapes (cross-entropy, BatchNorm forward and backward) and at makemore.py's
// transformer defaults (LayerNorm, GELU, attention, the BoW's causal mean; sigmoid at the GRU's gate
// shape), the MLP's embedding bag as src/nn/context_linear.ts uses it, and one AdamW step over the
// transformer's 204,544 parameters.
// Each cell: warm-up, then batches of calls until at least 0.3 s have passed, counted in this process's CPU
// time (process.cpuUsage), not the wall clock: the machine is shared, and time spent waiting for a core
// is not the kernel's.
// Run: npm run bench:kernels (builds nothing: run npm run build:wasm first if asm/ changed);
// MAKEMORE_WASM=simd|relaxed picks the build of the fused kernels' section; arguments (npm run
// bench:kernels -- NT c_fc) run only the product and attention rows whose text contains one of them.
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

/**
 * The products makemore.py's transformer and mlp run at their defaults (B 32, T 16 → R = B·T = 512 rows;
 * n_embd 64, 4 heads, vocabulary 27 + the blank), in src/nn/linear.ts's "torch" layout (W (O,I)):
 * forward x @ Wᵀ is NT, dx = dout @ W is NN, dW = doutᵀ @ x is TN. The mlp's input Linear (T·E = 1024 wide)
 * runs through the vocabulary (src/nn/context_linear.ts): Q = wte @ W'ᵀ with W' = W viewed as (H·T, E).
 */
const ZOO_SHAPES: Shape[] = [
  { layout: "NT", M: 512, K: 64, N: 192, what: "(512,64) @ (192,64)ᵀ   qkv = x @ Wᵀ (c_attn)" },
  { layout: "NT", M: 512, K: 64, N: 64, what: "(512,64) @ (64,64)ᵀ    out = y @ Wᵀ (attn c_proj)" },
  { layout: "NT", M: 512, K: 64, N: 256, what: "(512,64) @ (256,64)ᵀ   h = x @ Wᵀ (mlp c_fc)" },
  { layout: "NT", M: 512, K: 256, N: 64, what: "(512,256) @ (64,256)ᵀ  out = h @ Wᵀ (mlp c_proj)" },
  { layout: "NT", M: 512, K: 64, N: 27, what: "(512,64) @ (27,64)ᵀ    logits = x @ Wᵀ (lm_head, mlp.2)" },
  { layout: "NT", M: 28, K: 64, N: 1024, what: "(28,64) @ (1024,64)ᵀ   Q = wte @ W'ᵀ (mlp input)" },
  { layout: "NN", M: 512, K: 192, N: 64, what: "(512,192) @ (192,64)   dx = dqkv @ W (c_attn)" },
  { layout: "NN", M: 512, K: 64, N: 64, what: "(512,64) @ (64,64)     dy = dout @ W (attn c_proj)" },
  { layout: "NN", M: 512, K: 256, N: 64, what: "(512,256) @ (256,64)   dx = dh @ W (mlp c_fc)" },
  { layout: "NN", M: 512, K: 64, N: 256, what: "(512,64) @ (64,256)    dh = dout @ W (mlp c_proj)" },
  { layout: "NN", M: 512, K: 27, N: 64, what: "(512,27) @ (27,64)     dx = dlogits @ W (lm_head, mlp.2)" },
  { layout: "NN", M: 28, K: 1024, N: 64, what: "(28,1024) @ (1024,64)  dwte = dQ @ W' (mlp input)" },
  { layout: "TN", M: 192, K: 512, N: 64, what: "(512,192)ᵀ @ (512,64)  dW = dqkvᵀ @ x (c_attn)" },
  { layout: "TN", M: 64, K: 512, N: 64, what: "(512,64)ᵀ @ (512,64)   dW = doutᵀ @ y (attn c_proj)" },
  { layout: "TN", M: 256, K: 512, N: 64, what: "(512,256)ᵀ @ (512,64)  dW = dhᵀ @ x (mlp c_fc)" },
  { layout: "TN", M: 64, K: 512, N: 256, what: "(512,64)ᵀ @ (512,256)  dW = doutᵀ @ h (mlp c_proj)" },
  { layout: "TN", M: 27, K: 512, N: 64, what: "(512,27)ᵀ @ (512,64)   dW = dlogitsᵀ @ x (lm_head, mlp.2)" },
  { layout: "TN", M: 1024, K: 28, N: 64, what: "(28,1024)ᵀ @ (28,64)   dW' = dQᵀ @ wte (mlp input)" },
];

const MIN_SECONDS = 0.3;
const WARMUP_SECONDS = 0.05;

/** Milliseconds of CPU time this process has used (user and system, all its threads). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Calls `fn` for WARMUP_SECONDS. */
function warmUp(fn: () => void): void {
  const t0 = cpuMs();
  do fn();
  while (cpuMs() - t0 < WARMUP_SECONDS * 1000);
}

/** Calls per second of `fn`: warm-up, then batches (doubling) until MIN_SECONDS of timed calls. */
function callsPerSecond(fn: () => void): number {
  warmUp(fn);
  let calls = 0;
  let batch = 1;
  const t0 = cpuMs();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS * 1000) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = cpuMs() - t0;
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

/** Steps of one ceiling call: 80 flops a step (asm/peak.ts), about 50 µs a call. */
const PEAK_STEPS = 25_000;

/** Each build this runtime runs, with its kernels (own instance and arena) and its ceiling in GFLOP/s. */
const builds = (["simd", "relaxed"] as const)
  .filter((v) => v === "simd" || relaxedSimdSupported())
  .map((variant: WasmVariant) => {
    const w = instantiateWasm(variant);
    const peak = (): void => void w.peakMaddF32(PEAK_STEPS, 1);
    const ceiling = (callsPerSecond(peak) * 80 * PEAK_STEPS) / 1e9;
    return { variant, kernels: createWasmKernels(w), peak, ceiling };
  });
type Build = (typeof builds)[number];

/**
 * Calls per second of `fn` and the build's ceiling in GFLOP/s, timed in alternating slices of about
 * 10 ms until each has MIN_SECONDS: on a machine other processes share, both then see the same load, so
 * their ratio (the %ceil column) holds where each number alone would not.
 */
function besideCeiling(fn: () => void, b: Build): { rate: number; ceiling: number } {
  warmUp(fn);
  warmUp(b.peak);
  const slice = (f: () => void, batch: number): number => {
    const t0 = cpuMs();
    for (let i = 0; i < batch; i++) f();
    return cpuMs() - t0;
  };
  let [tf, nf, bf, tp, np, bp] = [0, 0, 1, 0, 0, 1];
  while (tf < MIN_SECONDS * 1000 || tp < MIN_SECONDS * 1000) {
    const df = slice(fn, bf);
    tf += df;
    nf += bf;
    if (df < 10) bf *= 2;
    const dp = slice(b.peak, bp);
    tp += dp;
    np += bp;
    if (dp < 10) bp *= 2;
  }
  return { rate: nf / (tf / 1000), ceiling: (np * 80 * PEAK_STEPS) / (tp / 1000) / 1e9 };
}

const forced = process.env[WASM_ENV];

console.log("makemore-ts kernels: matrix products, GFLOP/s (2·M·K·N flops per call), wasm SIMD vs plain TS");
console.log(`node ${process.version}, ${MIN_SECONDS} s per cell after warm-up`);
console.log(
  `wasm builds: simd (multiply, add) and ${relaxedSimdSupported() ? "relaxed (fused multiply-add)" : "no relaxed: this runtime has no relaxed SIMD"}; ` +
    `the library runs ${wasmVariant()}${forced ? ` (${WASM_ENV}=${forced})` : " (feature detection)"}`,
);
console.log(
  "ceiling, one core, 10 independent multiply-add chains, operands in L1 (asm/peak.ts): " +
    builds.map((b) => `${b.variant} ${b.ceiling.toFixed(2)} GFLOP/s`).join(", ") +
    "\n(each %ceil: against the ceiling timed in slices alternating with the product's, so both share any load)\n",
);
const head = builds.map((b) => `${lpad(b.variant, 8)}${lpad("%ceil", 6)}`).join("");
const only = process.argv.slice(2); // substrings: only the product rows that contain one, nothing else
const wanted = (s: Shape): boolean => only.length === 0 || only.some((w) => `${s.layout} ${s.what}`.includes(w));

/** One row: the product's GFLOP/s in each build and in the TS reference. */
function productRow(s: Shape): void {
  const flops = 2 * s.M * s.K * s.N;
  const time = (k: Kernels, b?: Build): { gflops: number; ceiling: number } => {
    const mark = k.arena.mark();
    const A = k.arena.f32(s.M * s.K);
    const B = k.arena.f32(s.K * s.N);
    const C = k.arena.f32(s.M * s.N);
    fillDeterministic(A.view, 1);
    fillDeterministic(B.view, 2);
    const run = (): void => matmul(k, s, C, A, B);
    const r = b ? besideCeiling(run, b) : { rate: callsPerSecond(run), ceiling: 0 };
    k.arena.release(mark);
    return { gflops: (r.rate * flops) / 1e9, ceiling: r.ceiling };
  };
  const gw = builds.map((b) => time(b.kernels, b));
  const gt = time(ts).gflops;
  const cells = gw.map((g) => `${lpad(g.gflops.toFixed(2), 8)}${lpad(((100 * g.gflops) / g.ceiling).toFixed(0) + "%", 6)}`).join("");
  console.log(`${pad(s.layout, 7)}${pad(s.what, 56)}${cells}${lpad(gt.toFixed(2), 8)}${lpad((Math.max(...gw.map((g) => g.gflops)) / gt).toFixed(1) + "x", 9)}`);
}

console.log(`${pad("layout", 7)}${pad("shape", 56)}${head}${lpad("ts", 8)}${lpad("best/ts", 9)}`);
for (const s of SHAPES.filter(wanted)) productRow(s);
if (ZOO_SHAPES.some(wanted)) console.log("makemore.py's transformer and mlp: B 32, T 16 (R = 512 rows), n_embd 64, vocabulary 27");
for (const s of ZOO_SHAPES.filter(wanted)) productRow(s);

{
  // The batched (T,T) products of attention are not separate kernels: attentionForward / Backward
  // (asm/attention.ts) run them fused with the softmax, per (b,h) over the causal triangle. Counted:
  // 2·hs flops per (t, s ≤ t) pair per product, two products forward (q·kᵀ, att·v), four backward
  // (dout·vᵀ, ds·k, dsᵀ·q, attᵀ·dout); the softmax and its backward are in the time, not in the count.
  const [B, T, C, NH] = [32, 16, 64, 4];
  const pairs = B * NH * ((T * (T + 1)) / 2);
  const flops1 = 2 * pairs * (C / NH);
  const rows = [
    { what: `attentionForward B ${B}, T ${T}, C ${C}, NH ${NH} (2 products)`, flops: 2 * flops1, backward: false },
    { what: `attentionBackward B ${B}, T ${T}, C ${C}, NH ${NH} (4 products)`, flops: 4 * flops1, backward: true },
  ].filter((r) => only.length === 0 || only.some((w) => r.what.includes(w)));
  if (rows.length > 0) {
    const cols = builds.map((b) => `${lpad(b.variant + " µs", 11)}${lpad("GFLOP/s", 8)}${lpad("%ceil", 6)}`).join("");
    console.log(`
${pad("attention products, fused with the softmax", 59)}${cols}`);
  }
  for (const r of rows) {
    const cells = builds.map((b) => {
      const k = b.kernels;
      const mark = k.arena.mark();
      const [qkv, dqkv] = [k.arena.f32(B * T * 3 * C), k.arena.f32(B * T * 3 * C)];
      const [out, dout] = [k.arena.f32(B * T * C), k.arena.f32(B * T * C)];
      const [att, datt] = [k.arena.f32(B * NH * T * T), k.arena.f32(B * NH * T * T)];
      fillDeterministic(qkv.view, 11);
      fillDeterministic(dout.view, 8);
      k.attentionForward(out, att, qkv, B, T, C, NH);
      const { rate, ceiling } = besideCeiling(() => r.backward
        ? k.attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH)
        : k.attentionForward(out, att, qkv, B, T, C, NH), b);
      k.arena.release(mark);
      const us = 1e6 / rate;
      const g = r.flops / us / 1e3;
      return `${lpad(us.toFixed(2), 11)}${lpad(g.toFixed(2), 8)}${lpad(((100 * g) / ceiling).toFixed(0) + "%", 6)}`;
    });
    console.log(`${pad(r.what, 59)}${cells.join("")}`);
  }
}
if (only.length > 0) process.exit(0);

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
