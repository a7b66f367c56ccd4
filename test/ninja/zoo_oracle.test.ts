// The autograd oracle of every zoo type (src/ninja/zoo_oracle*.ts) against real PyTorch 1.13: for each of
// makemore.py's bigram, mlp, rnn, gru, bow, transformer (seed 3407) and makemore part 5's WaveNet (seed 42),
// test/fixtures/zoo/<type>-<seed>.safetensors holds the parameters at init, the first batch X/Y and
// PyTorch's gradient of every parameter on it (grad.<name>); the .json holds the loss (first_loss). From the
// file's parameters and batch, the oracle's loss must be PyTorch's within 1e-5 and every gradient within
// float32 tolerance (referenceTolerance), in float64 and in float32.
// Letters: B batch, T block size, V vocabulary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { maxDiff } from "../../src/ninja/cmp.ts";
import { referenceTolerance } from "../../src/ninja/gradcheck.ts";
import {
  inferOracleConfig, oracleTypes, parameterProblem, zooForward, zooGradients, zooOracle, type OracleConfig,
} from "../../src/ninja/zoo_oracle.ts";
import { parseSafetensors, type TensorRecord } from "../../src/tensor/safetensors.ts";
import { tensorFromRecord } from "../../src/tensor/safetensors-tensor.ts";
import { Tensor } from "../../src/tensor/tensor.ts";

const FIXTURES = [
  ["bigram", "bigram-3407"], ["mlp", "mlp-3407"], ["rnn", "rnn-3407"], ["gru", "gru-3407"], ["bow", "bow-3407"],
  ["transformer", "transformer-3407"], ["wavenet", "wavenet-42"],
  ["deep", "../deep/deep-bn-53"], ["deep", "../deep/deep-nobn-53"],
] as const;

interface Fixture {
  json: { first_loss: number; n_head: number; vocab_size: number; block_size: number; n_embd: number; n_embd2: number; n_layer: number };
  records: Record<string, TensorRecord>;
  /** Parameter names in the file's order (PyTorch's named_parameters()). */
  names: string[];
  params: Record<string, Tensor>;
  X: Tensor;
  Y: Tensor;
  config: OracleConfig;
}

function load(file: string): Fixture {
  const url = (ext: string) => new URL(`../fixtures/zoo/${file}.${ext}`, import.meta.url);
  const json = JSON.parse(readFileSync(url("json"), "utf8"));
  const { tensors: records, metadata } = parseSafetensors(readFileSync(url("safetensors")), file);
  const names = Object.keys(records).filter((k) => !/^(grad|step3)\./.test(k) && k !== "X" && k !== "Y");
  const params = Object.fromEntries(names.map((k) => [k, tensorFromRecord(records[k], k)]));
  const X = tensorFromRecord(records.X, "X");
  const Y = tensorFromRecord(records.Y, "Y");
  const config = inferOracleConfig(metadata.type, (n) => records[n]?.shape, X.shape, { nHead: json.n_head });
  return { json, records, names, params, X, Y, config };
}

function checkAgainstPyTorch(type: string, file: string, dtype: "float32" | "float64"): void {
  const f = load(file);
  assert.equal(f.config.type, type);
  // the sizes read from the shapes are the run's
  assert.equal(f.config.vocabSize, f.json.vocab_size);
  assert.equal(f.config.blockSize, f.json.block_size);
  // the oracle's parameter list is PyTorch's, name for name, in named_parameters() order, shape for shape
  const shapes = zooOracle(type).shapes(f.config);
  assert.deepEqual(shapes.map(([n]) => n), f.names);
  for (const [n, s] of shapes) assert.deepEqual(s, f.records[n].shape, n);

  const t0 = performance.now();
  const { loss, grads, targets } = zooGradients(f.params, f.X, f.Y, f.config, dtype);
  const ms = performance.now() - t0;
  assert.ok(Math.abs(loss - f.json.first_loss) < 1e-5, `${type} [${dtype}]: loss ${loss} vs PyTorch ${f.json.first_loss}`);
  const lines: string[] = [];
  for (const name of f.names) {
    const theirs = tensorFromRecord(f.records[`grad.${name}`], `grad.${name}`);
    assert.equal(grads[name].dtype, dtype);
    const d = maxDiff(grads[name], theirs, referenceTolerance(theirs, targets));
    let scale = 0;
    for (const v of theirs.data) scale = Math.max(scale, Math.abs(v));
    lines.push(`  grad.${name.padEnd(40)} maxdiff ${d.maxdiff.toExponential(2)} (scale ${scale.toExponential(2)})`);
    assert.ok(d.close, `${type} [${dtype}] grad.${name}: maxdiff ${d.maxdiff} outside float32 tolerance of PyTorch's (scale ${scale})`);
    assert.ok(scale > 0, `grad.${name} is all zeros in PyTorch's file: it would not test anything`);
  }
  console.log(`${type} [${dtype}]: loss ${loss.toFixed(7)} (PyTorch ${f.json.first_loss.toFixed(7)}), ${targets} targets, ${ms.toFixed(0)} ms\n${lines.join("\n")}`);
}

