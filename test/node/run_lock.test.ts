// One writer per run directory: a second trainer fails at once naming the first; a lock whose process
// is gone (killed, or its pid reused) does not block anyone; a directory that cannot be written is
// refused before the first step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { run } from "../cli/helpers.ts";
import { cliChild, ROOT } from "./child.ts";
import { acquireRunLock, LOCK } from "../../src/node/run_lock.ts";
import { CheckpointError } from "../../src/errors.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-lock-"));

/** A child process that takes the lock on `dir` and holds it until killed. */
async function holder(dir: string) {
  const script = join(tmp(), "hold.mts");
  writeFileSync(
    script,
    `import { acquireRunLock } from ${JSON.stringify(join(ROOT, "src/node/run_lock.ts"))};\n` +
      `acquireRunLock(${JSON.stringify(dir)}, "train");\nconsole.log("locked");\nsetInterval(() => {}, 1000);\n`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  await once(child.stdout!, "data");
  return child;
}

test("a second trainer (or a --resume) beside a running one fails at once naming it; once it is killed, the lock is taken over", async () => {
  const dir = tmp();
  const child = await holder(dir);
  try {
    for (const extra of [[], ["--resume"], ["--force"]]) {
      const r = await run("train", "-o", dir, "--steps", "10", "--no-progress", ...extra);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, new RegExp(`^makemore: ${dir}: is in use by process ${child.pid} \\(makemore train, since .*\\); wait for it to finish or stop it\\n$`));
    }
  } finally {
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  assert.ok(existsSync(join(dir, LOCK)), "a killed process leaves its lock");
  const r = await run("train", "-o", dir, "--steps", "10", "--n-hidden", "8", "--no-progress", "--samples", "0");
  assert.equal(r.code, 0, r.err);
  assert.ok(!existsSync(join(dir, LOCK)), "released at the end");
});

test("two trainers started together: exactly one runs, the other fails naming it", async () => {
  const dir = tmp();
  const children = [0, 1].map(() => cliChild(["train", "-o", dir, "--steps", "3000", "--no-progress", "--samples", "0"]));
  const results = await Promise.all(children.map(async (c) => ({ code: await c.exited, err: c.err() })));
  const codes = results.map((r) => r.code).sort();
  assert.deepEqual(codes, [0, 1], JSON.stringify(results));
  const loser = results.find((r) => r.code === 1)!;
  const winner = children[results.findIndex((r) => r.code === 0)]!.child;
  assert.match(loser.err, new RegExp(`is in use by process ${winner.pid} \\(makemore train`));
});

test("a lock whose pid now belongs to another program (start time differs) is stale; one from another host is held", () => {
  const dir = tmp();
  const parent = process.ppid; // alive, but not the process that wrote the lock
  writeFileSync(join(dir, LOCK), JSON.stringify({ pid: parent, host: hostname(), startTicks: 1, command: "train", since: "then" }));
  if (existsSync(`/proc/${parent}/stat`)) {
    const lock = acquireRunLock(dir, "train");
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK), "utf8")).pid, process.pid);
    lock.release();
    assert.ok(!existsSync(join(dir, LOCK)));
  }
  writeFileSync(join(dir, LOCK), JSON.stringify({ pid: 12345, host: "elsewhere", startTicks: null, command: "train", since: "then" }));
  assert.throws(() => acquireRunLock(dir, "train"), (e: unknown) => e instanceof CheckpointError && /in use by process 12345 on elsewhere/.test(e.message));
});

test("a run directory that cannot be created or written is refused before the first step", async () => {
  const file = join(tmp(), "a-file");
  writeFileSync(file, "");
  const r = await run("train", "-o", join(file, "run"), "--steps", "100000", "--no-progress");
  assert.equal(r.code, 1);
  assert.equal(r.err, `makemore: ${join(file, "run")}: cannot create the run directory: a part of the path is a file, not a directory\n`);
  if (process.platform === "linux" && process.getuid?.() === 0) {
    const ro = tmp();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro], { stdio: "ignore" });
    } catch {
      return; // cannot mount here
    }
    try {
      const r2 = await run("train", "-o", join(ro, "run"), "--steps", "100000", "--no-progress");
      assert.equal(r2.code, 1);
      assert.equal(r2.err, `makemore: ${join(ro, "run")}: cannot create the run directory: the file system is read-only\n`);
    } finally {
      execFileSync("umount", [ro]);
    }
  }
});

test("a train that fails before its first save leaves no directory it created, and keeps one that was there", async () => {
  const parent = tmp();
  const fresh = join(parent, "new-run");
  const r = await run("train", "-o", fresh, "--n-hidden", "1000000");
  assert.equal(r.code, 2, r.err);
  assert.ok(!existsSync(fresh), "the empty directory was removed");
  const r2 = await run("train", "-o", parent, "--n-hidden", "1000000");
  assert.equal(r2.code, 2, r2.err);
  assert.ok(existsSync(parent), "a directory the user made stays");
  assert.ok(!existsSync(join(parent, LOCK)));
});

test("a stale lock with this process's own pid (a container restarted) is taken over; a held lock survives a hostname change", async () => {
  const { createRun, saveRun } = await import("../../src/node/run_dir.ts");
  const dir = tmp();
  writeFileSync(join(dir, LOCK), JSON.stringify({ pid: process.pid, host: hostname(), startTicks: null, command: "train", since: "then", token: "an earlier life" }));
  const lock = acquireRunLock(dir, "train");
  try {
    // the lock file now names another host (a laptop renamed on a new network): our own saves go on
    const owner = JSON.parse(readFileSync(join(dir, LOCK), "utf8"));
    writeFileSync(join(dir, LOCK), JSON.stringify({ ...owner, host: "renamed" }));
    const r = createRun({ steps: 3, model: { nHidden: 4 } });
    r.train();
    saveRun(r, dir);
    assert.ok(existsSync(join(dir, "config.json")));
    assert.throws(() => acquireRunLock(dir, "train"), /already locked by this process/);
  } finally {
    lock.release();
  }
});
