// `makemore gradcheck` (src/cli/gradcheck.ts), run in-process on a Command of its own (as src/cli/main.ts
// wires commands): the table, --json, --reference, exit code 1 for a failed check, 2 for bad flags, and
// one line without a stack trace for a bad reference file; makemore part 4's check, and --type T, every
// registered model type's fast path against its autograd oracle (and a PyTorch file of the zoo's layout).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSafetensors, serializeSafetensors } from "../../src/tensor/safetensors.ts";
import { modelType, modelTypeNames } from "../../src/models/registry.ts";
import { hasOracle, zooOracle } from "../../src/ninja/zoo_oracle.ts";

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

// ---- --type T: a model type's fast path against its autograd oracle (src/ninja/zoo_gradcheck.ts) ----------

const ZOO = (name: string) => fileURLToPath(new URL(`../fixtures/zoo/${name}.safetensors`, import.meta.url));
/** Every registered type with an oracle (makemore.py's as the registry gains them, and the WaveNet). */
const ORACLE_TYPES = modelTypeNames().filter(hasOracle);

test("makemore gradcheck --type T: every registered type with an oracle exits 0, one row per parameter", async () => {
  assert.ok(ORACLE_TYPES.includes("bigram") && ORACLE_TYPES.includes("wavenet"), ORACLE_TYPES.join(", "));
  for (const type of ORACLE_TYPES) {
    const t0 = performance.now();
    const r = await run("gradcheck", "--type", type, "--json");
    assert.equal(r.code, 0, `${type}: ${r.err}`);
    const j = JSON.parse(r.out);
    assert.equal(j.type, type);
    assert.equal(j.source.kind, "seed");
    assert.equal(j.source.seed, String(modelType(type).training.seed), "the type's seed, as train uses");
    assert.equal(j.batchSize, modelType(type).training.batchSize);
    // one row per parameter of the type, in the fast path's (state_dict) order, each approximately equal
    assert.deepEqual(j.rows.map((x: { name: string }) => x.name), zooOracle(type).shapes(j.config).map(([n]) => n));
    assert.ok(j.rows.every((x: { approximate: boolean }) => x.approximate), type);
    assert.ok(Math.abs(j.loss.fast - j.loss.autograd) < 1e-5, `${type}: losses ${j.loss.fast} and ${j.loss.autograd}`);
    console.log(`gradcheck --type ${type}: ${j.rows.length} rows, loss ${j.loss.fast}, ${(performance.now() - t0).toFixed(0)} ms`);
  }
  // the table as printed
  const r = await run("gradcheck", "--type", "bigram");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^gradcheck --type bigram: seed 3407, batch 32 \(\d+ targets\), 729 parameters$/m);
  assert.match(r.out, /^logits {10}\| exact: (True |False) \| approximate: True  \| maxdiff: \S+$/m);
  assert.match(r.out, /^ok: the 1 gradient approximately equal$/m);
});

test("makemore gradcheck --type wavenet --seed --batch-size: the flags reach the run", async () => {
  const r = await run("gradcheck", "--type", "wavenet", "--seed", "7", "--batch-size", "9", "--n-hidden", "16");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^gradcheck --type wavenet: seed 7, batch 9 \(9 targets\), \d+ parameters$/m);
  for (const name of ["C", "W0", "gamma0", "beta0", "W1", "W2", "Wout", "bout"]) {
    assert.match(r.out, new RegExp(`^${name} +\\| exact: \\S+ +\\| approximate: True `, "m"), name);
  }
  assert.match(r.out, /ok: all 12 gradients approximately equal$/m);
});

