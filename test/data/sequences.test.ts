// makemore.py's dataset: rows and padding by hand, and the split and first batch of a real PyTorch 1.13.0
// run (test/fixtures/zoo/bigram-3407.safetensors, copied from the reference zoo: makemore.py's bigram,
// seed 3407, names.txt; its parameter is zeros, so nothing is drawn between the split and the batch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readWordFile } from "../../src/node/words.ts";
import { Vocabulary } from "../../src/data/vocabulary.ts";
import {
  IGNORE_INDEX,
  buildSequenceCorpus,
  buildSequences,
  splitWordsRandperm,
  testSetSize,
} from "../../src/data/sequences.ts";
import { buildDataset } from "../../src/data/dataset.ts";
import { Generator } from "../../src/random/generator.ts";
import { parseSafetensors } from "../../src/tensor/safetensors.ts";
import { ConfigError, DataError } from "../../src/errors.ts";

const names = readWordFile().words;
const rows = (a: Int32Array, L: number) =>
  Array.from({ length: a.length / L }, (_, r) => Array.from(a.subarray(r * L, (r + 1) * L)));

test('["ab", "c"]: vocab ".abc", L = 3, x = [0, w…] padded with 0, y = [w…, 0] padded with -1', () => {
  const words = ["ab", "c"];
  const vocab = Vocabulary.fromWords(words);
  assert.equal(vocab.chars.join(""), ".abc");
  const d = buildSequences(words, vocab, 3);
  assert.equal(IGNORE_INDEX, -1);
  assert.deepEqual([d.size, d.blockSize, d.targetsPerRow], [2, 3, 3]);
  assert.deepEqual(rows(d.X, 3), [[0, 1, 2], [0, 3, 0]]);
  assert.deepEqual(rows(d.Y, 3), [[1, 2, 0], [3, 0, -1]]);
  // A longer block only adds padding.
  const e = buildSequences(words, vocab, 5);
  assert.deepEqual(rows(e.X, 5), [[0, 1, 2, 0, 0], [0, 3, 0, 0, 0]]);
  assert.deepEqual(rows(e.Y, 5), [[1, 2, 0, -1, -1], [3, 0, -1, -1, -1]]);
  assert.deepEqual(buildSequences([], vocab, 3).X, new Int32Array(0));
});

test("buildSequences: a word longer than blockSize - 1 is a ConfigError naming the word", () => {
  const vocab = Vocabulary.fromWords(["abc"]);
  assert.throws(() => buildSequences(["ab", "abc"], vocab, 3), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /"abc" has 3 characters.*block size of 3.*at least 4/);
    return true;
  });
  assert.throws(() => buildSequences(["ab"], vocab, 0), ConfigError);
  assert.throws(() => buildSequences(["xy"], vocab, 4), DataError, "a character outside the vocabulary");
});

test("context windows report one target per row", () => {
  const d = buildDataset(["ab"], Vocabulary.fromWords(["ab"]), 3);
  assert.equal(d.targetsPerRow, 1);
});

test("makemore's test size: min(1000, int(0.1·n)); fewer than 10 words is a DataError before any draw", () => {
  assert.deepEqual([10, 19, 30, 999, 10000, 32033].map(testSetSize), [1, 1, 3, 99, 1000, 1000]);
  const g = new Generator(1);
  const ten = Array.from({ length: 10 }, (_, i) => "w" + "abcdefghij"[i]);
  for (const n of [0, 1, 9]) {
    assert.throws(() => splitWordsRandperm(ten.slice(0, n), g), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, new RegExp(`at least 10 words.*got ${n}`));
      return true;
    });
    assert.throws(() => buildSequenceCorpus(ten.slice(0, n), { generator: g }), /at least 10 words/);
  }
  assert.equal(g.nextU32(), new Generator(1).nextU32(), "nothing was drawn");
  const s = splitWordsRandperm(ten, new Generator(1));
  assert.deepEqual([s.train.length, s.test.length], [9, 1]);
  assert.deepEqual([...s.train, ...s.test].sort(), ten);
});

