// Start-up (issue 14): the module's kernels are sent to V8's optimizing compiler as soon as the module is
// instantiated, so that they compile on another core while the run is being built, instead of during the
// first training steps.
//
// V8 compiles a wasm function first with its baseline compiler (Liftoff: fast to compile, slow to run)
// and sends it to the optimizing one (TurboFan) in the background once it has run enough code ("dynamic
// tiering": a budget of about 1.8 MB of code executed per function in Node 20's V8). Measured with
// `bench/step.ts --start-only`: compiling every function with TurboFan up front (Node's flags
// --no-liftoff --no-wasm-lazy-compilation, which no user sets) took the lecture model's steps 0–1000
// from 0.71 to 0.89 of full speed on Node 24; gemmStrips alone takes 33 ms to optimize. Flags are not
// the library's to set, and up-front compiling is on the main thread; running every kernel a few times
// here, on zeros, spends the budget, so the compiles start now: while createRun reads the words, builds
// the corpus and draws the parameters (100–180 ms of the main thread on this machine).
//
// The calls go straight to the module's exports, on scratch buffers taken from the arena and released
// at once (the arena zero-fills what it hands out later). They write nothing else: no parameter table
// (sgd.ts's, which points at a model's parameters), no thread's pack area but the calling one's, and no
// static data but the pack areas' scratch. Results do not depend on it: a kernel's output is a function
// of its inputs, whichever tier runs it (test/kernels/warm_up.test.ts).
//
// Letters: M, K, N a product's sizes; R rows, H features, V classes; B batch, T time, C channels, NH heads.

import type { Arena } from "./arena.ts";
import type { WasmExports } from "./wasm.ts";

/** Floats in each scratch operand: enough for a (16,300) matrix, (64,64), and the attention's (B,T,3C). */
const SCRATCH = 64 * 80;
/**
 * Calls of each kernel, at these sizes, to spend its tiering budget: found with Node's
 * --trace-wasm-compilation-times (every kernel a training step runs is optimized before createRun
 * returns) and checked by test/kernels/warm_up.test.ts.
 */
const HEAVY_REPEATS = 4;
const LIGHT_REPEATS = 48;

/**
 * Runs each of the module's kernels a few times on zeroed scratch from `arena` (released before this
 * returns), so that V8 optimizes them in the background from now on. Costs a few ms of the caller's time.
 */
export function warmUp(w: WasmExports, arena: Arena): void {
  const mark = arena.mark();
  try {
    const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => arena.f32(SCRATCH).ptr);
    const idx = arena.i32(SCRATCH).ptr; // zeros: valid indices for any table
    const M = 64, K = 64, N = 64;
    const R = 32, H = 64, V = 32, E = 16;
    const [B, T, C, NH] = [4, 8, 32, 4]; // qkv (B,T,3C) = 3072 floats, att (B,NH,T,T) = 1024
    for (let rep = 0; rep < HEAVY_REPEATS; rep++) {
      // the strips path of the products (gemmStrips: 8 rows or more; B packed for N > 256), attention
      w.matmulNN(c, a, b, M, K, N, 0);
      w.matmulNT(c, a, b, M, K, N, 0);
      w.matmulTN(c, a, b, M, K, N, 1);
      w.matmulNN(c, a, b, 16, 16, 300, 0);
      w.attentionForwardF32(c, d, a, B, T, C, NH); // d: att
      w.attentionBackwardF32(e, f, b, a, d, B, T, C, NH, 0);
    }
    for (let rep = 0; rep < LIGHT_REPEATS; rep++) {
      // the products' direct loops (fewer than 8 rows)
      w.matmulNN(c, a, b, 4, 32, 27, 0);
      w.matmulNT(c, a, b, 4, 32, 27, 1);
      w.matmulTN(c, a, b, 4, 32, 27, 0);
      // elementwise, reductions, activations
      w.fillF32(c, SCRATCH, 0);
      w.axpyF32(c, 0.5, a, SCRATCH);
      w.addRowF32(c, a, M, N);
      w.colSumF32(d, a, M, N, 0);
      w.sumF32(a, SCRATCH);
      w.tanhF32(c, a, SCRATCH);
      w.tanhBackwardF32(d, c, a, SCRATCH, 0);
      w.expF32(c, a, SCRATCH);
      w.geluF32(c, a, SCRATCH);
      w.geluBackwardF32(d, a, b, SCRATCH, 0);
      w.sigmoidF32(c, a, SCRATCH);
      w.sigmoidBackwardF32(d, c, a, SCRATCH, 0);
      w.mulF32(c, a, b, SCRATCH, 0);
      // BatchNorm (its statistics in d, e, f; modes 0 and 1 of the backward), LayerNorm
      w.batchNormTrainF32(c, b, d, e, f, a, d, e, R, H, 1e-5, 1, 1, e, f, 0.999, 0.001);
      w.batchNormEvalF32(c, b, a, d, e, d, f, R, H);
      w.batchNormBackwardF32(c, d, e, a, b, d, f, R, H, rep & 1, 0);
      w.layerNormF32(c, d, e, a, f, f, R, H);
      w.layerNormBackwardF32(b, d, e, a, c, d, e, f, R, H, 0);
      // cross-entropy, embeddings, bag of words, AdamW
      w.checkTargets(idx, R, V);
      w.crossEntropyF32(c, a, idx, R, V, R);
      w.crossEntropyRowsF32(d, a, idx, R, V);
      w.checkIndices(idx, R * 3, V);
      w.embeddingGatherF32(c, a, idx, R * 3, E);
      w.embeddingScatterAddF32(d, a, idx, R * 3, E);
      w.embeddingBagSumF32(c, a, idx, R, 3, E);
      w.embeddingBagScatterAddF32(d, a, idx, R, 3, E);
      w.causalMeanF32(c, a, B, T, C);
      w.causalMeanBackwardF32(d, a, B, T, C, 0);
      w.adamwF32(c, a, d, e, SCRATCH, 1, 0.9, 0.1, 0.999, 0.001, 1, 1e-8, -1e-3);
    }
  } finally {
    arena.release(mark);
  }
}
