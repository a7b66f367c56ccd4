// The logic of `npm run bench:zoo` and `npm run bench:zoo:quality` that is not measuring: the types
// they run and how many steps, their flags, the ratio against PyTorch's faster setting, and the
// tables they print (aligned text for the terminal, markdown for the README). No I/O here, so that
// test/bench/zoo.test.ts can check it without running a model or Python.
//
// Sources: makemore.py (Karpathy's makemore repository) for the six types and its defaults; makemore
// part 3 (its deeper network) and part 5 (the WaveNet) for the two lecture types; issue 11 section 5 for
// the published test losses at step 10000 and the goal of ±0.03.

import { ConfigError } from "../src/index.ts";

/** makemore.py's types, in its README's order, then makemore part 3's deeper network and part 5's WaveNet. */
export const ZOO_TYPES = ["bigram", "mlp", "rnn", "gru", "bow", "transformer", "deep", "wavenet"] as const;
export type ZooType = (typeof ZOO_TYPES)[number];

/** The types makemore.py has (the quality table's rows). */
export const MAKEMORE_PY_TYPES = ["bigram", "mlp", "rnn", "gru", "bow", "transformer"] as const;

/** Steps before the clock starts, on both sides: JIT and wasm memory growth here, OpenBLAS buffers and the allocator there. */
export const WARMUP_STEPS = 20;

/**
 * Default steps of `bench:zoo` per type (warm-up included): about 4–8 s of PyTorch at one thread each
 * (its steps/s with OpenBLAS, issue 11: bigram 2692, mlp 126, rnn 197, gru 100, bow 293,
 * transformer 28, wavenet 414; issue 12: deep 650–800), so that the whole run, PyTorch twice, takes two
 * or three minutes.
 */
export const DEFAULT_BENCH_STEPS: Record<ZooType, number> = {
  bigram: 5000,
  mlp: 500,
  rnn: 1000,
  gru: 500,
  bow: 1000,
  transformer: 200,
  deep: 5000,
  wavenet: 2000,
};

/**
 * The seed of each type's reference run (its training default): makemore.py's 3407, makemore part 3's
 * 2147483647 for the deeper network, makemore part 5's 42 for the WaveNet.
 */
export function benchSeed(type: ZooType): number {
  return type === "deep" ? 2147483647 : type === "wavenet" ? 42 : 3407;
}

/** Test loss of makemore.py at step 10000 with its defaults, seed 3407 (issue 11, section 5). */
export const MAKEMORE_PY_TEST_LOSS: Record<(typeof MAKEMORE_PY_TYPES)[number], number> = {
  bigram: 2.454,
  mlp: 2.053,
  rnn: 2.084,
  gru: 2.035,
  bow: 2.186,
  transformer: 1.972,
};

/** How far from makemore.py's test loss a type may land (issue 11's goal). */
export const QUALITY_TOLERANCE = 0.03;

/** What bench/zoo_run.ts prints: one makemore-ts run of one type. */
export interface ZooRunResult {
  type: string;
  params: number;
  steps: number;
  warmup: number;
  /** Wall-clock seconds of steps warmup..steps-1. */
  seconds: number;
  stepsPerSec: number;
  /** Minibatch loss of the last step. */
  lastLoss: number;
  /** Peak resident set size of this process (bytes). */
  peakRss: number;
  /** Size of the kernels' WebAssembly memory at the end (bytes). */
  wasmBytes: number;
  /** The most bytes the arena handed out at once (bytes). */
  arenaPeak: number;
  /** Loss on the whole test split after the last step (with --eval-test). */
  test?: number;
  /** Seconds of that evaluation. */
  evalSeconds?: number;
}

export interface ZooArgs<T extends ZooType = ZooType> {
  types: T[];
  /** Steps for every type (warm-up included); undefined: each type's default. */
  steps: number | undefined;
  noTorch: boolean;
}

/**
 * Parses `--types a,b`, `--steps N` and `--no-torch` (and `--help`, returned as null). `allowed` is the
 * set of types this command runs (bench:zoo: ZOO_TYPES; bench:zoo:quality: MAKEMORE_PY_TYPES);
 * `minSteps` the fewest steps it accepts. Throws a ConfigError naming the flag.
 */
