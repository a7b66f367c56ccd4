// Context windows, exactly the lectures' `build_dataset`: for each word, a context of `blockSize`
// boundary tokens slides over `word + '.'`; every position gives one example (X = the context,
// Y = the next character). A word of length L gives L + 1 examples.
//
// Letters: N examples, T block size (context length).

import { ConfigError } from "../errors.ts";
import type { Vocabulary } from "./vocabulary.ts";

export interface Dataset {
  /** (N, T) contexts, row-major, left-padded with the boundary token 0. */
  X: Int32Array;
  /** (N) targets. */
  Y: Int32Array;
  /** N. */
  size: number;
  /** T. */
  blockSize: number;
  /** 1. Generic code reads example e's targets as Y[e·targetsPerRow, (e+1)·targetsPerRow). */
  targetsPerRow: number;
}

export function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new ConfigError(`block size must be a positive integer (got ${blockSize})`);
  }
}

/** The most context tokens a dataset holds (2^30: 4 GiB of int32, beyond any model's memory anyway). */
const MAX_TOKENS = 2 ** 30;

/** build_dataset(words) for a given block size. */
export function buildDataset(words: readonly string[], vocab: Vocabulary, blockSize: number): Dataset {
  checkBlockSize(blockSize);
  const encoded = words.map((w) => vocab.encode(w));
  let size = 0;
  for (const w of encoded) size += w.length + 1;
  if (size * blockSize > MAX_TOKENS) {
    throw new ConfigError(`--block-size ${blockSize}: the ${size} examples would hold ${size * blockSize} context tokens, more than the ${MAX_TOKENS} an array can; use a smaller --block-size`);
  }
  const X = new Int32Array(size * blockSize); // (N, T), zeros: the boundary token
  const Y = new Int32Array(size); // (N)
  let n = 0;
  for (const w of encoded) {
    // example i of the word: the context is the T tokens before position i of [0]·T + w, the target
    // w[i] (the boundary token 0 after the last character: w + '.'); slot t of the context holds
    // w[i − T + t], or 0 where that is before the word (already there)
    for (let i = 0; i <= w.length; i++, n++) {
      const row = n * blockSize - i + blockSize; // X[row + k] is the slot of w[k]
      for (let k = Math.max(0, i - blockSize); k < i; k++) X[row + k] = w[k];
      Y[n] = i < w.length ? w[i] : 0;
    }
  }
  return { X, Y, size, blockSize, targetsPerRow: 1 };
}
