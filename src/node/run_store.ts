// A run directory's files, saved all at once (Node). A save is a small redo journal:
//   1. every new file is written beside the old one as `.NAME.next` and flushed to disk;
//   2. `.commit` — the list of those names — is created atomically: the one instant the new save
//      takes over;
//   3. each `.NAME.next` is renamed over NAME, then `.commit` is removed.
// A kill before 2 leaves the previous save whole (the .next files are litter); a kill after 2 leaves a
// committed save that the next command on the directory finishes (rolls forward). A full disk fails in
// 1, before anything of the previous save is touched. `recoverRunDir` (run under the run's lock, see
// run_lock.ts) finishes or drops an interrupted save and removes litter; `committedPath` gives a reader
// that must not change the directory (another process holds the lock) the file of the committed save.
// All file-system calls go through `StoreFs`, so tests can crash or fill the disk between any two of them.

import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { CheckpointError } from "../errors.ts";
import { fsReason, writeAndSync } from "./atomic-write.ts";
import { processAlive } from "./run_lock.ts";

/** The file-system calls a save makes, in order; each is one system call or a short run of them. */
export interface StoreFs {
  /** Creates or truncates `path`, writes `data`, flushes it to disk, closes it. */
  writeFile(path: string, data: Uint8Array): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Flushes a directory's entries (renames, creations) to disk; best effort. */
  syncDir(dir: string): void;
}

export const nodeStoreFs: StoreFs = {
  writeFile: (path, data) => writeAndSync(path, data),
  rename: renameSync,
  unlink: unlinkSync,
  syncDir(dir) {
    let fd: number | undefined;
    try {
      fd = openSync(dir, "r");
      fsyncSync(fd);
    } catch {
      // some platforms cannot fsync a directory; the renames are still atomic
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
};

/** The commit record: its presence means the `.next` files it names are the run's current save. */
export const JOURNAL = ".commit";
const nextOf = (name: string) => `.${name}.next`;

interface Journal {
  files: string[];
  step?: number;
}

/**
 * Saves `files` (name → bytes, written in this order) into `dir` as one unit: after a crash at any
 * instant the directory holds either the previous save or this one, whole. Call under the run's lock,
 * after `recoverRunDir`. Throws a CheckpointError if the save cannot be made; the previous save is
 * then intact unless the message says the save was committed (the next command finishes it).
 */
export function commitFiles(dir: string, files: [string, Uint8Array][], step?: number, fs: StoreFs = nodeStoreFs): void {
  const written: string[] = [];
  try {
    for (const [name, data] of files) {
      written.push(nextOf(name));
      fs.writeFile(join(dir, nextOf(name)), data);
    }
    fs.syncDir(dir);
    const journal = new TextEncoder().encode(JSON.stringify({ files: files.map(([n]) => n), step } satisfies Journal) + "\n");
    written.push(`${JOURNAL}.tmp`);
    fs.writeFile(join(dir, `${JOURNAL}.tmp`), journal);
    fs.rename(join(dir, `${JOURNAL}.tmp`), join(dir, JOURNAL)); // the commit
  } catch (e) {
    for (const name of written) {
      try {
        fs.unlink(join(dir, name));
      } catch {
        // not written, or already gone; recoverRunDir removes anything left
      }
    }
    const where = step === undefined ? "" : ` of step ${step}`;
    throw new CheckpointError(`cannot save the run${where}: ${fsReason(e)}; the previous save, if any, is untouched`, dir);
  }
  try {
    fs.syncDir(dir);
    rollForward(dir, files.map(([n]) => n), fs);
  } catch (e) {
    throw new CheckpointError(
      `the save${step === undefined ? "" : ` of step ${step}`} is committed but could not be finished (${fsReason(e)}); ` +
        "the next makemore command on this directory finishes it",
      dir,
    );
  }
}

/** Renames each committed `.NAME.next` over NAME (those already renamed are skipped), then drops the journal. */
function rollForward(dir: string, names: string[], fs: StoreFs): void {
  for (const name of names) {
    const next = join(dir, nextOf(name));
    if (existsSync(next)) fs.rename(next, join(dir, name));
  }
  fs.syncDir(dir);
  fs.unlink(join(dir, JOURNAL));
  fs.syncDir(dir);
}

function readJournal(dir: string): Journal | null {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return null;
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as Journal;
    if (Array.isArray(j.files) && j.files.every((f) => typeof f === "string" && !f.includes("/") && !f.startsWith("."))) return j;
  } catch {
    // falls through
  }
  throw new CheckpointError("is damaged (it is written atomically, so something else changed it); remove it to keep the previous save", path);
}

/** What recovery did: the save it finished (rolled forward) and the litter it removed. */
export interface Recovery {
  rolledForward: string[];
  removed: string[];
}

/** The litter a save, an atomic write or a lock attempt leaves when killed; `live` says whose it is not. */
function isLitter(name: string, live: (pid: number) => boolean): boolean {
  if (/^\..+\.next$/.test(name) || name === `${JOURNAL}.tmp`) return true;
  const tmp = /^\..+\.(\d+)\.\d+\.tmp$/.exec(name) ?? /^\.lock\.(\d+)\.tmp$/.exec(name);
  return tmp !== null && !live(Number(tmp[1]));
}

/** True if `dir` holds an unfinished save or litter of a dead process: what `recoverRunDir` would mend. */
export function needsRecovery(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n === JOURNAL || isLitter(n, (pid) => pid !== process.pid && processAlive(pid)));
  } catch {
    return false;
  }
}

/**
 * Finishes a save a crash interrupted after its commit, and removes what saves, atomic writes and lock
 * attempts of dead processes left behind. Call only while holding the run's lock.
 */
export function recoverRunDir(dir: string, fs: StoreFs = nodeStoreFs): Recovery {
  const out: Recovery = { rolledForward: [], removed: [] };
  if (!existsSync(dir)) return out;
  const journal = readJournal(dir);
  if (journal) {
    out.rolledForward = journal.files.filter((n) => existsSync(join(dir, nextOf(n))));
    rollForward(dir, journal.files, fs);
  }
  for (const name of readdirSync(dir)) {
    if (!isLitter(name, (pid) => pid !== process.pid && processAlive(pid))) continue;
    try {
      fs.unlink(join(dir, name));
      out.removed.push(name);
    } catch {
      // removed by someone else
    }
  }
  return out;
}

/**
 * The path of `name` in the committed save, for a reader that must not change the directory: the
 * `.next` file while a committed save is being finished, else the file itself.
 */
export function committedPath(dir: string, name: string): string {
  if (existsSync(join(dir, JOURNAL))) {
    const next = join(dir, nextOf(name));
    if (existsSync(next)) return next;
  }
  return join(dir, name);
}
