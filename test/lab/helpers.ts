// What the lab's tests share: the built page in a temporary folder of its own (built once per test file,
// about 0.15 s), a raw HTTP GET, headless Chromium as the workplace runs it, and the link's kernels.

import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { wasmVariant } from "../../src/kernels/wasm.ts";
// @ts-expect-error: a build script in plain JavaScript
import { buildWeb } from "../../scripts/build-web.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The link's `kernels` for the build the library runs here, so that the page trains with the same
 * arithmetic (Chromium has relaxed SIMD; Node 20 without its flag has not): empty where it is the page's own pick.
 */
export const kernelsQuery = wasmVariant() === "relaxed" ? "" : "&kernels=simd";

/** A temporary folder (`root`) with the page built into `site` = root/web. */
export async function builtSite(): Promise<{ root: string; site: string }> {
  const root = mkdtempSync(join(tmpdir(), "makemore-lab-"));
  const site = join(root, "web");
  await buildWeb(site);
  return { root, site };
}

/** Headless Chromium with the workplace's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

/** A raw GET (the path sent as written, no URL normalization): status, headers, body. */
export function get(url: string, path: string, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
