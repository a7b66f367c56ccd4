import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { PyRandom } from "../../src/random/pyrandom.ts";
import { Generator } from "../../src/random/generator.ts";
import { VECTOR_FILES, loadVectors } from "./vectors.ts";

for (const { file, version } of VECTOR_FILES) {
  describe(`CPython random against ${file}`, () => {
    const vec = loadVectors(file);
    const py = vec.python_random;

    test("seed(42): getrandbits(32) × 64", () => {
      const r = new PyRandom(42);
      assert.deepEqual(Array.from({ length: 64 }, () => r.getrandbits32(32)), py.seed42_getrandbits32_first64);
    });

    test("seed(42): random() × 8, exactly", () => {
      const r = new PyRandom(42);
      assert.deepEqual(Array.from({ length: 8 }, () => r.random()), py.seed42_random_first8);
    });

    test("seed(42): shuffle(range(32033)) — first 20, last 20 and the sha256 of the whole order", () => {
      const x = Array.from({ length: 32033 }, (_, i) => i);
      new PyRandom(42).shuffle(x);
      const s = py.seed42_shuffle_range32033;
      assert.deepEqual(x.slice(0, 20), s.first20);
      assert.deepEqual(x.slice(-20), s.last20);
      assert.equal(createHash("sha256").update(x.join(",")).digest("hex"), s.sha256_comma_joined);
    });

    test(`lecture 1's bigram sampling loop prints the notebook's names (torchVersion ${version})`, () => {
      // P = (N+1) / row sums over names.txt's bigrams; multinomial(P[ix], 1, replacement=True) until '.'.
      const words = readFileSync(new URL("../../data/names.txt", import.meta.url), "utf8").split("\n");
      const chars = [...new Set(words.join(""))].sort();
      const stoi = new Map(chars.map((c, i) => [c, i + 1]));
      stoi.set(".", 0);
      const V = chars.length + 1;
      const N = new Float32Array(V * V);
      for (const w of words) {
        const chs = [".", ...w, "."];
        for (let i = 0; i + 1 < chs.length; i++) N[stoi.get(chs[i])! * V + stoi.get(chs[i + 1])!] += 1;
      }
      const P = N.map((c) => c + 1);
      for (let r = 0; r < V; r++) {
        let sum = 0;
        for (let c = 0; c < V; c++) sum += P[r * V + c]; // integers below 2^24: exact in float32
        for (let c = 0; c < V; c++) P[r * V + c] = Math.fround(P[r * V + c] / sum);
      }
      const g = new Generator(2147483647, { torchVersion: version });
      const names: string[] = [];
      for (let i = 0; i < 5; i++) {
        let out = "";
        let ix = 0;
        do {
          ix = g.multinomial(P.subarray(ix * V, ix * V + V), 1, { replacement: true })[0];
          out += ix === 0 ? "." : chars[ix - 1];
        } while (ix !== 0);
        names.push(out);
      }
      assert.deepEqual(names, vec.torch.lecture1.bigram_sample_5_names);
    });
  });
}

test("seeding: |a| is used, big seeds split into 32-bit words, getrandbits(k > 32) is little-endian", () => {
  const a = new PyRandom(-42);
  const b = new PyRandom(42);
  assert.equal(a.random(), b.random());
  const c = new PyRandom(2n ** 32n + 1n);
  const d = new PyRandom(1);
  assert.notEqual(c.random(), d.random());
  const r1 = new PyRandom(5);
  const r2 = new PyRandom(5);
  const w0 = BigInt(r2.getrandbits32(32));
  const w1 = BigInt(r2.getrandbits32(32) >>> 24); // the most significant word keeps its top 8 bits
  assert.equal(r1.getrandbits(40), w0 | (w1 << 32n));
});

test("randbelow wastes a bit on powers of two, as CPython's _randbelow does", () => {
  // n = 8 has bit_length 4: draws of 4 bits are rejected when >= 8.
  const r = new PyRandom(3);
  const ref = new PyRandom(3);
  for (let i = 0; i < 50; i++) {
    let v = ref.getrandbits32(4);
    while (v >= 8) v = ref.getrandbits32(4);
    assert.equal(r.randbelow(8), v);
  }
  assert.throws(() => r.randbelow(0), /n >= 1/);
  const x = new PyRandom(1).randint(3, 5);
  assert.ok(x >= 3 && x <= 5);
});
