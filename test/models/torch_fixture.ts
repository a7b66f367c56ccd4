// Reading a real-PyTorch reference run of test/fixtures/<dir>/ (NAME.json and NAME.safetensors, written by
// test/fixtures/make/torch_zoo.py or torch_deep.py), and the error measure the parity tests hold it to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseSafetensors, type TensorRecord } from "../../src/tensor/safetensors.ts";

/** A reference run: its JSON (`ref`) and its tensors (`t`). */
export function loadTorchRun(dir: "zoo" | "deep", name: string): { ref: any; t: Record<string, TensorRecord> } {
  const url = (ext: string) => new URL(`../fixtures/${dir}/${name}.${ext}`, import.meta.url);
  const ref = JSON.parse(readFileSync(url("json"), "utf8"));
  const t = parseSafetensors(readFileSync(url("safetensors")), name).tensors;
  return { ref, t };
}

/** max |a − b| over max |b|: the error at the tensor's own scale. */
export function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}
