// `gradcheck --type T` as a library (src/ninja/zoo_gradcheck.ts, zoo_reference.ts): the fast path of a
// registered type against its autograd oracle, from a seed as `makemore train` starts, and from a
// real-PyTorch file of the zoo's layout (test/fixtures/zoo/); a wrong hand-written gradient is caught; a
// malformed reference file is refused naming the file and the tensor.
// Letters: B batch, T block size, V vocabulary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { createTsKernels, wasmKernels } from "../../src/kernels/index.ts";
import { buildModel, initModel, modelConfig, modelTypeNames } from "../../src/models/registry.ts";
import { readWordFile } from "../../src/node/words.ts";
import { Generator } from "../../src/random/generator.ts";
import { Tensor } from "../../src/tensor/tensor.ts";
import { parseSafetensors, type TensorRecord } from "../../src/tensor/safetensors.ts";
import { hasOracle } from "../../src/ninja/zoo_oracle.ts";
import {
  checkAutogradMemory, formatZooGradcheck, zooGradcheck, zooGradcheckFromSeed, zooGradcheckReference,
} from "../../src/ninja/zoo_gradcheck.ts";
import { zooReferenceFromRecords } from "../../src/ninja/zoo_reference.ts";

const list = readWordFile();
const words = { words: list.words, source: list.source };
const fixture = (name: string) => {
  const file = `test/fixtures/zoo/${name}.safetensors`;
  const { tensors, metadata } = parseSafetensors(readFileSync(new URL(`../fixtures/zoo/${name}.safetensors`, import.meta.url)), file);
  const json = JSON.parse(readFileSync(new URL(`../fixtures/zoo/${name}.json`, import.meta.url), "utf8"));
  return { file, tensors, metadata, json };
};

test("from a seed, as `makemore train` starts: with PyTorch 1.13's streams, the loss is the reference run's first loss", () => {
  // the split, the init and the first batch all come from the one generator: a different batch or init
  // would give a different loss
  for (const [type, name] of [["mlp", "mlp-3407"], ["bow", "bow-3407"], ["wavenet", "wavenet-42"]] as const) {
    if (!modelTypeNames().includes(type)) continue;
    const { json } = fixture(name);
    const r = zooGradcheckFromSeed(words, { type, torchVersion: "1.13" });
    console.log(formatZooGradcheck(r));
    assert.ok(r.ok, r.failures.join("; "));
    assert.equal(r.batchSize, json.batch_size);
    assert.equal(r.parameters, json.params);
    assert.ok(Math.abs(r.loss.autograd - json.first_loss) < 1e-5, `${type}: autograd's loss ${r.loss.autograd} vs PyTorch's first loss ${json.first_loss}`);
    assert.ok(Math.abs(r.loss.fast - json.first_loss) < 1e-5, `${type}: the fast path's loss ${r.loss.fast} vs ${json.first_loss}`);
  }
});

test("on PyTorch's files: every row approximately equal to autograd and within float32 tolerance of PyTorch, on both backends", () => {
  for (const kernels of [wasmKernels(), createTsKernels()]) {
    for (const name of ["bigram-3407", "mlp-3407", "rnn-3407", "gru-3407", "bow-3407", "wavenet-42"]) {
      const { file, tensors, metadata } = fixture(name);
      if (!modelTypeNames().includes(metadata.type)) continue;
      const r = zooGradcheckReference(zooReferenceFromRecords(tensors, file, metadata), { kernels });
      assert.deepEqual(r.failures, [], `${name} [${kernels.name}]`);
      assert.equal(r.kernels, kernels.name);
      assert.deepEqual(r.rows.map((x) => x.name), Object.keys(tensors).filter((k) => k.startsWith("grad.")).map((k) => k.slice(5)));
      assert.ok(r.rows.every((x) => x.approximate && x.reference?.ok && !x.transposed), name);
    }
  }
});

