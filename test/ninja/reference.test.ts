// Reference files for `gradcheck --reference` (src/ninja/reference.ts): the fixture's layout is accepted
// (int32 or int64 indices), and anything missing, misshapen, of the wrong dtype or out of range is a
// CheckpointError naming the file and what is wrong.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSafetensors, serializeSafetensors, type TensorRecord } from "../../src/tensor/safetensors.ts";
import { referenceShapes } from "../../src/ninja/reference.ts";
import { readNinjaReference } from "../../src/node/ninja.ts";
import { gradcheckReference } from "../../src/ninja/gradcheck.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/ninja-2147483647-h64.safetensors", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "makemore-ninja-ref-"));
const records = (): Record<string, TensorRecord> => ({ ...parseSafetensors(readFileSync(FIXTURE), FIXTURE).tensors });

function write(name: string, tensors: Record<string, TensorRecord>): string {
  const path = join(dir, name);
  writeFileSync(path, serializeSafetensors(tensors, { source: "test" }));
  return path;
}

test("the fixture reads: dimensions from the shapes, every tensor present", async () => {
  const ref = await readNinjaReference(FIXTURE);
  assert.deepEqual(ref.dims, { vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 64 });
  assert.equal(ref.n, 32);
  assert.equal(ref.metadata.seed, "2147483647");
  assert.equal(Object.keys(referenceShapes(ref.dims, ref.n)).length, 7 + 2 + 19 + 26);
  assert.deepEqual(ref.grads.logits.shape, [32, 27]);
});

test("int64 indices (PyTorch's default) are accepted", async () => {
  const t = records();
  for (const k of ["Xb", "Yb"]) t[k] = { dtype: "I64", shape: t[k].shape, data: BigInt64Array.from(t[k].data as Int32Array, (v) => BigInt(v)) };
  const r = gradcheckReference(await readNinjaReference(write("i64.safetensors", t)));
  assert.deepEqual(r.failures, []);
});

test("a malformed or mismatched reference is a CheckpointError naming the file and the problem", async () => {
  const cases: [string, (t: Record<string, TensorRecord>) => void, RegExp][] = [
    ["missing-grad", (t) => delete t.dlogits, /missing tensor 'dlogits'/],
    ["missing-param", (t) => delete t.C, /missing tensor 'C'/],
    ["missing-batch", (t) => delete t.Yb, /missing tensor 'Yb'/],
    ["wrong-shape", (t) => (t.W2 = { ...t.W2, shape: [27, 64] }), /tensor 'W2' has shape \[27, 64\], expected \[64, 27\]/],
    ["wrong-rank", (t) => (t.bngain = { ...t.bngain, shape: [64] }), /tensor 'bngain' has shape \[64\], expected 2 dimensions/],
    ["wrong-dtype", (t) => (t.dh = { dtype: "F64", shape: t.dh.shape, data: Float64Array.from(t.dh.data as Float32Array) }), /tensor 'dh' is F64, expected F32/],
    ["float-index", (t) => (t.Xb = { dtype: "F32", shape: t.Xb.shape, data: Float32Array.from(t.Xb.data as Int32Array) }), /tensor 'Xb' is F32, expected I32 or I64/],
    ["index-range", (t) => ((t.Yb.data as Int32Array)[3] = 27), /Yb holds 27, outside the vocabulary of 27 tokens/],
  ];
  for (const [name, edit, message] of cases) {
    const t = records();
    for (const k of Object.keys(t)) t[k] = { ...t[k], data: t[k].data.slice() } as TensorRecord;
    edit(t);
    const path = write(`${name}.safetensors`, t);
    await assert.rejects(readNinjaReference(path), (e: Error) => {
      assert.equal(e.name, "CheckpointError", name);
      assert.ok(e.message.startsWith(`${path}: `), `${name}: ${e.message}`);
      assert.match(e.message, message, name);
      return true;
    });
  }
});

test("a batch of one row, a file that is not safetensors, and no file at all", async () => {
  const t = records();
  const one = write("one-row.safetensors", { ...t, Xb: { ...t.Xb, shape: [1, 3], data: (t.Xb.data as Int32Array).slice(0, 3) } });
  await assert.rejects(readNinjaReference(one), { name: "CheckpointError", message: /Xb has 1 row: gradcheck needs at least 8/ });
  const junk = join(dir, "junk.safetensors");
  writeFileSync(junk, "not a safetensors file at all");
  await assert.rejects(readNinjaReference(junk), { name: "CheckpointError", message: /junk\.safetensors: not a valid safetensors file/ });
  await assert.rejects(readNinjaReference(join(dir, "nope.safetensors")), { name: "CheckpointError", message: /nope\.safetensors: cannot read/ });
});
