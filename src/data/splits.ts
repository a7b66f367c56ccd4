// The lectures' train/val/test split: `random.seed(42); random.shuffle(words)`, then
// n1 = int(0.8·n), n2 = int(0.9·n): words[:n1] / words[n1:n2] / words[n2:]. And the whole pipeline
// from a word list to the three context-window datasets.

import { ConfigError, DataError } from "../errors.ts";
import { PyRandom } from "../random/pyrandom.ts";
import { buildDataset, type Dataset } from "./dataset.ts";
import { Vocabulary } from "./vocabulary.ts";

export type SplitName = "train" | "val" | "test";
export const SPLITS: readonly SplitName[] = ["train", "val", "test"];

/** The split's shuffle seed (the lectures use 42), or null for the file's order. */
export type SplitSeed = number | null;
export const DEFAULT_SPLIT_SEED = 42;

/**
 * The fewest words for which the 80/10/10 split leaves all three splits non-empty: 6 words split 4/1/1,
 * while 5 split 4/0/1 (int(0.8·5) = int(0.9·5) = 4) and 1 word 0/0/1.
 */
export const MIN_LECTURE_SPLIT_WORDS = 6;

/** A DataError (naming `source`, the word file) when `n` words leave one of the 80/10/10 splits empty. */
export function checkLectureSplit(n: number, source?: string): void {
  if (n < MIN_LECTURE_SPLIT_WORDS) {
    throw new DataError(
      `the lectures' 80/10/10 split needs at least ${MIN_LECTURE_SPLIT_WORDS} words (int(0.8·n) words to train on, ` +
        `int(0.9·n) − int(0.8·n) to validate, the rest to test, none of them empty); got ${n}: give a longer word list`,
      source,
    );
  }
}

export interface WordSplits {
  train: string[];
  val: string[];
  test: string[];
}

/** Splits words 80/10/10 after an optional CPython-identical shuffle. Does not modify `words`. */
export function splitWords(words: readonly string[], seed: SplitSeed = DEFAULT_SPLIT_SEED): WordSplits {
  if (seed !== null && !Number.isSafeInteger(seed)) {
    throw new ConfigError(`split seed must be an integer (got ${seed})`);
  }
  const w = [...words];
  if (seed !== null) new PyRandom(seed).shuffle(w);
  const n1 = Math.trunc(0.8 * w.length);
  const n2 = Math.trunc(0.9 * w.length);
  return { train: w.slice(0, n1), val: w.slice(n1, n2), test: w.slice(n2) };
}

export interface Corpus {
  vocab: Vocabulary;
  words: WordSplits;
  data: Record<SplitName, Dataset>;
}

/**
 * Vocabulary (from all words, like the lectures), split and datasets. Pass `vocab` to reuse a
 * trained model's vocabulary; a character outside it is an error. Fewer words than the split needs
 * (MIN_LECTURE_SPLIT_WORDS) is a DataError naming `source`, the word file.
 */
export function buildCorpus(
  words: readonly string[],
  options: { blockSize: number; splitSeed?: SplitSeed; vocab?: Vocabulary; source?: string },
): Corpus {
  checkLectureSplit(words.length, options.source);
  const vocab = options.vocab ?? Vocabulary.fromWords(words);
  const split = splitWords(words, options.splitSeed === undefined ? DEFAULT_SPLIT_SEED : options.splitSeed);
  return {
    vocab,
    words: split,
    data: {
      train: buildDataset(split.train, vocab, options.blockSize),
      val: buildDataset(split.val, vocab, options.blockSize),
      test: buildDataset(split.test, vocab, options.blockSize),
    },
  };
}
