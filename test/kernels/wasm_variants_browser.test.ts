// The choice between the module's two builds (src/kernels/wasm.ts) in a real browser: the kernels
// bundled by esbuild for the browser platform (as the lab's worker bundles them, the relaxed build as a
// patch inside the same script), loaded in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) on the page and in Workers. Chromium ≥ 114 has relaxed SIMD, so a page that asks for
// detection (loadWasm("auto")) must pick "relaxed" and fuse: c + a·b with a = b = 1 + 2⁻¹², c = −1 is
// 2⁻¹¹ + 2⁻²⁴ rounded once, 2⁻¹¹ rounded twice; so must a worker that asks for nothing; a worker that
// asks for the plain build (loadWasm("simd"), as the lab's does for a run trained under it) must get the
// plain build and round twice.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs in the browser (page or worker): the build picked and the probe's result, through matmulNN. */
const PROBE = `
async function probe(variant) {
  await k.loadWasm(variant);
  const w = k.wasmKernels(), a = w.arena;
  const A = a.f32(4), B = a.f32(8), C = a.f32(32);
  A.view.fill(1 + 2 ** -12); B.view.fill(1 + 2 ** -12); C.view.fill(-1);
  w.matmulNN(C, A, B, 4, 1, 8, true); // (4,1) @ (1,8), the 4×8 block of asm/gemm.ts
  return { variant: k.wasmVariant(), supported: k.relaxedSimdSupported(), values: [...new Set(C.view)] };
}`;

test("in Chromium the kernels detect the relaxed SIMD build and fuse; a worker asking for nothing or for the plain build gets it", { timeout: 120000 }, async () => {
  const bundle = await build({
    stdin: { contents: 'export * from "./src/kernels/index.ts";', resolveDir: root, loader: "ts" },
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "k",
    write: false,
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0].text + PROBE;
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium (CI: .ci/run does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    assert.ok(Number(browser.version().split(".")[0]) >= 114, `Chromium ${browser.version()} predates relaxed SIMD`);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    await page.setContent("<!DOCTYPE html><title>wasm builds</title><body></body>");
    await page.addScriptTag({ content: js });
    const onPage = await page.evaluate('probe("auto")');
    const inWorker = (variant: string) => page.evaluate(`new Promise((resolve, reject) => {
      const src = ${JSON.stringify(js)} + "\\nprobe(${variant}).then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));";
      const worker = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
    })`);
    assert.deepEqual(onPage, { variant: "relaxed", supported: true, values: [2 ** -11 + 2 ** -24] }, 'page, loadWasm("auto")');
    assert.deepEqual(await inWorker("'simd'"), { variant: "simd", supported: true, values: [2 ** -11] }, 'worker, loadWasm("simd")');
    assert.deepEqual(await inWorker("undefined"), { variant: "relaxed", supported: true, values: [2 ** -11 + 2 ** -24] }, "worker, loadWasm()");
    assert.deepEqual(problems, [], problems.join("\n"));
  } finally {
    await browser.close();
  }
});
