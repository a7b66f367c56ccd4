// Property-based tests (fast-check) of every reader of user files: word files, safetensors, config.json,
// metrics.jsonl. For random bytes and for mutations of valid files (truncation, byte flips, inserted
// bytes, JSON fields deleted or replaced by values of other types), each input gives a result or the
// reader's typed error naming the file — never another exception. A result is also checked to be usable.
// Seeds are fixed, so a failure reproduces; fast-check prints the shrunk counterexample.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CheckpointError, DataError } from "../../src/errors.ts";
import { parseWords } from "../../src/data/words.ts";
import { Vocabulary } from "../../src/data/vocabulary.ts";
import { checkModelConfig } from "../../src/models/registry.ts";
import { Generator } from "../../src/random/generator.ts";
import { parseSafetensors, serializeSafetensors, type TensorRecord } from "../../src/tensor/safetensors.ts";
import { decodeMetrics, decodeRunConfig } from "../../src/train/checkpoint.ts";
import { checkOptimizerConfig } from "../../src/train/optimizer.ts";
import { stepSchedule } from "../../src/train/schedule.ts";
import { runFiles, WORDS } from "../train/run_fixtures.ts";

const SEED = 20_240_610;
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs `read`; an exception must be of `kind` with a message starting with `prefix` (the file's name). */
function resultOrTyped<T>(read: () => T, kind: typeof DataError | typeof CheckpointError, prefix: string): T | undefined {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof kind)) throw e; // fast-check reports it with the input that caused it
    if (!e.message.startsWith(prefix)) throw new Error(`${kind.name} does not name the file: ${e.message}`);
    return undefined;
  }
}

// ---- mutations of bytes and of JSON ----

/** The valid file truncated, with bytes overwritten, or with random bytes inserted. */
function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = valid.length;
  return fc.oneof(
    fc.nat(n).map((k) => valid.slice(0, k)),
    fc.array(fc.tuple(fc.nat(n - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = valid.slice();
      for (const [i, v] of flips) b[i] = v;
      return b;
    }),
    fc.tuple(fc.nat(n), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, ins]) => {
      const b = new Uint8Array(n + ins.length);
      b.set(valid.subarray(0, at));
      b.set(ins, at);
      b.set(valid.subarray(at), at + ins.length);
      return b;
    }),
  );
}

type Path = (string | number)[];

/** Every path into a JSON value; of an array, the array and its first, second and last elements. */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (Array.isArray(v)) {
    for (const i of new Set([0, 1, v.length - 1].filter((i) => i >= 0 && i < v.length))) out.push(...paths(v[i], [...at, i]));
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  }
  return out;
}

function getAt(root: unknown, p: Path): unknown {
  return p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
}

/** Values of every JSON type, the awkward ones often. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 0.5, -0.5, 2 ** 32, 2 ** 53, 1e308, -1e308, "", "x", "0", "-1", "2.x", [], {}, [null], { a: 1 }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Edit = { kind: "delete" | "replace" | "copy"; path: number; value: unknown; from: number };
const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom("delete", "replace", "copy"),
  path: fc.nat(),
  value: anyJson,
  from: fc.nat(),
});

/** A JSON value with 1–3 fields deleted, replaced by a value of any type, or by another field's value. */
function mutatedJson(valid: unknown): fc.Arbitrary<unknown> {
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    const root = structuredClone(valid);
    for (const e of edits) {
      const all = paths(root);
      if (all.length === 0) break;
      const p = all[e.path % all.length];
      const parent = getAt(root, p.slice(0, -1)) as Record<string | number, unknown>;
      const key = p[p.length - 1];
      if (e.kind === "delete") {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else {
        parent[key] = e.kind === "replace" ? e.value : structuredClone(getAt(root, all[e.from % all.length]));
      }
    }
    return root;
  });
}

// ---- word files ----

test("word files: random bytes, mutated word lists and random text give words or a DataError naming the file", () => {
  const valid = encode(WORDS.join("\n") + "\n");
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    mutatedBytes(valid),
    fc.array(fc.string({ unit: "binary", maxLength: 12 }), { maxLength: 20 }).map((lines) => encode(lines.join(lines.length % 2 ? "\n" : "\r\n"))),
  );
  const maxLineLength = fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 300 }), fc.double());
  fc.assert(
    fc.property(inputs, maxLineLength, (bytes, max) => {
      const list = resultOrTyped(() => parseWords(bytes, "w.txt", { maxLineLength: max }), DataError, "w.txt");
      if (list === undefined) return;
      assert.ok(list.words.length > 0);
      for (const w of list.words) {
        assert.ok(w.trim() !== "" && !/[\n.]/.test(w) && [...w].length <= (max ?? 256));
      }
      Vocabulary.fromWords(list.words); // a vocabulary can be built on them
    }),
    { seed: SEED, numRuns: 400 },
  );
});

// ---- safetensors ----

