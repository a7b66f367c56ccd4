// torch.randperm against real PyTorch 1.13 (test/fixtures/rng/randperm-torch1.13.json, written by
// test/fixtures/make/randperm_vectors.py), and the 2.x inside-out loop against the formula of its source.
// MAKEMORE_SLOW=1 adds n = 214748363 / 214748364 (2^32 // 20, where newer PyTorch switches loops): ~1 GB, ~2 min.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  Generator,
  RANDPERM_RANDOM64_MIN_N,
  randpermInsideOutInto,
  randpermSwapInto,
  type TorchVersion,
} from "../../src/random/generator.ts";
import { readWordFile } from "../../src/node/words.ts";
import { ConfigError } from "../../src/errors.ts";
import { bitMismatches } from "./vectors.ts";

interface PermRecord {
  n: number;
  perm?: number[];
  head?: number[];
  tail?: number[];
  sha256_int32le: string;
}
interface RandnRecord {
  bits: string[];
  values: number[];
}
interface Case extends PermRecord {
  seed: number;
  then_randint_0_1000_4: number[];
  then_randn_3: RandnRecord;
}
type Op = { op: string } & Partial<PermRecord> & Partial<RandnRecord> & { ints?: number[] };
interface RandpermVectors {
  meta: { torch: string };
  cases: Case[];
  sequence: { seed: number; ops: Op[] }[];
  large: Case[];
}

const vec: RandpermVectors = JSON.parse(
  readFileSync(new URL("../fixtures/rng/randperm-torch1.13.json", import.meta.url), "utf8"),
);

function sha256Int32le(a: Int32Array): string {
  // Little-endian host assumed (x86, ARM): the bytes of an Int32Array are then int32 LE.
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
}

function assertPerm(got: Int32Array, rec: PermRecord, what: string) {
  assert.equal(got.length, rec.n, `${what}: length`);
  if (rec.perm) assert.deepEqual(Array.from(got), rec.perm, what);
  if (rec.head) assert.deepEqual(Array.from(got.subarray(0, rec.head.length)), rec.head, `${what}: head`);
  if (rec.tail) assert.deepEqual(Array.from(got.subarray(got.length - rec.tail.length)), rec.tail, `${what}: tail`);
  assert.equal(sha256Int32le(got), rec.sha256_int32le, `${what}: sha256`);
}

function assertThen(g: Generator, c: Case, what: string) {
  assert.deepEqual(Array.from(g.randint(0, 1000, 4)), c.then_randint_0_1000_4, `${what}: randint after randperm`);
  assert.deepEqual(bitMismatches(g.randn(3), c.then_randn_3.bits), [], `${what}: randn after randperm`);
}

test("the vectors come from torch 1.13", () => {
  assert.match(vec.meta.torch, /^1\.13/);
  assert.ok(vec.cases.length >= 30);
});

// Below RANDPERM_RANDOM64_MIN_N, 2.x runs the same swap loop as 1.13 (TensorFactories.cpp keeps it
// "for small n, preserve old behavior"), so the 1.13 vectors hold for both settings.
for (const version of ["1.13", "2.x"] as TorchVersion[]) {
  describe(`randperm against torch 1.13 (torchVersion ${version})`, () => {
    for (const c of vec.cases) {
      test(`seed ${c.seed}, n ${c.n}: the permutation, then randint and randn on the same generator`, () => {
        const g = new Generator(c.seed, { torchVersion: version });
        assertPerm(g.randperm(c.n), c, `randperm(${c.n})`);
        assertThen(g, c, `randperm(${c.n})`);
      });
    }

    for (const s of vec.sequence) {
      test(`seed ${s.seed}: randperms interleaved with randint and randn on one generator`, () => {
        const g = new Generator(s.seed, { torchVersion: version });
        for (const step of s.ops) {
          let m: RegExpExecArray | null;
          if ((m = /^randperm\((\d+)\)$/.exec(step.op))) {
            assertPerm(g.randperm(Number(m[1])), step as PermRecord, step.op);
          } else if ((m = /^randint\(0,(\d+),\((\d+),\)\)$/.exec(step.op))) {
            assert.deepEqual(Array.from(g.randint(0, Number(m[1]), Number(m[2]))), step.ints, step.op);
          } else if ((m = /^randn\((\d+)\)$/.exec(step.op))) {
            assert.deepEqual(bitMismatches(g.randn(Number(m[1])), step.bits!), [], step.op);
          } else {
            assert.fail(`unknown op in vectors: ${step.op}`);
          }
        }
      });
    }
  });
}

test("randperm draws n - 1 words (none for n = 0 and 1), and randpermInto fills a given array", () => {
  for (const n of [0, 1, 2, 7, 100]) {
    const g = new Generator(5, { torchVersion: "1.13" });
    const ref = new Generator(5);
    g.randperm(n);
    for (let i = 0; i < n - 1; i++) ref.nextU32();
    assert.equal(g.nextU32(), ref.nextU32(), `n = ${n}`);
  }
  const out = new Int32Array(27).fill(-7);
  const g = new Generator(42);
  assert.equal(g.randpermInto(out), out);
  assert.deepEqual(out, new Generator(42).randperm(27));
  assert.deepEqual([...out].sort((a, b) => a - b), Array.from({ length: 27 }, (_, i) => i));
});

