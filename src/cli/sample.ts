// `makemore sample`: new words from a trained run directory. Without --seed the run's generator
// continues where training left it, as the lectures sample right after training. A run whose model
// computes NaN (it diverged) is an error naming its model.safetensors, exit code 1.

import type { Command } from "commander";
import type { Sample } from "../sample/sample.ts";
import { sampleFromRun } from "../node/run_dir.ts";
import { bigintFlag, intFlag, numberFlag, type Output } from "./options.ts";

interface SampleFlags {
  workDir: string;
  num: number;
  seed?: bigint;
  temperature: number;
  topK?: number;
  inputFile?: string;
  json?: boolean;
}

/** One word a line; `*` marks words that are not in the training data. */
export function formatSamples(samples: readonly Sample[], marked = true): string {
  const lines = samples.map((s) => `  ${s.word}${marked && s.isNew ? " *" : ""}${s.truncated ? " …(truncated)" : ""}`);
  const fresh = samples.filter((s) => s.isNew).length;
  const head = marked
    ? `${samples.length} samples (* = not in the training data: ${fresh} of ${samples.length}):`
    : `${samples.length} samples:`;
  return [head, ...lines].join("\n");
}

export function registerSample(program: Command, io: Output): void {
  program
    .command("sample")
    .description("sample new words from a trained run")
    .option("-o, --work-dir <dir>", "run directory written by makemore train", "out")
    .option("-n, --num <n>", "how many words", intFlag(0), 20)
    .option("--seed <s>", "a fresh generator seed (default: continue the run's generator)", bigintFlag)
    .option("--temperature <t>", "divide the logits by t: < 1 sharper (near 0: the most likely character), > 1 more adventurous", numberFlag({ positive: true }), 1)
    .option("--top-k <k>", "draw only among the k most likely characters", intFlag(1))
    .option("-i, --input-file <file>", "the training words, to mark new ones (default: the run's file)")
    .option("--json", "print the samples as JSON")
    .action((flags: SampleFlags) => {
      const { samples, marked } = sampleFromRun(flags.workDir, {
        count: flags.num,
        seed: flags.seed,
        temperature: flags.temperature,
        topK: flags.topK,
        inputFile: flags.inputFile,
      });
      if (flags.json) {
        io.out(JSON.stringify(marked ? samples : samples.map(({ word, truncated }) => ({ word, truncated })), null, 2));
      } else {
        io.out(formatSamples(samples, marked));
      }
    });
}
