// Builds the browser lab (web/) into dist/web/: the page (web/main.ts) and its trainer (web/worker.ts)
// bundled by esbuild with the library and its wasm module (embedded in src/kernels/wasm-bytes.generated.ts,
// so build the wasm first) and Chart.js, plus index.html, lab.css and the bundled names. Static files that
// work offline and from any static host; `makemore lab` serves them. Runs in `npm run build`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "web");

/** Builds the lab into `outDir` (default dist/web); returns the files written. */
export async function buildWeb(outDir = out) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { main: join(root, "web", "main.ts"), worker: join(root, "web", "worker.ts") },
    outdir: outDir,
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    sourcemap: false,
    logLevel: "warning",
  });
  for (const f of ["index.html", "lab.css"]) copyFileSync(join(root, "web", f), join(outDir, f));
  copyFileSync(join(root, "data", "names.txt"), join(outDir, "names.txt"));
  return ["index.html", "lab.css", "main.js", "worker.js", "names.txt"];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildWeb();
  console.log(`lab: ${files.length} files in ${out}`);
}
