// The kernels' threads in a real browser (headless Chromium through playwright-core): the kernels bundled
// by esbuild for the browser as the lab's worker bundles them, in a Web Worker of a page served by
// `makemore lab`'s server (COOP same-origin, COEP require-corp: cross-origin isolated). A browser's default
// is one thread; there setThreads(2) gives 2, the second a Worker started from a Blob URL inside the
// first, and a product cut in two is bit for bit the one-thread product. The same worker on a page served without those headers runs on one
// thread and says why; so does an isolated page's own main thread (it may not Atomics.wait).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { startLabServer } from "../../src/node/lab_server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs in the browser: the thread count, why not more, and whether 1 and 2 threads agree on a transformer-sized product. */
const PROBE = `
async function probe() {
  await k.loadWasm();
  const w = k.wasmKernels(), a = w.arena;
  const M = 512, K = 64, N = 192;
  const A = a.f32(M * K), B = a.f32(K * N), C1 = a.f32(M * N), C2 = a.f32(M * N);
  for (let i = 0; i < A.length; i++) A.view[i] = Math.sin(i);
  for (let i = 0; i < B.length; i++) B.view[i] = Math.cos(0.7 * i);
  const before = k.threadCount(); // a browser's default: 1 until the page opts in
  const set = k.setThreads(2);
  const why = k.threadsUnavailable();
  const ready = await k.threadsReady();
  w.matmulNN(C2, A, B, M, K, N);
  k.setThreads(1);
  w.matmulNN(C1, A, B, M, K, N);
  let differ = 0;
  for (let i = 0; i < C1.length; i++) if (C1.view[i] !== C2.view[i]) differ++;
  return { isolated: self.crossOriginIsolated, before, set, why, ready, differ };
}`;

const WORKER_MAIN = `\nprobe().then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));`;

test("in Chromium: setThreads(2) gives 2 threads in a worker of a cross-origin isolated page, bit for bit; 1 without isolation or on the page itself", { timeout: 120000 }, async () => {
  const bundle = await build({
    stdin: { contents: 'export * from "./src/kernels/index.ts";', resolveDir: root, loader: "ts" },
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "k",
    minify: true, // as the lab's bundle: the worker's source text is taken from minified functions
    write: false,
    logLevel: "silent",
  });
  const dir = mkdtempSync(join(tmpdir(), "makemore-threads-"));
  writeFileSync(join(dir, "index.html"), "<!DOCTYPE html><title>threads</title><script src=\"kernels.js\"></script>");
  writeFileSync(join(dir, "kernels.js"), bundle.outputFiles[0].text + PROBE);
  writeFileSync(join(dir, "worker.js"), bundle.outputFiles[0].text + PROBE + WORKER_MAIN);
  const isolated = await startLabServer({ root: dir });
  // the same files without the cross-origin isolation headers
  const plain = createServer((req, res) => {
    const name = (req.url ?? "/") === "/" ? "index.html" : (req.url ?? "").slice(1);
    if (!["index.html", "kernels.js", "worker.js"].includes(name)) return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": name.endsWith(".html") ? "text/html" : "text/javascript" }).end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium (CI: .ci/run does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const inWorker = async (url: string) => {
      const page = await browser.newPage();
      await page.goto(url);
      return page.evaluate(`new Promise((resolve, reject) => {
        const worker = new Worker("worker.js");
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
      })`);
    };
    assert.deepEqual(await inWorker(isolated.url), { isolated: true, before: 1, set: 2, why: null, ready: 2, differ: 0 });
    assert.deepEqual(await inWorker(plainUrl), { isolated: false, before: 1, set: 1, why: "the page is not cross-origin isolated", ready: 1, differ: 0 });
    const page = await browser.newPage();
    await page.goto(isolated.url);
    const onPage = (await page.evaluate("probe()")) as { why: string; set: number; differ: number };
    assert.deepEqual(onPage, { isolated: true, before: 1, set: 1, why: "a page's main thread cannot wait for another (train in a worker)", ready: 1, differ: 0 });
  } finally {
    await browser.close();
    isolated.server.close();
    plain.close();
  }
});
