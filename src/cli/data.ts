// `makemore data`: what a word file becomes — word count, blank lines skipped, vocabulary, longest
// word, and example counts per split for a block size — before any training.

import type { Command } from "commander";
import { readWordFile } from "../node/words.ts";
import { buildCorpus, DEFAULT_SPLIT_SEED, SPLITS, type SplitSeed } from "../data/splits.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { intFlag, type Output } from "./options.ts";

export interface DataFlags {
  inputFile?: string;
  blockSize: number;
  splitSeed: number;
  shuffle: boolean;
  maxLineLength: number;
  json?: boolean;
}

export interface DataSummary {
  file: string;
  words: number;
  blankLines: number;
  /** The tokens in index order, boundary first, as one string (one code point per token). */
  vocabulary: string;
  vocabSize: number;
  longestWord: { word: string; length: number };
  blockSize: number;
  splitSeed: SplitSeed;
  splits: Record<"train" | "val" | "test", { words: number; examples: number }>;
}

export function summarize(flags: DataFlags): DataSummary {
  const list = readWordFile(flags.inputFile, { maxLineLength: flags.maxLineLength });
  const splitSeed = flags.shuffle ? flags.splitSeed : null;
  const corpus = buildCorpus(list.words, { blockSize: flags.blockSize, splitSeed });
  let longest = list.words[0];
  for (const w of list.words) if ([...w].length > [...longest].length) longest = w;
  const splits = {} as DataSummary["splits"];
  for (const s of SPLITS) splits[s] = { words: corpus.words[s].length, examples: corpus.data[s].size };
  return {
    file: list.source,
    words: list.words.length,
    blankLines: list.blankLines,
    vocabulary: corpus.vocab.chars.join(""),
    vocabSize: corpus.vocab.size,
    longestWord: { word: longest, length: [...longest].length },
    blockSize: flags.blockSize,
    splitSeed,
    splits,
  };
}

export function formatSummary(s: DataSummary): string {
  const how = s.splitSeed === null ? "file order (no shuffle)" : `random.seed(${s.splitSeed}); random.shuffle(words)`;
  const rows = SPLITS.map(
    (k) => `  ${k.padEnd(5)}  ${String(s.splits[k].words).padStart(7)} words  ${String(s.splits[k].examples).padStart(8)} examples`,
  );
  return [
    `file:        ${s.file}`,
    `words:       ${s.words} (${s.blankLines} blank line${s.blankLines === 1 ? "" : "s"} skipped)`,
    `vocabulary:  ${s.vocabSize} tokens  ${s.vocabulary}`,
    `longest:     ${s.longestWord.word} (${s.longestWord.length} characters)`,
    `split:       80/10/10 after ${how}; block size ${s.blockSize}`,
    ...rows,
  ].join("\n");
}

export function registerData(program: Command, io: Output): void {
  program
    .command("data")
    .description("read a word file and show its vocabulary and train/val/test example counts")
    .option("-i, --input-file <file>", "word file, one word per line (default: the bundled names.txt)")
    .option("--block-size <n>", "context length: characters used to predict the next one", intFlag(1), 3)
    .option("--split-seed <s>", "seed of the CPython shuffle before the 80/10/10 split", intFlag(0), DEFAULT_SPLIT_SEED)
    .option("--no-shuffle", "split in file order (no shuffle)")
    .option("--max-line-length <n>", "longest line accepted, in characters", intFlag(1), DEFAULT_MAX_LINE_LENGTH)
    .option("--json", "print the summary as JSON")
    .action((flags: DataFlags) => {
      const s = summarize(flags);
      io.out(flags.json ? JSON.stringify(s, null, 2) : formatSummary(s));
    });
}
