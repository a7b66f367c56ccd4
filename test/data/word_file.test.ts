// readWordFile refuses what is not a regular file (a device, a FIFO, a directory) before reading a byte,
// and a file over MAX_WORD_FILE_BYTES; each is one DataError naming the file (exit 1 in the CLI).
// The devices are read in a child process with a timeout: a reader that does not refuse them never ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError } from "../../src/errors.ts";
import { MAX_WORD_FILE_BYTES, readWordFile } from "../../src/node/words.ts";
import { run } from "../cli/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "makemore-wordfile-"));
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

function refused(path: string, pattern: RegExp): void {
  assert.throws(
    () => readWordFile(path),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${path}: `) && pattern.test(e.message),
  );
}

/** Runs an ES module `script` in a child process (killed after 20 s); its output lines. */
function inChild(script: string): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    timeout: 20_000, encoding: "utf8", cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
  assert.equal(r.signal, null, `the child did not end (killed by ${r.signal}): ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

/** readWordFile on each path, in a child: what each gave, as one line. */
function readInChild(paths: string[]): string[] {
  return inChild(
    `const { readWordFile } = await import(${JSON.stringify(src("node/words.ts"))});` +
      `for (const p of ${JSON.stringify(paths)}) { try { readWordFile(p); console.log("read " + p); } ` +
      `catch (e) { console.log(e.constructor.name + " " + e.message); } }`,
  );
}

/** `makemore ...argv` in a child: its error output, then "exit N". */
function cliInChild(...argv: string[]): string[] {
  return inChild(
    `const { main } = await import(${JSON.stringify(src("cli/main.ts"))});` +
      `const code = await main(${JSON.stringify(argv)}, { out: () => {}, err: (t) => console.log(t.trimEnd()) });` +
      `console.log("exit " + code);`,
  );
}

test("devices (/dev/zero, /dev/urandom, /dev/null) are refused at once, not read", { skip: !existsSync("/dev/zero") }, () => {
  const lines = readInChild(["/dev/zero", "/dev/urandom", "/dev/null"]);
  assert.deepEqual(lines, [
    "DataError /dev/zero: is a device, not a regular file: give a text file with one word per line",
    "DataError /dev/urandom: is a device, not a regular file: give a text file with one word per line",
    "DataError /dev/null: is a device, not a regular file: give a text file with one word per line",
  ]);
});

test("a FIFO is refused without waiting for a writer; a symlink to a device too", { skip: process.platform === "win32" }, () => {
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const link = join(dir, "zero-link.txt");
  symlinkSync("/dev/zero", link);
  assert.deepEqual(readInChild([fifo, link]), [
    `DataError ${fifo}: is a pipe (FIFO), not a regular file: give a text file with one word per line`,
    `DataError ${link}: is a device, not a regular file: give a text file with one word per line`,
  ]);
});

test("a directory, a missing file, and a file over the size limit are refused naming the file", () => {
  mkdirSync(join(dir, "adir"));
  refused(join(dir, "adir"), /is a directory: give a text file/);
  refused(join(dir, "missing.txt"), /no such file/);
  const big = join(dir, "big.txt");
  writeFileSync(big, "");
  truncateSync(big, MAX_WORD_FILE_BYTES + 1); // sparse: nothing is written or read
  refused(big, /is 256 MiB, over the limit of 256 MiB for a word file/);
});

test("regular files are read whole, through a symlink too", () => {
  const file = join(dir, "words.txt");
  const words = Array.from({ length: 20000 }, (_, i) => `w${i.toString(36)}`);
  writeFileSync(file, words.join("\n"));
  assert.deepEqual(readWordFile(file).words, words);
  const link = join(dir, "link.txt");
  symlinkSync(file, link);
  assert.equal(readWordFile(link).words.length, 20000);
  assert.equal(readWordFile().words.length, 32033);
});

test("makemore data -i on a directory, /dev/zero or a FIFO: one line naming the file, exit 1", async () => {
  const r = await run("data", "-i", join(dir, "adir"));
  assert.equal(r.code, 1, r.err);
  assert.match(r.err.trim(), /adir: is a directory: give a text file with one word per line$/);
  if (process.platform !== "win32") {
    const fifo = join(dir, "fifo2");
    execFileSync("mkfifo", [fifo]);
    const [line, exit] = cliInChild("data", "-i", fifo);
    assert.match(line, /fifo2: is a pipe \(FIFO\), not a regular file/);
    assert.equal(exit, "exit 1");
    assert.deepEqual(cliInChild("data", "-i", "/dev/zero"), [
      "makemore: /dev/zero: is a device, not a regular file: give a text file with one word per line", "exit 1",
    ]);
  }
});
