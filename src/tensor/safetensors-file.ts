// Reading and writing safetensors files in Node (the format itself is in safetensors.ts, browser-safe).
// Writing is atomic: the bytes go to a temporary file in the same directory, are flushed, and the file is
// renamed over the target, so a crash never leaves a half-written checkpoint behind.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from '../errors.ts';
import { type SafetensorsFile, type TensorRecord, parseSafetensors, serializeSafetensors } from './safetensors.ts';

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
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new CheckpointError(`cannot write: ${(e as Error).message}`, path);
  }
}
