// Sampling as makemore.py's `generate` and `print_samples` do it for its models (a prediction at every
// position): all words advance together, one multinomial over the batch per position; the row cropped
// to the block size; logits read at the row's last position; top-k keeps every logit at least the k-th;
// at most block size − 1 characters by default; each word marked in train, in val, in test or new.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Vocabulary } from "../../src/data/vocabulary.ts";
import { createTsKernels, type Kernels } from "../../src/kernels/index.ts";
import type { Model } from "../../src/models/model.ts";
import type { Tokens } from "../../src/nn/embedding.ts";
import type { Act } from "../../src/nn/layer.ts";
import { Generator } from "../../src/random/generator.ts";
import { sampleWords, seenWords } from "../../src/sample/sample.ts";
import { TrainingRun } from "../../src/train/run.ts";
import { parseWords } from "../../src/data/words.ts";
import { readFileSync } from "node:fs";
import { DEFAULT_WORDS_FILE } from "../../src/node/words.ts";

const VOCAB = new Vocabulary([".", "a", "b", "c", "d"]);

/**
 * A model with a prediction at every position whose logits at position p are `rule(row, p)`; it keeps
 * every row it is given (the positions up to the one read: what a causal model may see).
 */
function stubModel(T: number, rule: (row: Int32Array, p: number) => number[], kernels: Kernels = createTsKernels()): Model & { seen: number[][][] } {
  const V = VOCAB.size;
  const capacity = 64;
  const out = kernels.arena.f32(capacity * T * V);
  const seen: number[][][] = [];
  const model = {
    type: "stub", config: { type: "stub", vocabSize: V, blockSize: T }, kernels, capacity, vocabSize: V, blockSize: T, targetsPerRow: T, training: false,
    seen,
    forward(X: Tokens): Act {
      const [B] = X.shape;
      const x = X.data.view;
      seen.push(Array.from({ length: B }, (_, b) => Array.from(x.subarray(b * T, (b + 1) * T))));
      for (let b = 0; b < B; b++) {
        for (let p = 0; p < T; p++) out.view.set(rule(x.subarray(b * T, (b + 1) * T), p), (b * T + p) * V);
      }
      return { data: out, shape: [B, T, V] };
    },
    train(mode: boolean) {
      model.training = mode;
    },
    loss: () => 0, backward() {}, parameters: () => [], buffers: () => [], activations: () => [], batchNorms: () => [], embeddingTable: () => null,
  };
  return model as unknown as Model & { seen: number[][][] };
}

/** Logits that make token `next` certain (exp(−1000) is 0 in float64). */
const certain = (next: number) => Array.from({ length: VOCAB.size }, (_, v) => (v === next ? 0 : -1000));

test("the row grows by one drawn token per position, is cropped to the last block-size tokens, and is read at its last position", () => {
  // next token = (token at the position read) mod 4 + 1: never the end token, so the words run to maxLength
  const model = stubModel(4, (row, p) => certain((row[p] % 4) + 1));
  const [s] = sampleWords(model, VOCAB, new Generator(1), { count: 1, maxLength: 7 });
  // a word of the longest length is printed as makemore.py prints it, not marked as cut short
  assert.deepEqual(s, { word: "abcdabc", isNew: true, seenIn: null, truncated: false });
  assert.deepEqual(model.seen.map((rows) => rows[0]), [
    [0, 0, 0, 0], // idx = [0]: read at position 0
    [0, 1, 0, 0],
    [0, 1, 2, 0],
    [0, 1, 2, 3], // idx has 4 tokens: the block is full
    [1, 2, 3, 4], // idx[:, -block_size:]: read at position 3 from here on
    [2, 3, 4, 1],
    [3, 4, 1, 2],
  ]);
  // the default: block size − 1 characters (makemore.py's: the longest word of the data)
  const [d] = sampleWords(stubModel(4, (row, p) => certain((row[p] % 4) + 1)), VOCAB, new Generator(1), { count: 1 });
  assert.deepEqual(d, { word: "abc", isNew: true, seenIn: null, truncated: false });
});

test("all words advance together: one forward of the whole batch per position, and rows that ended keep drawing", () => {
  // after "a" the end token is certain; every other draw is uniform over a..d
  const model = stubModel(6, (row, p) => (row[p] === 1 ? certain(0) : [-1000, 0, 0, 0, 0]));
  const samples = sampleWords(model, VOCAB, new Generator(5), { count: 40 });
  assert.equal(model.seen.length, 5, "5 positions (block size 6 − 1), each one forward");
  assert.ok(model.seen.every((rows) => rows.length === 40), "each forward holds all 40 rows");
  for (const s of samples) {
    assert.match(s.word, /^[bcd]*a?$/);
    assert.equal(s.truncated, false, s.word);
  }
  // a row that drew the end token goes on drawing: in the last forward (idx = 5 tokens) some row holds
  // an end token followed by a drawn character
  const last = model.seen.at(-1)!;
  assert.ok(last.some((row) => [1, 2, 3].some((i) => row[i] === 0 && row[i + 1] !== 0)));
});

