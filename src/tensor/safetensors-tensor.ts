// Tensors <-> safetensors records (safetensors.ts). F32, F64 and I32 map to float32, float64 and int32
// tensors; I64 records (PyTorch's default integer type) load as int32 when every value fits, and fail
// with a CheckpointError otherwise.
import { CheckpointError } from '../errors.ts';
import type { SafetensorsDType, TensorRecord } from './safetensors.ts';
import { Tensor } from './tensor.ts';

const TO_RECORD: Record<Tensor['dtype'], SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };

/** A record sharing the tensor's data (no copy). */
export function recordFromTensor(t: Tensor): TensorRecord {
  return { dtype: TO_RECORD[t.dtype], shape: [...t.shape], data: t.data };
}

/** A tensor sharing the record's data (I64 is converted to int32). `name` goes into error messages. */
export function tensorFromRecord(r: TensorRecord, name = 'tensor'): Tensor {
  if (r.data instanceof BigInt64Array) {
    const out = new Int32Array(r.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = r.data[i];
      if (v < -2147483648n || v > 2147483647n) {
        throw new CheckpointError(`tensor '${name}': int64 value ${v} does not fit in int32`);
      }
      out[i] = Number(v);
    }
    return new Tensor(out, r.shape);
  }
  return new Tensor(r.data, r.shape);
}

export function recordsFromTensors(tensors: Record<string, Tensor>): Record<string, TensorRecord> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, recordFromTensor(t)]));
}

export function tensorsFromRecords(records: Record<string, TensorRecord>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(records).map(([k, r]) => [k, tensorFromRecord(r, k)]));
}
