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

test("gradcheck, data and --steps refuse what they cannot hold too, in one line", async () => {
  // the fast path against the wasm memory, the autograd graph (about 8× its bytes) against the machine's
  assert.match(await refused("gradcheck", "--n-hidden", "10000000"), /^makemore: --n-hidden 10000000 with --batch-size 32 needs about .*: use a smaller --n-hidden$/);
  const { checkGradcheckMemory } = await import("../../src/cli/gradcheck.ts");
  assert.throws(
    () => checkGradcheckMemory(27, 100000, 32, 2 ** 30), // a 1 GiB machine: autograd would need about 1 GiB
    /^ConfigError: --n-hidden 100000 with --batch-size 32: the autograd side of the check would hold about 1\.\d+ GiB; this machine has 1 GiB: use a smaller --n-hidden or --batch-size$/,
  );
  checkGradcheckMemory(27, 64, 32, 2 ** 30); // the lecture's sizes fit anywhere
  assert.match(await refused("data", "--block-size", "10000000"), /^makemore: --block-size 10000000: the \d+ examples would hold \d+ context tokens, more than the 1073741824 an array can; use a smaller --block-size$/);
  assert.match(await refused("train", "-o", tmp(), "--steps", "10000000000"), /^makemore: --steps 10000000000: at most 268435456 \(every step's loss is kept in memory, 4 bytes each\)$/);
});

test("a config.json whose model sizes the memory cannot hold is named as damaged (exit 1)", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, "--steps", "5", "--n-hidden", "8", "--samples", "0")).code, 0);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  config.model.nHidden = 100000000;
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  for (const cmd of ["eval", "sample"]) {
    const r = await run(cmd, "-o", dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /config\.json: describes a model the memory cannot hold \(.*\); the file is damaged or was edited\n$/);
  }
});
