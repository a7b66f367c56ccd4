// `makemore gradcheck` (src/cli/gradcheck.ts), run in-process on a Command of its own (as src/cli/main.ts
// wires commands): the table, --json, --reference, exit code 1 for a failed check, 2 for bad flags, and
// one line without a stack trace for a bad reference file.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSafetensors, serializeSafetensors } from "../../src/tensor/safetensors.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/ninja-2147483647-h64.safetensors", import.meta.url));

test("makemore gradcheck: the lecture's table for makemore part 4, exercises 2 and 3, exit code 0", async () => {
  const r = await run("gradcheck");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^gradcheck: seed 2147483647, n_hidden 64, batch 32, loss 3\.5571470$/m);
  assert.match(r.out, /^dlogprobs {7}\| exact: True  \| approximate: True  \| maxdiff: 0\.0$/m);
  assert.match(r.out, /^dC {14}\| exact: False \| approximate: True  \| maxdiff: \d\.\de-09$/m);
  assert.match(r.out, /exercise 2: cross-entropy backward in one expression\ndlogits {9}\| exact: False \| approximate: True  \| maxdiff: 5\.6e-09/);
  assert.match(r.out, /exercise 3: BatchNorm backward in one expression\ndhprebn {9}\| exact: False \| approximate: True  \| maxdiff: 9\.3e-10/);
  assert.match(r.out, /^fast path: the layers the trainer runs \(src\/nn, wasm kernels\), loss 3\.5571470/m);
  assert.match(r.out, /ok: all 41 gradients approximately equal$/m);
  assert.equal(r.out.split("\n").filter((l) => / \| approximate: True /.test(l)).length, 41);
});

test("makemore gradcheck --seed --n-hidden --batch-size --json", async () => {
  const r = await run("gradcheck", "--seed", "1", "--n-hidden", "7", "--batch-size", "9", "--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.source, { kind: "seed", seed: 1 });
  assert.equal(j.nHidden, 7);
  assert.equal(j.batchSize, 9);
  assert.equal(j.ok, true);
  assert.equal(j.rows.length, 26);
  assert.deepEqual(j.exercises.map((e: { name: string }) => e.name), ["dlogits", "dhprebn"]);
  assert.ok(j.rows.every((row: { approximate: boolean }) => row.approximate));
});

test("makemore gradcheck --reference: every row also against PyTorch's numbers", async () => {
  const r = await run("gradcheck", "--reference", FIXTURE);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^gradcheck: reference .*ninja-2147483647-h64\.safetensors, n_hidden 64, batch 32, loss 3\.5571470$/m);
  assert.match(r.out, /^dW1 .*\| vs PyTorch: value 0\.0 +grad \S+ +manual \S+ +ok$/m);
  assert.equal(r.out.split("\n").filter((l) => / ok$/.test(l)).length, 41);
  assert.match(r.out, /within float32 tolerance of PyTorch/);
});

test("a reference whose gradients PyTorch computed differently fails with exit code 1 after the table", async () => {
  const dir = mkdtempSync(join(tmpdir(), "makemore-gradcheck-"));
  const { tensors, metadata } = parseSafetensors(readFileSync(FIXTURE), FIXTURE);
  const dW1 = (tensors.dW1.data as Float32Array).slice();
  dW1[7] *= 2; // "I edited a backward formula in my notebook"
  const bad = join(dir, "edited.safetensors");
  writeFileSync(bad, serializeSafetensors({ ...tensors, dW1: { ...tensors.dW1, data: dW1 } }, metadata));
  const r = await run("gradcheck", "--reference", bad);
  assert.equal(r.code, 1);
  assert.match(r.out, /^dW1 .*NOT OK$/m);
  assert.equal(
    r.err,
    "makemore: gradient check failed: dW1 vs PyTorch: autograd's gradient, our gradient outside float32 tolerance; " +
      "dW1 (fast path) vs PyTorch: autograd's gradient, our gradient outside float32 tolerance\n",
  );
  // a malformed file: one line naming the file and the missing tensor, no stack trace
  const { dhpreact: _, ...rest } = tensors;
  const missing = join(dir, "missing.safetensors");
  writeFileSync(missing, serializeSafetensors(rest, metadata));
  const m = await run("gradcheck", "--reference", missing);
  assert.equal(m.code, 1);
  assert.match(m.err, /^makemore: .*missing\.safetensors: not a gradcheck reference file: missing tensor 'dhpreact'/);
  assert.doesNotMatch(m.err, /\n\s+at /);
  const none = await run("gradcheck", "--reference", join(dir, "nope.safetensors"));
  assert.equal(none.code, 1);
  assert.match(none.err, /nope\.safetensors: cannot read/);
});

test("bad flags exit 2 with one line", async () => {
  for (const [args, pattern] of [
    [["gradcheck", "--batch-size", "7"], /--batch-size.*must be an integer >= 8/],
    [["gradcheck", "--n-hidden", "x"], /--n-hidden.*must be an integer/],
    [["gradcheck", "--seed", "-3"], /--seed.*must be an integer >= 0/],
    [["gradcheck", "--bogus"], /unknown option '--bogus'/],
    [["gradcheck", "--reference", FIXTURE, "--n-hidden", "32"], /--n-hidden cannot be combined with --reference/],
  ] as const) {
    const r = await run(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  }
});
