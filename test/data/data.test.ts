import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWordFile, DEFAULT_WORDS_FILE } from "../../src/node/words.ts";
import { parseWordsText, parseWords } from "../../src/data/words.ts";
import { Vocabulary } from "../../src/data/vocabulary.ts";
import { buildDataset } from "../../src/data/dataset.ts";
import { sha256Hex, sha256HexPortable } from "../../src/data/sha256.ts";
import { buildCorpus, splitWords } from "../../src/data/splits.ts";
import { DataError, ConfigError } from "../../src/errors.ts";
import { loadVectors } from "../random/vectors.ts";

const names = readWordFile();
const mm = loadVectors("vectors-torch2.11.json").makemore;

test("the bundled names.txt: 32033 words, vocabulary of 27, the lectures' sha256", () => {
  assert.equal(names.words.length, 32033);
  assert.equal(names.blankLines, 0);
  assert.ok(DEFAULT_WORDS_FILE.endsWith("names.txt"));
  const vocab = Vocabulary.fromWords(names.words);
  assert.equal(vocab.size, 27);
  assert.equal(vocab.chars.join(""), ".abcdefghijklmnopqrstuvwxyz");
  assert.deepEqual(vocab.encode("emma"), [5, 13, 13, 1]);
  assert.equal(vocab.decode([5, 13, 13, 1, 0]), "emma.");
});

test("split with seed 42: the lectures' words and example counts 182625 / 22655 / 22866", () => {
  const c = buildCorpus(names.words, { blockSize: 3 });
  assert.deepEqual(c.words.train.slice(0, 10), mm.shuffled_first10);
  assert.deepEqual(c.words.test.slice(-10), mm.shuffled_last10);
  const all = [...c.words.train, ...c.words.val, ...c.words.test];
  assert.equal(createHash("sha256").update(all.join("\n")).digest("hex"), mm.shuffled_words_sha256_newline_joined);
  assert.deepEqual([c.words.train.length, c.words.train.length + c.words.val.length], [mm.n1, mm.n2]);
  assert.deepEqual([c.data.train.size, c.data.val.size, c.data.test.size], [182625, 22655, 22866]);
  assert.deepEqual(c.words.train.slice(0, 3), ["yuheng", "diondre", "xavien"]);
});

test("unshuffled split (makemore part 4's notebook): 182778 / 22633 / 22735", () => {
  const c = buildCorpus(names.words, { blockSize: 3, splitSeed: null });
  assert.deepEqual([c.data.train.size, c.data.val.size, c.data.test.size], [182778, 22633, 22735]);
  assert.equal(c.words.train[0], "emma");
});

test("splitting k times in one kernel reproduces the notebook's counts (part 2 ran its cell 4 times)", () => {
  const vocab = Vocabulary.fromWords(names.words);
  let words = names.words;
  for (let k = 1; k <= 4; k++) {
    const s = splitWords(words, 42);
    words = [...s.train, ...s.val, ...s.test];
    const counts = [s.train, s.val, s.test].map((w) => buildDataset(w, vocab, 3).size);
    const e = mm.examples_if_split_cell_run_k_times[String(k)];
    assert.deepEqual(counts, [e.train, e.dev, e.test], `after ${k} runs`);
  }
});

test("build_dataset: contexts left-padded with '.', one example per character plus the end", () => {
  const vocab = Vocabulary.fromWords(["emma", "ava"]);
  const d = buildDataset(["emma"], vocab, 3);
  const rows = Array.from({ length: d.size }, (_, i) => vocab.decode(d.X.subarray(i * 3, i * 3 + 3)) + ">" + vocab.decode([d.Y[i]]));
  assert.deepEqual(rows, ["...>e", "..e>m", ".em>m", "emm>a", "mma>."]);
  const d1 = buildDataset(["ava"], vocab, 1);
  assert.deepEqual(Array.from(d1.X), [0, 1, 4, 1]); // a=1 e=2 m=3 v=4
  assert.deepEqual(Array.from(d1.Y), [1, 4, 1, 0]);
  const d5 = buildDataset(["ava"], vocab, 5);
  assert.deepEqual(Array.from(d5.X.subarray(15, 20)), [0, 0, 1, 4, 1]);
  assert.throws(() => buildDataset(["ava"], vocab, 0), ConfigError);
});

