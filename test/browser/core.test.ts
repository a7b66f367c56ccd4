// The core (src/index.ts, the package's "browser" entry) in a real browser: bundled by esbuild for the
// browser platform — which fails on any `node:*` import — loaded in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core), where it trains 10 steps of the lecture model on the
// bundled names and must give PyTorch's losses (torch-seeded-A.json), then 20 of makemore part 5's
// WaveNet, and encodes a checkpoint to bytes — with no console error, no page error, no request.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../", import.meta.url));
const ref = JSON.parse(readFileSync(new URL("../fixtures/torch-seeded-A.json", import.meta.url), "utf8"));
const wavenetRef = JSON.parse(readFileSync(new URL("../fixtures/zoo/wavenet-42.json", import.meta.url), "utf8"));

test("package.json: the core is the browser entry, the Node edge is makemore-ts/node", () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
  assert.equal(pkg.exports["."].browser, "./dist/index.js");
  assert.equal(pkg.exports["./node"].default, "./dist/node/index.js");
});

test("the core bundles for the browser and trains in headless Chromium with PyTorch's losses", { timeout: 120000 }, async () => {
  const bundle = await build({
    entryPoints: [`${root}src/index.ts`],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "makemore",
    write: false,
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0].text;
  assert.doesNotMatch(js, /require\(["']node:/, "no Node module in the browser bundle");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium (CI: .ci/run does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("data:") && r.url() !== "about:blank") problems.push(`network request: ${r.url()}`);
    });
    await page.setContent("<!DOCTYPE html><title>makemore-ts core</title><body></body>");
    await page.addScriptTag({ content: js });
    const names = readFileSync(`${root}data/names.txt`, "utf8");
    const result = await page.evaluate(async (text: string) => {
      const m = (window as unknown as { makemore: any }).makemore;
      await m.loadWasm(); // a main thread compiles the wasm asynchronously
      const { words } = m.parseWordsText(text, "names.txt");
      const lecture = m.TrainingRun.create({ words, source: "names.txt" }, { steps: 10 });
      lecture.train();
      const wavenet = m.TrainingRun.create({ words, source: "names.txt" }, { type: "wavenet", steps: 20, torchVersion: "1.13" });
      wavenet.train();
      const files = lecture.checkpoint();
      return {
        kernels: lecture.model.kernels.name,
        lecture: Array.from(lecture.trainer.losses as Float32Array),
        wavenet: Array.from(wavenet.trainer.losses as Float32Array),
        sizes: lecture.corpus.splits.map((s: string) => lecture.corpus.data[s].size),
        checkpointBytes: files["model.safetensors"].length,
        hasConfig: files["config.json"].includes('"type": "lecture"'),
      };
    }, names);
    assert.equal(result.kernels, "wasm");
    assert.deepEqual(result.sizes, ref.sizes);
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(result.lecture[i] - ref.trace[i]) < 1e-4, `lecture step ${i}: ${result.lecture[i]} vs PyTorch ${ref.trace[i]}`);
    }
    for (let i = 0; i < 20; i++) {
      const want = wavenetRef.trace[String(i)];
      assert.ok(Math.abs(result.wavenet[i] - want) < 1e-4, `wavenet step ${i}: ${result.wavenet[i]} vs PyTorch ${want}`);
    }
    assert.ok(result.checkpointBytes > 12297 * 4 && result.hasConfig, "a checkpoint encoded to bytes in the browser");
    assert.deepEqual(problems, [], problems.join("\n"));
  } finally {
    await browser.close();
  }
});
