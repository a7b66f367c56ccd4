import { test } from "node:test";
import assert from "node:assert/strict";
import { wasmExports, loadWasm } from "../../src/kernels/wasm.ts";
import { wasmArena } from "../../src/kernels/wasm-kernels.ts";

test("the WebAssembly module loads in Node and its SIMD sum agrees with a plain loop", async () => {
  const w = wasmExports();
  assert.equal(await loadWasm(), w, "async and sync loaders share one instance");
  const n = 27; // not a multiple of 4: exercises the SIMD body and the scalar tail
  const buf = wasmArena().f32(n);
  const x = buf.view;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    x[i] = (i % 5) - 1.25;
    ref = Math.fround(ref + x[i]);
  }
  assert.ok(Math.abs(w.sumF32(buf.ptr, n) - ref) < 1e-5);
  assert.equal(w.sumF32(buf.ptr, 0), 0);
});

test("the module exports every kernel src/kernels/wasm.ts declares", () => {
  const w = wasmExports() as unknown as Record<string, unknown>;
  for (const name of [
    "heapBase", "sumF32", "colSumF32", "fillF32", "axpyF32", "addRowF32",
    "matmulNN", "matmulNT", "matmulTN", "tanhF32", "tanhBackwardF32",
  ]) {
    assert.equal(typeof w[name], "function", name);
  }
  assert.ok(w.memory instanceof WebAssembly.Memory);
});