test("randperm rejects negative, fractional and over-int32 sizes with a ConfigError", () => {
  const g = new Generator(1);
  assert.throws(() => g.randperm(-1), ConfigError);
  assert.throws(() => g.randperm(2.5), ConfigError);
  assert.throws(() => g.randperm(2 ** 31 + 1), /0\.\.2\^31/);
});

test("the 2.x inside-out loop: z = random64() % (i + 1), out[i] = out[z], out[z] = i (BigInt reference)", () => {
  assert.equal(RANDPERM_RANDOM64_MIN_N, Math.floor((2 ** 32 - 1) / 20));
  for (const [seed, n] of [[3407, 1], [3407, 2], [42, 27], [0, 1000], [2147483647, 5000]]) {
    const got = randpermInsideOutInto(new Generator(seed), new Int32Array(n).fill(-1));
    const ref = new Generator(seed);
    const r: number[] = [];
    for (let i = 0; i < n; i++) {
      const z = Number(ref.nextU64() % BigInt(i + 1));
      r[i] = i;
      r[i] = r[z];
      r[z] = i;
    }
    assert.deepEqual(Array.from(got), r, `seed ${seed}, n ${n}`);
    // Two words per element: the stream continues where the reference's does.
    const h = new Generator(seed);
    randpermInsideOutInto(h, new Int32Array(n));
    assert.equal(h.nextU32(), ref.nextU32(), `seed ${seed}, n ${n}: words consumed`);
  }
  // The remainder without BigInt holds at the extremes of hi, lo and m.
  const words = [0xffffffff, 0xffffffff, 0, 0xffffffff, 0xffffffff, 0, 0x80000000, 1];
  const fake = { nextU32: () => words.shift()! } as unknown as Generator;
  const out = new Int32Array(4);
  randpermInsideOutInto(fake, out);
  assert.deepEqual([...out].sort(), [0, 1, 2, 3]);
});

test("the swap loop: out = 0..n-1, then swap out[i] and out[i + random() % (n - i)]", () => {
  const got = randpermSwapInto(new Generator(9), new Int32Array(50));
  const ref = new Generator(9);
  const r = Array.from({ length: 50 }, (_, i) => i);
  for (let i = 0; i < 49; i++) {
    const j = i + (ref.nextU32() % (50 - i));
    [r[i], r[j]] = [r[j], r[i]];
  }
  assert.deepEqual(Array.from(got), r);
});

test("makemore.py's split of names.txt with seed 3407 (real PyTorch 1.13.0, zoo/bigram-3407.json)", () => {
  const words = readWordFile().words;
  const rp = new Generator(3407, { torchVersion: "1.13" }).randperm(words.length);
  assert.equal(rp.length, 32033);
  const train = Array.from(rp.subarray(0, rp.length - 1000), (i) => words[i]); // rp[:-1000]
  const test = Array.from(rp.subarray(rp.length - 1000), (i) => words[i]); // rp[-1000:]
  assert.equal(train.length, 31033);
  assert.deepEqual(train.slice(0, 5), ["apollo", "jayliani", "cassidy", "allyn", "adrian"]);
  assert.deepEqual(test.slice(0, 5), ["kalub", "shaima", "sthefany", "jakyri", "emanuella"]);
});

describe("randperm at 2^32 // 20 = 214748364, where newer PyTorch switches loops", () => {
  const skip = process.env.MAKEMORE_SLOW ? false : "set MAKEMORE_SLOW=1 (~1 GB, ~2 min)";

  for (const c of vec.large) {
    test(`1.13 keeps the swap loop: seed ${c.seed}, n ${c.n}`, { skip }, () => {
      const g = new Generator(c.seed, { torchVersion: "1.13" });
      assertPerm(g.randperm(c.n), c, `randperm(${c.n})`);
      assertThen(g, c, `randperm(${c.n})`);
    });
  }

  test("2.x: n = 214748363 is 1.13's permutation; n = 214748364 takes the inside-out loop (2n words)", { skip }, () => {
    const below = vec.large.find((c) => c.n === RANDPERM_RANDOM64_MIN_N - 1);
    assert.ok(below, "the vectors hold n = 214748363");
    const g = new Generator(below.seed);
    assertPerm(g.randperm(below.n), below, "2.x randperm(214748363)");
    assertThen(g, below, "2.x randperm(214748363)");

    const n = RANDPERM_RANDOM64_MIN_N;
    const h = new Generator(3407);
    const p = h.randperm(n);
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) seen[p[i]] = 1;
    assert.equal(seen.indexOf(0), -1, "a permutation");
    // 2n words (the swap loop would take n - 1): the inside-out loop, checked above on small n.
    const skipRef = new Generator(3407);
    for (let i = 0; i < 2 * n; i++) skipRef.nextU32();
    assert.equal(h.nextU32(), skipRef.nextU32(), "2n words consumed");
  });
});