const RECORDS: Record<string, TensorRecord> = {
  w: { dtype: "F32", shape: [2, 3], data: new Float32Array([1.5, -2, 0.1, 3, 4, 5]) },
  d: { dtype: "F64", shape: [2], data: new Float64Array([Math.PI, -1e300]) },
  i: { dtype: "I32", shape: [3, 1], data: new Int32Array([-1, 0, 7]) },
  l: { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
  s: { dtype: "F32", shape: [], data: new Float32Array([42]) },
  e: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
};

/** A file from a header object and the data section. */
function safetensorsOf(header: unknown, data: Uint8Array): Uint8Array {
  const head = encode(JSON.stringify(header) ?? "");
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

test("safetensors: random bytes, mutated files and mutated headers give tensors or a CheckpointError naming the file", () => {
  const valid = serializeSafetensors(RECORDS, { format: "test", steps: "3" });
  const model = runFiles().lecture["model.safetensors"];
  const split = (file: Uint8Array) => {
    const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
    return { header: JSON.parse(decode(file.subarray(8, 8 + n))), data: file.subarray(8 + n) };
  };
  const a = split(valid);
  const b = split(model);
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    mutatedBytes(valid),
    mutatedBytes(model),
    mutatedJson(a.header).map((h) => safetensorsOf(h, a.data)),
    mutatedJson(b.header).map((h) => safetensorsOf(h, b.data)),
    fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean()).map(([n, near]) => {
      const f = valid.slice();
      const stated = new DataView(f.buffer).getBigUint64(0, true);
      new DataView(f.buffer).setBigUint64(0, near ? (stated + (n % 17n) - 8n) & ((1n << 64n) - 1n) : n, true);
      return f;
    }),
  );
  fc.assert(
    fc.property(inputs, (bytes) => {
      const file = resultOrTyped(() => parseSafetensors(bytes, "m.safetensors"), CheckpointError, "m.safetensors: ");
      if (file === undefined) return;
      for (const t of Object.values(file.tensors)) assert.equal(t.data.length, t.shape.reduce((p, d) => p * d, 1));
      for (const v of Object.values(file.metadata)) assert.equal(typeof v, "string");
    }),
    { seed: SEED, numRuns: 600 },
  );
});

// ---- config.json ----

test("config.json: random text, mutated files and fields of any type give a config or one CheckpointError naming config.json", () => {
  const texts = Object.values(runFiles()).map((f) => f["config.json"]);
  const inputs = fc.oneof(
    { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }).map(decode), weight: 1 },
    { arbitrary: fc.constantFrom(...texts).chain((t) => mutatedBytes(encode(t))).map(decode), weight: 2 },
    { arbitrary: fc.constantFrom(...texts).chain((t) => mutatedJson(JSON.parse(t))).map((c) => JSON.stringify(c) ?? ""), weight: 8 },
  );
  fc.assert(
    fc.property(inputs, (text) => {
      const c = resultOrTyped(() => decodeRunConfig(text, "run/config.json"), CheckpointError, "run/config.json: ");
      if (c === undefined) return;
      // what the rest of makemore-ts does with a loaded config does not throw
      new Vocabulary(c.vocabulary);
      new Generator(0, { torchVersion: c.training.torchVersion }).setState(c.generator);
      stepSchedule(c.schedule.lr, c.schedule.decayStep, c.schedule.lrAfterDecay);
      checkModelConfig(c.model);
      checkOptimizerConfig(c.optimizer);
      assert.ok(BigInt(c.training.seed) < 1n << 64n && c.stepsDone <= c.steps);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

// ---- metrics.jsonl ----

test("metrics.jsonl: random text and mutated lines give metric lines or a CheckpointError naming the file and line", () => {
  const texts = Object.values(runFiles()).map((f) => f["metrics.jsonl"]);
  const mutatedLine = fc.constantFrom(...texts).chain((t) => {
    const lines = t.trim().split("\n");
    return fc.tuple(fc.nat(lines.length - 1), fc.constantFrom(...lines).chain((l) => mutatedJson(JSON.parse(l)))).map(([i, m]) => {
      const out = [...lines];
      out[i] = JSON.stringify(m) ?? "";
      return out.join("\n") + "\n";
    });
  });
  const inputs = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.constantFrom(...texts).chain((t) => mutatedBytes(encode(t))).map(decode),
    mutatedLine,
  );
  fc.assert(
    fc.property(inputs, (text) => {
      const lines = resultOrTyped(() => decodeMetrics(text, "run/metrics.jsonl"), CheckpointError, "run/metrics.jsonl:");
      if (lines === undefined) return;
      for (const m of lines) {
        const losses = "eval" in m ? Object.values(m.eval) : [m.loss];
        assert.ok(Number.isSafeInteger(m.step) && m.step >= 0 && losses.length > 0 && losses.every((l) => typeof l === "number"));
      }
    }),
    { seed: SEED, numRuns: 600 },
  );
});