test("splitWordsRandperm is words[randperm(n)] cut before the last test-size entries", () => {
  const words = Array.from({ length: 57 }, (_, i) => `w${i}`);
  const rp = new Generator(8).randperm(57);
  const s = splitWordsRandperm(words, new Generator(8));
  assert.deepEqual([...s.train, ...s.test], Array.from(rp, (i) => words[i]));
  assert.equal(s.test.length, 5);
});

test("names.txt, Generator(3407, 1.13): makemore.py's split 31033 / 1000 and first words (real PyTorch 1.13.0)", () => {
  const s = splitWordsRandperm(names, new Generator(3407, { torchVersion: "1.13" }));
  assert.deepEqual([s.train.length, s.test.length], [31033, 1000]);
  assert.deepEqual(s.train.slice(0, 5), ["apollo", "jayliani", "cassidy", "allyn", "adrian"]);
  assert.deepEqual(s.test.slice(0, 5), ["kalub", "shaima", "sthefany", "jakyri", "emanuella"]);
});

test("names.txt corpus: L = 16, and the first batch Xtr[ix], Ytr[ix] is PyTorch's bit for bit", () => {
  const g = new Generator(3407, { torchVersion: "1.13" });
  const c = buildSequenceCorpus(names, { generator: g });
  assert.equal(c.vocab.size, 27);
  assert.equal(c.blockSize, 16); // the longest name has 15 letters
  assert.deepEqual([c.data.train.size, c.data.test.size], [31033, 1000]);
  assert.equal(c.data.train.targetsPerRow, 16);
  assert.deepEqual(c.words.train.slice(0, 2), ["apollo", "jayliani"]);
  assert.deepEqual(rows(c.data.train.X.subarray(0, 16), 16)[0], [0, ...c.vocab.encode("apollo"), ...Array(9).fill(0)]);
  assert.deepEqual(rows(c.data.train.Y.subarray(0, 16), 16)[0], [...c.vocab.encode("apollo"), 0, ...Array(9).fill(-1)]);

  const ref = parseSafetensors(readFileSync(new URL("../fixtures/zoo/bigram-3407.safetensors", import.meta.url)));
  const { X: RX, Y: RY } = ref.tensors;
  assert.deepEqual([RX.dtype, RX.shape, RY.dtype, RY.shape], ["I32", [32, 16], "I32", [32, 16]]);

  const L = c.blockSize;
  const ix = g.randint(0, c.data.train.size, 32); // ix = torch.randint(0, len(train), (32,))
  const X = new Int32Array(32 * L);
  const Y = new Int32Array(32 * L);
  ix.forEach((e, b) => {
    X.set(c.data.train.X.subarray(e * L, (e + 1) * L), b * L);
    Y.set(c.data.train.Y.subarray(e * L, (e + 1) * L), b * L);
  });
  assert.deepEqual(X, RX.data);
  assert.deepEqual(Y, RY.data);
});

test("buildSequenceCorpus with a given vocabulary and block size (a trained model's)", () => {
  const vocab = Vocabulary.fromWords(["abcz"]);
  const words = ["ab", "ba", "abc", "c", "cab", "a", "b", "bb", "ca", "zz"];
  const c = buildSequenceCorpus(words, { generator: new Generator(3), vocab, blockSize: 6 });
  assert.equal(c.vocab, vocab);
  assert.equal(c.blockSize, 6);
  assert.equal(c.data.train.X.length, 9 * 6);
  assert.deepEqual([...c.words.train, ...c.words.test].sort(), [...words].sort());
  const g = new Generator(3);
  assert.throws(() => buildSequenceCorpus(words, { generator: g, vocab, blockSize: 3 }), /"abc" has 3 characters/);
  assert.throws(() => buildSequenceCorpus([...words, "q"], { generator: g, vocab }), DataError);
  assert.equal(g.nextU32(), new Generator(3).nextU32(), "errors come before the split draws");
});
