// DIR/diagnostics.jsonl: what a collector gathered goes into the run's save and comes back the same
// (NaN too), a cut-short last line or a foreign file never fails the reader, and what lies past the
// checkpoint's step is dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectRun } from "../../src/diagnostics/run_report.ts";
import { collectedBefore, MAX_POINTS } from "../../src/diagnostics/collector.ts";
import { modelTypeNames } from "../../src/models/registry.ts";
import { createRun, loadRun, saveRun } from "../../src/node/run_dir.ts";
import { readWordFile } from "../../src/node/words.ts";
import {
  decodeDiagnostics, DIAGNOSTICS_FILE, encodeDiagnostics, expectationOf, readDiagnostics, settingsSha256,
} from "../../src/node/diagnostics_file.ts";
import { cliChild } from "./child.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-diagnostics-"));
const words = (() => {
  const path = join(tmp(), "words.txt");
  writeFileSync(path, readWordFile().words.slice(0, 400).join("\n") + "\n");
  return path;
})();

/** A run of `steps` steps with a collector every `every` steps. */
function collected(options: Parameters<typeof createRun>[0], every: number) {
  const run = createRun({ inputFile: words, ...options });
  const c = collectRun(run, every);
  run.train();
  return { run, c };
}

test("saved with the run and read back as collected: the lecture model (SGD) and a bigram (AdamW: update:data NaN, no tanh: saturation NaN)", () => {
  for (const [options, every] of [[{ steps: 40, model: { nHidden: 16 } }, 3], [{ type: "bigram", steps: 30 }, 4]] as const) {
    const { run, c } = collected(options, every);
    const dir = tmp();
    saveRun(run, dir, undefined, c);
    const back = readDiagnostics(dir, loadRun(dir));
    assert.deepEqual(back.notes, []);
    assert.deepEqual(back.collected, { series: c.series, first: c.first, snapshot: null, last: c.last });
    if (options.type === "bigram") {
      assert.ok(c.series.saturated.every(Number.isNaN) && c.series.updateToData.flat().every(Number.isNaN), "NaN comes back as NaN");
    }
  }
  const plain = tmp();
  const { run } = collected({ steps: 10, model: { nHidden: 16 } }, 1);
  saveRun(run, plain);
  assert.deepEqual(readDiagnostics(plain, loadRun(plain)), { collected: null, notes: [] }, "a run saved without a collector");
});

test("a truncated last line is skipped with a note; a damaged line in the middle too; the rest is read", () => {
  const { run, c } = collected({ steps: 30, model: { nHidden: 16 } }, 2);
  const text = encodeDiagnostics(c, run);
  const lines = text.trimEnd().split("\n");
  const e = expectationOf(run);
  // a crash while writing the last line (the last step's batch)
  const cut = decodeDiagnostics(text.slice(0, text.length - 200), e, "d.jsonl");
  assert.equal(cut.notes.length, 1);
  assert.match(cut.notes[0], new RegExp(`^d\\.jsonl:${lines.length}: skipped, not valid JSON .*cut short`));
  assert.deepEqual(cut.collected, { series: c.series, first: c.first, snapshot: null, last: null });
  // a point line damaged in the middle: that point is missing, the others stay
  const damaged = [...lines];
  damaged[3] = damaged[3].slice(0, 20);
  const mid = decodeDiagnostics(damaged.join("\n") + "\n", e, "d.jsonl");
  assert.match(mid.notes[0], /^d\.jsonl:4: skipped/);
  assert.deepEqual(mid.collected!.series.steps, c.series.steps.filter((s) => s !== 4));
  assert.deepEqual(mid.collected!.last, c.last);
  // a point of another shape is not taken
  const odd = [...lines];
  odd[2] = JSON.stringify({ ...JSON.parse(odd[2]), updateToData: [1, 2] });
  assert.match(decodeDiagnostics(odd.join("\n"), e, "d.jsonl").notes[0], /^d\.jsonl:3: skipped, not a collected point of this model/);
});

