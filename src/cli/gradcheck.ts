// `makemore gradcheck`: the gradient check, printed as the lecture's cmp table, exit code 1 when a gradient
// is not approximately equal.
//   (no --type, or --type lecture)  makemore part 4's: the exploded forward pass, autograd's gradient of every
//       intermediate and parameter against the hand-derived one, exercises 2 and 3, and the fast path's layers.
//       --reference FILE.safetensors (a PyTorch notebook's parameters, batch, intermediates and gradients)
//       holds each row against PyTorch's numbers too.
//   --type T (bigram, mlp, rnn, gru, bow, transformer, wavenet: every registered type with an autograd
//       oracle, src/ninja/zoo_oracle.ts)  the fast path's gradient of every parameter against autograd's, on
//       the init and first batch `makemore train --type T` would draw; with --reference FILE (a real-PyTorch
//       file in shared/reference/zoo/'s layout, its type read from its __metadata__ when --type is not
//       given) on the file's parameters and batch, each row also against PyTorch's gradient.

import { Option, type Command } from "commander";
import { totalmem } from "node:os";
import { formatBytes, wasmKernels } from "../kernels/index.ts";
import { checkMemory } from "../models/memory.ts";
import { modelConfig, modelType, modelTypes, type ConfigField } from "../models/registry.ts";
import { readWordFile } from "../node/words.ts";
import { readSafetensors } from "../node/safetensors-file.ts";
import { buildCorpus, DEFAULT_SPLIT_SEED } from "../data/splits.ts";
import { ConfigError } from "../errors.ts";
import {
  formatGradcheck, GradcheckError, gradcheckFromSeed, gradcheckReference, type GradcheckReport,
} from "../ninja/gradcheck.ts";
import { MIN_BATCH } from "../ninja/forward.ts";
import { ninjaReferenceFromRecords } from "../ninja/reference.ts";
import { hasOracle, oracleTypes, zooOracle } from "../ninja/zoo_oracle.ts";
import { formatZooGradcheck, zooGradcheckFromSeed, zooGradcheckReference, type ZooGradcheckReport } from "../ninja/zoo_gradcheck.ts";
import { referenceType, zooReferenceFromRecords } from "../ninja/zoo_reference.ts";
import { intFlag, type Output } from "./options.ts";
import { attributeOf, parserOf } from "./run_flags.ts";

/** makemore part 4's setup: Generator(2147483647), n_hidden 64, a minibatch of 32. */
export const GRADCHECK_DEFAULTS = { seed: 2147483647, nHidden: 64, batchSize: 32 } as const;

/** The share of the machine's memory the autograd side of a check may take. */
const MACHINE_SHARE = 0.75;

export interface GradcheckFlags {
  type?: string;
  seed?: number;
  nHidden?: number;
  batchSize?: number;
  reference?: string;
  json?: boolean;
  /** The model settings of the types with an oracle (--n-embd → nEmbd, …). */
  [field: string]: unknown;
}

/** The model-setting flags of the types with an oracle, each once (--n-hidden is part 4's flag too). */
function modelFlags(): ConfigField[] {
  const out = new Map<string, ConfigField>();
  for (const t of modelTypes()) if (hasOracle(t.type)) for (const f of t.fields) if (!out.has(f.flag)) out.set(f.flag, f);
  return [...out.values()];
}

