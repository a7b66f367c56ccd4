// The browser lab's page (web/), driven in headless Chromium: it trains the lecture model in its Web
// Worker with PyTorch's first losses (torch-seeded-A.json), draws and redraws every chart, samples marked
// words, shows the CLI's own error for a bad word file and keeps working, with no console error and no
// request off its origin; it opens a run the CLI trained and goes on exactly as `train --resume`; a link
// reproduces a run. The server that hands it out: server.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { startLabServer } from "../../src/node/lab_server.ts";
import { main } from "../../src/cli/main.ts";
import { parseWords } from "../../src/data/words.ts";
import { createRun } from "../../src/node/run_dir.ts";
import { findLearningRate } from "../../src/train/lr_finder.ts";
import { fmt } from "../../src/report/charts.ts";
import { modelType } from "../../src/models/registry.ts";
import { wasmVariant } from "../../src/kernels/wasm.ts";
import { labSettingsOf, queryOf } from "../../web/settings.ts";
import { builtSite, kernelsQuery, launchChromium } from "./helpers.ts";

const ref = JSON.parse(readFileSync(new URL("../fixtures/torch-seeded-A.json", import.meta.url), "utf8"));
const { root, site } = await builtSite();

test("the page trains the lecture model in its worker with PyTorch's first losses, draws and updates every chart, samples, survives a bad file, downloads a run the CLI reads", { timeout: 120000 }, async () => {
  const { server, url } = await startLabServer({ port: 0, root: site });
  const browser = await launchChromium();
  try {
    const p = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    p.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    p.on("request", (r) => {
      // (blob: of the page's own origin: the kernels' second thread, where the machine has the cores)
      if (!r.url().startsWith(url) && !r.url().startsWith("data:") && !r.url().startsWith(`blob:${new URL(url).origin}/`)) problems.push(`request off the origin: ${r.url()}`);
    });
    await p.goto(`${url}?type=lecture&eval=200&sample-every=300${kernelsQuery}`);
    await p.waitForSelector("body[data-lab-ready]");
    await p.waitForFunction(() => (window as any).lab.info !== null);
    await p.click("#play");
    // two redraws of every chart: it has data, and it updates
    const charts = ["loss", "live-tanh", "live-grads", "live-param-grads", "update-ratio", "saturation", "dlogits", "embedding"];
    await p.waitForFunction((ids: string[]) => ids.every((id) => ((window as any).lab.drawn[id] ?? 0) >= 2), charts, { timeout: 60000 });
    await p.click("#pause");
    await p.waitForFunction(() => !(document.getElementById("play") as HTMLButtonElement).disabled);
    const lab = await p.evaluate(() => {
      const l = (window as any).lab;
      return { step: l.step, losses: Array.from(l.losses.slice(0, 10) as Float32Array), estimates: l.estimates.length, info: l.info };
    });
    assert.equal(lab.info.numParameters, 12297);
    assert.deepEqual(lab.info.splits, { train: ref.sizes[0], val: ref.sizes[1], test: ref.sizes[2] });
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(lab.losses[i] - ref.trace[i]) < 1e-4, `step ${i}: ${lab.losses[i]} vs PyTorch ${ref.trace[i]}`);
    assert.ok(lab.estimates >= 1, "train/val estimates every 200 steps");
    for (const id of charts) assert.ok(await p.locator(`#chart-${id} canvas`).count() >= 1, `${id} has a canvas`);
    // samples every 300 steps without asking, then on demand, each marked
    await p.waitForFunction(() => (window as any).lab.samples.length === 10);
    const every = await p.evaluate(() => (window as any).lab.samples.map((s: any) => s.step) as number[]);
    assert.ok(every.every((s) => s > 0 && s % 300 === 0), `samples every 300 steps: at ${every}`);
    await p.evaluate(() => ((window as any).lab.samples = []));
    await p.click("#sample");
    await p.waitForFunction(() => (window as any).lab.samples.length === 10);
    const marks = await p.locator("#samples li .mark").allTextContents();
    assert.equal(marks.length, 10);
    for (const m of marks) assert.match(m, /^(new|in train|in val|in test)$/);
    const firstWords = await p.evaluate(() => (window as any).lab.samples.map((s: any) => s.word).join(" "));
    await p.evaluate(() => ((window as any).lab.samples = []));
    await p.click("#sample");
    await p.waitForFunction(() => (window as any).lab.samples.length === 10);
    assert.notEqual(await p.evaluate(() => (window as any).lab.samples.map((s: any) => s.word).join(" ")), firstWords, "each click gives new words");
    // a single step while paused
    const before = await p.evaluate(() => (window as any).lab.step);
    await p.click("#step");
    await p.waitForFunction((n: number) => (window as any).lab.step === n + 1, before);
    // an empty file and a binary one: the CLI's message, and the run goes on
    for (const [name, bytes] of [["empty.txt", new Uint8Array(0)], ["data.bin", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 1, 2)]] as const) {
      let want = "";
      try {
        parseWords(bytes, name);
      } catch (e) {
        want = (e as Error).message;
      }
      assert.ok(want !== "", `${name} is refused by the CLI's reader`);
      await p.setInputFiles("#file", { name, mimeType: "application/octet-stream", buffer: Buffer.from(bytes) });
      await p.waitForFunction((w: string) => document.getElementById("error")!.textContent === w, want);
      assert.equal(await p.isVisible("#error"), true);
    }
    // words the CLI's reader takes but the lectures' split refuses: the worker's message, and the run goes on
    const info = await p.evaluate(() => (window as any).lab.info);
    await p.setInputFiles("#file", { name: "three.txt", mimeType: "text/plain", buffer: Buffer.from("ann\nbob\ncid\n") });
    await p.waitForFunction(() => /needs at least 6 words/.test(document.getElementById("error")!.textContent ?? ""));
    assert.match((await p.locator("#error").textContent())!, /^three\.txt: the lectures' 80\/10\/10 split needs at least 6 words/);
    assert.deepEqual(await p.evaluate(() => (window as any).lab.info), info, "the run is the same");
    assert.equal(await p.locator("#data-name").textContent(), "names.txt (32033 words)");
    assert.equal(await p.isEnabled("#play"), true);
    const step = await p.evaluate(() => (window as any).lab.step);
    await p.click("#step");
    await p.waitForFunction((n: number) => (window as any).lab.step === n + 1, step);
    // the tools: makemore part 2's lr finder (the CLI's suggestion for these settings), part 3's init stages
    await p.click("#lr-finder");
    await p.waitForSelector("#tool-lr-finder canvas");
    const sweep = findLearningRate(createRun({ steps: 1000, lrDecayStep: null }).trainer, { steps: 1000 });
    assert.equal(await p.locator("#tool-note").textContent(), `suggested learning rate ${fmt(sweep.suggestion!.lr, 3)} (10^${sweep.suggestion!.exp.toFixed(3)}): the lowest moving average over ${sweep.window} steps`);
    await p.click("#init-stages");
    await p.waitForSelector("#tool-init-maps canvas", { timeout: 60000 });
    assert.deepEqual(await p.$$eval("#tool-output > div", (d) => d.map((x) => x.id)), ["tool-init-table", "tool-init-loss", "tool-init-w2", "tool-init-logits", "tool-init-saturation", "tool-init-maps"]);
    assert.equal(await p.locator("#tool-init-table tbody tr").count(), 5, "four stages and the run's own");
    // makemore part 4's cmp table, computed in the browser: `makemore gradcheck`'s text, row for row
    await p.click("#gradcheck");
    await p.waitForSelector("#cmp", { timeout: 60000 });
    const cliCheck: string[] = [];
    assert.equal(await main(["gradcheck"], { out: (t) => cliCheck.push(t), err: (t) => cliCheck.push(t) }), 0);
    assert.equal(((await p.locator("#cmp").textContent()) ?? "").trim(), cliCheck.join("").trim());
    // the run as the CLI's files: makemore eval and sample read them
    const dir = join(root, "downloaded");
    mkdirSync(dir, { recursive: true });
    const names = new Set<string>();
    const downloads = new Promise<void>((resolve) => {
      p.on("download", async (d) => {
        await d.saveAs(join(dir, d.suggestedFilename()));
        names.add(d.suggestedFilename());
        if (names.size === 4) resolve();
      });
    });
    await p.click("#save");
    await downloads;
    assert.deepEqual([...names].sort(), ["config.json", "metrics.jsonl", "model.safetensors", "train_state.safetensors"]);
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    assert.equal(await main(["eval", "-o", dir], io), 0, out.join(""));
    assert.match(out.join(""), /train \d\.\d{4}\s+val \d\.\d{4}\s+test \d\.\d{4}/);
    assert.equal(await main(["sample", "-o", dir, "-n", "3"], io), 0, out.join(""));
    const errors = await p.evaluate(() => (window as any).lab.errors as string[]);
    assert.equal(errors.length, 3, errors.join("\n"));
    assert.deepEqual(problems, [], problems.join("\n"));
  } finally {
    await browser.close();
    server.close();
  }
});

