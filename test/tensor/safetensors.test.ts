// safetensors: round trips of every dtype with metadata, the Node file helpers (atomic write), the Tensor
// adapter, and one CheckpointError per kind of malformed file.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointError } from '../../src/errors.ts';
import { tensor } from '../../src/tensor/create.ts';
import { type TensorRecord, parseSafetensors, serializeSafetensors } from '../../src/tensor/safetensors.ts';
import { readSafetensors, writeSafetensors } from '../../src/node/safetensors-file.ts';
import { prng } from './check-op.ts';
import { recordsFromTensors, tensorFromRecord, tensorsFromRecords } from '../../src/tensor/safetensors-tensor.ts';

const records: Record<string, TensorRecord> = {
  w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 0.1, 3, 4, 5]) },
  d: { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
  i: { dtype: 'I32', shape: [3, 1], data: new Int32Array([-1, 0, 2147483647]) },
  l: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
  s: { dtype: 'F32', shape: [], data: new Float32Array([42]) },
  e: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
};
const metadata = { source: 'makemore-ts', step: '100' };

/** A file from a header (object or raw text) and data bytes; `length` overrides the stated header length. */
function build(header: unknown, data: Uint8Array, length?: bigint): Uint8Array {
  const text =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes, 'bad.safetensors'),
    (e: unknown) => e instanceof CheckpointError && /^bad\.safetensors: /.test(e.message) && pattern.test(e.message),
  );
}

test('round trip of F32, F64, I32, I64 (scalars and empty tensors too) with metadata', () => {
  const bytes = serializeSafetensors(records, metadata);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  assert.equal(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd().endsWith('}'), true);
  const back = parseSafetensors(bytes);
  assert.deepEqual({ ...back.metadata }, metadata);
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(records).sort());
  for (const [name, r] of Object.entries(records)) {
    assert.equal(back.tensors[name].dtype, r.dtype);
    assert.deepEqual(back.tensors[name].shape, r.shape);
    assert.deepEqual(back.tensors[name].data, r.data, name);
  }
  assert.deepEqual({ ...parseSafetensors(serializeSafetensors({})).tensors }, {});
});

test('file helpers: atomic write, read back, missing file; Tensor adapter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'makemore-st-'));
  try {
    const path = join(dir, 'model.safetensors');
    const ts = { W: tensor([[1, 2], [3, 4]]), Y: tensor([1, 2], { dtype: 'int32' }), v: tensor([0.25], { dtype: 'float64' }) };
    await writeSafetensors(path, recordsFromTensors(ts), metadata);
    await writeSafetensors(path, recordsFromTensors(ts), metadata); // overwrite in place
    assert.deepEqual(await readdir(dir), ['model.safetensors'], 'no temporary file left behind');
    const file = await readSafetensors(path);
    const back = tensorsFromRecords(file.tensors);
    assert.deepEqual(back.W.toArray(), [[1, 2], [3, 4]]);
    assert.equal(back.Y.dtype, 'int32');
    assert.equal(back.v.dtype, 'float64');
    assert.equal(file.metadata.step, '100');
    assert.deepEqual(tensorFromRecord({ dtype: 'I64', shape: [2], data: new BigInt64Array([-3n, 7n]) }).toArray(), [-3, 7]);
    assert.throws(() => tensorFromRecord(records.l, 'l'), /int64 value -4611686018427387904 does not fit in int32/);
    await assert.rejects(readSafetensors(join(dir, 'missing.safetensors')), (e: unknown) => e instanceof CheckpointError && /missing\.safetensors: cannot read/.test(e.message));
    await assert.rejects(writeSafetensors(join(dir, 'no', 'such', 'dir.safetensors'), {}), CheckpointError);
    await writeFile(join(dir, 'junk.safetensors'), 'hello');
    await assert.rejects(readSafetensors(join(dir, 'junk.safetensors')), /junk\.safetensors: .*too short/);
    assert.ok((await readFile(path)).length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('malformed files give a CheckpointError naming the file and the problem', () => {
  const good = serializeSafetensors({ a: records.w, b: records.i });
  const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });
  const data24 = new Uint8Array(24);
  rejects(good.subarray(0, 5), /too short/);
  rejects(good.subarray(0, good.length - 4), /beyond the data section .*truncated/);
  rejects(good.subarray(0, 20), /header length \d+ exceeds the file size \(20 bytes\)/);
  rejects(build({}, new Uint8Array(0), 2n ** 63n), /header length \d+ is absurdly large/);
  rejects(build({}, new Uint8Array(0), 2n ** 40n), /absurdly large/);
  rejects(build('{"a": ', data24), /header is not valid JSON/);
  rejects(build(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), data24), /header is not valid UTF-8/);
  rejects(build('[1, 2]', data24), /header is not a JSON object/);
  rejects(build({ a: entry('F16', [2, 3], [0, 12]) }, data24.subarray(0, 12)), /tensor 'a' has unsupported dtype "F16"/);
  rejects(build({ a: entry('F32', [2, -3], [0, 24]) }, data24), /tensor 'a' has an invalid shape \[2,-3\]/);
  rejects(build({ a: entry('F32', [2, 3], [24, 0]) }, data24), /tensor 'a' has invalid data_offsets \[24,0\]/);
  rejects(build({ a: entry('F32', [2, 3], [8, 32]) }, data24), /tensor 'a' has data_offsets \[8, 32\] beyond the data section \(24 bytes\)/);
  rejects(build({ a: entry('F32', [2, 2], [0, 24]) }, data24), /tensor 'a' has shape \[2,2\] of F32, which needs 16 bytes, but its data_offsets \[0, 24\] span 24 bytes/);
  rejects(build({ a: entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], [0, 24]) }, data24), /needs more than 2\^53 bytes/);
  rejects(build({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) }, data24), /tensors 'a' \[0, 16\] and 'b' \[8, 24\] overlap/);
  rejects(build({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [16, 24]) }, data24), /8 bytes at offset 8 of the data section belong to no tensor/);
  rejects(build({ a: entry('F32', [4], [0, 16]) }, data24), /8 trailing bytes after the last tensor/);
  rejects(build({ __metadata__: { k: 1 } }, new Uint8Array(0)), /__metadata__ must map strings to strings/);
  rejects(build({ a: 5 }, new Uint8Array(0)), /tensor 'a' is not a JSON object/);
  // a tensor named __proto__ is just a name
  const proto = parseSafetensors(build(JSON.parse('{"__proto__": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}'), new Uint8Array(4)));
  assert.deepEqual(Object.keys(proto.tensors), ['__proto__']);
});

test('serializing invalid records is refused', () => {
  assert.throws(() => serializeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }), /dtype F32 does not match its Float64Array data/);
  assert.throws(() => serializeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /shape \[3\] does not hold 2 elements/);
  assert.throws(() => serializeSafetensors({ __metadata__: records.s }), /reserved/);
});

test('corrupted bytes never crash: parse succeeds or throws a CheckpointError', () => {
  const rand = prng(7);
  const good = serializeSafetensors(records, metadata);
  for (let trial = 0; trial < 2000; trial++) {
    const bytes = good.slice(0, trial % 3 === 0 ? Math.floor(rand() * good.length) : good.length);
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips && bytes.length > 0; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    try {
      parseSafetensors(bytes, 'fuzz.safetensors');
    } catch (e) {
      assert.ok(e instanceof CheckpointError, `trial ${trial}: ${String(e)}`);
    }
  }
});
