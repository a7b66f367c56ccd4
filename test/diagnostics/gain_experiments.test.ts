// makemore part 3's gain experiments (src/diagnostics/gain_experiments.ts) against real PyTorch: the deeper
// network without BatchNorm at gains 1, 5/3 and 3 (test/fixtures/deep/deep-nobn-{1,53,3}.json, written by
// test/fixtures/make/torch_deep.py with the lecture's own classes). At the first step, every Tanh layer's
// mean, std, saturation and gradient std as the lecture prints them; the update:data ratios at steps 0 and
// 1000. And the lecture's point, read off PyTorch's numbers and ours alike: at gain 1 the activations
// shrink layer by layer, at 3 every layer saturates far more than at 5/3.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRun } from "../../src/node/run_dir.ts";
import { DeepMLP } from "../../src/models/deep.ts";
import { GAINS, gainExperiments } from "../../src/diagnostics/gain_experiments.ts";

const ref = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/deep/deep-${name}.json`, import.meta.url), "utf8"));
const REFS: Record<string, any> = { "1": ref("nobn-1"), "5/3": ref("nobn-53"), "3": ref("nobn-3") };

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs PyTorch ${want} (tolerance ${tol})`);

test("the gain experiments (no BatchNorm; gains 1, 5/3, 3) reproduce PyTorch's first-step layer statistics and update:data ratios, and show the lecture's point", () => {
  const run = createRun({ type: "deep", steps: 1, torchVersion: "1.13" });
  const m = run.model as DeepMLP;
  const e = gainExperiments(m.config, run.corpus.data.train!, m.kernels, { seed: 2147483647n, batchSize: 32, torchVersion: "1.13" });
  assert.deepEqual(e.experiments.map((x) => x.label), GAINS.map((g) => g.label));
  for (const x of e.experiments) {
    const r = REFS[x.label];
    assert.equal(x.gain, r.gain);
    close(x.init.loss, r.first_loss, 1e-5, `gain ${x.label}: first loss`);
    const tanh = x.init.layers.filter((l) => l.kind === "Tanh");
    assert.deepEqual(tanh.map((l) => l.name), r.at0.tanh.map((t: any) => `layer ${t.layer} (Tanh)`));
    tanh.forEach((l, i) => {
      const t = r.at0.tanh[i];
      close(l.output.mean, t.mean, 1e-5, `gain ${x.label} ${l.name} mean`);
      close(l.output.std, t.std, 1e-5, `gain ${x.label} ${l.name} std`);
      close(l.output.saturated, t.saturated, 1e-6, `gain ${x.label} ${l.name} saturated`);
      close(l.grad!.std / t.grad_std, 1, 1e-4, `gain ${x.label} ${l.name} grad std (ratio)`);
    });
    const s = x.series;
    assert.equal(s.steps[0], 0);
    assert.equal(s.steps.at(-1), 1000);
    s.updateToData.forEach((row, i) => {
      close(row[0], r.ud["0"][i], 1e-4, `gain ${x.label} ud[0] ${s.parameters[i]}`);
      close(row.at(-1)!, r.ud["1000"][i], 2e-2, `gain ${x.label} ud[1000] ${s.parameters[i]}`);
    });
  }
  const std = (label: string) => e.experiments.find((x) => x.label === label)!.init.layers.filter((l) => l.kind === "Tanh").map((l) => l.output.std);
  const sat = (label: string) => e.experiments.find((x) => x.label === label)!.init.layers.filter((l) => l.kind === "Tanh").map((l) => l.output.saturated);
  const g1 = std("1");
  for (let i = 1; i < g1.length; i++) assert.ok(g1[i] < g1[i - 1], `gain 1: layer ${i} std ${g1[i]} should be below the layer before's ${g1[i - 1]}`);
  sat("3").forEach((v, i) => assert.ok(v > 2 * sat("5/3")[i], `gain 3 saturates layer ${i} (${v}) far more than 5/3 (${sat("5/3")[i]})`));
});
