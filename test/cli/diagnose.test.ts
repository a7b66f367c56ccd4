import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  assert.deepEqual(d.training.series.steps, Array.from({ length: 150 }, (_, i) => i), "the curves collected while training, from diagnostics.jsonl");
  assert.deepEqual([d.training.first.step, d.training.snapshot, d.training.last.step], [0, null, 149]);
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

/** The "During training" section of a report: its HTML and the Chart.js specs of its charts. */
function duringTraining(html: string): { html: string; charts: unknown[] } {
  const section = /<section><h2>During training[^<]*<\/h2>[\s\S]*?<\/section>/.exec(html);
  assert.ok(section, "the report has a During training section");
  const ids = [...section[0].matchAll(/id="chart-([^"]+)"/g)].map((m) => m[1]);
  const data = JSON.parse(/<script type="application\/json" id="makemore-report-data">([\s\S]*?)<\/script>/.exec(html)![1]) as { charts: { id: string }[] };
  return { html: section[0], charts: ids.map((id) => data.charts.find((c) => c.id === id)) };
}

test("train --report, then diagnose --report on the same directory: the same During training section, kept in diagnostics.jsonl; a cut-short last line is skipped", async () => {
  const dir = join(tmp(), "run");
  const words = join(tmp(), "words.txt");
  writeFileSync(words, readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").slice(0, 300).join("\n") + "\n");
  const t = await cli("train", "-i", words, "-o", dir, "--steps", "300", "--n-hidden", "32", "--samples", "0", "--report");
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /saved to .* diagnostics\.jsonl\)/);
  const trained = duringTraining(readFileSync(join(dir, "report.html"), "utf8"));
  assert.ok(trained.charts.length >= 3 && trained.charts.every((c) => c !== undefined));

  const d = await cli("diagnose", "-o", dir, "--report"); // over train's report.html
  assert.equal(d.code, 0, d.err);
  assert.equal(d.err, "");
  assert.match(d.out, /collected while training: 300 points every step \(steps 0–299\); the batch of step 0 \(first\), 299 \(last\)/);
  assert.deepEqual(duringTraining(readFileSync(join(dir, "report.html"), "utf8")), trained);

  appendFileSync(join(dir, "diagnostics.jsonl"), '{"step":300,"loss":2.1,"lr":0.'); // a write cut short
  const cut = await cli("diagnose", "-o", dir, "--report");
  assert.equal(cut.code, 0, cut.err);
  assert.match(cut.err, /^makemore: note: .*diagnostics\.jsonl:\d+: skipped, not valid JSON .*cut short/);
  assert.deepEqual(duringTraining(readFileSync(join(dir, "report.html"), "utf8")), trained);
});

test("diagnose on a damaged or foreign diagnostics.jsonl: a broken batch line is skipped with a note (the report is written), a file set aside is not called missing; one point is \"1 point\"", async () => {
  const dir = join(tmp(), "run");
  const words = join(tmp(), "words.txt");
  writeFileSync(words, readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").slice(0, 300).join("\n") + "\n");
  const t = await cli("train", "-i", words, "-o", dir, "--steps", "1", "--n-hidden", "16", "--samples", "0", "--json");
  assert.equal(t.code, 0, t.err);
  const one = await cli("diagnose", "-o", dir);
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, /collected while training: 1 point every step \(step 0\); the batch of step 0 \(first\)\n/);

  // the first step's batch line (the one the report draws for a run shorter than 1000 steps) with a layer of nothing
  const file = join(dir, "diagnostics.jsonl");
  const original = readFileSync(file, "utf8");
  const lines = original.trimEnd().split("\n");
  const at = lines.findIndex((l) => l.startsWith('{"batch":"first"'));
  const b = JSON.parse(lines[at]);
  b.layers = [{}];
  lines[at] = JSON.stringify(b);
  writeFileSync(file, lines.join("\n") + "\n");
  const report = join(tmp(), "r.html");
  const damaged = await cli("diagnose", "-o", dir, "--report", report);
  assert.equal(damaged.code, 0, damaged.err);
  assert.match(damaged.err, new RegExp(`^makemore: note: .*diagnostics\\.jsonl:${at + 1}: skipped, not the batch diagnostics of a step\n$`));
  assert.match(damaged.out, /collected while training: 1 point every step \(step 0\); the batch of step 0 \(last\)\n/, "the first step's batch is gone, its last one stays");
  assert.ok(existsSync(report));

  // a header of another run's settings: set aside with a note, and not called missing
  const header = JSON.parse(original.slice(0, original.indexOf("\n")));
  writeFileSync(file, JSON.stringify({ ...header, settingsSha256: "0".repeat(64) }) + original.slice(original.indexOf("\n")));
  const foreign = await cli("diagnose", "-o", dir);
  assert.equal(foreign.code, 0, foreign.err);
  assert.match(foreign.err, /^makemore: note: .*diagnostics\.jsonl: not drawn: it was collected on another run \(its settings differ/);
  assert.match(foreign.out, /collected while training: nothing drawn \(diagnostics\.jsonl was set aside: see the note above\)/);
  assert.doesNotMatch(foreign.out, /no diagnostics\.jsonl/);
});