test("a wrong hand-written gradient is caught: the row fails, the verdict names the parameter", () => {
  for (const type of ["bigram", "rnn"].filter((t) => modelTypeNames().includes(t) && hasOracle(t))) {
    const kernels = wasmKernels();
    const mark = kernels.arena.mark();
    try {
      const config = modelConfig(type, { vocabSize: 27, blockSize: 5 }, type === "rnn" ? { nEmbd: 6, nEmbd2: 7 } : {});
      const model = buildModel(config, kernels, 8);
      const g = new Generator(1);
      initModel(model, g);
      for (const p of model.parameters()) for (let i = 0; i < p.data.length; i++) p.data.view[i] += 0.1 * Math.sin(i); // not all zeros
      const X = new Tensor(g.randint(0, 27, [8, 5]), [8, 5]);
      const Y = new Tensor(Int32Array.from(g.randint(0, 27, [40]), (y, i) => (i % 5 === 4 ? -1 : y)), [40]);
      assert.ok(zooGradcheck(model, X, Y, { kind: "seed", seed: "1" }).ok, `${type}: the untouched fast path passes`);
      // "I edited a backward formula": one parameter's gradient is scaled by 1.01 after the backward
      const victim = model.parameters()[model.parameters().length - 1];
      const backward = model.backward.bind(model);
      model.backward = () => {
        backward();
        for (let i = 0; i < victim.grad.length; i++) victim.grad.view[i] *= 1.01;
      };
      const r = zooGradcheck(model, X, Y, { kind: "seed", seed: "1" });
      assert.equal(r.ok, false);
      assert.deepEqual(r.failures.map((f) => f.split(" ")[0]), [victim.name]);
      assert.match(formatZooGradcheck(r), new RegExp(`^${victim.name.replace(/\./g, "\\.")} +\\| exact: False \\| approximate: False `, "m"));
      assert.match(formatZooGradcheck(r), /^FAILED: /m);
    } finally {
      kernels.arena.release(mark);
    }
  }
});

test("the autograd side's memory is checked before the work", () => {
  const config = modelConfig("bigram", { vocabSize: 27, blockSize: 16 });
  checkAutogradMemory(config, 32, 2 ** 30);
  assert.throws(() => checkAutogradMemory(config, 32, 1000), {
    name: "ConfigError",
    message: /^gradcheck --type bigram with a batch of 32: the autograd side of the check would hold about .* more than the 1000 B it may use: use a smaller --batch-size or model$/,
  });
  assert.throws(() => zooGradcheckFromSeed(words, { type: "bigram", memoryLimit: 1000 }), { name: "ConfigError" });
});

test("a malformed zoo reference is refused: one CheckpointError naming the file and what is wrong", () => {
  const { file, tensors, metadata } = fixture("rnn-3407");
  const edit = (changes: Record<string, TensorRecord | undefined>, meta = metadata) => {
    const t: Record<string, TensorRecord> = { ...tensors };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete t[k];
      else t[k] = v;
    }
    return () => zooReferenceFromRecords(t, file, meta);
  };
  const fails = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: Error) => e.name === "CheckpointError" && e.message.startsWith(`${file}: not a zoo reference file: `) && pattern.test(e.message));
  fails(edit({ "grad.start": undefined }), /missing tensor 'grad\.start'/);
  fails(edit({ "lm_head.weight": undefined }), /missing tensor 'lm_head\.weight' \(a reference of type rnn holds start, wte\.weight/);
  fails(edit({ "cell.xh_to_h.bias": { ...tensors["cell.xh_to_h.bias"], shape: [2, 32] } }), /parameter 'cell\.xh_to_h\.bias' has shape \[2, 32\], expected \[64\]/);
  fails(edit({ extra: tensors.start }), /unexpected parameter 'extra' for type rnn/);
  fails(edit({ start: { ...tensors.start, dtype: "F64", data: new Float64Array(64) } }), /tensor 'start' is F64, expected F32/);
  const X = (tensors.X.data as Int32Array).slice();
  X[3] = 27;
  fails(edit({ X: { ...tensors.X, data: X } }), /X holds 27, outside the vocabulary of 27 tokens/);
  fails(edit({ Y: { ...tensors.Y, shape: [16, 32] } }), /Y has shape \[16, 32\], expected \[32, 16\] or \[32\]/);
  fails(edit({}, {}), /names no model type \(pass --type\)/);
  fails(edit({}, { type: "lecture" }), /type "lecture" has no autograd oracle/);
  assert.equal(zooReferenceFromRecords(tensors, file, {}, { type: "rnn" }).type, "rnn", "--type stands in for the metadata");
});