test("makemore gradcheck --reference <a zoo file>: the type from its metadata, every row also against PyTorch", async () => {
  const r = await run("gradcheck", "--reference", ZOO("bigram-3407"));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^gradcheck --type bigram: reference .*bigram-3407\.safetensors, batch 32 \(\d+ targets\), 729 parameters$/m);
  assert.match(r.out, /^logits .*\| approximate: True .*\| vs PyTorch: autograd \S+ +fast \S+ +ok$/m);
  assert.match(r.out, /ok: the 1 gradient approximately equal, and within float32 tolerance of PyTorch$/m);
  const w = await run("gradcheck", "--type", "wavenet", "--reference", ZOO("wavenet-42"), "--json");
  assert.equal(w.code, 0, w.err);
  const j = JSON.parse(w.out);
  assert.equal(j.rows.length, 12);
  assert.ok(j.rows.every((x: { reference: { ok: boolean } }) => x.reference.ok));
});

test("a zoo reference whose gradient PyTorch computed differently fails with exit code 1 after the table", async () => {
  const dir = mkdtempSync(join(tmpdir(), "makemore-gradcheck-zoo-"));
  const file = ZOO("bigram-3407");
  const { tensors, metadata } = parseSafetensors(readFileSync(file), file);
  const g = (tensors["grad.logits"].data as Float32Array).slice();
  g[100] += 1e-3;
  const bad = join(dir, "edited.safetensors");
  writeFileSync(bad, serializeSafetensors({ ...tensors, "grad.logits": { ...tensors["grad.logits"], data: g } }, metadata));
  const r = await run("gradcheck", "--reference", bad);
  assert.equal(r.code, 1);
  assert.match(r.out, /^logits .*\| approximate: True .*NOT OK$/m, "the fast path still agrees with autograd; both disagree with the file");
  assert.equal(r.err, "makemore: gradient check failed: logits vs PyTorch: autograd's gradient, the fast path's gradient outside float32 tolerance\n");
  // a file without its type in __metadata__: one line asking for --type
  const untyped = join(dir, "untyped.safetensors");
  writeFileSync(untyped, serializeSafetensors(tensors, {}));
  const u = await run("gradcheck", "--reference", untyped);
  assert.equal(u.code, 2);
  assert.match(u.err, /untyped\.safetensors names no model type in its __metadata__: pass --type/);
  assert.equal((await run("gradcheck", "--reference", untyped, "--type", "bigram")).code, 0);
  // a malformed one: a CheckpointError naming the file and the tensor
  const { "grad.logits": _, ...rest } = tensors;
  const missing = join(dir, "missing.safetensors");
  writeFileSync(missing, serializeSafetensors(rest, metadata));
  const m = await run("gradcheck", "--reference", missing);
  assert.equal(m.code, 1);
  assert.match(m.err, /^makemore: .*missing\.safetensors: not a zoo reference file: missing tensor 'grad\.logits'/);
  assert.doesNotMatch(m.err, /\n\s+at /);
});

test("bad --type and flags that make no sense for the type exit 2 with one line", async () => {
  for (const [args, pattern] of [
    [["gradcheck", "--type", "nope"], /option '--type <type>' argument 'nope' is invalid\. Allowed choices are lecture, /],
    [["gradcheck", "--type", "bigram", "--n-embd", "8"], /^makemore: --n-embd is not a setting of --type bigram \(its settings: none\)$/m],
    [["gradcheck", "--type", "bigram", "--n-hidden", "8"], /--n-hidden is not a setting of --type bigram/],
    [["gradcheck", "--n-embd", "8"], /--n-embd is not a setting of makemore part 4's check/],
    [["gradcheck", "--reference", ZOO("bigram-3407"), "--seed", "3"], /--seed cannot be combined with --reference: the parameters and the batch come from the file/],
    [["gradcheck", "--reference", ZOO("bigram-3407"), "--type", "wavenet"], /--type wavenet, but .*bigram-3407\.safetensors is a reference of type bigram/],
    [["gradcheck", "--type", "lecture", "--reference", ZOO("bigram-3407")], /--type lecture, but .* is a reference of type bigram/],
    [["gradcheck", "--reference", ZOO("wavenet-42"), "--n-hidden", "16"], /--n-hidden cannot be combined with --reference: the file's shapes give it/],
    [["gradcheck", "--type", "wavenet", "--block-size", "6"], /--block-size must be a power of two/],
  ] as const) {
    const r = await run(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split("\n").length, 1, `one line: ${r.err}`);
  }
});
