// The fewest words each split needs (issue 10, §3): the lectures' 80/10/10 leaves every split non-empty
// from 6 words on (4/1/1), makemore.py's randperm from 10; fewer is a DataError naming the word file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../../src/errors.ts";
import { buildRunCorpus } from "../../src/data/corpus.ts";
import { buildCorpus, MIN_LECTURE_SPLIT_WORDS, splitWords } from "../../src/data/splits.ts";
import { Generator } from "../../src/random/generator.ts";

const words = (n: number) => Array.from({ length: n }, (_, i) => "ab".repeat(1 + (i % 3)) + String.fromCharCode(97 + (i % 26)));

test("80/10/10: 6 words is the fewest that leaves train, val and test non-empty (for any shuffle)", () => {
  assert.equal(MIN_LECTURE_SPLIT_WORDS, 6);
  for (let n = 1; n <= 200; n++) {
    const s = splitWords(words(n), null);
    const full = s.train.length > 0 && s.val.length > 0 && s.test.length > 0;
    assert.equal(full, n >= MIN_LECTURE_SPLIT_WORDS, `${n} words: ${s.train.length}/${s.val.length}/${s.test.length}`);
  }
});

test("too few words for the split is a DataError naming the file and the minimum, for either kind of row", () => {
  const g = () => new Generator(1);
  for (const n of [1, 2, 5]) {
    assert.throws(
      () => buildRunCorpus(words(n), { rows: "windows", split: { kind: "shuffle", seed: 42 }, blockSize: 3, generator: g(), source: "few.txt" }),
      (e: unknown) =>
        e instanceof DataError && e.file === "few.txt" &&
        new RegExp(`^few\\.txt: the lectures' 80/10/10 split needs at least 6 words .*; got ${n}: give a longer word list$`).test(e.message),
    );
  }
  assert.throws(
    () => buildRunCorpus(words(9), { rows: "sequences", split: { kind: "randperm" }, generator: g(), source: "few.txt" }),
    (e: unknown) => e instanceof DataError && /^few\.txt: makemore\.py's split needs at least 10 words .*; got 9/.test(e.message),
  );
  // the library's own entry points check too (no file named)
  assert.throws(() => buildCorpus(words(5), { blockSize: 3 }), /at least 6 words.*got 5/);
  const six = buildRunCorpus(words(6), { rows: "windows", split: { kind: "file-order" }, blockSize: 3, generator: g() });
  assert.deepEqual(["train", "val", "test"].map((s) => six.words[s as "train"]!.length), [4, 1, 1]);
  const ten = buildRunCorpus(words(10), { rows: "sequences", split: { kind: "randperm" }, generator: g() });
  assert.deepEqual([ten.words.train!.length, ten.words.test!.length], [9, 1]);
});