test("a bigram model's samples are makemore.py's: each position one multinomial over the batch, words cut at the first 0", () => {
  const words = parseWords(readFileSync(DEFAULT_WORDS_FILE), "names.txt").words.slice(0, 500);
  const run = TrainingRun.create({ words, source: "names.txt" }, { type: "bigram", steps: 200, lr: 0.05 });
  run.train();
  const V = run.model.vocabSize;
  const table = run.model.parameters()[0].data.view; // logits of the next token = table[last token]
  for (const [temperature, topK] of [[1, undefined], [0.7, 5]] as const) {
    const got = sampleWords(run.model, run.corpus.vocab, new Generator(42), { count: 12, temperature, topK });
    // the same generation written plainly for this model: B rows, steps = block size − 1
    const g = new Generator(42);
    const B = 12;
    const steps = run.model.blockSize - 1;
    const idx = Array.from({ length: B }, () => [0]);
    for (let t = 0; t < steps; t++) {
      const probs = new Float32Array(B * V);
      for (let b = 0; b < B; b++) {
        const logits = Array.from(table.subarray(idx[b].at(-1)! * V, (idx[b].at(-1)! + 1) * V), (l) => l / temperature);
        const kth = topK === undefined ? -Infinity : [...logits].sort((x, y) => y - x)[topK - 1];
        const masked = logits.map((l) => (l < kth ? -Infinity : l));
        const max = Math.max(...masked);
        const sum = masked.reduce((s, l) => s + Math.exp(l - max), 0);
        masked.forEach((l, v) => (probs[b * V + v] = Math.exp(l - max) / sum));
      }
      const next = g.multinomial(probs, 1, { categories: V });
      for (let b = 0; b < B; b++) idx[b].push(next[b]);
    }
    const want = idx.map((row) => {
      const w = row.slice(1);
      const stop = w.indexOf(0);
      return run.corpus.vocab.decode(stop < 0 ? w : w.slice(0, stop));
    });
    assert.deepEqual(got.map((s) => s.word), want, `temperature ${temperature}, top-k ${topK}`);
    assert.deepEqual(g.getState(), (() => {
      const h = new Generator(42);
      sampleWords(run.model, run.corpus.vocab, h, { count: 12, temperature, topK });
      return h.getState();
    })(), "the same draws, no more");
  }
});

test("top-k keeps every character whose logit is at least the k-th (makemore.py's logits < v[:, [-1]]): ties stay", () => {
  const model = stubModel(2, () => [1, 5, 5, 2, -1]);
  const words = sampleWords(model, VOCAB, new Generator(9), { count: 60, topK: 1, maxLength: 1 }).map((s) => s.word);
  assert.deepEqual([...new Set(words)].sort(), ["a", "b"], "both tied characters are drawn, nothing else, never the end token");
  const two = sampleWords(stubModel(2, () => [1, 5, 5, 2, -1]), VOCAB, new Generator(9), { count: 60, topK: 3, maxLength: 1 }).map((s) => s.word);
  assert.ok(two.every((w) => ["a", "b", "c"].includes(w)), "top-3 keeps a, b (5) and c (2): not the end token (1) nor d (−1)");
});

test("samples are marked in train, in val, in test or new; a word in two splits is in the first (makemore.py checks train first)", () => {
  const seen = seenWords({ train: ["ab", "abc"], val: ["abc", "b"], test: ["ca", "ab"] });
  assert.deepEqual(Object.fromEntries(seen), { ab: "train", abc: "train", b: "val", ca: "test" });
  // a model whose words are "ab" then the end token
  const model = stubModel(4, (row, p) => certain(row[p] === 0 ? 1 : row[p] === 1 ? 2 : 0));
  const [s] = sampleWords(model, VOCAB, new Generator(1), { count: 1, seen: seenWords({ val: ["ab"] }) });
  assert.deepEqual(s, { word: "ab", isNew: false, seenIn: "val", truncated: false });
  const [n] = sampleWords(stubModel(4, (row, p) => certain(row[p] === 0 ? 1 : row[p] === 1 ? 2 : 0)), VOCAB, new Generator(1), { count: 1, seen: seenWords({ train: ["abc"] }) });
  assert.deepEqual(n, { word: "ab", isNew: true, seenIn: null, truncated: false });
});
