// `makemore train --type T` for makemore.py's mlp, rnn, gru, bow and transformer from the command line: the
// estimates and the best model, sample and eval on the saved run, and a --resume that ends byte for byte
// where one uninterrupted run does — on 500 names, so that the final evaluations take little time (the
// losses against real PyTorch's runs on all of names.txt are test/models/zoo.test.ts's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.ts";

const tmp = () => join(mkdtempSync(join(tmpdir(), "makemore-cli-zoo-")), "run");
const names = readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
const words = join(mkdtempSync(join(tmpdir(), "makemore-cli-zoo-words-")), "names500.txt");
writeFileSync(words, names.filter((_, i) => i % 64 === 0).join("\n") + "\n"); // 501 names from a-z
const lines = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

for (const type of ["mlp", "rnn", "gru", "bow", "transformer"]) {
  test(`train --type ${type}: estimates every 6 steps, the best model, sample and eval, a byte-exact --resume`, async () => {
    const one = tmp();
    const common = ["-i", words, "--type", type, "--eval-every", "6", "--samples", "3", "--json"];
    const r = await run("train", "-o", one, "--steps", "12", ...common);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.settings.model.type, type);
    const losses = lines(one).filter((m) => "lr" in m).map((m) => m.loss as number);
    assert.equal(losses.length, 12);
    const estimates = lines(one).filter((m) => "eval" in m);
    assert.deepEqual(estimates.map((m) => m.step), [6, 12]);
    for (const e of estimates) assert.ok(e.eval.train > 1 && e.eval.test > 1 && e.eval.test < losses[0], JSON.stringify(e));
    const config = JSON.parse(readFileSync(join(one, "config.json"), "utf8"));
    assert.ok([6, 12].includes(config.best.step));
    const s = await run("sample", "-o", one, "-n", "5", "--json");
    assert.equal(s.code, 0, s.err);
    assert.equal(JSON.parse(s.out).length, 5);
    // other words than the run's would mark the samples against a wrong split: refused, naming the file
    const other = await run("sample", "-o", one, "-n", "2", "-i", "data/names.txt");
    assert.equal(other.code, 1);
    assert.match(other.err, /names\.txt: does not hold the words this run was trained on/);
    const e = await run("eval", "-o", one, "--json");
    assert.equal(e.code, 0, e.err);
    assert.ok(JSON.parse(e.out).test > 1);
    // 7 steps, then --resume to 12: the same files as 12 in one go
    const two = tmp();
    assert.equal((await run("train", "-o", two, "--steps", "7", ...common)).code, 0);
    const r2 = await run("train", "-o", two, "--resume", "--steps", "12", "--samples", "3", "--json");
    assert.equal(r2.code, 0, r2.err);
    for (const f of ["model.safetensors", "train_state.safetensors"]) {
      assert.deepEqual(readFileSync(join(two, f)), readFileSync(join(one, f)), `${f} differs after resuming`);
    }
  });
}

test("--resume of a finished run evaluates again without logging its split losses twice", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-i", words, "--type", "bigram", "-o", dir, "--steps", "5", "--samples", "0", "--json")).code, 0);
  const r = await run("train", "-o", dir, "--resume", "--steps", "5", "--samples", "0", "--json");
  assert.equal(r.code, 0, r.err);
  const splits = lines(dir).filter((m) => "split" in m);
  assert.deepEqual(splits.map((m) => `${m.step} ${m.split}`), ["5 train", "5 test"]);
});

test("-w below 0 and -w on an SGD type are refused in one line naming the flag (exit 2)", async () => {
  const neg = await run("train", "-i", words, "--type", "bigram", "-o", tmp(), "--steps", "1", "-w", "-1");
  assert.equal(neg.code, 2);
  assert.match(neg.err, /-w\/--weight-decay must be a number >= 0 \(got -1\)/);
  const sgd = await run("train", "-i", words, "--type", "lecture", "-o", tmp(), "--steps", "1", "-w", "0.1");
  assert.equal(sgd.code, 2);
  assert.match(sgd.err, /--weight-decay\) applies to AdamW only; this run's optimizer is SGD \(--optimizer adamw/);
});

test("a run without BatchNorm says nothing of BatchNorm: no calibrated losses, no BatchNorm settings", async () => {
  const r = await run("train", "-i", words, "-o", tmp(), "--no-batchnorm", "--steps", "20", "--samples", "0", "--no-progress");
  assert.equal(r.code, 0, r.err);
  const all = r.out + r.err; // the header goes to stderr, the results to stdout
  assert.match(all, /^model: blockSize 3, nEmbd 10, nHidden 200, batchNorm false, init lecture$/m);
  assert.doesNotMatch(all, /bnMomentum|bnUnbiased|calibrated/);
});
