// Sizes the WebAssembly memory cannot hold (issue 10): `train` and `lr-find` refuse them before any
// training starts, in one line naming the flags and the memory they would need, with exit code 2 —
// never "internal error" and a stack. Sizes that are large but fit still train.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-cli-sizes-"));

/** One line on stderr, exit code 2, nothing on stdout; returns the message. */
async function refused(...argv: string[]): Promise<string> {
  const r = await run(...argv);
  assert.equal(r.code, 2, `${argv.join(" ")}: exit ${r.code}\n${r.err}`);
  assert.doesNotMatch(r.err, /internal error/);
  assert.equal(r.err.trim().split("\n").length, 1, r.err);
  assert.equal(r.out, "");
  return r.err.trim();
}

const cases: [string[], RegExp][] = [
  [["--batch-size", "10000000"], /^makemore: --batch-size 10000000 with --n-hidden 200 needs about 56.7 GiB \(activations for 10000000 examples at a time\); the WebAssembly memory holds at most 4 GiB: use a smaller --batch-size$/],
  [["--n-hidden", "1000000"], /^makemore: --n-hidden 1000000 needs about 27.2 GiB \(.*\); the WebAssembly memory holds at most 4 GiB: use a smaller --n-hidden$/],
  [["--n-embd", "1000000"], /^makemore: --n-embd 1000000 with --block-size 3 needs about 27.6 GiB .*: use a smaller --n-embd$/],
  [["--block-size", "10000000"], /^makemore: --block-size 10000000 with --n-embd 10 needs about 951 GiB .*: use a smaller --block-size$/],
  [["--type", "wavenet", "--batch-size", "10000000"], /^makemore: --batch-size 10000000 with --block-size 8 and --n-hidden 128 needs about 251 GiB .*: use a smaller --batch-size$/],
  [["--type", "wavenet", "--n-hidden", "1000000"], /^makemore: --n-hidden 1000000 with --block-size 8 needs about 29.3 TiB .*: use a smaller --n-hidden$/],
  [["--type", "wavenet", "--n-embd", "1000000"], /^makemore: --n-embd 1000000 with --block-size 8 needs about 63.2 GiB .*: use a smaller --n-embd$/],
  [["--type", "wavenet", "--block-size", "8388608"], /^makemore: --block-size 8388608 with --n-hidden 128 needs about 29.5 TiB .*: use a smaller --block-size$/],
  [["--type", "bigram", "--batch-size", "10000000"], /^makemore: --batch-size 10000000 needs about 35.2 GiB \(activations for 10000000 examples at a time\); .*: use a smaller --batch-size$/],
];

for (const [flags, want] of cases) {
  test(`makemore train ${flags.join(" ")}: one line, exit 2, before training`, async () => {
    const dir = join(tmp(), "run");
    assert.match(await refused("train", "-o", dir, "--steps", "5", "--no-progress", ...flags), want);
  });
}

test("makemore lr-find refuses the same sizes", async () => {
  assert.match(await refused("lr-find", "--steps", "10", "--batch-size", "10000000"), /^makemore: --batch-size 10000000 with --n-hidden 200 needs about 56.7 GiB .*: use a smaller --batch-size$/);
  assert.match(await refused("lr-find", "--steps", "10", "--type", "wavenet", "--n-embd", "1000000"), /^makemore: --n-embd 1000000 with --block-size 8 needs about 63.2 GiB .*: use a smaller --n-embd$/);
});

test("a large batch that fits trains: --batch-size 100000 (0.57 GiB)", async () => {
  const dir = tmp();
  const file = join(dir, "names.txt");
  const names = readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
  writeFileSync(file, names.slice(0, 200).join("\n") + "\n");
  const r = await run("train", "-i", file, "-o", join(dir, "run"), "--steps", "1", "--batch-size", "100000", "--samples", "0", "--json");
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.steps, 1);
  assert.ok(out.losses.train > 3 && out.losses.train < 3.7, `${out.losses.train}`);
});
