import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { run } from "./helpers.ts";

test("every command's --help prints its usage and exits 0", async () => {
  const top = await run("--help");
  assert.equal(top.code, 0);
  const commands = ["data", "train", "sample", "eval", "gradcheck", "diagnose", "lr-find", "lab"];
  for (const c of commands) assert.match(top.out, new RegExp(`\\n\\s+${c} `), `${c} listed in makemore --help`);
  for (const c of commands) {
    const r = await run(c, "--help");
    assert.equal(r.code, 0, `${c} --help: ${r.err}`);
    assert.match(r.out, new RegExp(`Usage: makemore ${c}`));
  }
  assert.match((await run("train", "--help")).out, /--seed <s>[\s\S]*lecture\s+2147483647/);
});

test("the README's synopsis of each command lists every flag its --help lists", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  for (const cmd of ["train", "sample", "eval", "data", "diagnose", "lr-find", "gradcheck", "lab"]) {
    const help = (await run(cmd, "--help")).out;
    // the synopsis: the README's `npx makemore CMD …` lines of the command's section, up to the code block's end
    const at = readme.search(new RegExp(`^npx makemore ${cmd} [^\\n]*\\[`, "m")); // its first line with an option in [ ]
    assert.ok(at >= 0, `the README has a synopsis of ${cmd}`);
    const synopsis = readme.slice(at, readme.indexOf("```", at));
    for (const m of help.matchAll(/^ {2}(?:(-\w), )?(--[a-z0-9-]+)/gm)) {
      const [, short, long] = m;
      if (long === "--help") continue;
      const listed = synopsis.includes(long) || (short !== undefined && new RegExp(`(?:^|[\\s[|])${short}[ |\\]]`).test(synopsis));
      assert.ok(listed, `makemore ${cmd} ${long}: missing from the README's synopsis`);
    }
  }
});
