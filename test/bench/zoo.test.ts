// The logic of `npm run bench:zoo` and `bench:zoo:quality` that is not measuring (bench/zoo_table.ts):
// their flags, the ratio against PyTorch's faster setting, and the tables they print. No model, no
// Python, no timing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.ts";
import { modelType } from "../../src/models/registry.ts";
import {
  benchSeed, DEFAULT_BENCH_STEPS, formatDuration, formatRate, formatSigned, MAKEMORE_PY_TYPES, markdownTable, parseZooArgs, QUALITY_HEADER,
  qualityRow, ratioAgainstFaster, textTable, WARMUP_STEPS, ZOO_TYPES,
} from "../../bench/zoo_table.ts";

test("parseZooArgs: defaults, --types in the table's order, --steps in both spellings, --no-torch, --help", () => {
  assert.deepEqual(parseZooArgs([], ZOO_TYPES, 21), { types: [...ZOO_TYPES], steps: undefined, noTorch: false });
  assert.deepEqual(parseZooArgs(["--types", "wavenet,bigram,deep,wavenet", "--steps", "300", "--no-torch"], ZOO_TYPES, 21), {
    types: ["bigram", "deep", "wavenet"],
    steps: 300,
    noTorch: true,
  });
  assert.equal(parseZooArgs(["--steps=40"], ZOO_TYPES, 21)!.steps, 40);
  assert.deepEqual(parseZooArgs(["--types=gru"], MAKEMORE_PY_TYPES, 1)!.types, ["gru"]);
  assert.equal(parseZooArgs(["--help"], ZOO_TYPES, 21), null);
});

test("parseZooArgs refuses bad input with a ConfigError naming the flag", () => {
  const refuses = (argv: string[], allowed: readonly (typeof ZOO_TYPES)[number][], pattern: RegExp) =>
    assert.throws(() => parseZooArgs(argv, allowed, WARMUP_STEPS + 1), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  refuses(["--types", "lstm"], ZOO_TYPES, /--types: unknown type "lstm"/);
  refuses(["--types", "wavenet"], MAKEMORE_PY_TYPES, /--types: unknown type "wavenet"/); // not a makemore.py type
  refuses(["--types", ","], ZOO_TYPES, /--types: name at least one/);
  refuses(["--types"], ZOO_TYPES, /--types needs a value/);
  refuses(["--steps", "--no-torch"], ZOO_TYPES, /--steps needs a value/);
  refuses(["--steps", String(WARMUP_STEPS)], ZOO_TYPES, /--steps must be an integer >= 21/); // nothing left to time
  for (const bad of ["1e3", "300.5", "-40", "abc"]) refuses(["--steps", bad], ZOO_TYPES, /--steps must be an integer/);
  refuses(["--step", "300"], ZOO_TYPES, /unknown argument "--step"/);
  refuses(["--no-torch=1"], ZOO_TYPES, /unknown argument/);
});

test("every type has default steps beyond the warm-up, and the quality types are makemore.py's six", () => {
  for (const t of ZOO_TYPES) assert.ok(DEFAULT_BENCH_STEPS[t] > WARMUP_STEPS, t);
  assert.deepEqual([...MAKEMORE_PY_TYPES], ZOO_TYPES.filter((t) => t !== "deep" && t !== "wavenet"));
});

test("every bench type is a registered model type, run with the seed of its training defaults", () => {
  // the lectures' types: makemore part 3's deeper network and makemore part 5's WaveNet
  assert.ok(ZOO_TYPES.includes("deep") && ZOO_TYPES.includes("wavenet"));
  for (const t of ZOO_TYPES) assert.equal(benchSeed(t), modelType(t).training.seed, t);
  assert.deepEqual(parseZooArgs(["--types", "deep"], ZOO_TYPES, 21)!.types, ["deep"]);
});

test("ratioAgainstFaster divides by PyTorch's faster setting, ignores a missing one, and is undefined without PyTorch", () => {
  assert.equal(ratioAgainstFaster(300, 100, 150), 2);
  assert.equal(ratioAgainstFaster(300, 150, 100), 2);
  assert.equal(ratioAgainstFaster(50, undefined, 100), 0.5);
  assert.equal(ratioAgainstFaster(50, 25, undefined), 2);
  assert.equal(ratioAgainstFaster(50, undefined, undefined), undefined);
  assert.equal(ratioAgainstFaster(50, NaN, 0), undefined);
});

test("number formats: rates to three figures, signed differences, durations", () => {
  assert.deepEqual([2692.4, 126.5, 27.94, 0.41234, undefined].map(formatRate), ["2692", "127", "27.9", "0.412", "-"]);
  assert.deepEqual([0.0123, -0.0041, 0, -0.0001].map(formatSigned), ["+0.012", "-0.004", "+0.000", "+0.000"]);
  assert.deepEqual([0.4, 59.4, 60, 192.2, 3725].map(formatDuration), ["0 s", "59 s", "1 min 00 s", "3 min 12 s", "62 min 05 s"]);
});

test("textTable: columns as wide as their widest cell, numbers right-aligned, text left-aligned", () => {
  const out = textTable(["type", "steps/s"], [["bigram", "2692"], ["transformer", "27.9"], ["gru", "-"]]);
  assert.equal(
    out,
    ["type         steps/s", "-----------  -------", "bigram          2692", "transformer     27.9", "gru                -"].join("\n"),
  );
  assert.throws(() => textTable(["a", "b"], [["1"]]), RangeError);
});

test("markdownTable: one header rule, numeric columns marked right-aligned, pipes in cells escaped", () => {
  const out = markdownTable(["type", "loss", "note"], [["mlp", "2.053", "a|b"], ["rnn", "2.084", "ok"]]);
  assert.equal(out, ["| type | loss | note |", "|---|---:|---|", "| mlp | 2.053 | a\\|b |", "| rnn | 2.084 | ok |"].join("\n"));
});

test("qualityRow: makemore.py's value beside ours, the signed difference, a verdict only at 10000 steps", () => {
  const row = qualityRow("transformer", { params: 204544, steps: 10000, test: 1.9912, seconds: 192.2 });
  assert.equal(row.length, QUALITY_HEADER.length);
  // transformer: makemore.py's 1.972; 1.9912 - 1.972 = 0.0192, within 0.03
  assert.deepEqual(row, ["transformer", "204544", "1.991", "1.972", "+0.019", "yes", "3 min 12 s", "52.0"]);
  // bigram: 2.454; 2.5 is 0.046 above, outside 0.03
  assert.equal(qualityRow("bigram", { params: 729, steps: 10000, test: 2.5, seconds: 4 })[5], "NO");
  // gru: 2.035; 0.029 below is within
  assert.equal(qualityRow("gru", { params: 28315, steps: 10000, test: 2.006, seconds: 50 })[5], "yes");
  assert.equal(qualityRow("gru", { params: 28315, steps: 500, test: 2.006, seconds: 5 })[5], "n/a");
});
