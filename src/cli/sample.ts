// `makemore sample`: new words from a trained run directory's model.safetensors — the best model of a
// run that estimates its losses while training (makemore.py's), else the last — each marked in train,
// in val, in test or new against the run's splits (makemore.py's print_samples). Without --seed the
// run's generator continues where training left it, as the lectures sample right after training, so
// `sample -n 10` prints the 10 words train printed at its end — when the model saved is the one training
// ended with (train's samples come from its last model, as makemore.py's do; the best may be older). makemore.py's models generate as its
// `generate` does (sample.ts). A run whose model computes NaN (it diverged) is an error naming its
// model.safetensors, exit code 1.

import type { Command } from "commander";
import type { Sample } from "../sample/sample.ts";
import { sampleFromRun } from "../node/run_dir.ts";
import { bigintFlag, intFlag, numberFlag, topKFlag, topKOf, type Output } from "./options.ts";

interface SampleFlags {
  workDir: string;
  num: number;
  seed?: bigint;
  temperature: number;
  topK?: number | "all";
  inputFile?: string;
  json?: boolean;
}

/** A sample's mark: "in train", "in val", "in test" or "new" (makemore.py's print_samples). */
export function sampleMark(s: Sample): string {
  return s.seenIn === null ? "new" : `in ${s.seenIn}`;
}

/**
 * One word a line, each marked in train, in val, in test or new (`marked` false: unmarked, the word file
 * could not be read), after a title line with the counts: "10 samples: 7 new, 2 in train, 1 in test".
 */
export function formatSamples(samples: readonly Sample[], marked = true, title = `${samples.length} samples`): string {
  const width = Math.min(24, Math.max(0, ...samples.map((s) => [...s.word].length)));
  const lines = samples.map((s) => {
    const cut = s.truncated ? " (truncated)" : "";
    return marked ? `  ${s.word.padEnd(width)}  ${sampleMark(s)}${cut}` : `  ${s.word}${cut}`;
  });
  if (!marked) return [`${title}:`, ...lines].join("\n");
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(sampleMark(s), (counts.get(sampleMark(s)) ?? 0) + 1);
  const order = ["new", "in train", "in val", "in test"].filter((m) => counts.has(m));
  const summary = order.map((m) => `${counts.get(m)} ${m}`).join(", ");
  return [`${title}${summary ? `: ${summary}` : ":"}`, ...lines].join("\n");
}

/** Samples as JSON: {word, seenIn, isNew, truncated}, or {word, truncated} when they could not be marked. */
export function samplesJson(samples: readonly Sample[], marked: boolean): object[] {
  return marked ? samples.map(({ word, seenIn, isNew, truncated }) => ({ word, seenIn, isNew, truncated })) : samples.map(({ word, truncated }) => ({ word, truncated }));
}

export function registerSample(program: Command, io: Output): void {
  program
    .command("sample")
    .description("sample new words from a trained run")
    .option("-o, --work-dir <dir>", "run directory written by makemore train", "out")
    .option("-n, --num <n>", "how many words", intFlag(0), 20)
    .option("--seed <s>", "a fresh generator seed (default: continue the run's generator)", bigintFlag)
    .option("--temperature <t>", "divide the logits by t: < 1 sharper (near 0: the most likely character), > 1 more adventurous", numberFlag({ positive: true }), 1)
    .option("--top-k <k>", "draw only among the k most likely characters (-1: all)", topKFlag)
    .option("-i, --input-file <file>", "the run's words, to mark each sample in train, in val, in test or new (default: the run's file)")
    .option("--json", "print the samples as JSON")
    .action((flags: SampleFlags) => {
      const { samples, marked } = sampleFromRun(flags.workDir, {
        count: flags.num,
        seed: flags.seed,
        temperature: flags.temperature,
        topK: topKOf(flags.topK),
        inputFile: flags.inputFile,
        note: (text) => io.err(`makemore: note: ${text}`),
      });
      if (flags.json) {
        io.out(JSON.stringify(samplesJson(samples, marked), null, 2));
      } else {
        io.out(formatSamples(samples, marked));
      }
    });
}
