// Loads the reference vectors that real PyTorch (1.13 and 2.11) and CPython wrote
// (copied from shared/reference/rng/; see SPEC.md there).
import { readFileSync } from "node:fs";
import type { TorchVersion } from "../../src/random/generator.ts";

export interface FloatCase {
  shape: number[];
  bits: string[];
  values: number[];
}

export interface VectorFile {
  meta: { torch: string };
  torch: Record<string, any>;
  python_random: Record<string, any>;
  makemore: Record<string, any>;
}

export const VECTOR_FILES: { file: string; version: TorchVersion }[] = [
  { file: "vectors-torch1.13.json", version: "1.13" },
  { file: "vectors-torch2.11.json", version: "2.x" },
];

export function loadVectors(file: string): VectorFile {
  return JSON.parse(readFileSync(new URL(`../fixtures/rng/${file}`, import.meta.url), "utf8"));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bit patterns as 8-digit hex strings, as the vector files store them. */
export function bitsOf(values: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    out.push(u32[0].toString(16).padStart(8, "0"));
  }
  return out;
}

/** Indices and counts of mismatching bit patterns (empty when bit-exact). */
export function bitMismatches(actual: ArrayLike<number>, expected: string[]): string[] {
  const got = bitsOf(actual);
  const bad: string[] = [];
  if (got.length !== expected.length) return [`length ${got.length} != ${expected.length}`];
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) bad.push(`[${i}] ${got[i]} != ${expected[i]}`);
  return bad;
}