test("what lies at or past the checkpoint's step is dropped, a step written twice counts once, a file of another run is not drawn", () => {
  const { run, c } = collected({ steps: 30, model: { nHidden: 16 } }, 2);
  const text = encodeDiagnostics(c, run);
  const e = expectationOf(run);
  const at11 = decodeDiagnostics(text, { ...e, stepsDone: 11 }, "d.jsonl");
  assert.deepEqual(at11.collected, collectedBefore(c, 11));
  assert.deepEqual(at11.collected!.series.steps, [0, 2, 4, 6, 8, 10]);
  // the points of steps 20–28 written again after a resume (later lines win, in step order)
  const again = text.split("\n").filter((l) => /^\{"step":(2[0-8])\b/.test(l));
  assert.equal(again.length, 5);
  const twice = decodeDiagnostics(text + again.join("\n") + "\n", e, "d.jsonl");
  assert.deepEqual(twice.collected, decodeDiagnostics(text, e, "d.jsonl").collected);

  const other = decodeDiagnostics(text, { ...e, firstLoss: e.firstLoss! + 1 }, "d.jsonl");
  assert.equal(other.collected, null);
  assert.match(other.notes[0], /^d\.jsonl: not drawn: it was collected on another run/);
  const model = decodeDiagnostics(text, { ...e, layers: ["h"] }, "d.jsonl");
  assert.match(model.notes[0], /collected on another model/);
  const headless = decodeDiagnostics("{not json\n" + text.slice(text.indexOf("\n") + 1), e, "d.jsonl");
  assert.equal(headless.collected, null, "a damaged header");
  assert.match(headless.notes.at(-1)!, /not drawn: its first line is not a header of makemore-ts\/training-diagnostics/);
});

test("readDiagnostics on a run directory: a garbage line appended does not fail it", () => {
  const { run, c } = collected({ steps: 20, model: { nHidden: 16 } }, 5);
  const dir = tmp();
  saveRun(run, dir, undefined, c);
  assert.ok(readFileSync(join(dir, DIAGNOSTICS_FILE), "utf8").startsWith('{"format":"makemore-ts/training-diagnostics","version":2,'));
  appendFileSync(join(dir, DIAGNOSTICS_FILE), '{"batch":"snap');
  const back = readDiagnostics(dir, loadRun(dir));
  assert.equal(back.notes.length, 1);
  assert.deepEqual(back.collected!.series, c.series);
});

test("kill -9 while a run saves: diagnostics.jsonl holds what was collected up to the last checkpoint, every point once", async () => {
  const dir = join(tmp(), "run");
  const c = cliChild(["train", "-o", dir, "--steps", "3000", "--n-hidden", "16", "--no-progress", "--samples", "0", "--checkpoint-every", "1"]);
  const saved = () => (existsSync(join(dir, "config.json")) ? JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).stepsDone : 0);
  for (const t0 = Date.now(); saved() < 60; ) {
    assert.ok(Date.now() - t0 < 20000, "timed out waiting for a save");
    await new Promise((r) => setTimeout(r, 10));
  }
  c.child.kill("SIGKILL");
  await c.exited;
  const run = loadRun(dir);
  const step = run.trainer.step;
  assert.ok(step >= 60 && step < 3000, `killed mid-run (the save of step ${step})`);
  const back = readDiagnostics(dir, run);
  assert.deepEqual(back.notes, []);
  const every = back.collected!.series.every;
  assert.equal(every, 15, "defaultCollectEvery(3000)");
  assert.deepEqual(back.collected!.series.steps, Array.from({ length: Math.ceil(step / every) }, (_, i) => i * every));
  assert.deepEqual(back.collected!.series.loss, back.collected!.series.steps.map((s) => run.trainer.losses[s]));
  assert.equal(back.collected!.first!.step, 0);
});

test("the header names its run's settings: a file another run left is not drawn, though its first loss is the same (same seed and model, another lr)", () => {
  const dir = tmp();
  const old = collected({ steps: 20, lr: 0.5, model: { nHidden: 16 } }, 1);
  saveRun(old.run, dir, undefined, old.c);
  // the run that replaces it is saved without a collector (a library caller's saveRun): the old file stays
  const replacing = createRun({ inputFile: words, steps: 10, lr: 0.01, model: { nHidden: 16 } });
  replacing.train();
  assert.equal(replacing.trainer.losses[0], old.run.trainer.losses[0], "the first loss cannot tell these runs apart");
  saveRun(replacing, dir);
  const back = readDiagnostics(dir, loadRun(dir));
  assert.equal(back.collected, null);
  assert.deepEqual(back.notes, [`${join(dir, DIAGNOSTICS_FILE)}: not drawn: it was collected on another run (its settings differ from this run's config.json: left by a run this one replaced)`]);
  assert.notEqual(settingsSha256(replacing.settings), settingsSha256(old.run.settings));
  // the settings hash does not depend on the order the keys were built in
  const reversed = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reversed) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
  const reordered = reversed(old.run.settings) as typeof old.run.settings;
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(old.run.settings));
  assert.equal(settingsSha256(reordered), settingsSha256(old.run.settings));
});