test("the page opens a run the CLI trained and goes on exactly as `train --resume`; a reload comes back where it was", { timeout: 120000 }, async () => {
  const io = { out: () => {}, err: () => {} };
  const cliRun = join(root, "cli-run");
  assert.equal(await main(["train", "-o", cliRun, "--steps", "50", "--seed", "7", "-b", "16", "--lr", "0.05", "--samples", "0", "--no-progress"], io), 0);
  const files = ["config.json", "model.safetensors", "train_state.safetensors", "metrics.jsonl"].map((n) => join(cliRun, n));
  const resumed = join(root, "cli-resumed");
  cpSync(cliRun, resumed, { recursive: true });
  assert.equal(await main(["train", "-o", resumed, "--resume", "--steps", "60", "--samples", "0", "--no-progress"], io), 0);
  const cliLosses = readFileSync(join(resumed, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => "lr" in m && m.step >= 50).map((m) => m.loss as number);
  assert.equal(cliLosses.length, 10);

  const { server, url } = await startLabServer({ port: 0, root: site });
  const browser = await launchChromium();
  try {
    const p = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    p.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    await p.goto(`${url}?type=lecture`);
    await p.waitForFunction(() => (window as any).lab.info !== null);
    await p.setInputFiles("#open", files);
    await p.waitForFunction(() => (window as any).lab.info?.step === 50);
    // the controls and the link are the opened run's
    const config = JSON.parse(readFileSync(join(cliRun, "config.json"), "utf8"));
    // the run's build in the link where it is not the one this browser picks (Chromium has relaxed SIMD)
    assert.equal(config.kernels, wasmVariant(), "config.json records the build");
    const kernels = config.kernels === "relaxed" ? "auto" : config.kernels;
    assert.equal(new URL(p.url()).search, `?${queryOf(labSettingsOf(config, { evalEvery: 1000, sampleEvery: 10000, kernels }), modelType("lecture").fields)}`);
    assert.match(p.url(), /seed=7&batch=16&lr=0\.05/);
    assert.deepEqual([await p.inputValue("#seed"), await p.inputValue("#batch"), await p.inputValue("#lr")], ["7", "16", "0.05"]);
    await p.waitForFunction(() => (window as any).lab.keptStep === 50, null, { timeout: 5000 }); // kept as opened: a reload comes back to it
    for (let i = 0; i < 10; i++) {
      const n = await p.evaluate(() => (window as any).lab.step as number);
      await p.click("#step");
      await p.waitForFunction((k: number) => (window as any).lab.step === k + 1, n);
    }
    const lab = await p.evaluate(() => Array.from(((window as any).lab.losses as Float32Array).slice(0, 60)));
    assert.deepEqual(lab.slice(50, 60), cliLosses.map((l) => Math.fround(l)), "the lab's steps 50–59 are `train --resume`'s");
    const cliFirst = readFileSync(join(cliRun, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => "lr" in m).map((m) => m.loss as number);
    assert.deepEqual(lab.slice(0, 50), cliFirst.map((l) => Math.fround(l)), "the opened run's loss log");
    // a pause keeps the run (IndexedDB); a reload of the same URL opens it where it was
    await p.click("#play");
    await p.waitForFunction(() => (window as any).lab.step > 400);
    await p.click("#pause");
    await p.waitForFunction(() => (window as any).lab.keptStep === (window as any).lab.step && (window as any).lab.keptStep > 400);
    const kept = await p.evaluate(() => ({ step: (window as any).lab.step as number, losses: Array.from(((window as any).lab.losses as Float32Array).slice(0, 60)) }));
    await p.reload();
    await p.waitForFunction((n: number) => (window as any).lab.info?.step === n, kept.step);
    const after = await p.evaluate(() => Array.from(((window as any).lab.losses as Float32Array).slice(0, 60)));
    assert.deepEqual(after, kept.losses);
    // a change of lr while paused is kept too: the reload has it
    await p.fill("#lr", "0.03");
    await p.dispatchEvent("#lr", "change");
    await p.waitForURL(/lr=0\.03/);
    await p.waitForTimeout(300);
    await p.reload();
    await p.waitForFunction((n: number) => (window as any).lab.info?.step === n, kept.step);
    assert.equal(await p.inputValue("#lr"), "0.03");
    // a few single steps are kept within KEEP_MS, and another page then Back comes back to them
    await p.click("#step");
    await p.waitForFunction((n: number) => (window as any).lab.step === n + 1, kept.step);
    await p.waitForFunction((n: number) => (window as any).lab.keptStep === n + 1, kept.step, { timeout: 8000 });
    await p.goto("about:blank");
    await p.goBack();
    await p.waitForFunction((n: number) => (window as any).lab?.info?.step === n + 1, kept.step);
    // leaving the page while it trains: what was kept in the last KEEP_MS (5 s) comes back
    await p.click("#play");
    await p.waitForFunction((n: number) => (window as any).lab.keptStep > n + 200, kept.step, { timeout: 15000 });
    const keptWhilePlaying = await p.evaluate(() => (window as any).lab.keptStep as number);
    await p.reload();
    await p.waitForFunction(() => (window as any).lab.info !== null);
    assert.ok((await p.evaluate(() => (window as any).lab.info.step as number)) >= keptWhilePlaying);
    // another tab keeps its own run, even one opened from this one (which starts with a copy of its sessionStorage)
    const [other] = await Promise.all([p.waitForEvent("popup"), p.evaluate(() => void window.open(location.href))]);
    await other.waitForFunction(() => ((window as any).lab?.info ?? null) !== null);
    assert.equal(await other.evaluate(() => (window as any).lab.info.step), 0);
    await other.click("#play");
    await other.click("#pause");
    await other.waitForFunction(() => (window as any).lab.keptStep > 0);
    await other.close();
    await p.reload();
    await p.waitForFunction(() => (window as any).lab.info !== null);
    assert.ok((await p.evaluate(() => (window as any).lab.info.step as number)) >= keptWhilePlaying, "the other tab did not take this one's run");
    // a kept run that no longer opens (damaged storage): its error once, then forgotten, and a fresh run
    await p.evaluate(async () => {
      const key = sessionStorage.getItem("makemore-lab-tab")!;
      const db = await new Promise<IDBDatabase>((res) => (indexedDB.open("makemore-lab", 1).onsuccess = (e) => res((e.target as IDBOpenDBRequest).result)));
      await new Promise((res) => {
        const tx = db.transaction("runs", "readwrite");
        const store = tx.objectStore("runs");
        store.get(key).onsuccess = (e) => {
          const r = (e.target as IDBRequest).result;
          r.files["model.safetensors"] = new Uint8Array([1, 2, 3]);
          store.put(r, key);
        };
        tx.oncomplete = res;
      });
      db.close();
    });
    await p.reload();
    await p.waitForFunction(() => (window as any).lab.info !== null && (window as any).lab.errors.length === 1);
    assert.match((await p.evaluate(() => (window as any).lab.errors[0])) as string, /model\.safetensors/);
    assert.match((await p.locator("#error").textContent())!, /^the run kept for this tab could not be opened, so a new one started: .*model\.safetensors/);
    assert.equal(await p.evaluate(() => (window as any).lab.info.step), 0, "a fresh run");
    await p.reload();
    await p.waitForFunction(() => (window as any).lab.info !== null);
    assert.deepEqual(await p.evaluate(() => (window as any).lab.errors), [], "the damaged run was forgotten");
    // a run trained under kernels this page does not run goes on under the page's, and the page says so
    const tsRun = join(root, "cli-ts");
    cpSync(cliRun, tsRun, { recursive: true });
    writeFileSync(join(tsRun, "config.json"), JSON.stringify({ ...config, kernels: "ts" }, null, 2) + "\n");
    await p.setInputFiles("#open", files.map((f) => join(tsRun, basename(f))));
    await p.waitForFunction(() => (window as any).lab.info?.kernelsNote != null);
    assert.equal(await p.isVisible("#note"), true);
    assert.match((await p.locator("#note").textContent())!, /^this run was trained with the TypeScript reference kernels; the relaxed-SIMD build of the kernels \(fused multiply-add\) is what runs here: it goes on with that/);
    // a run opened without its training state can be sampled, not trained or downloaded
    await p.setInputFiles("#open", files.slice(0, 2));
    await p.waitForFunction(() => (window as any).lab.info?.modelOnly === true);
    assert.equal(await p.isHidden("#note"), true, "the run's own build: no note");
    assert.deepEqual([await p.isDisabled("#play"), await p.isDisabled("#step"), await p.isDisabled("#save")], [true, true, true]);
    await p.click("#sample");
    await p.waitForFunction(() => (window as any).lab.samples.length === 10);
    await p.fill("#lr", "0.02");
    await p.dispatchEvent("#lr", "change");
    await p.waitForFunction(() => /sampled, not trained|cannot be retuned/.test(document.getElementById("error")!.textContent ?? ""));
    assert.deepEqual([await p.isDisabled("#play"), await p.isDisabled("#step")], [true, true], "an error does not make a model-only run trainable");
    assert.deepEqual(problems, [], problems.join("\n"));
  } finally {
    await browser.close();
    server.close();
  }
});

test("a link reproduces a run: the deep network without BatchNorm at gain 1 from the URL trains as the library does", { timeout: 60000 }, async () => {
  const options = { type: "deep", model: { batchNorm: false, gain: 1, nLayer: 2 }, batchSize: 16, steps: 5, lrDecayStep: null };
  const lib = createRun(options);
  lib.train();
  const { server, url } = await startLabServer({ port: 0, root: site });
  const browser = await launchChromium();
  try {
    const p = await browser.newPage();
    await p.goto(`${url}?type=deep&batchnorm=0&gain=1&n-layer=2&batch=16${kernelsQuery}`);
    await p.waitForFunction(() => (window as any).lab.info !== null);
    assert.equal(await p.evaluate(() => (window as any).lab.info.numParameters), lib.numParameters());
    assert.equal(await p.inputValue("#field-gain"), "1");
    assert.equal(await p.isChecked("#field-batchnorm"), false);
    assert.equal(await p.inputValue("#field-n-layer"), "2");
    await p.evaluate(() => (window as any).lab.errors.length).then((n) => assert.equal(n, 0));
    for (let i = 0; i < 5; i++) {
      await p.click("#step");
      await p.waitForFunction((k: number) => (window as any).lab.step === k, i + 1);
    }
    const losses = await p.evaluate(() => Array.from(((window as any).lab.losses as Float32Array).slice(0, 5)));
    assert.deepEqual(losses, Array.from(lib.trainer.losses.slice(0, 5)));
    assert.equal(new URL(p.url()).search, `?type=deep&batch=16&n-layer=2&batchnorm=0&gain=1${kernelsQuery}`);
    assert.match((await p.locator("#status").textContent())!, wasmVariant() === "relaxed" ? /steps\/s \(wasm, fused multiply-add(, \d threads)?\)$/ : /steps\/s \(wasm SIMD(, \d threads)?\)$/);
    // the batch size and the learning rate change while the run goes on: the next steps are the library's after run.retune
    lib.retune({ batchSize: 24, lr: 0.05 });
    for (let i = 0; i < 3; i++) lib.trainer.trainStep();
    await p.fill("#batch", "24");
    await p.dispatchEvent("#batch", "change");
    await p.waitForURL(/batch=24/);
    await p.fill("#lr", "0.05");
    await p.dispatchEvent("#lr", "change");
    await p.waitForURL(/lr=0\.05/);
    for (let i = 5; i < 8; i++) {
      await p.click("#step");
      await p.waitForFunction((k: number) => (window as any).lab.step === k, i + 1);
    }
    const more = await p.evaluate(() => Array.from(((window as any).lab.losses as Float32Array).slice(0, 8)));
    assert.deepEqual(more, Array.from(lib.trainer.losses.slice(0, 8)));
    assert.equal(new URL(p.url()).search, `?type=deep&batch=24&lr=0.05&n-layer=2&batchnorm=0&gain=1${kernelsQuery}`);
    // a value that does not parse is named, and the control goes back to the run's
    await p.fill("#batch", "0x20");
    await p.dispatchEvent("#batch", "change");
    await p.waitForFunction(() => /batch size: "0x20" is not a whole number/.test(document.getElementById("error")!.textContent ?? ""));
    assert.equal(await p.inputValue("#batch"), "24");
    // an accepted value clears the message
    await p.fill("#lr", "0.04");
    await p.dispatchEvent("#lr", "change");
    await p.waitForURL(/lr=0\.04/);
    assert.equal(await p.isHidden("#error"), true);
    // a batch larger than the run's buffers: a new run at that batch size, and the page says so
    await p.fill("#batch", "5000");
    await p.dispatchEvent("#batch", "change");
    await p.waitForFunction(() => (window as any).lab.info?.settings.batchSize === 5000);
    assert.equal(await p.evaluate(() => (window as any).lab.step), 0);
    assert.match((await p.locator("#error").textContent())!, /batch size 5000 is more than this run was built for \(1024 rows\): a new run started/);
    assert.match(p.url(), /batch=5000&lr=0\.04/);
    // Reset starts the run again, and a type without tanh layers leaves no chart of the old one
    await p.click("#play");
    await p.waitForFunction(() => ((window as any).lab.drawn["live-tanh"] ?? 0) >= 1);
    await p.selectOption("#type", "bigram");
    await p.waitForFunction(() => (window as any).lab.info?.type === "bigram");
    assert.equal(await p.isEnabled("#play"), true, "a new run starts paused");
    assert.equal(await p.locator("#chart-live-tanh canvas").count(), 0);
    assert.equal(new URL(p.url()).search, `?type=bigram${kernelsQuery}`, "a new type keeps the link's build");
    // a link whose run cannot be built: the library's reason in the page's words, Play does nothing, and a
    // fixed control with Reset starts the run
    await p.goto(`${url}?type=lecture&batch=100000000`);
    await p.waitForFunction(() => !document.getElementById("error")!.hidden);
    const refusal = (await p.locator("#error").textContent())!;
    assert.doesNotMatch(refusal, /--/, `no CLI flag in: ${refusal}`);
    await p.click("#play");
    assert.equal(await p.isEnabled("#play"), true, "no run: Play does not switch to playing");
    await p.fill("#batch", "32");
    await p.click("#reset");
    await p.waitForFunction(() => (window as any).lab.info?.type === "lecture");
    assert.equal(await p.isHidden("#error"), true);
    assert.equal(new URL(p.url()).search, "?type=lecture");
    // opened as a file, the page cannot start its worker: it says how to serve it
    await p.goto(`file://${join(site, "index.html")}`);
    await p.waitForFunction(() => !document.getElementById("error")!.hidden);
    assert.match((await p.locator("#error").textContent())!, /npx makemore lab/);
  } finally {
    await browser.close();
    server.close();
  }
});
