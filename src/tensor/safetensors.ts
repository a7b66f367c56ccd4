// The safetensors format (https://huggingface.co/docs/safetensors, github.com/huggingface/safetensors):
// 8 bytes little-endian u64 N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {string: string}}, then the raw little-endian data, offsets relative to its start.
// Plain records only (no Tensor, no node:fs), so this file works in the browser; safetensors-tensor.ts
// converts to tensors and safetensors-file.ts reads and writes files.
//
// Validation follows the reference Rust implementation, strictly: the header length must fit in the file
// (and in 100 MB); every tensor's byte range must match its shape and dtype; the ranges, sorted, must tile
// the data section exactly (no overlap, no gap, no trailing bytes). Anything else is a CheckpointError
// naming the file and what is wrong; nothing is allocated before the sizes have been checked.
import { CheckpointError } from '../errors.ts';

export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64';
export type RecordData = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface TensorRecord {
  dtype: SafetensorsDType;
  shape: number[];
  /** Row-major elements: Float32Array for F32, Float64Array for F64, Int32Array for I32, BigInt64Array for I64. */
  data: RecordData;
}

export interface SafetensorsFile {
  /** Tensors by name (a null-prototype object, so any name is safe). */
  tensors: Record<string, TensorRecord>;
  metadata: Record<string, string>;
}

/** Headers beyond this are refused as corrupt (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<SafetensorsDType, { bytes: number; array: new (buffer: ArrayBuffer) => RecordData }> = {
  F32: { bytes: 4, array: Float32Array },
  F64: { bytes: 8, array: Float64Array },
  I32: { bytes: 4, array: Int32Array },
  I64: { bytes: 8, array: BigInt64Array },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDType(s: unknown): s is SafetensorsDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Product of a shape, or null when it exceeds 2^53. */
function numelOf(shape: readonly number[]): number | null {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  return n;
}

/** Reverses the bytes of each element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses a whole safetensors file; `fileName` only goes into error messages. */
export function parseSafetensors(bytes: Uint8Array, fileName?: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new CheckpointError(`not a valid safetensors file: ${what}`, fileName);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} is absurdly large (limit ${MAX_HEADER_BYTES} bytes)`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    fail(`header length ${headerLen} exceeds the file size (${bytes.length} bytes): truncated or not safetensors`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail('header is not a JSON object');
  const h = header as Record<string, unknown>;
  const dataLen = bytes.length - 8 - headerLen;

  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) fail('__metadata__ is not a JSON object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ must map strings to strings (key '${k}' holds a ${typeof v})`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (!isPlainObject(value)) fail(`tensor '${name}' is not a JSON object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) {
      fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (this reader knows ${Object.keys(DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)} (expected a list of non-negative integers)`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end], 0 <= begin <= end)`);
    }
    const [begin, end] = offsets as [number, number];
    const dt = dtype as SafetensorsDType;
    const numel = numelOf(shape as number[]);
    const need = numel === null ? null : numel * DTYPES[dt].bytes;
    if (need === null || need !== end - begin) {
      fail(
        `tensor '${name}' has shape ${JSON.stringify(shape)} of ${dt}, which needs ${need ?? 'more than 2^53'} bytes, ` +
          `but its data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
      );
    }
    if (end > dataLen) {
      fail(`tensor '${name}' has data_offsets [${begin}, ${end}] beyond the data section (${dataLen} bytes): truncated file?`);
    }
    entries.push({ name, dtype: dt, shape: shape as number[], begin, end });
  }

  // the byte ranges, in order, must tile [0, dataLen) exactly
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < pos && prev !== null) {
      fail(`tensors '${prev.name}' [${prev.begin}, ${prev.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap`);
    }
    if (e.begin > pos) fail(`${e.begin - pos} bytes at offset ${pos} of the data section belong to no tensor`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} trailing bytes after the last tensor (data section ${dataLen} bytes)`);

  const tensors: Record<string, TensorRecord> = Object.create(null) as Record<string, TensorRecord>;
  const dataStart = 8 + headerLen;
  for (const e of entries) {
    const copy = new Uint8Array(e.end - e.begin); // own, aligned buffer (Buffer#slice would share)
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    const { bytes: width, array } = DTYPES[e.dtype];
    if (!HOST_LITTLE_ENDIAN) swapBytes(copy, width);
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: new array(copy.buffer) };
  }
  return { tensors, metadata };
}

function arrayDType(data: unknown): SafetensorsDType | null {
  for (const [name, { array }] of Object.entries(DTYPES)) if (data instanceof array) return name as SafetensorsDType;
  return null;
}

/** The bytes of a safetensors file holding `tensors` (written in name order) and `metadata`. */
export function serializeSafetensors(
  tensors: Record<string, TensorRecord>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new CheckpointError(`cannot write metadata '${k}': values must be strings`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new CheckpointError(`cannot write a tensor named '__metadata__' (reserved)`);
    const { dtype, shape, data } = tensors[name];
    if (!isDType(dtype)) throw new CheckpointError(`cannot write tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
    if (arrayDType(data) !== dtype) {
      throw new CheckpointError(`cannot write tensor '${name}': dtype ${dtype} does not match its ${data?.constructor?.name} data`);
    }
    if (!shape.every(isCount) || numelOf(shape) !== data.length) {
      throw new CheckpointError(`cannot write tensor '${name}': shape ${JSON.stringify(shape)} does not hold ${data.length} elements`);
    }
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (raw.length % 8)) % 8); // pad with spaces so the data starts 8-byte aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const { dtype, data } = tensors[name];
    const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(chunk, pos);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + chunk.length), DTYPES[dtype].bytes);
    pos += chunk.length;
  }
  return out;
}