/** Flags given on the command line, for messages: "--seed, --batch-size". */
const flagName = (attr: string) => `--${attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The check the flags describe; `given(attr)` says whether a flag was on the command line. */
export async function runGradcheck(
  flags: GradcheckFlags,
  given: (attr: string) => boolean = (attr) => flags[attr] !== undefined,
): Promise<GradcheckReport | ZooGradcheckReport> {
  const file = flags.reference === undefined ? null : await readSafetensors(flags.reference);
  const inFile = file === null ? null : referenceType(file.metadata);
  if (flags.type !== undefined && inFile !== null && flags.type !== inFile) {
    throw new ConfigError(`--type ${flags.type}, but ${flags.reference} is a reference of type ${inFile} (its __metadata__.type): drop --type or pass --type ${inFile}`);
  }
  if (file !== null && flags.type === undefined && inFile === null && "X" in file.tensors && !("Xb" in file.tensors)) {
    throw new ConfigError(`${flags.reference} names no model type in its __metadata__: pass --type (${oracleTypes().join(", ")})`);
  }
  const type = flags.type ?? inFile ?? "lecture";
  const settings = modelFlags().filter((f) => given(attributeOf(f.flag)) && f.flag !== "--n-hidden");
  if (type === "lecture") {
    if (settings.length > 0) {
      throw new ConfigError(`${settings[0].flag} is not a setting of makemore part 4's check (--type lecture takes --seed, --n-hidden, --batch-size, --reference)`);
    }
    return lectureCheck(flags, file);
  }
  if (!hasOracle(type)) {
    throw new ConfigError(`--type ${type} has no autograd oracle to check against (the types with one: lecture, ${oracleTypes().join(", ")})`);
  }
  const t = modelType(type);
  const own = new Set(t.fields.map((f) => f.flag));
  const foreign = [...settings, ...(given("nHidden") ? modelFlags().filter((f) => f.flag === "--n-hidden") : [])].find((f) => !own.has(f.flag));
  if (foreign) {
    throw new ConfigError(`${foreign.flag} is not a setting of --type ${type} (its settings: ${t.fields.map((f) => f.flag).join(", ") || "none"})`);
  }
  const model = Object.fromEntries(t.fields.filter((f) => given(attributeOf(f.flag))).map((f) => [f.key, flags[attributeOf(f.flag)]]));
  const memoryLimit = MACHINE_SHARE * totalmem();
  if (file === null) {
    const list = readWordFile();
    return zooGradcheckFromSeed({ words: list.words, source: list.source }, { type, seed: flags.seed, batchSize: flags.batchSize, model, memoryLimit });
  }
  const fromFile = (["seed", "batchSize"] as const).filter((k) => given(k));
  if (fromFile.length > 0) {
    throw new ConfigError(`${fromFile.map(flagName).join(", ")} cannot be combined with --reference: the parameters and the batch come from the file`);
  }
  const nHead = typeof model.nHead === "number" ? model.nHead : (t.defaults as Record<string, unknown>).nHead;
  const ref = zooReferenceFromRecords(file.tensors, flags.reference!, file.metadata, { type, nHead: typeof nHead === "number" ? nHead : undefined });
  // the sizes the file's shapes tell cannot be set; the others (the transformer's --n-head) can
  const told = new Set(Object.keys(zooOracle(type).infer((n) => file.tensors[n]?.shape, ref.X.shape)));
  const clash = t.fields.find((f) => given(attributeOf(f.flag)) && told.has(f.key));
  if (clash) throw new ConfigError(`${clash.flag} cannot be combined with --reference: the file's shapes give it`);
  return zooGradcheckReference(ref, { model, memoryLimit });
}

/** makemore part 4's check (names.txt with the lectures' split, or a reference file of its layout). */
function lectureCheck(flags: GradcheckFlags, file: Awaited<ReturnType<typeof readSafetensors>> | null): GradcheckReport {
  if (file !== null) {
    const given = (["seed", "nHidden", "batchSize"] as const).filter((k) => flags[k] !== undefined);
    if (given.length > 0) {
      throw new ConfigError(
        `${given.map(flagName).join(", ")} cannot be combined with --reference: the parameters, the batch and n_hidden come from the file`,
      );
    }
    return gradcheckReference(ninjaReferenceFromRecords(file.tensors, flags.reference!, file.metadata));
  }
  const corpus = buildCorpus(readWordFile().words, { blockSize: 3, splitSeed: DEFAULT_SPLIT_SEED });
  const nHidden = flags.nHidden ?? GRADCHECK_DEFAULTS.nHidden;
  const batchSize = flags.batchSize ?? GRADCHECK_DEFAULTS.batchSize;
  checkGradcheckMemory(corpus.vocab.size, nHidden, batchSize);
  return gradcheckFromSeed(corpus.data.train, corpus.vocab.size, { seed: flags.seed ?? GRADCHECK_DEFAULTS.seed, nHidden, batchSize });
}

