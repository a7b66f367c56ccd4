import { test } from "node:test";
import assert from "node:assert/strict";
import { wasmExports, loadWasm } from "../../src/kernels/wasm.ts";

test("the WebAssembly module loads in Node and its SIMD sum agrees with a plain loop", async () => {
  const w = wasmExports();
  assert.equal(await loadWasm(), w, "async and sync loaders share one instance");
  const n = 27; // not a multiple of 4: exercises the SIMD body and the scalar tail
  const x = new Float32Array(w.memory.buffer, 64, n);
  let ref = 0;
  for (let i = 0; i < n; i++) {
    x[i] = (i % 5) - 1.25;
    ref = Math.fround(ref + x[i]);
  }
  assert.ok(Math.abs(w.sumF32(64, n) - ref) < 1e-5);
  assert.equal(w.sumF32(64, 0), 0);
});