test("every model type's file is its own run's once saved and loaded again (the settings hash survives config.json)", () => {
  for (const type of modelTypeNames()) {
    const { run, c } = collected({ type, steps: 3, batchSize: 4, model: type === "lecture" ? { nHidden: 16 } : {} }, 1);
    const dir = tmp();
    saveRun(run, dir, undefined, c);
    const back = readDiagnostics(dir, loadRun(dir));
    assert.deepEqual(back.notes, [], type);
    assert.deepEqual(back.collected!.series.steps, [0, 1, 2], type);
  }
});

test("a batch line is checked down to the numbers the charts read: one damaged anywhere is skipped with a note, the others are read", () => {
  const { run, c } = collected({ steps: 30, model: { nHidden: 16 } }, 2);
  const text = encodeDiagnostics(c, run);
  const lines = text.trimEnd().split("\n");
  const e = expectationOf(run);
  const at = lines.findIndex((l) => l.startsWith('{"batch":"first"'));
  assert.ok(at > 0);
  type Batch = Record<string, any>;
  const damages: [string, (b: Batch) => void][] = [
    ["a layer of nothing", (b) => (b.layers = [{}])],
    ["a layer without a name", (b) => delete b.layers[0].name],
    ["an output histogram with fewer counts than centers", (b) => b.layers[1].output.histogram.counts.pop()],
    ["a gradient histogram without density", (b) => delete b.layers[0].grad.histogram.density],
    ["a gradient without std", (b) => delete b.layers[0].grad.std],
    ["a parameter's update:data as text", (b) => (b.parameters[0].updateToDataLog10 = "fast")],
    ["a parameter without a histogram", (b) => delete b.parameters[1].histogram],
    ["a saturation image one row short", (b) => b.saturation.bits.pop()],
    ["a saturation row one column short", (b) => (b.saturation.bits[0] = b.saturation.bits[0].slice(1))],
    ["dead units that are not indices", (b) => (b.deadOnBatch = ["3"])],
    ["a logits histogram of other lengths", (b) => b.logits.density.push(1)],
    ["dlogits one value short", (b) => b.dlogits.values.pop()],
  ];
  for (const [what, damage] of damages) {
    const b = JSON.parse(lines[at]) as Batch;
    damage(b);
    const damaged = [...lines];
    damaged[at] = JSON.stringify(b);
    const r = decodeDiagnostics(damaged.join("\n") + "\n", e, "d.jsonl");
    assert.deepEqual(r.notes, [`d.jsonl:${at + 1}: skipped, not the batch diagnostics of a step`], what);
    assert.equal(r.collected!.first, null, what);
    assert.deepEqual(r.collected!.last, c.last, what);
    assert.deepEqual(r.collected!.series, c.series, what);
  }
  // the undamaged line is read (null gradients and saturation are allowed)
  const b = JSON.parse(lines[at]) as Batch;
  b.layers[0].grad = null;
  b.saturation = null;
  const fine = [...lines];
  fine[at] = JSON.stringify(b);
  assert.deepEqual(decodeDiagnostics(fine.join("\n"), e, "d.jsonl").notes, []);
});

test("a save after the collection thinned writes its points again: the cache of encoded lines does not outlive a doubling of the interval", () => {
  const run = createRun({ inputFile: words, steps: 2 * MAX_POINTS, model: { nHidden: 16 } });
  const c = collectRun(run, 1);
  run.train(1000);
  encodeDiagnostics(c, run); // 1000 points every step, cached
  run.train(1600); // 2000 points at step 1999, then every 2: 1300 points up to step 2598
  assert.equal(c.series.every, 2);
  assert.equal(c.series.steps.length, 1300);
  const back = decodeDiagnostics(encodeDiagnostics(c, run), expectationOf(run), "d.jsonl");
  assert.deepEqual(back.notes, []);
  assert.deepEqual(back.collected!.series, c.series);
});

test("an empty file, or one whose header line is gone, is not drawn, with a note", () => {
  const { run, c } = collected({ steps: 10, model: { nHidden: 16 } }, 2);
  const e = expectationOf(run);
  assert.deepEqual(decodeDiagnostics("", e, "d.jsonl"), { collected: null, notes: ["d.jsonl: not drawn: it holds no header line"] });
  const dir = tmp();
  saveRun(run, dir, undefined, c);
  writeFileSync(join(dir, DIAGNOSTICS_FILE), "");
  assert.match(readDiagnostics(dir, loadRun(dir)).notes.join("\n"), /not drawn: it holds no header line/);
});
