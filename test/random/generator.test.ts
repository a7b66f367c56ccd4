import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Generator, DEFAULT_TORCH_SEED } from "../../src/random/generator.ts";
import { MT19937 } from "../../src/random/mt19937.ts";
import { fma32 } from "../../src/random/float32.ts";
import { ConfigError } from "../../src/errors.ts";
import { VECTOR_FILES, loadVectors, bitMismatches, type FloatCase } from "./vectors.ts";

function assertBits(actual: Float32Array, expected: FloatCase, what: string) {
  const numel = expected.shape.reduce((a, b) => a * b, 1);
  assert.equal(actual.length, numel, `${what}: numel`);
  const bad = bitMismatches(actual, expected.bits);
  assert.deepEqual(bad.slice(0, 5), [], `${what}: ${bad.length} values differ from PyTorch's bits`);
}

test("mt19937 init_genrand(5489): the 10000th output is 4123659995 (std::mt19937's check value)", () => {
  const mt = new MT19937();
  mt.initGenrand(5489);
  let v = 0;
  for (let i = 0; i < 10000; i++) v = mt.nextU32();
  assert.equal(v, 4123659995);
});

test("fma32 rounds once where fround(a*b + c) would round twice", () => {
  // a·b = 2^-24 − 2^-70 exactly; c = 1 + 2^-23. The double sum drops the 2^-70 and lands exactly on
  // the float32 tie 1 + 2^-23 + 2^-24, which rounds to even (up); the exact sum is below it (down).
  const a = Math.fround(2 ** -24 * (1 + 2 ** -23));
  const b = Math.fround(1 - 2 ** -23);
  const c = Math.fround(1 + 2 ** -23);
  assert.equal(Math.fround(a * b + c), 1 + 2 ** -22, "the naive form double-rounds up");
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(-a, b, -c), -(1 + 2 ** -23), "and symmetrically for negative values");
  assert.equal(fma32(2, 3, 1), 7);
});

test("seeding: low 32 bits seed the twister, initialSeed keeps the u64, negative seeds wrap", () => {
  const a = new Generator(5);
  const b = new Generator(2n ** 32n + 5n);
  assert.deepEqual(a.randn(20), b.randn(20));
  assert.equal(b.initialSeed(), 2n ** 32n + 5n);
  assert.equal(new Generator(-1).initialSeed(), 2n ** 64n - 1n);
  assert.equal(new Generator().initialSeed(), DEFAULT_TORCH_SEED);
  assert.throws(() => new Generator(1.5), ConfigError);
});

test("randint rejects empty ranges and non-int32 bounds with a ConfigError", () => {
  const g = new Generator(1);
  assert.throws(() => g.randint(3, 3, 4), /low < high/);
  assert.throws(() => g.randint(0, 2 ** 40, 4), /randint64/);
  assert.throws(() => g.randn([2, -1]), ConfigError);
});

