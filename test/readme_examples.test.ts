// The README's library examples (its `## Library` section's ts blocks) run as written, so they cannot go
// stale: each is written to a file with "makemore-ts" and "makemore-ts/node" pointing at this checkout's
// sources, and run in a directory of its own. The browser example's `text` (a textarea's) is given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const library = readme.slice(readme.indexOf("\n## Library"), readme.indexOf("\n### Random streams"));
const blocks = [...library.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const core = new URL("../src/index.ts", import.meta.url).href;
const edge = new URL("../src/node/index.ts", import.meta.url).href;
const tsx = fileURLToPath(import.meta.resolve("tsx"));

test("the README's library section has its examples (the run, the lecture's loop, the browser, the building blocks)", () => {
  assert.ok(blocks.length >= 4, `${blocks.length} ts blocks`);
  assert.ok(blocks.some((b) => b.includes("model.backward()") && b.includes("sgdStep")), "the lecture's own loop");
});

blocks.forEach((block, i) => {
  test(`README library example ${i + 1} runs as written (${block.split("\n").find((l) => !l.startsWith("import"))?.slice(0, 60)})`, () => {
    const dir = mkdtempSync(join(tmpdir(), "makemore-readme-"));
    const src = block.replaceAll('"makemore-ts/node"', JSON.stringify(edge)).replaceAll('"makemore-ts"', JSON.stringify(core));
    const prelude = /\btext\b/.test(block) && !/const text\b/.test(block) ? 'const text = "emma\\nolivia\\nava\\nisabella\\nsophia\\nmia\\ncharlotte\\namelia\\nharper\\nevelyn\\nabigail\\nemily\\n";\n' : "";
    const file = join(dir, "example.mts");
    writeFileSync(file, prelude + src + "\nexport {};\n");
    const out = execFileSync(process.execPath, ["--import", tsx, file], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    if (block.includes("sgdStep")) assert.match(out, /^0 3\.9508$/m, "the lecture's first loss, PyTorch's");
  });
});
