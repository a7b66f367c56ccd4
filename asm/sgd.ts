// The plain SGD step over every parameter of a model in one call (the lectures' `p.data += -lr * p.grad`
// for each p), and zeroing every gradient in one call: one JS→wasm call per step instead of one per
// parameter. The parameters come as a table in linear memory, `n` entries of three int32 each:
//
//   table[3i]     byte offset of parameter i's data
//   table[3i + 1] byte offset of its gradient
//   table[3i + 2] its length in floats
//
// The table is the module's own static data (below the arena), TABLE_ENTRIES entries: the TypeScript
// side writes a model's entries once and checks them on every call (src/kernels/ops/sgd.ts). Each entry
// runs elementwise.ts's kernel itself (axpyF32, fillF32), so the arithmetic is theirs to the
// bit: fl32(alpha·g), then that added to p and rounded — a multiply and an add, no fused multiply-add.

import { axpyF32, fillF32 } from "./elementwise";

/** Bytes of one table entry (data, grad, length). */
const ENTRY: usize = 12;
/** Entries the table holds (a model with more parameters takes several calls). */
const TABLE_ENTRIES: i32 = 256;
const table: usize = memory.data(TABLE_ENTRIES * <i32>ENTRY, 16);

/** Byte offset of the parameter table (static data: it never moves). */
export function sgdTable(): usize {
  return table;
}

/** Entries the parameter table holds. */
export function sgdTableEntries(): i32 {
  return TABLE_ENTRIES;
}

/** data_i[0..len_i) += alpha · grad_i[0..len_i) for the n entries of the table at t. */
export function sgdF32(t: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const e = t + <usize>i * ENTRY;
    axpyF32(load<u32>(e), alpha, load<u32>(e, 4), load<i32>(e, 8));
  }
}

/** grad_i[0..len_i) = 0 for the n entries of the table at t. */
export function zeroGradsF32(t: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const e = t + <usize>i * ENTRY;
    fillF32(load<u32>(e, 4), load<i32>(e, 8), 0);
  }
}