for (const { file, version } of VECTOR_FILES) {
  describe(`torch.Generator against ${file} (torchVersion ${version})`, () => {
    const vec = loadVectors(file);
    for (const seedKey of ["2147483647", "42"]) {
      const cases = vec.torch[seedKey];
      const seed = Number(seedKey);
      const fresh = () => new Generator(seed, { torchVersion: version });

      test(`seed ${seed}: the first 64 mt19937 words`, () => {
        const g = fresh();
        const words = Array.from({ length: 64 }, () => g.nextU32());
        assert.deepEqual(words, cases.mt19937_first64_u32);
      });

      for (const key of Object.keys(cases).filter((k) => /^randn_/.test(k))) {
        test(`seed ${seed}: ${key} bit-exact`, () => {
          const c: FloatCase = cases[key];
          assertBits(fresh().randn(c.shape), c, key);
        });
      }

      test(`seed ${seed}: rand(8) bit-exact`, () => {
        assertBits(fresh().rand(8), cases.rand_8, "rand_8");
      });

      test(`seed ${seed}: randint(0, 182625, (32,)) three times in a row`, () => {
        const g = fresh();
        const got = [0, 1, 2].map(() => Array.from(g.randint(0, 182625, [32])));
        assert.deepEqual(got, cases.randint_0_182625_32_x3_sequence);
      });

      test(`seed ${seed}: the lecture MLP's init sequence C, W1, b1, W2, b2, then randint`, () => {
        const s = cases.sequence_mlp_init_C_W1_b1_W2_b2_then_randint;
        const g = fresh();
        for (const name of ["C", "W1", "b1", "W2", "b2"]) assertBits(g.randn(s[name].shape), s[name], name);
        assert.deepEqual(Array.from(g.randint(0, 182625, 32)), s.then_randint_0_182625_32);
      });

      test(`seed ${seed}: mixed sequence (scalar-path cache carried across calls)`, () => {
        const g = fresh();
        for (const step of cases.sequence_mixed) {
          const m = /^(randn|rand)\((\d+)\)$/.exec(step.op);
          if (m) {
            const n = Number(m[2]);
            assertBits(m[1] === "randn" ? g.randn(n) : g.rand(n), step, step.op);
          } else if (step.op === "randint(0,27,(10,))") {
            assert.deepEqual(Array.from(g.randint(0, 27, [10])), step.ints);
          } else {
            assert.fail(`unknown op in vectors: ${step.op}`);
          }
        }
      });

      test(`seed ${seed}: multinomial on the bigram row, all three modes`, () => {
        const m = cases.multinomial_bigram_row0;
        const row = new Float32Array(m.row.values);
        assert.deepEqual(bitMismatches(row, m.row.bits), []);
        let g = fresh();
        const repl = Array.from({ length: 20 }, () => g.multinomial(row, 1, { replacement: true })[0]);
        assert.deepEqual(repl, m.num_samples1_replacementTrue_20_calls);
        g = fresh();
        const norepl = Array.from({ length: 20 }, () => g.multinomial(row, 1)[0]);
        assert.deepEqual(norepl, m.num_samples1_replacementFalse_20_calls);
        g = fresh();
        assert.deepEqual(Array.from(g.multinomial(row, 20, { replacement: true })), m.num_samples20_replacementTrue_one_call);
      });
    }

    test("lecture 1: rand(3) normalised, then multinomial(p, 100, replacement=True)", () => {
      const l = vec.torch.lecture1;
      const g = new Generator(2147483647, { torchVersion: version });
      const p = g.rand(3);
      let s = Math.fround(Math.fround(p[0] + p[1]) + p[2]);
      for (let i = 0; i < 3; i++) p[i] = Math.fround(p[i] / s);
      assert.deepEqual(bitMismatches(p, l.p_rand3_normalised.bits), []);
      assert.deepEqual(Array.from(g.multinomial(p, 100, { replacement: true })), l.multinomial_p_100_replacementTrue);
    });
  });
}

test("multinomial without replacement returns distinct indices and validates its input", () => {
  const g = new Generator(7);
  const p = new Float32Array([0.1, 0.2, 0.3, 0.4, 0, 0]);
  const s = Array.from(g.multinomial(p, 4));
  assert.equal(new Set(s).size, 4);
  assert.ok(s.every((i) => i < 4), "zero-probability categories are never drawn");
  assert.throws(() => g.multinomial(p, 5), /without replacement/);
  assert.throws(() => g.multinomial(new Float32Array([0.5, -0.1]), 1), /element < 0/);
  assert.throws(() => g.multinomial(new Float32Array([0, 0]), 1, { replacement: true }), /sum/);
  // Two rows of three: each row's draw stays inside its row.
  const rows = g.multinomial(new Float32Array([1, 0, 0, 0, 0, 1]), 1, { categories: 3 });
  assert.deepEqual(Array.from(rows), [0, 2]);
});

test("getState/setState continue the stream exactly, including the cached normal", () => {
  const g = new Generator(123);
  g.randn(5); // leaves a cached normal
  g.randint(0, 100, 7);
  const state = JSON.parse(JSON.stringify(g.getState()));
  const a = [Array.from(g.randn(3)), Array.from(g.randn(40)), Array.from(g.randint(0, 9, 5))];
  const h = new Generator(0).setState(state);
  const b = [Array.from(h.randn(3)), Array.from(h.randn(40)), Array.from(h.randint(0, 9, 5))];
  assert.deepEqual(b, a);
  assert.equal(h.initialSeed(), 123n);
  assert.throws(() => new Generator(0).setState({ ...state, mt: [1, 2] }), /624/);
  assert.throws(() => new Generator(0, { torchVersion: "1.13" }).setState(state), /torchVersion/);
});

test("randint takes the 64-bit path at 2^28 in 2.x and at 2^32 in 1.13", () => {
  const range = 2 ** 29;
  const g2 = new Generator(9);
  const ref2 = new Generator(9);
  const v2 = g2.randint(0, range, 3);
  for (let i = 0; i < 3; i++) assert.equal(v2[i], Number(ref2.nextU64() % BigInt(range)));
  const g1 = new Generator(9, { torchVersion: "1.13" });
  const ref1 = new Generator(9);
  const v1 = g1.randint(0, range, 3);
  for (let i = 0; i < 3; i++) assert.equal(v1[i], ref1.nextU32() % range);
  // int64 bounds: a range of 2^40 draws one random64() per element in both versions.
  const g64 = new Generator(9);
  const r64 = new Generator(9);
  const big = g64.randint64(-(2n ** 39n), 2n ** 39n, 2);
  assert.equal(big[0], (r64.nextU64() % 2n ** 40n) - 2n ** 39n);
});
