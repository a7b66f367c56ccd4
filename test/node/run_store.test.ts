// A save commits whole or not at all: a crash between (or in the middle of) any two of its file-system
// calls, or a full disk at any of them, leaves a directory that loads and holds one whole save — the
// previous or the new — and a --resume from it ends byte-identical to a run that was never interrupted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { CheckpointError } from "../../src/errors.ts";
import { createRun, loadRun, saveRun } from "../../src/node/run_dir.ts";
import { nodeStoreFs, recoverRunDir, type StoreFs } from "../../src/node/run_store.ts";
import { FILES } from "../../src/train/checkpoint.ts";
import type { RunOptions } from "../../src/train/config.ts";

const opts: RunOptions = { steps: 90, model: { nHidden: 16 } };
const tmp = () => mkdtempSync(join(tmpdir(), "makemore-store-"));
const runFiles = (dir: string) => readdirSync(dir).filter((n) => n !== ".lock").sort();
const WHOLE = [FILES.config, FILES.metrics, FILES.model, FILES.state].sort();

/** The run's directory after `steps` steps, and its files' bytes. */
function savedAt(steps: number): { dir: string; bytes: Record<string, Buffer> } {
  const run = createRun(opts);
  run.train(steps);
  const dir = tmp();
  saveRun(run, dir);
  return { dir, bytes: Object.fromEntries(WHOLE.map((n) => [n, readFileSync(join(dir, n))])) };
}

const A = savedAt(30); // the previous save
const B = savedAt(60); // the save being made
const end = (() => {
  const run = createRun(opts);
  run.train();
  return run.checkpoint()["model.safetensors"];
})();

class Crash extends Error {}

/**
 * A StoreFs that dies at its `at`-th call: before it, or (for writes, `torn`) after writing the first
 * half of the bytes; every later call fails too, as in a killed process.
 */
function crashingFs(at: number, torn: boolean, error: () => Error = () => new Crash()): { fs: StoreFs; calls: () => number } {
  let n = 0;
  let dead = false;
  const gate = () => {
    if (dead) throw error();
    if (n++ === at) {
      dead = true;
      return true;
    }
    return false;
  };
  const fs: StoreFs = {
    writeFile(path, data) {
      if (gate()) {
        if (torn) writeFileSync(path, data.subarray(0, data.length >> 1));
        throw error();
      }
      nodeStoreFs.writeFile(path, data);
    },
    rename(from, to) {
      if (gate()) throw error();
      nodeStoreFs.rename(from, to);
    },
    unlink(path) {
      if (gate()) throw error();
      nodeStoreFs.unlink(path);
    },
    syncDir(dir) {
      if (gate()) throw error();
      nodeStoreFs.syncDir(dir);
    },
  };
  return { fs, calls: () => n };
}

/** Saves B's run over a copy of A's directory through `fs`; returns the copy. */
function saveBOverA(fs: StoreFs): { dir: string; error: unknown } {
  const dir = tmp();
  cpSync(A.dir, dir, { recursive: true });
  const run = loadRun(B.dir);
  try {
    saveRun(run, dir, fs);
    return { dir, error: null };
  } catch (e) {
    return { dir, error: e };
  }
}

function holdsOneWholeSave(dir: string): "A" | "B" {
  const which = readFileSync(join(dir, FILES.config)).equals(A.bytes[FILES.config]!) ? "A" : "B";
  const want = which === "A" ? A : B;
  for (const n of WHOLE) assert.ok(readFileSync(join(dir, n)).equals(want.bytes[n]!), `${n} is not save ${which}'s`);
  return which;
}

test("a save counts its file-system calls (so the crash test below covers all of them)", () => {
  const probe = crashingFs(Infinity, false);
  const { error } = saveBOverA(probe.fs);
  assert.equal(error, null);
  assert.ok(probe.calls() >= 14, `only ${probe.calls()} calls`);
});

test("a crash at any instant of a save leaves the previous save or the new one, whole; --resume then ends byte-identical", () => {
  const total = (() => {
    const probe = crashingFs(Infinity, false);
    saveBOverA(probe.fs);
    return probe.calls();
  })();
  const seen = { A: 0, B: 0 };
  for (let at = 0; at < total; at++) {
    for (const torn of [false, true]) {
      const { dir, error } = saveBOverA(crashingFs(at, torn).fs);
      assert.ok(error instanceof CheckpointError, `crash at call ${at}: ${error}`);
      // the next command on the directory: loads it (finishing or dropping the interrupted save)
      const run = loadRun(dir, { steps: 90 });
      const which = holdsOneWholeSave(dir);
      seen[which]++;
      assert.equal(run.trainer.step, which === "A" ? 30 : 60);
      assert.deepEqual(runFiles(dir), WHOLE, `crash at call ${at}${torn ? " (torn write)" : ""} left litter`);
      run.train();
      assert.ok(Buffer.from(run.checkpoint()["model.safetensors"]).equals(Buffer.from(end)), `crash at call ${at}: resumed run differs`);
    }
  }
  assert.ok(seen.A > 0 && seen.B > 0, `both outcomes occur (${JSON.stringify(seen)})`);
});

