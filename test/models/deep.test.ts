// makemore part 3's deeper network against real PyTorch (test/fixtures/deep/, written by
// test/fixtures/make/torch_deep.py with torch 1.13 and the lecture's own Linear/BatchNorm1d/Tanh classes):
// with BatchNorm at gain 1 (the lecture notebook's last cell, whose printouts the fixture reproduces: first
// loss 3.2870, "layer 2 (Tanh): … saturated: 2.78%", train 2.4003 / val 2.3982), with BatchNorm at gain 5/3
// (our default), and without BatchNorm at gain 5/3. For each: the parameter count and names; the initial
// parameters bit for bit; the first batch; the first loss and gradients; the parameters after 3 SGD steps;
// then, at step 1000 (where the lecture breaks its loop to look inside), what the lecture's cells print —
// every Tanh layer's mean, std, saturation and gradient std, every weight's grad:data ratio, the update:data
// ratios — and the train/val losses in evaluation mode (running statistics). The reference (TypeScript)
// kernels are held to the first three steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTorchRun, relErr } from "./torch_fixture.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { numParameters } from "../../src/models/model.ts";
import { DeepMLP } from "../../src/models/deep.ts";
import { layerStats, parameterStats, updateToDataRatios } from "../../src/diagnostics/layers.ts";
import { createTsKernels, wasmKernels, type Kernels } from "../../src/kernels/index.ts";

const load = (name: string) => loadTorchRun("deep", name);

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs PyTorch ${want} (tolerance ${tol})`);

const CASES: [string, Record<string, unknown>][] = [
  ["bn-1", { gain: 1 }],
  ["bn-53", {}],
  ["nobn-53", { batchNorm: false }],
];

const BACKENDS: [string, Kernels][] = [["wasm", wasmKernels()], ["ts", createTsKernels()]];

for (const [backend, kernels] of BACKENDS) {
  for (const [name, model] of CASES) {
    test(`deep (makemore part 3's deeper network, ${name}) matches PyTorch: init bits, first batch, gradients, SGD steps, the lecture's step-1000 printouts, eval losses [${backend}]`, () => {
      const { ref, t } = load(`deep-${name}`);
      const run = createRun({ type: "deep", model, steps: 1001, torchVersion: "1.13" }, { kernels });
      const m = run.model as DeepMLP;
      assert.ok(m instanceof DeepMLP);
      assert.equal(m.config.gain, ref.gain);
      assert.equal(numParameters(m), ref.params);
      assert.deepEqual(m.parameters().map((p) => p.name), ref.names);
      assert.deepEqual(run.corpus.words.train!.slice(0, 5), ref.first_words);
      for (const p of m.parameters()) {
        assert.deepEqual(p.shape, t[p.name].shape, `${p.name} shape`);
        assert.deepEqual(new Uint32Array(p.data.view.slice().buffer), new Uint32Array((t[p.name].data as Float32Array).slice().buffer), `${p.name}: init differs from PyTorch's bits`);
      }
      // the first batch: the generator's next draws after the init
      const g = run.generator.clone();
      const train = run.corpus.data.train!;
      const ix = g.randint(0, train.size, [32]);
      assert.deepEqual(Int32Array.from(ix, (e) => train.Y[e]), t.Y.data, "first batch Y");
      const first = run.trainer.trainStep();
      close(first, ref.first_loss, 1e-5, "first loss");
      for (const p of m.parameters()) {
        const e = relErr(p.grad.view, t[`grad.${p.name}`].data as Float32Array);
        assert.ok(e < 1e-5, `grad.${p.name}: max error ${e} of its scale`);
      }
      const ud0 = new Float64Array(m.parameters().length);
      updateToDataRatios(m, 0.1, ud0);
      ud0.forEach((r, i) => close(r, ref.ud["0"][i], 1e-4, `ud[0][${i}] (${m.parameters()[i].name})`));
      run.trainer.trainStep();
      run.trainer.trainStep();
      for (const p of m.parameters()) {
        const e = relErr(p.data.view, t[`step3.${p.name}`].data as Float32Array);
        assert.ok(e < 1e-5, `step3.${p.name}: max error ${e} of its scale`);
      }
      if (backend === "ts") return; // the reference kernels: up to here (the 1000 steps and the evaluation take 40 s)
      run.train(998); // steps 3–1000: the lecture's loop breaks after i = 1000
      for (const [k, want] of Object.entries(ref.trace) as [string, number][]) close(run.trainer.losses[Number(k)], want, 2e-3, `loss at step ${k}`);

      // the lecture's cells at step 1000: activations and their gradients per Tanh layer …
      const layers = layerStats(m);
      const tanh = layers.filter((l) => l.kind === "Tanh");
      assert.deepEqual(tanh.map((l) => l.name), ref.at1000.tanh.map((r: any) => `layer ${r.layer} (Tanh)`));
      tanh.forEach((l, i) => {
        const r = ref.at1000.tanh[i];
        close(l.output.mean, r.mean, 2e-3, `${l.name} mean`);
        close(l.output.std, r.std, 2e-3, `${l.name} std`);
        close(l.output.saturated, r.saturated, 2e-3, `${l.name} saturated`);
        close(l.grad!.std / r.grad_std, 1, 2e-2, `${l.name} grad std (ratio)`);
      });
      // … the 2-D parameters' gradients and grad:data ratios …
      const weights = parameterStats(m).filter((p) => p.shape.length === 2);
      assert.deepEqual(weights.map((p) => p.name), ref.at1000.weights.map((r: any) => r.name));
      weights.forEach((p, i) => close(p.gradToData / ref.at1000.weights[i].grad_data, 1, 2e-2, `${p.name} grad:data (ratio)`));
      // … the update:data ratios of the last step …
      const ud = new Float64Array(m.parameters().length);
      updateToDataRatios(m, 0.1, ud);
      ud.forEach((r, i) => close(r, ref.ud["1000"][i], 1e-2, `ud[1000][${i}] (${m.parameters()[i].name})`));
      // … and the split losses with the running statistics, as the lecture's split_loss
      const losses = run.evaluate(m.batchNorms().length ? "running" : null, ["train", "val"]);
      close(losses.train!, ref.final.train, 1e-3, "train loss after 1001 steps");
      close(losses.val!, ref.final.val, 1e-3, "val loss after 1001 steps");
    });
  }
}