test("build_dataset as the lectures write it: a context sliding over word + '.', any words and block size", () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom("a", "b", "c", "d", "e", "😀"), { maxLength: 12 }).map((cs) => cs.join("")), { maxLength: 8 }), fc.integer({ min: 1, max: 9 }), (ws, T) => {
      const v = Vocabulary.fromWords(["abcde😀"]);
      const d = buildDataset(ws, v, T);
      // the notebook's loop: context = [0] * T; for ch in w + '.': X.append(context); Y.append(ix); context = context[1:] + [ix]
      const X: number[] = [], Y: number[] = [];
      for (const w of ws) {
        let context = new Array<number>(T).fill(0);
        for (const ix of [...v.encode(w), 0]) {
          X.push(...context);
          Y.push(ix);
          context = [...context.slice(1), ix];
        }
      }
      assert.deepEqual(Array.from(d.X), X);
      assert.deepEqual(Array.from(d.Y), Y);
      assert.equal(d.size, Y.length);
    }),
  );
});

test("vocabulary: code-point order like Python's sorted(), and a clear error outside it", () => {
  const v = Vocabulary.fromWords(["zoë", "ábc", "😀a", "Zed"]);
  // Python: sorted(set('zoëábc😀aZed')) orders by code point: 'Z' < 'a' < … < 'á' < 'ë' < '😀'.
  assert.deepEqual(v.chars, [".", "Z", "a", "b", "c", "d", "e", "o", "z", "á", "ë", "😀"]);
  assert.throws(() => v.encode("xyz"), (e: unknown) => e instanceof DataError && /"x" \(U\+0078\) is not in the vocabulary/.test(e.message));
  assert.deepEqual(v.encode("😀a"), [11, 2], "a surrogate pair is one character");
  assert.equal(v.decode(v.encode("zoë😀Zed")), "zoë😀Zed");
  assert.throws(() => v.encode("a🙂"), /"🙂" \(U\+1F642\) is not in the vocabulary/);
  assert.throws(() => v.encode("a\ud83d"), /\(U\+D83D\) is not in the vocabulary/, "a lone surrogate");
  assert.throws(() => v.decode([99]), /outside the vocabulary/);
});

test("word files: \\r\\n and a BOM accepted, blank lines skipped and counted, no trailing empty word", () => {
  const w = parseWordsText("\ufeffanna\r\n\r\n  \nbob\n", "x.txt");
  assert.deepEqual(w.words, ["anna", "bob"]);
  assert.equal(w.blankLines, 2);
});

function dataError(fn: () => unknown, pattern: RegExp, line?: number) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
    assert.match(e.message, pattern);
    if (line !== undefined) assert.equal(e.line, line);
    return true;
  });
}

test("bad word files give a DataError naming the file, the line and what to do", () => {
  const dir = mkdtempSync(join(tmpdir(), "makemore-data-"));
  dataError(() => readWordFile(join(dir, "missing.txt")), /missing\.txt: no such file/);
  mkdirSync(join(dir, "adir"));
  dataError(() => readWordFile(join(dir, "adir")), /is a directory/);
  writeFileSync(join(dir, "empty.txt"), "");
  dataError(() => readWordFile(join(dir, "empty.txt")), /empty\.txt: contains no words \(it is empty\)/);
  writeFileSync(join(dir, "blank.txt"), "\n\n \n");
  dataError(() => readWordFile(join(dir, "blank.txt")), /no words \(3 blank lines\)/);
  writeFileSync(join(dir, "latin1.txt"), Buffer.from([0x61, 0x0a, 0x7a, 0x6f, 0xeb, 0x0a]));
  dataError(() => readWordFile(join(dir, "latin1.txt")), /latin1\.txt:2: is not valid UTF-8/, 2);
  writeFileSync(join(dir, "bin.txt"), Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0x00, 0x01, 0x02]));
  dataError(() => readWordFile(join(dir, "bin.txt")), /bin\.txt:3: contains a NUL byte.*binary/, 3);
  dataError(() => parseWordsText("ann\n" + "x".repeat(300), "long.txt"), /long\.txt:2: line is 300 characters.*--max-line-length/, 2);
  assert.equal(parseWordsText("x".repeat(300), "long.txt", { maxLineLength: 300 }).words.length, 1);
  dataError(() => parseWordsText("ann\nbob\nst.john\n", "dot.txt"), /dot\.txt:3: word "st\.john" contains "\."/, 3);
  dataError(() => parseWords(new Uint8Array([0x61]), "f", { maxLineLength: 0 }), /positive integer/);
});

test("sha256: Node's native hash and the portable one (what a browser computes) agree, bytes and strings", () => {
  const rand = fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 40, seed: 7 });
  for (const bytes of [new Uint8Array(0), ...rand]) {
    assert.equal(sha256Hex(bytes), sha256HexPortable(bytes));
    assert.equal(sha256Hex(bytes), createHash("sha256").update(bytes).digest("hex"));
  }
  for (const text of ["", "emma\nolivia", "zoë😀", "a\ud83db", names.words.join("\n")]) assert.equal(sha256Hex(text), sha256HexPortable(text), JSON.stringify(text.slice(0, 20)));
  assert.equal(sha256HexPortable("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); // FIPS 180-2's example
});
