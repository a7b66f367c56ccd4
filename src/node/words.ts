// Word files on disk (Node only): the bundled names.txt and reading a user's file with a clear error.
// Only a regular file is read (a device such as /dev/zero, a FIFO or a directory is refused before a
// byte is read), and at most MAX_WORD_FILE_BYTES of it: a word list is small (names.txt is 228 KB).

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DataError } from "../errors.ts";
import { parseWords, type ReadOptions, type WordList } from "../data/words.ts";

/** The bundled dataset: the 32,033 names of the lectures (data/names.txt in the package). */
export const DEFAULT_WORDS_FILE = fileURLToPath(new URL("../../data/names.txt", import.meta.url));

/** The largest word file read: 256 MiB, over a thousand times names.txt. */
export const MAX_WORD_FILE_BYTES = 256 * 1024 * 1024;

const IS_A_DIRECTORY = "is a directory: give a text file with one word per line";

const tooLarge = (path: string, size: string) =>
  new DataError(
    `is ${size}, over the limit of ${MAX_WORD_FILE_BYTES / 1024 / 1024} MiB for a word file: give a text file with one word per line`,
    path,
  );

/** Reads and validates a word file (default: the bundled names.txt). */
export function readWordFile(path: string = DEFAULT_WORDS_FILE, options: ReadOptions = {}): WordList {
  return parseWords(readBounded(path), path, options);
}

/** The bytes of a regular file of at most MAX_WORD_FILE_BYTES, or a DataError naming it. */
function readBounded(path: string): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below); no effect on a file
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw readError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new DataError(IS_A_DIRECTORY, path);
    if (!st.isFile()) {
      const kind = st.isFIFO() ? "a pipe (FIFO)" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : st.isSocket() ? "a socket" : "not a regular file";
      throw new DataError(`is ${kind}, not a regular file: give a text file with one word per line`, path);
    }
    if (st.size > MAX_WORD_FILE_BYTES) throw tooLarge(path, `${Math.round(st.size / 1024 / 1024)} MiB`);
    // to the end, in chunks: a file may grow after fstat (or report size 0, as /proc files do)
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.max(st.size + 1 - total, 64 * 1024));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_WORD_FILE_BYTES) throw tooLarge(path, "larger than that");
      chunks.push(chunk.subarray(0, n));
    }
    if (chunks.length === 1) return chunks[0];
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  } catch (e) {
    throw e instanceof DataError ? e : readError(path, e);
  } finally {
    closeSync(fd);
  }
}

function readError(path: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "no such file: check the path (without -i the bundled names.txt is used)"
      : code === "EISDIR"
        ? IS_A_DIRECTORY
        : code === "EACCES"
          ? "permission denied: make the file readable"
          : `cannot be read (${code ?? String(e)})`;
  return new DataError(why, path);
}
