// The flags that define a model and its data, shared by `train` and `lr-find`: the word file, the
// split, the MLP's sizes, the init preset, the seed and the PyTorch generation to match.

import { Option, type Command } from "commander";
import { DEFAULT_MAX_LINE_LENGTH } from "../data/words.ts";
import { INIT_PRESETS, type InitPreset } from "../models/init.ts";
import type { TorchVersion } from "../random/generator.ts";
import { DEFAULT_RUN, type RunOptions } from "../train/run.ts";
import { intFlag, seedOption } from "./options.ts";

export interface RunFlags {
  inputFile?: string;
  maxLineLength: number;
  batchSize: number;
  blockSize: number;
  nEmbd: number;
  nHidden: number;
  batchnorm: boolean;
  init: InitPreset;
  seed: bigint;
  splitSeed: number;
  shuffle: boolean;
  torchVersion: TorchVersion;
}

/** Adds the model and data flags to a command. */
export function addRunFlags(cmd: Command): Command {
  const d = DEFAULT_RUN;
  return cmd
    .option("-i, --input-file <file>", "word file, one word per line (default: the bundled names.txt)")
    .option("--batch-size <n>", "examples per minibatch", intFlag(1), d.batchSize)
    .option("--block-size <n>", "context length: characters used to predict the next one", intFlag(1), d.blockSize)
    .option("--n-embd <n>", "width of each character's embedding", intFlag(1), d.nEmbd)
    .option("--n-hidden <n>", "neurons in the hidden layer", intFlag(1), d.nHidden)
    .addOption(seedOption("seed of the torch.Generator for init and minibatches", d.seed))
    .option("--split-seed <s>", "seed of the CPython shuffle before the 80/10/10 split", intFlag(0), 42)
    .option("--no-shuffle", "split in file order (no shuffle)")
    .option("--no-batchnorm", "no BatchNorm layer (the hidden layer feeds tanh directly)")
    .addOption(new Option("--init <preset>", "initialization (seed 002's stages)").choices(INIT_PRESETS).default(d.init))
    .addOption(new Option("--torch-version <v>", "PyTorch generation whose random streams to match").choices(["2.x", "1.13"]).default("2.x"))
    .option("--max-line-length <n>", "longest line accepted in the word file", intFlag(1), DEFAULT_MAX_LINE_LENGTH);
}

/** RunOptions from the flags and the training schedule. */
export function runOptions(flags: RunFlags, training: Pick<RunOptions, "steps" | "lr" | "lrDecayStep">): RunOptions {
  return {
    inputFile: flags.inputFile,
    maxLineLength: flags.maxLineLength,
    blockSize: flags.blockSize,
    nEmbd: flags.nEmbd,
    nHidden: flags.nHidden,
    batchNorm: flags.batchnorm,
    batchSize: flags.batchSize,
    seed: flags.seed,
    splitSeed: flags.shuffle ? flags.splitSeed : null,
    init: flags.init,
    torchVersion: flags.torchVersion,
    ...training,
  };
}
