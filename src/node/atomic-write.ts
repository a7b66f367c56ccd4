// Atomic file writes (Node): the bytes go to a temporary file in the same directory, are flushed to
// disk, and the file is renamed over the target, so a crash or a full disk never leaves a half-written
// checkpoint behind — the old file stays until the new one is complete.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

let counter = 0;

/** Opens `path` with `flag` ("w" truncates, "wx" must create), writes all of `data`, flushes it to disk, closes it. */
export function writeAndSync(path: string, data: Uint8Array, flag: "w" | "wx" = "w"): void {
  const fd = openSync(path, flag);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically; throws the underlying error (the temporary file is removed). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    writeAndSync(tmp, bytes, "wx");
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** Blocks this thread for `ms` milliseconds (a short wait between two looks at a file another process writes). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Plain-language cause of a file-system error ("no space left on device", …). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EROFS: "the file system is read-only",
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "a part of the path is a file, not a directory",
    EEXIST: "a file of that name is in the way",
    EISDIR: "is a directory",
    EIO: "input/output error",
  };
  return (code && known[code]) ?? (e as Error).message;
}
