// Real run files (config.json, metrics.jsonl, the safetensors) of small runs of every model type, made
// in memory by the library as `makemore train` makes them: the valid inputs the reader tests mutate.
import { readFileSync } from "node:fs";
import { parseWords } from "../../src/data/words.ts";
import { DEFAULT_WORDS_FILE } from "../../src/node/words.ts";
import { TrainingRun } from "../../src/train/run.ts";
import type { RunOptions } from "../../src/train/config.ts";
import type { CheckpointFiles } from "../../src/train/checkpoint.ts";
import { TrainingLoop } from "../../src/train/loop.ts";

export const WORDS = parseWords(readFileSync(DEFAULT_WORDS_FILE), "names.txt").words.slice(0, 300);

/** Runs that cover every shape config.json takes: each type, no BatchNorm, AdamW, no shuffle, interrupted before the end, estimated while training. */
export const RUN_OPTIONS: Record<string, RunOptions> = {
  lecture: { steps: 6, model: { nHidden: 16 } },
  wavenet: { type: "wavenet", steps: 4, batchSize: 8, model: { nHidden: 8, nEmbd: 4 } },
  bigram: { type: "bigram", steps: 4 },
  plain: { steps: 5, model: { nHidden: 8, batchNorm: false }, optimizer: { type: "adamw" }, lrDecayStep: null, splitSeed: null, torchVersion: "1.13", seed: -1 },
  unevaluated: { steps: 5, model: { nHidden: 8 }, evalStats: "running" }, // 3 of 5 steps done
  estimated: { type: "bigram", steps: 6, evalEvery: 2 }, // estimates while training, a best model (makemore.py's loop)
};

let cache: Record<string, CheckpointFiles> | undefined;

/** The checkpoint files of each run of RUN_OPTIONS (trained, and evaluated but for "unevaluated"). */
export function runFiles(): Record<string, CheckpointFiles> {
  cache ??= Object.fromEntries(
    Object.entries(RUN_OPTIONS).map(([name, options]) => {
      const run = TrainingRun.create({ words: WORDS, source: "names.txt" }, options);
      if (name === "unevaluated") run.train(3);
      else if (name === "estimated") {
        const loop = new TrainingLoop(run, { checkpointEvery: 1000 });
        while (!loop.done) loop.next();
        run.finish();
      } else {
        run.train();
        run.evaluate();
      }
      return [name, run.checkpoint()];
    }),
  );
  return cache;
}
