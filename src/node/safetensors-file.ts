// Reading and writing safetensors files in Node (the format itself is in safetensors.ts, browser-safe).
// Writing is atomic (atomic-write.ts): a crash never leaves a half-written file behind.
import { readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors.ts';
import { writeFileAtomicSync } from './atomic-write.ts';
import { type SafetensorsFile, type TensorRecord, parseSafetensors, serializeSafetensors } from '../tensor/safetensors.ts';

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`cannot read: ${(e as Error).message}`, path);
  }
  return parseSafetensors(bytes, path);
}

export async function writeSafetensors(
  path: string,
  tensors: Record<string, TensorRecord>,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = serializeSafetensors(tensors, metadata);
  try {
    writeFileAtomicSync(path, bytes);
  } catch (e) {
    throw new CheckpointError(`cannot write: ${(e as Error).message}`, path);
  }
}