/**
 * Refuses sizes makemore part 4's check cannot hold, before it starts: the fast path's against the
 * WebAssembly memory (as `train` does), and the autograd graph's against the machine's memory — it keeps
 * every intermediate tensor and its gradient, measured at 6–7 times the fast path's bytes (8 assumed here).
 */
export function checkGradcheckMemory(vocabSize: number, nHidden: number, batchSize: number, machine = totalmem()): void {
  const config = modelConfig("lecture", { vocabSize }, { nHidden });
  const plan = checkMemory(config, wasmKernels().arena, { batchSize });
  const autograd = 8 * plan.total;
  const room = MACHINE_SHARE * machine;
  if (autograd > room) {
    throw new ConfigError(
      `--n-hidden ${nHidden} with --batch-size ${batchSize}: the autograd side of the check would hold about ${formatBytes(autograd)}; ` +
        `this machine has ${formatBytes(machine)}: use a smaller --n-hidden or --batch-size`,
    );
  }
}

function isZoo(r: GradcheckReport | ZooGradcheckReport): r is ZooGradcheckReport {
  return "type" in r;
}

/** The action: prints the table (or JSON), then throws a GradcheckError (exit code 1) if a check failed. */
export async function gradcheckAction(flags: GradcheckFlags, io: Output, given?: (attr: string) => boolean): Promise<void> {
  const report = await runGradcheck(flags, given);
  io.out(flags.json ? JSON.stringify(report, null, 2) : isZoo(report) ? formatZooGradcheck(report) : formatGradcheck(report));
  if (!report.ok) {
    throw new GradcheckError(`gradient check failed: ${report.failures.join("; ")}`);
  }
}

export function registerGradcheck(program: Command, io: Output): void {
  const d = GRADCHECK_DEFAULTS;
  const types = ["lecture", ...modelTypes().map((t) => t.type).filter(hasOracle)];
  const cmd = program
    .command("gradcheck")
    .description(
      "check every hand-written gradient against autograd, printed as the lecture's cmp table: makemore part 4's " +
        "exploded forward pass by default, the fast path of any model type with --type (and, with --reference, " +
        "against PyTorch's numbers)",
    )
    .addOption(
      new Option("--type <type>", "model type to check: lecture is makemore part 4's exploded pass; the others check every parameter " +
        "of the type's fast path (default: lecture, or the --reference file's type)").choices(types),
    )
    .option("--seed <s>", `seed of the Generator the init and the minibatch are drawn from (default ${d.seed}; with --type, the type's)`, intFlag(0))
    .option("--n-hidden <n>", `neurons in the hidden layer (default ${d.nHidden}; --type wavenet: its own)`, intFlag(1))
    .option("--batch-size <n>", `rows of the minibatch, at least ${MIN_BATCH} (default ${d.batchSize})`, intFlag(MIN_BATCH));
  for (const f of modelFlags()) {
    if (f.flag === "--n-hidden") continue;
    const users = modelTypes().filter((t) => hasOracle(t.type) && t.fields.some((x) => x.flag === f.flag)).map((t) => t.type);
    const help = `${f.help} (--type ${users.join(", ")}; default: the type's)`;
    if (f.kind === "bool") cmd.option(f.flag, help);
    else if (f.kind === "choice") cmd.addOption(new Option(`${f.flag} <${f.key}>`, help).choices(f.choices!));
    else cmd.option(`${f.flag} <n>`, help, parserOf(f) as (v: string) => number);
  }
  cmd
    .option(
      "--reference <file>",
      "a safetensors file from PyTorch: makemore part 4's (C, W1, …, Xb, Yb, every intermediate and its gradient d<name>) " +
        "or a model type's (its parameters, X, Y, grad.<name>, the type in __metadata__); runs from its parameters and batch " +
        "and compares with its numbers",
    )
    .option("--json", "print the report as JSON")
    .action((flags: GradcheckFlags, c: Command) => gradcheckAction(flags, io, (attr) => c.getOptionValueSource(attr) === "cli"));
}
