import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./helpers.ts";

test("every command's --help prints its usage and exits 0", async () => {
  const top = await run("--help");
  assert.equal(top.code, 0);
  const commands = ["data", "train", "sample", "eval", "gradcheck", "diagnose", "lr-find"];
  for (const c of commands) assert.match(top.out, new RegExp(`\\n\\s+${c} `), `${c} listed in makemore --help`);
  for (const c of commands) {
    const r = await run(c, "--help");
    assert.equal(r.code, 0, `${c} --help: ${r.err}`);
    assert.match(r.out, new RegExp(`Usage: makemore ${c}`));
  }
  assert.match((await run("train", "--help")).out, /--seed <s>[\s\S]*lecture\s+2147483647/);
});
