// `makemore gradcheck`: makemore part 4's gradient check — the exploded forward pass, autograd's gradient
// of every intermediate and parameter against the hand-derived one, printed as the lecture's cmp table,
// plus exercise 2 (dlogits in one expression) and exercise 3 (dhprebn in one expression). Exit code 1 when
// a gradient is not approximately equal. With --reference FILE.safetensors (a PyTorch notebook's
// parameters, batch, intermediates and gradients) each row is also held against PyTorch's numbers.

import type { Command } from "commander";
import { totalmem } from "node:os";
import { formatBytes, wasmKernels } from "../kernels/index.ts";
import { checkMemory } from "../models/memory.ts";
import { modelConfig } from "../models/registry.ts";
import { readWordFile } from "../node/words.ts";
import { buildCorpus, DEFAULT_SPLIT_SEED } from "../data/splits.ts";
import { ConfigError } from "../errors.ts";
import {
  formatGradcheck, GradcheckError, gradcheckFromSeed, gradcheckReference, type GradcheckReport,
} from "../ninja/gradcheck.ts";
import { MIN_BATCH } from "../ninja/forward.ts";
import { readNinjaReference } from "../node/ninja.ts";
import { intFlag, type Output } from "./options.ts";

/** makemore part 4's setup: Generator(2147483647), n_hidden 64, a minibatch of 32. */
export const GRADCHECK_DEFAULTS = { seed: 2147483647, nHidden: 64, batchSize: 32 } as const;

export interface GradcheckFlags {
  seed?: number;
  nHidden?: number;
  batchSize?: number;
  reference?: string;
  json?: boolean;
}

/** Runs the check the flags describe (names.txt with the lectures' split, or a reference file). */
export async function runGradcheck(flags: GradcheckFlags): Promise<GradcheckReport> {
  if (flags.reference !== undefined) {
    const given = (["seed", "nHidden", "batchSize"] as const).filter((k) => flags[k] !== undefined);
    if (given.length > 0) {
      const names = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new ConfigError(
        `${names.join(", ")} cannot be combined with --reference: the parameters, the batch and n_hidden come from the file`,
      );
    }
    return gradcheckReference(await readNinjaReference(flags.reference));
  }
  const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: DEFAULT_SPLIT_SEED });
  const nHidden = flags.nHidden ?? GRADCHECK_DEFAULTS.nHidden;
  const batchSize = flags.batchSize ?? GRADCHECK_DEFAULTS.batchSize;
  checkGradcheckMemory(corpus.vocab.size, nHidden, batchSize);
  return gradcheckFromSeed(corpus.data.train, corpus.vocab.size, { seed: flags.seed ?? GRADCHECK_DEFAULTS.seed, nHidden, batchSize });
}

/**
 * Refuses sizes the check cannot hold, before it starts: the fast path's against the WebAssembly
 * memory (as `train` does), and the autograd graph's against the machine's memory — it keeps every
 * intermediate tensor and its gradient, measured at 6–7 times the fast path's bytes (8 assumed here).
 */
export function checkGradcheckMemory(vocabSize: number, nHidden: number, batchSize: number, machine = totalmem()): void {
  const config = modelConfig("lecture", { vocabSize }, { nHidden });
  const plan = checkMemory(config, wasmKernels().arena, { batchSize });
  const autograd = 8 * plan.total;
  const room = 0.75 * machine;
  if (autograd > room) {
    throw new ConfigError(
      `--n-hidden ${nHidden} with --batch-size ${batchSize}: the autograd side of the check would hold about ${formatBytes(autograd)}; ` +
        `this machine has ${formatBytes(machine)}: use a smaller --n-hidden or --batch-size`,
    );
  }
}

/** The action: prints the table (or JSON), then throws a GradcheckError (exit code 1) if a check failed. */
export async function gradcheckAction(flags: GradcheckFlags, io: Output): Promise<void> {
  const report = await runGradcheck(flags);
  io.out(flags.json ? JSON.stringify(report, null, 2) : formatGradcheck(report));
  if (!report.ok) {
    throw new GradcheckError(`gradient check failed: ${report.failures.join("; ")}`);
  }
}

export function registerGradcheck(program: Command, io: Output): void {
  const d = GRADCHECK_DEFAULTS;
  program
    .command("gradcheck")
    .description(
      "check every hand-derived gradient of makemore part 4's exploded forward pass against autograd " +
        "(and, with --reference, against PyTorch's numbers)",
    )
    .option("--seed <s>", `seed of the Generator the init and the minibatch are drawn from (default ${d.seed})`, intFlag(0))
    .option("--n-hidden <n>", `neurons in the hidden layer (default ${d.nHidden})`, intFlag(1))
    .option("--batch-size <n>", `rows of the minibatch, at least ${MIN_BATCH} (default ${d.batchSize})`, intFlag(MIN_BATCH))
    .option(
      "--reference <file>",
      "a safetensors file a PyTorch notebook wrote: C, W1, b1, W2, b2, bngain, bnbias, Xb, Yb, every intermediate " +
        "and its gradient d<name>; runs from its parameters and batch and compares with its numbers",
    )
    .option("--json", "print the report as JSON")
    .action((flags: GradcheckFlags) => gradcheckAction(flags, io));
}
