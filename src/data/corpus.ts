// From a word list to what a run trains on, for either kind of row a model type takes:
//   "windows"   — the lectures' context windows (dataset.ts) on their 80/10/10 split (splits.ts):
//                 `random.seed(42); random.shuffle(words)`, or the file's order; block size a setting.
//   "sequences" — makemore.py's rows (sequences.ts): each word one row of length L = longest + 1, the
//                 split by `torch.randperm` from the run's generator (its first draws), train / test.

import { sha256Hex } from "./sha256.ts";
import { ConfigError } from "../errors.ts";
import type { Generator } from "../random/generator.ts";
import type { Dataset } from "./dataset.ts";
import { buildSequenceCorpus } from "./sequences.ts";
import { buildCorpus, type SplitName } from "./splits.ts";
import type { Vocabulary } from "./vocabulary.ts";

/** How the words are split: the lectures' shuffle (or the file's order) 80/10/10, or makemore.py's randperm. */
export type SplitConfig = { kind: "shuffle"; seed: number } | { kind: "file-order" } | { kind: "randperm" };

export type RowKind = "windows" | "sequences";

export interface Corpus {
  vocab: Vocabulary;
  /** Positions per row: the context (windows) or L (sequences). */
  blockSize: number;
  /** The splits there are, in order (train first). */
  splits: SplitName[];
  words: Partial<Record<SplitName, string[]>>;
  data: Partial<Record<SplitName, Dataset>>;
}

export interface CorpusOptions {
  rows: RowKind;
  split: SplitConfig;
  /** Context length for windows (sequences take the longest word + 1). */
  blockSize?: number;
  /** Draws the randperm split (sequences); it must be the run's generator, before the model's init. */
  generator: Generator;
  /** A trained model's vocabulary (a character outside it is an error). */
  vocab?: Vocabulary;
  /** The word file, named by the DataError for fewer words than the split needs. */
  source?: string;
}

/**
 * The vocabulary, split and rows of a run. Fewer words than the split needs — 6 for the lectures'
 * 80/10/10 (4/1/1), 10 for makemore.py's (a test set of int(0.1·n) ≥ 1) — is a DataError naming `source`.
 */
export function buildRunCorpus(words: readonly string[], o: CorpusOptions): Corpus {
  if (o.rows === "windows") {
    if (o.split.kind === "randperm") throw new ConfigError("context windows are split by the lectures' shuffle, not randperm");
    if (o.blockSize === undefined) throw new ConfigError("context windows need a block size");
    const splitSeed = o.split.kind === "shuffle" ? o.split.seed : null;
    const c = buildCorpus(words, { blockSize: o.blockSize, splitSeed, vocab: o.vocab, source: o.source });
    return { vocab: c.vocab, blockSize: o.blockSize, splits: ["train", "val", "test"], words: c.words, data: c.data };
  }
  if (o.split.kind !== "randperm") throw new ConfigError("makemore.py's sequences are split by torch.randperm");
  const c = buildSequenceCorpus(words, { generator: o.generator, vocab: o.vocab, source: o.source });
  return { vocab: c.vocab, blockSize: c.blockSize, splits: ["train", "test"], words: c.words, data: c.data };
}

/** sha256 of the words (one per line): tells whether a file still holds a run's words. */
export function wordsHash(words: readonly string[]): string {
  return sha256Hex(words.join("\n"));
}