export function parseZooArgs<T extends ZooType>(argv: readonly string[], allowed: readonly T[], minSteps: number): ZooArgs<T> | null {
  const out: ZooArgs<T> = { types: [...allowed], steps: undefined, noTorch: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new ConfigError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") return null;
    else if (flag === "--no-torch" && inline === undefined) out.noTorch = true;
    else if (flag === "--types") {
      const names = value().split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (names.length === 0) throw new ConfigError("--types: name at least one type");
      const unknown = names.filter((n) => !(allowed as readonly string[]).includes(n));
      if (unknown.length > 0) throw new ConfigError(`--types: unknown type "${unknown[0]}" (use some of ${allowed.join(", ")})`);
      out.types = allowed.filter((t) => names.includes(t)); // in the table's order, each once
    } else if (flag === "--steps") {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < minSteps) {
        throw new ConfigError(`--steps must be an integer >= ${minSteps} (got ${v})`);
      }
      out.steps = n;
    } else throw new ConfigError(`unknown argument "${a}" (flags: --types a,b --steps N --no-torch)`);
  }
  return out;
}

/** makemore-ts's steps/s over PyTorch's faster setting (undefined when PyTorch was not measured). */
export function ratioAgainstFaster(ours: number, torch1: number | undefined, torch2: number | undefined): number | undefined {
  const known = [torch1, torch2].filter((x): x is number => x !== undefined && Number.isFinite(x) && x > 0);
  if (known.length === 0) return undefined;
  return ours / Math.max(...known);
}

/** Steps/s with three significant figures at most ("2692", "27.9", "0.412"). */
export function formatRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  if (x >= 100) return String(Math.round(x));
  return x.toPrecision(3);
}

/** A ratio as "3.41x" (undefined: "-"). */
export function formatRatio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "-" : `${x.toFixed(2)}x`;
}

/** Bytes as MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A signed difference with three decimals and its sign always shown ("+0.012", "-0.004"). */
export function formatSigned(x: number): string {
  const s = x.toFixed(3);
  return x >= 0 || s === "-0.000" ? `+${s.replace("-", "")}` : s;
}

/** True if a column is numeric (right-aligned): every cell but "-" starts like a number. */
function numeric(rows: readonly (readonly string[])[], c: number): boolean {
  return rows.every((r) => r[c] === "-" || /^[+-]?\d/.test(r[c]));
}

/** An aligned text table: numeric columns right-aligned, a rule under the header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const r of rows) if (r.length !== header.length) throw new RangeError(`a row has ${r.length} cells, the header ${header.length}`);
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const right = header.map((_, c) => numeric(rows, c));
  const line = (cells: readonly string[]) =>
    cells.map((s, c) => (right[c] ? s.padStart(w[c]) : s.padEnd(w[c]))).join("  ").trimEnd();
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

/** A GitHub markdown table: numeric columns right-aligned (`---:`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const r of rows) if (r.length !== header.length) throw new RangeError(`a row has ${r.length} cells, the header ${header.length}`);
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(" | ")} |`;
  const rule = `|${header.map((_, c) => (numeric(rows, c) ? "---:" : "---")).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The quality table's columns. */
export const QUALITY_HEADER = ["type", "parameters", "test loss", "makemore.py", "difference", `within ${QUALITY_TOLERANCE}`, "training", "steps/s"];

/** Seconds as "48 s" or "3 min 12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/**
 * One row of the quality table: makemore-ts's test loss beside makemore.py's at step 10000 and the
 * difference; the verdict only when the run did makemore.py's 10000 steps (otherwise "n/a").
 */
export function qualityRow(
  type: (typeof MAKEMORE_PY_TYPES)[number],
  r: { params: number; steps: number; test: number; seconds: number },
): string[] {
  const published = MAKEMORE_PY_TEST_LOSS[type];
  const diff = r.test - published;
  const verdict = r.steps !== 10000 ? "n/a" : Math.abs(diff) <= QUALITY_TOLERANCE ? "yes" : "NO";
  return [type, String(r.params), r.test.toFixed(3), published.toFixed(3), formatSigned(diff), verdict, formatDuration(r.seconds), formatRate(r.steps / r.seconds)];
}
