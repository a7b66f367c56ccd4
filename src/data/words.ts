// Reading a word file: UTF-8 text, one word per line (`\n` or `\r\n`), blank lines skipped and counted.
// Everything a user can get wrong becomes a DataError naming the file, the line and what to do:
// invalid UTF-8, binary content, an over-long line, a word containing the boundary token, no words.
// This file works on bytes, so it runs in a browser too; src/node/words.ts reads from disk.

import { DataError } from "../errors.ts";

/** The boundary token: index 0 of every vocabulary, marks a word's start (context) and end (target). */
export const BOUNDARY = ".";

/** Default longest line accepted, in characters; raise it with `maxLineLength` (`--max-line-length`). */
export const DEFAULT_MAX_LINE_LENGTH = 256;

export interface WordList {
  /** Where the words came from (a path, or a label for in-memory text). */
  source: string;
  words: string[];
  /** Blank (empty or whitespace-only) lines that were skipped. */
  blankLines: number;
}

export interface ReadOptions {
  maxLineLength?: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Parses a word file's bytes. `source` names the file in error messages. */
export function parseWords(bytes: Uint8Array, source: string, options: ReadOptions = {}): WordList {
  const maxLen = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new DataError(`max line length must be a positive integer (got ${maxLen})`, source);
  }
  const words: string[] = [];
  let blankLines = 0;
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // BOM
  let line = 0;
  while (start < bytes.length) {
    line++;
    let end = bytes.indexOf(0x0a, start);
    const next = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    if (end > start && bytes[end - 1] === 0x0d) end--; // \r\n
    const raw = bytes.subarray(start, end);
    start = next;
    if (raw.indexOf(0) >= 0) {
      throw new DataError(
        "contains a NUL byte: this looks like a binary file, not a text file with one word per line",
        source,
        line,
      );
    }
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      throw new DataError("is not valid UTF-8: save the file as UTF-8 text", source, line);
    }
    if (text.trim() === "") {
      blankLines++;
      continue;
    }
    const length = [...text].length;
    if (length > maxLen) {
      throw new DataError(
        `line is ${length} characters long, over the limit of ${maxLen}: is this a file with one word per line? ` +
          "(raise the limit with --max-line-length)",
        source,
        line,
      );
    }
    if (text.includes(BOUNDARY)) {
      throw new DataError(
        `word ${JSON.stringify(text)} contains "${BOUNDARY}", the boundary token that marks the start and end of ` +
          "every word: remove it from the word",
        source,
        line,
      );
    }
    words.push(text);
  }
  if (words.length === 0) {
    throw new DataError(
      `contains no words${blankLines ? ` (${blankLines} blank line${blankLines === 1 ? "" : "s"})` : " (it is empty)"}: ` +
        "give a text file with one word per line",
      source,
    );
  }
  return { source, words, blankLines };
}

/** Parses a word list from a string (tests, the browser lab). */
export function parseWordsText(text: string, source = "<text>", options: ReadOptions = {}): WordList {
  return parseWords(new TextEncoder().encode(text), source, options);
}