for (const [type, file] of FIXTURES) {
  test(`${type} oracle (${file}): PyTorch's parameter list, loss within 1e-5, every gradient within float32 tolerance [float64]`, () => {
    checkAgainstPyTorch(type, file, "float64");
  });
}

test("the oracles in float32 agree with PyTorch too (the transformer's float64 run above stands for it)", () => {
  for (const [type, file] of FIXTURES) if (type !== "transformer") checkAgainstPyTorch(type, file, "float32");
});

test("every type of the fixtures has an oracle, and no other", () => {
  assert.deepEqual(oracleTypes(), [...new Set(FIXTURES.map(([t]) => t))]);
  assert.throws(() => zooOracle("lecture"), { name: "ConfigError", message: /no autograd oracle for model type "lecture".*bigram, mlp/ });
});

test("the ignored targets (-1) count for nothing: the loss is the mean over the others", () => {
  const f = load("rnn-3407");
  const { loss } = zooForward(f.params, f.X, f.Y, f.config);
  // the same rows with every ignored position's target replaced by 0: a different (larger-denominator) mean
  const Y0 = new Tensor(Int32Array.from(f.Y.data, (y) => (y === -1 ? 0 : y)), f.Y.shape);
  const all = zooForward(f.params, f.X, Y0, f.config).loss.item();
  assert.ok(Array.from(f.Y.data).some((y) => y === -1), "the batch has padded positions");
  assert.ok(Math.abs(all - loss.item()) > 1e-3, `${all} vs ${loss.item()}`);
});

test("parameters that do not fit the type: one message naming the tensor and what was expected", () => {
  const f = load("mlp-3407");
  const shapeOf = (p: Record<string, Tensor>) => (n: string) => p[n]?.shape;
  assert.equal(parameterProblem(f.config, shapeOf(f.params), Object.keys(f.params)), null);
  const { "mlp.2.bias": _, ...missing } = f.params;
  assert.match(parameterProblem(f.config, shapeOf(missing)) ?? "", /^missing parameter 'mlp\.2\.bias' \(type mlp has wte\.weight, mlp\.0\.weight/);
  // the lectures' (in, out) layout where PyTorch's (out, in) is expected
  const lecture = { ...f.params, "mlp.2.weight": f.params["mlp.2.weight"].T };
  assert.equal(parameterProblem(f.config, shapeOf(lecture)), "parameter 'mlp.2.weight' has shape [64, 27], expected [27, 64] (PyTorch's layout)");
  assert.throws(() => zooForward(lecture, f.X, f.Y, f.config), { name: "ConfigError", message: /^the mlp oracle: parameter 'mlp\.2\.weight' has shape/ });
  assert.throws(() => zooForward({ ...f.params, extra: f.params["mlp.2.bias"] }, f.X, f.Y, f.config), { message: /unexpected parameter 'extra' for type mlp/ });
  const t = load("transformer-3407");
  assert.throws(() => zooForward(t.params, t.X, t.Y, { ...t.config, nHead: 5 }), { name: "ConfigError", message: /nHead 5 does not divide nEmbd 64/ });
});
