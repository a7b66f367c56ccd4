// The lab's settings in the URL (web/settings.ts): the type's own config fields under the CLI's flag names,
// fractions as the CLI takes them, what does not parse dropped and named, and a round trip through the query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { modelType, modelTypeNames } from "../../src/models/registry.ts";
import { queryOf, settingsFromQuery } from "../../web/settings.ts";

const fieldsOf = (t: string) => (modelTypeNames().includes(t) ? modelType(t).fields : null);

test("a link's settings: the type's config fields by flag name, a fraction for the gain, the switch as 0/1", () => {
  const { settings, ignored } = settingsFromQuery("?type=deep&gain=5/3&batchnorm=0&n-layer=3&seed=42&batch=64&lr=0.05&eval=0", fieldsOf);
  assert.deepEqual(ignored, []);
  assert.deepEqual(settings, { type: "deep", seed: 42, batchSize: 64, lr: 0.05, model: { gain: 5 / 3, batchNorm: false, nLayer: 3 }, evalEvery: 0 });
  const back = settingsFromQuery(`?${queryOf(settings, modelType("deep").fields)}`, fieldsOf);
  assert.deepEqual(back.settings, settings, "the query round-trips");
});

test("what does not parse, is out of range or belongs to no setting of the type is dropped and named", () => {
  const { settings, ignored } = settingsFromQuery("?type=lecture&n-hidden=0&init=bogus&gain=2&batchnorm=yes&seed=-1&lr=0&batch=1.5&x=1", fieldsOf);
  assert.deepEqual(settings.model, {});
  assert.deepEqual([settings.seed, settings.batchSize, settings.lr], [null, null, null]);
  assert.deepEqual(ignored.sort(), ["batch", "batchnorm", "gain", "init", "lr", "n-hidden", "seed", "x"].sort());
  assert.deepEqual(settingsFromQuery("?type=gpt", fieldsOf), { settings: { type: "lecture", seed: null, batchSize: null, lr: null, model: {}, evalEvery: 1000 }, ignored: ["type"] });
});