test("a full disk at any write of a save leaves the previous save untouched and says so", () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  let failures = 0;
  for (let at = 0; at < 6; at++) {
    for (const torn of [false, true]) {
      // a full disk fails this write and the next ones, but lets the cleanup run
      let n = 0;
      const fs: StoreFs = {
        ...nodeStoreFs,
        writeFile(path, data) {
          if (n++ >= at) {
            if (torn) writeFileSync(path, data.subarray(0, data.length >> 1));
            throw enospc();
          }
          nodeStoreFs.writeFile(path, data);
        },
      };
      const { dir, error } = saveBOverA(fs);
      if (error === null) continue; // past the last write: the save went through
      failures++;
      assert.ok(error instanceof CheckpointError);
      assert.match((error as Error).message, /cannot save the run of step 60: no space left on device; the previous save, if any, is untouched/);
      assert.equal(holdsOneWholeSave(dir), "A");
      assert.deepEqual(runFiles(dir), WHOLE, "the failed save cleaned up after itself");
    }
  }
  assert.equal(failures, 10, "five writes (four files and the commit record), each whole or torn");
});

test("recovery finishes a committed save and removes the litter of dead processes only", () => {
  const dir = tmp();
  cpSync(A.dir, dir, { recursive: true });
  // a committed save of B whose renames had not started
  for (const n of WHOLE) writeFileSync(join(dir, `.${n}.next`), B.bytes[n]!);
  writeFileSync(join(dir, ".commit"), JSON.stringify({ files: WHOLE, step: 60 }));
  writeFileSync(join(dir, ".report.html.999999999.0.tmp"), "dead writer");
  writeFileSync(join(dir, `.report.html.${process.ppid}.0.tmp`), "live writer"); // the test runner: alive
  const r = recoverRunDir(dir);
  assert.deepEqual(r.rolledForward.sort(), WHOLE);
  assert.deepEqual(r.removed, [".report.html.999999999.0.tmp"]);
  assert.equal(holdsOneWholeSave(dir), "B");
  assert.ok(existsSync(join(dir, `.report.html.${process.ppid}.0.tmp`)));
});

test("sample reads a committed save that is still being finished without changing the directory", async () => {
  const { run } = await import("../cli/helpers.ts");
  const dir = tmp();
  cpSync(A.dir, dir, { recursive: true });
  for (const n of WHOLE) writeFileSync(join(dir, `.${n}.next`), B.bytes[n]!);
  writeFileSync(join(dir, ".commit"), JSON.stringify({ files: WHOLE, step: 60 }));
  // another live process (our parent, the test runner) holds the lock: readers must not tidy
  writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: process.ppid, host: (await import("node:os")).hostname(), startTicks: null, command: "train", since: "now" }));
  const r = await run("sample", "-o", dir, "-n", "1", "--json");
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(dir, ".commit")), "the directory was left alone");
  const sampledB = await run("sample", "-o", B.dir, "-n", "1", "--json");
  assert.equal(r.out, sampledB.out, "the samples are the committed save's (B's)");
});

// A real full disk, where the machine lets us mount a small tmpfs (root on Linux); otherwise skipped.
const mountable = (() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const probe = tmp();
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("a real full disk (tmpfs): train stops at the save that does not fit and the previous one stays whole", { skip: !mountable && "cannot mount a tmpfs here" }, async () => {
  const { run } = await import("../cli/helpers.ts");
  const mnt = tmp();
  // room for one save of this model (≈ 220 KB: its model twice, in model.safetensors and train_state, and diagnostics.jsonl) but not for a second one beside it
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", mnt]);
  try {
    const dir = join(mnt, "run");
    const r = await run("train", "-o", dir, "--steps", "400", "--checkpoint-every", "100", "--no-progress");
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /cannot save the run of step \d+: no space left on device; the previous save, if any, is untouched/);
    const loaded = loadRun(dir);
    assert.equal(loaded.trainer.step, 100);
    assert.deepEqual(runFiles(dir), [...WHOLE, "diagnostics.jsonl"].sort());
  } finally {
    execFileSync("umount", [mnt]);
  }
});

nodeStoreFs satisfies StoreFs;

test("sample and eval need only config.json and model.safetensors: a damaged log or training state does not block them", async () => {
  const { run } = await import("../cli/helpers.ts");
  const dir = tmp();
  cpSync(B.dir, dir, { recursive: true });
  const before = await run("eval", "-o", dir, "--json");
  writeFileSync(join(dir, FILES.metrics), "{ damaged\n");
  writeFileSync(join(dir, FILES.state), "damaged");
  const evaluated = await run("eval", "-o", dir, "--json");
  assert.equal(evaluated.code, 0, evaluated.err);
  assert.equal(evaluated.out, before.out);
  const sampled = await run("sample", "-o", dir, "-n", "3");
  assert.equal(sampled.code, 0, sampled.err);
  // training from it needs the state, and says which file is damaged
  const resumed = await run("train", "-o", dir, "--resume", "--no-progress");
  assert.equal(resumed.code, 1);
  assert.match(resumed.err, /metrics\.jsonl:1: is not valid JSON/);
});
