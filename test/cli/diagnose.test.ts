import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as cli } from "./helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-cli-diagnose-"));

test("train --init naive --no-batchnorm --report, then diagnose: the hockey stick and the saturated tanh, in text, JSON and HTML", async () => {
  const dir = join(tmp(), "run");
  const t = await cli("train", "-o", dir, "--steps", "150", "--n-hidden", "64", "--no-batchnorm", "--init", "naive", "--lr-decay-step", "100", "--samples", "0", "--json", "--report");
  assert.equal(t.code, 0, t.err);
  const trained = JSON.parse(t.out);
  assert.equal(trained.report, join(dir, "report.html"));
  const html = readFileSync(trained.report, "utf8");
  for (const id of ["chart-loss", "chart-init-loss", "chart-update-ratio", "chart-saturation-training", "chart-saturation", "chart-dlogits", "chart-embedding"]) {
    assert.ok(html.includes(`id="${id}"`), id);
  }

  const j = await cli("diagnose", "-o", dir, "--json");
  assert.equal(j.code, 0, j.err);
  const d = JSON.parse(j.out);
  assert.equal(d.report, null);
  assert.equal(d.training, null, "a saved run has no collected curves");
  assert.equal(d.expectedInitialLoss.toFixed(4), "3.2958");
  const runRow = d.init.stages.at(-1);
  assert.deepEqual([runRow.preset, runRow.batchNorm, runRow.run], ["naive", false, true]);
  assert.equal(runRow.firstLoss, d.run.firstLoss, "the init row is the run's own first step");
  assert.ok(d.run.firstLoss > 10, `hockey stick: first loss ${d.run.firstLoss}`);
  assert.ok(runRow.saturated > 0.5, `saturated ${runRow.saturated}`);
  const batchnorm = d.init.stages.find((s: { preset: string }) => s.preset === "batchnorm");
  assert.ok(batchnorm.saturated < 0.1 && batchnorm.firstLoss < 4.5);
  assert.deepEqual(d.batch.layers.map((l: { name: string }) => l.name), ["hpreact", "h", "logits"]);
  assert.equal(d.batch.batchSize, 32);
  assert.equal(d.lossCurve.steps, 150);
  assert.equal(d.deadNeurons.units, 64);
  assert.equal(d.deadNeurons.examples, 182625);
  assert.equal(d.embedding.method, "pca");
  assert.equal(d.embedding.points.length, 27);

  const text = await cli("diagnose", "-o", dir, "--report", "--batch-size", "16");
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /first loss \d+\.\d{4} against −ln\(1\/27\) = 3\.2958/);
  assert.match(text.out, /naive \(this run\)/);
  assert.match(text.out, /one batch of 16/);
  assert.match(text.out, /dead neurons of the last tanh layer \(\|h\| > 0\.99 on every example\): \d+ of 64 on the batch, \d+ of 64 over the 182625 training rows/);
  assert.match(text.out, new RegExp(`report: ${join(dir, "report.html").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const custom = join(tmp(), "r.html");
  assert.equal((await cli("diagnose", "-o", dir, "--report", custom)).code, 0);
  assert.ok(existsSync(custom));
});

test("diagnose: a missing run or a bad flag gives one line and an exit code", async () => {
  const missing = await cli("diagnose", "-o", join(tmp(), "nothing"));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /config\.json: missing — is this a run directory\?/);
  const bad = await cli("diagnose", "--batch-size", "0");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--batch-size.*must be an integer >= 1/);
});
