// makemore.py's dataset (github.com/karpathy/makemore, `create_datasets` and `CharDataset`), for its
// sequence models (bigram, mlp, rnn, gru, bow, transformer): one row per word instead of one context
// window per character. Every row has the same length L = the longest word + 1:
//   x = [0, w₁ … wₖ, 0 … 0]         (the start token, the word, 0 padding)
//   y = [w₁ … wₖ, 0, -1 … -1]       (the word, the end token, IGNORE_INDEX padding)
// so position t predicts y[t] from x[0..t]; the loss skips the -1 targets. The split is makemore.py's,
// not the lectures': `rp = torch.randperm(len(words))`, the last min(1000, int(0.1·n)) words of that
// order are the test set, the rest (in that order) the training set. It draws from the run's generator,
// so the split, the model's init and the batches come from one stream, as in makemore.py.
//
// Letters: N rows (words), L row length (blockSize = targetsPerRow).

import { ConfigError, DataError } from "../errors.ts";
import type { Generator } from "../random/generator.ts";
import { IGNORE_INDEX } from "../kernels/index.ts";
import { checkBlockSize } from "./dataset.ts";
import { Vocabulary } from "./vocabulary.ts";

/** The target of padding positions: cross-entropy ignores it (PyTorch's ignore_index=-1). */
export { IGNORE_INDEX };

/** The test set's share and cap (makemore.py: test_set_size = min(1000, int(len(words) * 0.1))). */
export const TEST_FRACTION = 0.1;
export const MAX_TEST_WORDS = 1000;
/** The fewest words for which makemore's split leaves both sets non-empty (int(10 · 0.1) = 1). */
export const MIN_SPLIT_WORDS = 10;

export interface SequenceDataset {
  /** (N, L) inputs, row-major: the start token 0, the word, 0 padding. */
  X: Int32Array;
  /** (N, L) targets: the word, the end token 0, IGNORE_INDEX padding. */
  Y: Int32Array;
  /** N. */
  size: number;
  /** L: the longest word + 1 (the start token). */
  blockSize: number;
  /** L: row e of Y is Y[e·L, (e+1)·L). */
  targetsPerRow: number;
}

export interface SequenceSplits {
  train: string[];
  test: string[];
}

export interface SequenceCorpus {
  vocab: Vocabulary;
  /** L. */
  blockSize: number;
  words: SequenceSplits;
  data: { train: SequenceDataset; test: SequenceDataset };
}

/** CharDataset: the rows of `words` with row length `blockSize` (a word may use blockSize − 1). */
export function buildSequences(words: readonly string[], vocab: Vocabulary, blockSize: number): SequenceDataset {
  checkBlockSize(blockSize);
  const encoded = words.map((w) => vocab.encode(w));
  encoded.forEach((w, i) => checkFits(words[i], w.length, blockSize));
  return fillRows(encoded, blockSize);
}

/** The test set's size for n words: min(1000, int(n · 0.1)). */
export function testSetSize(n: number): number {
  return Math.min(MAX_TEST_WORDS, Math.trunc(n * TEST_FRACTION));
}

/**
 * makemore.py's split: rp = torch.randperm(n) on `g` (n − 1 words of it), train = words[rp[:-t]],
 * test = words[rp[-t:]] with t = testSetSize(n). Fewer than 10 words is a DataError (makemore.py would
 * give an empty test set, or an empty training set), raised before anything is drawn.
 */
export function splitWordsRandperm(words: readonly string[], g: Generator): SequenceSplits {
  const { train, test } = splitIndices(words.length, g);
  return { train: Array.from(train, (i) => words[i]), test: Array.from(test, (i) => words[i]) };
}

/**
 * create_datasets: the vocabulary of all words, L = the longest word + 1, makemore.py's split drawn from
 * `generator`, and both sets' rows. Pass `vocab` (and `blockSize`) to reuse a trained model's: a
 * character outside the vocabulary is a DataError, a word too long for the block size a ConfigError,
 * fewer than 10 words a DataError naming `source` (the word file). Everything is checked before the
 * split draws from the generator.
 */
export function buildSequenceCorpus(
  words: readonly string[],
  options: { generator: Generator; vocab?: Vocabulary; blockSize?: number; source?: string },
): SequenceCorpus {
  checkSplittable(words.length, options.source);
  const vocab = options.vocab ?? Vocabulary.fromWords(words);
  const encoded = words.map((w) => vocab.encode(w));
  let longest = 0;
  for (const w of encoded) longest = Math.max(longest, w.length);
  const blockSize = options.blockSize ?? longest + 1; // max_word_length + 1
  checkBlockSize(blockSize);
  encoded.forEach((w, i) => checkFits(words[i], w.length, blockSize));
  const split = splitIndices(words.length, options.generator);
  const pick = (ix: Int32Array) => Array.from(ix, (i) => encoded[i]);
  return {
    vocab,
    blockSize,
    words: { train: Array.from(split.train, (i) => words[i]), test: Array.from(split.test, (i) => words[i]) },
    data: { train: fillRows(pick(split.train), blockSize), test: fillRows(pick(split.test), blockSize) },
  };
}

function checkSplittable(n: number, source?: string): void {
  if (n < MIN_SPLIT_WORDS) {
    throw new DataError(
      `makemore.py's split needs at least ${MIN_SPLIT_WORDS} words (it holds out min(${MAX_TEST_WORDS}, ` +
        `int(${TEST_FRACTION}·n)) words for the test set and trains on the rest); got ${n}: give a longer word list`,
      source,
    );
  }
}

/** rp = randperm(n); rp[:-t] and rp[-t:] (views of one permutation). */
function splitIndices(n: number, g: Generator): { train: Int32Array; test: Int32Array } {
  checkSplittable(n);
  const rp = g.randperm(n);
  const cut = n - testSetSize(n);
  return { train: rp.subarray(0, cut), test: rp.subarray(cut) };
}

function checkFits(word: string, length: number, blockSize: number): void {
  if (length > blockSize - 1) {
    throw new ConfigError(
      `word ${JSON.stringify(word)} has ${length} characters, but a block size of ${blockSize} holds words of up ` +
        `to ${blockSize - 1} (the start token takes one position): raise the block size to at least ${length + 1}`,
    );
  }
}

/** The (N, L) rows of already encoded, already checked words. */
function fillRows(encoded: readonly (readonly number[])[], blockSize: number): SequenceDataset {
  const size = encoded.length;
  const X = new Int32Array(size * blockSize); // (N, L), 0 padding
  const Y = new Int32Array(size * blockSize).fill(IGNORE_INDEX); // (N, L), -1 padding
  for (let r = 0; r < size; r++) {
    const w = encoded[r];
    const row = r * blockSize;
    for (let t = 0; t < w.length; t++) {
      X[row + 1 + t] = w[t]; // x[1:1+len] = ix
      Y[row + t] = w[t]; // y[:len] = ix
    }
    Y[row + w.length] = 0; // the end token
  }
  return { X, Y, size, blockSize, targetsPerRow: blockSize };
}
