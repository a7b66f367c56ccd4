// The kernels' warm-up (src/kernels/warm_up.ts) runs every kernel on scratch when the library's arena is
// made, so that V8 optimizes them while a run is built. It must leave nothing behind that a result
// depends on: the arena's top where it was, and the kernels of a warmed instance computing, bit for
// bit, what an instance that never ran them computes (no static table or pack area left in a state a
// later call reads).

import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena } from "../../src/kernels/arena.ts";
import { createWasmKernels, type Kernels } from "../../src/kernels/index.ts";
import { instantiateWasm, wasmVariant } from "../../src/kernels/wasm.ts";
import { warmUp } from "../../src/kernels/warm_up.ts";
import { fillRandom, makeRandom } from "./helpers.ts";

/** A few kernels a lecture step runs (products on both paths, BatchNorm, tanh, cross-entropy), their outputs' bits. */
function stepBits(k: Kernels): Uint32Array[] {
  const rand = makeRandom(7);
  const { arena } = k;
  const B = 32, T = 3, E = 10, H = 200, V = 27;
  const table = arena.f32(V * E), W1 = arena.f32(T * E * H), W2 = arena.f32(H * V), gain = arena.f32(H), bias = arena.f32(H);
  for (const b of [table, W1, W2, gain, bias]) fillRandom(b.view, rand);
  const idx = arena.i32From(Array.from({ length: B * T }, (_, i) => (i * 7) % V));
  const targets = arena.i32From(Array.from({ length: B }, (_, i) => (i * 5) % V));
  const emb = arena.f32(B * T * E), h = arena.f32(B * H), out = arena.f32(B * H), raw = arena.f32(B * H);
  const mean = arena.f32(H), variance = arena.f32(H), invstd = arena.f32(H), logits = arena.f32(B * V), dlogits = arena.f32(B * V);
  const dW2 = arena.f32(H * V), dh = arena.f32(B * H), dW1 = arena.f32(T * E * H), demb = arena.f32(B * T * E);
  const W3 = arena.f32(H * 300), wide = arena.f32(B * 300); // N > 256: B packed
  fillRandom(W3.view, rand);
  k.embeddingGather(emb, table, idx, B * T, V, E);
  k.matmulNN(h, emb, W1, B, T * E, H);
  k.batchNormTrain(out, raw, mean, variance, invstd, h, gain, bias, B, H, 1e-5, true);
  k.tanh(out, out);
  k.matmulNN(logits, out, W2, B, H, V);
  const loss = new Float32Array([k.crossEntropy(dlogits, logits, targets, B, V)]);
  k.matmulTN(dW2, out, dlogits, H, B, V);
  k.matmulNT(dh, dlogits, W2, B, V, H);
  k.matmulTN(dW1, emb, dh, T * E, B, H);
  k.matmulNT(demb, dh, W1, B, H, T * E);
  k.matmulNN(wide, h, W3, B, H, 300);
  return [emb, h, out, raw, mean, variance, invstd, logits, dlogits, dW2, dh, dW1, demb, wide].map((b) => new Uint32Array(b.view.slice().buffer)).concat([new Uint32Array(loss.buffer)]);
}

test("warmUp leaves the arena's top where it was and changes no kernel's result", () => {
  const warmed = instantiateWasm(wasmVariant());
  const arena = new Arena(warmed.memory, warmed.heapBase());
  const before = arena.mark();
  warmUp(warmed, arena);
  assert.deepEqual(arena.mark(), before);
  const cold = instantiateWasm(wasmVariant());
  const a = stepBits(createWasmKernels(warmed, arena));
  const b = stepBits(createWasmKernels(cold));
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.deepEqual(a[i], b[i], `output ${i}`);
});
