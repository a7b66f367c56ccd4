// Shared flag parsers and the CLI's error handling: a bad flag or a typed library error becomes one
// line on stderr and an exit code (2 for usage and configuration, 1 for everything else); a stack
// trace is printed only for errors that are bugs.

import { parseNumber } from "../models/model_type.ts";
import { InvalidArgumentError, Option } from "commander";
import { MakemoreError } from "../errors.ts";
import { MAX_THREADS, type ThreadsSetting } from "../kernels/threads.ts";

/** A flag value that must be an integer ≥ min. */
export function intFlag(min: number) {
  return (value: string): number => {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError("must be an integer.");
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}.`);
    return n;
  };
}

/** A flag value that must be a finite number (or a fraction such as 5/3), optionally > 0. */
export function numberFlag(options: { positive?: boolean } = {}) {
  return (value: string): number => {
    const n = parseNumber(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError("must be a number (a fraction such as 5/3 is accepted).");
    if (options.positive && !(n > 0)) throw new InvalidArgumentError("must be a number > 0.");
    return n;
  };
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Output = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
};

/** Exit code and message for an error thrown by a command. */
export function reportError(e: unknown, io: Output): number {
  if (e instanceof MakemoreError) {
    io.err(`makemore: ${e.message}`);
    return e.exitCode;
  }
  io.err(`makemore: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
}

/** A flag value that must be an integer of any size (seeds: PyTorch takes them mod 2^64). */
export function bigintFlag(value: string): bigint {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError("must be an integer.");
  return BigInt(value.trim());
}

/** `--seed <s>`: an integer of any size, with a default shown in --help as a plain number. */
export function seedOption(description: string, fallback?: bigint | number): Option {
  const o = new Option("--seed <s>", description).argParser(bigintFlag);
  return fallback === undefined ? o : o.default(BigInt(fallback), String(fallback));
}

/** --top-k: k >= 1, or makemore.py's -1 for all characters ("all": commander turns a parser's null into ""). */
export function topKFlag(value: string): number | "all" {
  const k = intFlag(-1)(value);
  if (k === 0) throw new InvalidArgumentError("must be an integer >= 1, or -1 for all characters.");
  return k === -1 ? "all" : k;
}

/** The k of a --top-k flag's value (undefined: all characters). */
export function topKOf(flag: number | "all" | undefined): number | undefined {
  return flag === "all" ? undefined : flag;
}

/** A period in steps, or "none" (0 too): --eval-every, --sample-every. */
export function periodFlag(value: string): number | "none" {
  return value.trim() === "none" ? "none" : intFlag(0)(value) || "none";
}

/** --threads: auto, or an integer from 1 to MAX_THREADS (the kernels' threads, src/kernels/threads.ts). */
export function threadsFlag(value: string): ThreadsSetting {
  if (value.trim() === "auto") return "auto";
  const n = /^\+?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_THREADS}, or auto.`);
  }
  return n;
}
