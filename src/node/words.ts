// Word files on disk (Node only): the bundled names.txt and reading a user's file with a clear error.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DataError } from "../errors.ts";
import { parseWords, type ReadOptions, type WordList } from "../data/words.ts";

/** The bundled dataset: the 32,033 names of the lectures (data/names.txt in the package). */
export const DEFAULT_WORDS_FILE = fileURLToPath(new URL("../../data/names.txt", import.meta.url));

/** Reads and validates a word file (default: the bundled names.txt). */
export function readWordFile(path: string = DEFAULT_WORDS_FILE, options: ReadOptions = {}): WordList {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file: check the path (without -i the bundled names.txt is used)"
        : code === "EISDIR"
          ? "is a directory: give a text file with one word per line"
          : code === "EACCES"
            ? "permission denied: make the file readable"
            : `cannot be read (${code ?? String(e)})`;
    throw new DataError(why, path);
  }
  return parseWords(bytes, path, options);
}
