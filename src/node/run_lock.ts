// One writer per run directory (Node): `DIR/.lock` names the process that holds it. It is created
// whole or not at all (written to a private file, then hard-linked to its name, which fails if the
// name exists), so two trainers started at the same instant cannot both get it. A lock whose process
// is gone — killed, crashed, or its pid since reused by another program (the process start time in
// the lock tells them apart on Linux) — is stale: the next command takes it over instead of being
// stuck behind it forever.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { existsSync, linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CheckpointError } from "../errors.ts";
import { fsReason, sleepSync } from "./atomic-write.ts";

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
  /** Tells this holding apart from an earlier process's with the same pid. */
  token: string;
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
  if (owner.pid === process.pid && [...HELD.values()].includes(owner.token)) return true;
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false; // an earlier process's, whose pid this one got
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

/** The locks this process holds: run directory (resolved) → the token written in its `.lock`. */
const HELD = new Map<string, string>();

/** True if this process holds the lock on `dir` (known from memory, not from the file). */
export function holdsRunLock(dir: string): boolean {
  return HELD.has(resolve(dir));
}

/** Links `from` to `to` (fails with EEXIST if `to` exists); where hard links are not supported, creates `to` exclusively. */
function createExclusive(from: string, to: string, content: string): void {
  try {
    linkSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw e;
    writeFileSync(to, content, { flag: "wx" }); // FAT, SMB, some FUSE: not whole at once, see `young`
  }
}

/** A file made in the last few seconds: an unreadable lock this young may still be being written. */
function young(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/**
 * Takes the lock on run directory `dir` (created if needed) for `command`, or throws a CheckpointError
 * naming the process that holds it. Writing the lock also proves the directory is writable, before any
 * work is done that would be lost at the first save.
 */
export function acquireRunLock(dir: string, command: string): RunLock {
  const created = makeRunDir(dir);
  const key = resolve(dir);
  if (HELD.has(key)) throw new CheckpointError("is already locked by this process", dir);
  const path = join(dir, LOCK);
  const owner: LockOwner = {
    pid: process.pid, host: hostname(), startTicks: startTicks(process.pid), command, since: new Date().toISOString(), token: randomUUID(),
  };
  const content = JSON.stringify(owner) + "\n";
  const tmp = join(dir, `${LOCK}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
  } catch (e) {
    throw new CheckpointError(`cannot write in the run directory: ${fsReason(e)}`, dir);
  }
  let waited = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        createExclusive(tmp, path, content);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new CheckpointError(`cannot lock the run directory: ${fsReason(e)}`, dir);
      }
      const other = readOwner(path);
      const alive = other === null ? young(path) : ownerAlive(other);
      if (alive && (other === null || BRIEF.has(other.command)) && waited < 2000) {
        waited += 10; // a reader tidying up, a library save, a lock being written: done in milliseconds
        sleepSync(10);
        attempt--;
        continue;
      }
      if (alive) {
        throw new CheckpointError(other === null ? "is being locked by another process" : `is in use by ${describe(other)}; wait for it to finish or stop it`, dir);
      }
      if (attempt >= 20) throw new CheckpointError(`cannot take over the stale lock ${path}; remove it by hand`, dir);
      takeOver(dir, path, other, tmp, content);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone
    }
  }
  HELD.set(key, owner.token);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    HELD.delete(key);
    process.removeListener("exit", release);
    if (readOwner(path)?.token === owner.token) {
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

/**
 * Removes a stale lock, one process at a time: only the process that creates `.lock.takeover` may,
 * and it re-reads the lock first, so two processes finding the same stale lock cannot both remove
 * it — the second would remove the first one's new lock. A takeover guard left by a killed process
 * is itself stale after a few seconds.
 */
function takeOver(dir: string, path: string, stale: LockOwner | null, tmp: string, content: string): void {
  const guard = join(dir, `${LOCK}.takeover`);
  try {
    createExclusive(tmp, guard, content);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new CheckpointError(`cannot lock the run directory: ${fsReason(e)}`, dir);
    const holder = readOwner(guard);
    if (young(guard) && (holder === null || ownerAlive(holder))) {
      sleepSync(5); // another process is taking over: look again
    } else {
      try {
        unlinkSync(guard);
      } catch {
        // gone
      }
    }
    return;
  }
  try {
    if (JSON.stringify(readOwner(path)) === JSON.stringify(stale)) unlinkSync(path);
  } catch {
    // already removed
  } finally {
    unlinkSync(guard);
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
