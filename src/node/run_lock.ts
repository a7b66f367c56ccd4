// One writer per run directory (Node): `DIR/.lock` names the process that holds it. It is created
// whole or not at all (written to a private file, then hard-linked to its name, which fails if the
// name exists), so two trainers started at the same instant cannot both get it. A lock whose process
// is gone — killed, crashed, or its pid since reused by another program (the process start time in
// the lock tells them apart on Linux) — is stale: the next command takes it over instead of being
// stuck behind it forever.

import { hostname } from "node:os";
import { existsSync, linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CheckpointError } from "../errors.ts";
import { fsReason } from "./atomic-write.ts";

export const LOCK = ".lock";
/** Commands that hold a lock only for milliseconds: others wait for them rather than fail. */
export const BRIEF = new Set(["tidy", "save"]);

/** What `.lock` holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks after boot (Linux /proc), to tell a reused pid apart. */
  startTicks: number | null;
  command: string;
  since: string;
}

/**
 * A held lock; `release()` removes it (idempotent), and the run directory too if taking the lock
 * created it and nothing was saved there (a command that failed before its first save leaves no trace).
 */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** The start time of process `pid` from /proc (null where there is no /proc). */
function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22 of proc(5), counted from field 3
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** True if a process with this pid exists (another user's counts). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True if the lock's owner still runs (a lock from another host is assumed to be held). */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  if (!processAlive(owner.pid)) return false;
  const now = startTicks(owner.pid);
  return owner.startTicks === null || now === null || now === owner.startTicks;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return Number.isSafeInteger(o.pid) && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

/** The live process holding the lock on `dir`, or null. */
export function lockHolder(dir: string): LockOwner | null {
  const owner = readOwner(join(dir, LOCK));
  return owner !== null && ownerAlive(owner) ? owner : null;
}

function describe(owner: LockOwner): string {
  const where = owner.host === hostname() ? "" : ` on ${owner.host}`;
  return `process ${owner.pid}${where} (makemore ${owner.command}, since ${owner.since})`;
}

/**
 * The real reason a recursive mkdir failed: Node reports ENOENT for a read-only file system, so
 * create the first missing directory below the deepest existing one on its own and keep its error.
 */
function mkdirCause(dir: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") return error;
  let missing = resolve(dir);
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  try {
    mkdirSync(missing);
    rmdirSync(missing);
  } catch (e) {
    return e;
  }
  return error;
}

/** Creates `dir` (and its parents), with an error that says why it cannot be; true if it did not exist. */
export function makeRunDir(dir: string): boolean {
  const existed = existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(`cannot create the run directory: ${fsReason(mkdirCause(dir, e))}`, dir);
  }
  if (!statSync(dir).isDirectory()) throw new CheckpointError("is not a directory", dir);
  return !existed;
}

/**
 * Takes the lock on run directory `dir` (created if needed) for `command`, or throws a CheckpointError
 * naming the process that holds it. Writing the lock also proves the directory is writable, before any
 * work is done that would be lost at the first save.
 */
export function acquireRunLock(dir: string, command: string): RunLock {
  const created = makeRunDir(dir);
  const path = join(dir, LOCK);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startTicks: startTicks(process.pid), command, since: new Date().toISOString() };
  const tmp = join(dir, `${LOCK}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(owner) + "\n");
  } catch (e) {
    throw new CheckpointError(`cannot write in the run directory: ${fsReason(e)}`, dir);
  }
  let waited = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new CheckpointError(`cannot lock the run directory: ${fsReason(e)}`, dir);
      }
      const other = readOwner(path);
      if (other !== null && ownerAlive(other) && BRIEF.has(other.command) && waited < 2000) {
        waited += 10; // a reader tidying up or a library save: done in milliseconds
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        attempt--;
        continue;
      }
      if (other !== null && ownerAlive(other)) {
        throw new CheckpointError(`is in use by ${describe(other)}; wait for it to finish or stop it`, dir);
      }
      // stale (its process is gone) or unreadable (killed while being linked cannot happen: link is atomic)
      if (attempt >= 3) throw new CheckpointError(`cannot take over the stale lock ${path}; remove it by hand`, dir);
      removeIfUnchanged(path, other);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener("exit", release);
    const now = readOwner(path);
    if (now !== null && now.pid === owner.pid && now.since === owner.since) {
      try {
        unlinkSync(path);
      } catch {
        // gone
      }
    }
    if (created) {
      try {
        rmdirSync(dir); // only if empty
      } catch {
        // holds a run, or something else: keep it
      }
    }
  };
  process.on("exit", release); // an uncaught error or process.exit still frees the directory
  return { path, release };
}

/** Removes a stale lock unless another process replaced it meanwhile. */
function removeIfUnchanged(path: string, stale: LockOwner | null): void {
  const now = readOwner(path);
  if (JSON.stringify(now) !== JSON.stringify(stale)) return; // someone else took it: the next attempt reads them
  try {
    unlinkSync(path);
  } catch {
    // another process removed it first
  }
}

/** Runs `fn` holding the lock on `dir` if nobody else does; returns false (without running it) if someone does. */
export function whileUnlocked(dir: string, command: string, fn: () => void): boolean {
  if (!existsSync(dir) || lockHolder(dir) !== null) return false;
  let lock: RunLock;
  try {
    lock = acquireRunLock(dir, command);
  } catch {
    return false; // held, or a directory we cannot write: read without tidying
  }
  try {
    fn();
  } finally {
    lock.release();
  }
  return true;
}
