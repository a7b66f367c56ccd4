// The lab's settings in the URL (web/settings.ts): the type's own config fields under the CLI's flag names,
// fractions as the CLI takes them, what does not parse dropped and named, a round trip through the query,
// and a saved run's settings told back as a link.
import { test } from "node:test";
import assert from "node:assert/strict";
import { modelType, modelTypeNames } from "../../src/models/registry.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { DEFAULT_SETTINGS, labSettingsOf, queryOf, settingsFromQuery } from "../../web/settings.ts";

const fieldsOf = (t: string) => (modelTypeNames().includes(t) ? modelType(t).fields : null);

test("a link's settings: the type's config fields by flag name, a fraction for the gain, the switch as 0/1, the schedule", () => {
  const { settings, ignored } = settingsFromQuery("?type=deep&gain=5/3&batchnorm=0&n-layer=3&seed=18446744073709551615&batch=64&lr=0.05&lr-decay-step=none&eval=0&sample-every=50&kernels=simd", fieldsOf);
  assert.deepEqual(ignored, []);
  assert.deepEqual(settings, { type: "deep", seed: "18446744073709551615", batchSize: 64, lr: 0.05, lrDecayStep: "none", model: { gain: 5 / 3, batchNorm: false, nLayer: 3 }, evalEvery: 0, sampleEvery: 50, kernels: "simd" });
  const back = settingsFromQuery(`?${queryOf(settings, modelType("deep").fields)}`, fieldsOf);
  assert.deepEqual(back.settings, settings, "the query round-trips");
  assert.equal(settingsFromQuery("?lr-decay-step=5000", fieldsOf).settings.lrDecayStep, 5000);
  // the kernels' build: auto (the browser's best) is the default and stays out of the link
  assert.equal(settingsFromQuery("?kernels=relaxed", fieldsOf).settings.kernels, "relaxed");
  assert.equal(settingsFromQuery("?kernels=auto", fieldsOf).settings.kernels, "auto");
  assert.equal(queryOf({ ...settings, kernels: "auto" }, modelType("deep").fields).includes("kernels"), false);
});

test("what does not parse, is out of range or belongs to no setting of the type is dropped and named", () => {
  const { settings, ignored } = settingsFromQuery("?type=lecture&n-hidden=0&init=bogus&gain=2&batchnorm=yes&seed=-1&lr=0&batch=1.5&x=1&kernels=fma", fieldsOf);
  assert.deepEqual(settings.model, {});
  assert.deepEqual([settings.seed, settings.batchSize, settings.lr], [null, null, null]);
  assert.deepEqual(ignored.sort(), ["batch", "batchnorm", "gain", "init", "kernels", "lr", "n-hidden", "seed", "x"].sort());
  assert.equal(settings.kernels, "auto");
  assert.deepEqual(settingsFromQuery("?type=gpt", fieldsOf), { settings: { ...DEFAULT_SETTINGS, model: {} }, ignored: ["type"] });
});

test("whole numbers are decimal digits only: hex, exponents, signs and seeds of 2^64 or more are refused", () => {
  for (const [q, name] of [["batch=0x20", "batch"], ["batch=1e2", "batch"], ["batch=+5", "batch"], ["eval=0b11", "eval"], ["n-hidden=0x40", "n-hidden"], ["seed=18446744073709551616", "seed"], ["seed=0x10", "seed"], ["lr-decay-step=1e5", "lr-decay-step"], ["sample-every=-1", "sample-every"]]) {
    const { settings, ignored } = settingsFromQuery(`?${q}`, fieldsOf);
    assert.deepEqual(ignored, [name], q);
    assert.equal(settings.batchSize, null, q);
    assert.deepEqual(settings.model, {}, q);
  }
});

test("a run's settings as the lab's: its type's defaults left out, what differs kept, so its link rebuilds it", () => {
  const plain = createRun({ steps: 10 });
  assert.deepEqual(labSettingsOf(plain.settings, { evalEvery: 1000, sampleEvery: 10000 }), { ...DEFAULT_SETTINGS, model: {} });
  const odd = createRun({ type: "deep", steps: 10, seed: 7, batchSize: 16, lr: 0.2, lrDecayStep: null, model: { nLayer: 2, gain: 1, batchNorm: false } });
  const s = labSettingsOf(odd.settings, { evalEvery: 0, sampleEvery: 0 });
  assert.deepEqual(s, { type: "deep", seed: "7", batchSize: 16, lr: 0.2, lrDecayStep: "none", model: { nLayer: 2, gain: 1, batchNorm: false }, evalEvery: 0, sampleEvery: 0, kernels: "auto" });
  assert.equal(queryOf(s, modelType("deep").fields), "type=deep&seed=7&batch=16&lr=0.2&lr-decay-step=none&n-layer=2&batchnorm=0&gain=1&eval=0&sample-every=0");
});
