// The lab's server (src/node/lab_server.ts, `makemore lab`): it hands out the built page's files and
// nothing else — no traversal, no listing, no symlink out of the folder, 127.0.0.1 only, the page with
// the cross-origin isolation headers its threads need, GET and HEAD only — and the CLI command serves
// it, prints its URL, stops on Ctrl-C and refuses a bad --port in one line. The page itself: page.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LAB_DIR, resolveLabPath, startLabServer } from "../../src/node/lab_server.ts";
import { main } from "../../src/cli/main.ts";
// @ts-expect-error: a build script in plain JavaScript
import { buildWeb } from "../../scripts/build-web.mjs";
import { builtSite, get } from "./helpers.ts";

const { root, site } = await builtSite();

test("the lab's paths: only files inside the built folder; no traversal, no listing, no symlink out", () => {
  mkdirSync(join(site, "sub"), { recursive: true });
  writeFileSync(join(root, "secret.txt"), "secret");
  symlinkSync(join(root, "secret.txt"), join(site, "link.txt"));
  assert.equal(resolveLabPath(site, "/"), join(site, "index.html"));
  assert.equal(resolveLabPath(site, "/main.js?v=1"), join(site, "main.js"));
  for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/sub/../../secret.txt", "/sub", "/sub/", "/link.txt", "/nope.js", "/%zz", "/main.js%00", "/..\\secret.txt", "/index.html/", "/main.js/", "/main.js/."]) {
    assert.equal(resolveLabPath(site, p), null, p);
  }
});

test("the server: 127.0.0.1 only, the page with cross-origin isolation headers, 404 outside it, GET and HEAD only", async () => {
  const { server, url } = await startLabServer({ port: 0, root: site });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(url, "/");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.equal(page.headers["cross-origin-opener-policy"], "same-origin");
    assert.equal(page.headers["cross-origin-embedder-policy"], "require-corp");
    assert.match(page.body, /<title>makemore lab<\/title>/);
    assert.equal((await get(url, "/worker.js")).status, 200);
    for (const p of ["/../secret.txt", "/../../package.json", "/%2e%2e/secret.txt", "/sub/", "/index.html/"]) assert.equal((await get(url, p)).status, 404, p);
    assert.equal((await get(url, "/", "POST")).status, 405);
    assert.equal((await get(url, "/", "HEAD")).body, "");
  } finally {
    server.close();
  }
});

test("makemore lab serves the built page and prints its URL; Ctrl-C stops it; a bad --port is a one-line error", { timeout: 60000 }, async () => {
  if (!existsSync(join(LAB_DIR, "index.html"))) await buildWeb(); // npm test builds it; a lone run of this file may not have
  const script = join(root, "cli.mts");
  writeFileSync(script, `import { main } from ${JSON.stringify(new URL("../../src/cli/main.ts", import.meta.url).pathname)};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  const child = spawn(process.execPath, ["--import", "tsx", script, "lab", "--port", "0"], { cwd: new URL("../..", import.meta.url).pathname, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  try {
    const at = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c) => {
        out += c;
        const m = /makemore lab: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before printing its URL`)));
    });
    assert.equal((await get(at, "/")).status, 200);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0, "Ctrl-C stops the server cleanly");
  const errs: string[] = [];
  const code = await main(["lab", "--port", "70000"], { out: () => {}, err: (t) => errs.push(t) });
  assert.equal(code, 2);
  assert.match(errs.join(""), /--port.*must be a port number, 0 to 65535/);
});
