// `makemore data`: what a word file becomes for a model type — word count, blank lines skipped,
// vocabulary, longest word, and the words and rows of each split (the lectures' context windows and
// 80/10/10 split, or makemore.py's rows and randperm split) — before any training.

import { Option, type Command } from "commander";
import { ConfigError } from "../errors.ts";
import { readWordFile } from "../node/words.ts";
import { buildRunCorpus, type SplitConfig } from "../data/corpus.ts";
import { DEFAULT_SPLIT_SEED, type SplitName, type SplitSeed } from "../data/splits.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { DEFAULT_MODEL_TYPE, modelConfig, modelType, modelTypeNames } from "../models/registry.ts";
import { Generator, type TorchVersion } from "../random/generator.ts";
import { intFlag, seedOption, type Output } from "./options.ts";

export interface DataFlags {
  inputFile?: string;
  type: string;
  blockSize?: number;
  splitSeed: number;
  shuffle: boolean;
  seed?: bigint;
  torchVersion: TorchVersion;
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
  /** The model type whose data this is. */
  type: string;
  /** "windows": one example per character (the lectures'); "sequences": one row per word (makemore.py's). */
  rows: "windows" | "sequences";
  /** Context length (windows) or row length, the longest word + 1 (sequences). */
  blockSize: number;
  /** The lectures' shuffle seed (null: file order); absent for makemore.py's split. */
  splitSeed?: SplitSeed;
  /** The generator seed of makemore.py's randperm split. */
  seed?: string;
  /** Per split: words, and examples (windows) or rows (sequences). */
  splits: Partial<Record<SplitName, { words: number; examples: number }>>;
}

export function summarize(flags: DataFlags, given: (flag: string) => boolean = () => false): DataSummary {
  const type = modelType(flags.type);
  const list = readWordFile(flags.inputFile, { maxLineLength: flags.maxLineLength });
  const windows = type.data === "windows";
  if (!windows && (given("blockSize") || given("splitSeed") || given("shuffle"))) {
    throw new ConfigError(`--block-size, --split-seed and --no-shuffle are the lectures' data: --type ${type.type} takes makemore.py's (one row per word, a randperm split)`);
  }
  if (given("splitSeed") && given("shuffle")) throw new ConfigError("--split-seed and --no-shuffle exclude each other");
  if (windows && given("seed")) {
    throw new ConfigError(`--seed draws makemore.py's randperm split; --type ${type.type} splits with --split-seed (the lectures' shuffle)`);
  }
  const seed = flags.seed ?? BigInt(type.training.seed);
  const split: SplitConfig = !windows ? { kind: "randperm" } : flags.shuffle ? { kind: "shuffle", seed: flags.splitSeed } : { kind: "file-order" };
  // the type's own check (wavenet: a power of two) on the block size
  const blockSize = windows ? modelConfig(type.type, { vocabSize: 2 }, given("blockSize") ? { blockSize: flags.blockSize } : {}).blockSize : undefined;
  const corpus = buildRunCorpus(list.words, {
    rows: type.data,
    split,
    blockSize,
    generator: new Generator(seed, { torchVersion: flags.torchVersion }),
    source: list.source,
  });
  let longest = list.words[0];
  for (const w of list.words) if ([...w].length > [...longest].length) longest = w;
  const splits: DataSummary["splits"] = {};
  for (const s of corpus.splits) splits[s] = { words: corpus.words[s]!.length, examples: corpus.data[s]!.size };
  return {
    file: list.source,
    words: list.words.length,
    blankLines: list.blankLines,
    vocabulary: corpus.vocab.chars.join(""),
    vocabSize: corpus.vocab.size,
    longestWord: { word: longest, length: [...longest].length },
    type: type.type,
    rows: type.data,
    blockSize: corpus.blockSize,
    ...(windows ? { splitSeed: split.kind === "shuffle" ? split.seed : null } : { seed: seed.toString() }),
    splits,
  };
}

export function formatSummary(s: DataSummary): string {
  const unit = s.rows === "windows" ? "examples" : "rows";
  const rows = (Object.keys(s.splits) as SplitName[]).map(
    (k) => `  ${k.padEnd(5)}  ${String(s.splits[k]!.words).padStart(7)} words  ${String(s.splits[k]!.examples).padStart(8)} ${unit}`,
  );
  const how =
    s.rows === "sequences"
      ? `makemore.py's: torch.randperm(${s.words}) from seed ${s.seed}, the last ${s.splits.test!.words} words the test set; rows of ${s.blockSize} (the longest word + 1)`
      : `80/10/10 after ${s.splitSeed === null ? "file order (no shuffle)" : `random.seed(${s.splitSeed}); random.shuffle(words)`}; block size ${s.blockSize}`;
  return [
    `file:        ${s.file}`,
    `words:       ${s.words} (${s.blankLines} blank line${s.blankLines === 1 ? "" : "s"} skipped)`,
    `vocabulary:  ${s.vocabSize} tokens  ${s.vocabulary}`,
    `longest:     ${s.longestWord.word} (${s.longestWord.length} characters)`,
    `split:       ${how}`,
    ...rows,
  ].join("\n");
}

export function registerData(program: Command, io: Output): void {
  program
    .command("data")
    .description("read a word file and show its vocabulary and the words and examples of each split")
    .option("-i, --input-file <file>", "word file, one word per line (default: the bundled names.txt)")
    .addOption(new Option("--type <type>", "the model type whose data to show").choices(modelTypeNames()).default(DEFAULT_MODEL_TYPE))
    .option("--block-size <n>", "context length: characters used to predict the next one (default: the type's; lecture 3)", intFlag(1))
    .option("--split-seed <s>", "seed of the CPython shuffle before the 80/10/10 split", intFlag(0), DEFAULT_SPLIT_SEED)
    .option("--no-shuffle", "split in file order (no shuffle)")
    .addOption(seedOption("generator seed of makemore.py's randperm split (default: the type's; bigram 3407)"))
    .addOption(new Option("--torch-version <v>", "PyTorch generation whose random streams to match").choices(["2.x", "1.13"]).default("2.x"))
    .option("--max-line-length <n>", "longest line accepted, in characters", intFlag(1), DEFAULT_MAX_LINE_LENGTH)
    .option("--json", "print the summary as JSON")
    .action((flags: DataFlags, cmd: Command) => {
      const s = summarize(flags, (k) => cmd.getOptionValueSource(k) === "cli");
      io.out(flags.json ? JSON.stringify(s, null, 2) : formatSummary(s));
    });
}
