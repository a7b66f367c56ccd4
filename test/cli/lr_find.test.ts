import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as cli } from "./helpers.ts";

test("lr-find: the sweep from 10^min to 10^max, its losses and a suggestion (JSON, text, HTML)", async () => {
  const r = await cli("lr-find", "--steps", "80", "--min-exp", "-2", "--max-exp", "1", "--n-hidden", "32", "--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.exps.length, 80);
  assert.equal(j.exps[0], -2);
  assert.equal(j.exps[79], 1);
  assert.ok(Math.abs(j.lrs[0] - 0.01) < 1e-15);
  assert.equal(j.losses.length, 80);
  assert.ok(j.losses.every((l: number) => Number.isFinite(l) && l > 1));
  assert.equal(j.window, 4);
  assert.ok(j.suggestion.exp > -2 && j.suggestion.exp < 1);
  assert.equal(j.suggestion.lr, j.lrs[j.suggestion.index]);

  const file = join(mkdtempSync(join(tmpdir(), "makemore-lr-")), "lr.html");
  const t = await cli("lr-find", "--steps", "80", "--min-exp", "-2", "--max-exp", "1", "--n-hidden", "32", "--report", file);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /suggested lr [\d.]+ \(10\^-?[\d.]+\): the lowest moving average over 4 steps/);
  assert.match(t.out, /<- suggested/);
  assert.ok(existsSync(file));
  assert.match(readFileSync(file, "utf8"), /id="chart-lr-finder"/);
});

test("lr-find: bad ranges and flags give one line and exit code 2", async () => {
  for (const [args, pattern] of [
    [["--min-exp", "0", "--max-exp", "-1"], /--min-exp must be below --max-exp/],
    [["--steps", "1"], /--steps.*must be an integer >= 2/],
    [["--min-exp", "x"], /--min-exp.*must be a number/],
  ] as const) {
    const r = await cli("lr-find", ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
  }
});
