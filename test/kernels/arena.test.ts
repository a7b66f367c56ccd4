// The arena: aligned, disjoint, zero-filled buffers; growth of the memory keeps every handle's view
// valid and its values; mark/release frees scratch and disables the released handles; the wasm arena
// starts above the module's static data.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena, ALIGN, wasmArena, wasmKernels, type F32Buf, type F64Buf, type I32Buf } from "../../src/kernels/index.ts";
import { wasmExports } from "../../src/kernels/wasm.ts";

test("buffers are 16-byte (in fact 64-byte) aligned, disjoint and zero-filled", () => {
  const arena = new Arena();
  const bufs: (F32Buf | I32Buf | F64Buf)[] = [];
  for (const n of [1, 3, 27, 33, 200, 0, 5]) {
    bufs.push(arena.f32(n), arena.i32(n), arena.f64(n));
  }
  let end = 0;
  for (const b of bufs) {
    assert.equal(b.ptr % 16, 0);
    assert.equal(b.ptr % ALIGN, 0);
    assert.ok(b.ptr >= end, "buffers overlap");
    end = b.ptr + b.byteLength;
    assert.equal(b.view.length, b.length);
    if (b.length > 0) assert.equal(b.view.byteOffset, b.ptr); // a 0-length view is just empty
    assert.ok(b.view.every((v) => v === 0));
  }
  assert.ok(bufs[0].view instanceof Float32Array && bufs[1].view instanceof Int32Array && bufs[2].view instanceof Float64Array);
  assert.equal(bufs[2].byteLength, 8, "a float64 element takes 8 bytes");
  const f = bufs[2 + 3 * 3]; // f64(33)
  assert.equal(f.length, 33);
  assert.ok(bufs[3 + 3 * 3].ptr >= f.ptr + 33 * 8, "the next buffer starts past the float64 buffer's 264 bytes");
});

test("a view is the same object on every access while the memory does not grow", () => {
  const arena = new Arena();
  const b = arena.f32(10);
  assert.equal(b.view, b.view);
});

test("growing the memory re-creates views on the new buffer and keeps the values", () => {
  const arena = new Arena(); // 64 KiB to begin with
  const a = arena.f32(1000);
  const ix = arena.i32From([3, 1, 4, 1, 5]);
  a.view.forEach((_, i, v) => (v[i] = i * 0.5));
  const stale = a.view;
  const before = arena.bytesCapacity;

  const big = arena.f32(1 << 20); // 4 MiB: forces memory.grow
  assert.ok(arena.bytesCapacity > before);
  assert.equal(stale.length, 0, "the old ArrayBuffer is detached by growth");
  assert.notEqual(a.view, stale);
  assert.equal(a.view.buffer, arena.memory.buffer);
  assert.equal(a.view.length, 1000);
  for (let i = 0; i < 1000; i++) assert.equal(a.view[i], i * 0.5);
  assert.deepEqual(Array.from(ix.view), [3, 1, 4, 1, 5]);
  big.view[big.length - 1] = 42; // the new buffer is usable to its end
  assert.equal(big.view[big.length - 1], 42);
});

test("mark/release frees scratch for reuse and makes the released handles unusable", () => {
  const arena = new Arena();
  const keep = arena.f32(8);
  keep.view[0] = 1;
  const m = arena.mark();
  const used = arena.bytesUsed;
  const s1 = arena.f32(100);
  const s2 = arena.i32(7);
  const s4 = arena.f64(9);
  assert.ok(arena.bytesUsed > used);
  arena.release(m);
  assert.equal(arena.bytesUsed, used);
  assert.equal(s1.live, false);
  assert.equal(s2.live, false);
  assert.equal(s4.live, false);
  assert.equal(keep.live, true);
  assert.throws(() => s1.view, /was released/);
  assert.throws(() => s2.view, /was released/);
  assert.throws(() => s4.view, /was released/);
  const s3 = arena.f32(100);
  assert.equal(s3.ptr, s1.ptr, "released space is handed out again");
  assert.ok(s3.view.every((v) => v === 0), "and zero-filled again");
  assert.equal(keep.view[0], 1);
  assert.throws(() => arena.release(arena.mark() + 64), /not a mark of this arena/);
  arena.reset();
  assert.equal(arena.bytesUsed, 0);
  assert.equal(keep.live, false);
});

test("invalid lengths are refused", () => {
  const arena = new Arena();
  assert.throws(() => arena.f32(-1), /non-negative integer/);
  assert.throws(() => arena.i32(2.5), /non-negative integer/);
  assert.throws(() => arena.f64(1.5), /Arena.f64: length must be a non-negative integer, got 1.5/);
});

test("the wasm arena starts above the module's static data and is shared by the wasm kernels", () => {
  const w = wasmExports();
  const arena = wasmArena();
  assert.equal(arena, wasmArena());
  assert.equal(arena, wasmKernels().arena);
  assert.equal(arena.memory, w.memory);
  assert.ok(arena.base >= w.heapBase() && arena.base > 0);
});

test("wasm kernels write through growth: results land in the current view", () => {
  const k = wasmKernels();
  const arena = k.arena;
  const mark = arena.mark();
  const x = arena.f32From([1, 2, 3, 4, 5]);
  const y = arena.f32From([10, 20, 30, 40, 50]);
  const stale = y.view;
  const grown = arena.f32(arena.bytesCapacity / 4); // at least doubles the memory
  // growth detaches an ordinary memory's buffer; a shared memory's (src/kernels/wasm_memory.ts) stays
  // valid over the same bytes, and only the new buffer reaches the new ones
  const buffer: ArrayBufferLike = arena.memory.buffer;
  if (buffer instanceof SharedArrayBuffer) {
    assert.equal(stale.length, 5);
    assert.ok(stale.buffer.byteLength < (buffer as SharedArrayBuffer).byteLength);
  } else {
    assert.equal(stale.length, 0);
  }
  k.axpy(y, 2, x);
  assert.deepEqual(Array.from(y.view), [12, 24, 36, 48, 60]);
  k.fill(grown, 1);
  assert.equal(k.sum(grown, 1000), 1000);
  arena.release(mark);
});

test("a zero-length buffer still has its own place: releasing a later mark leaves it alone", () => {
  const arena = new Arena();
  const empty = arena.f32(0);
  const m = arena.mark();
  arena.f32(3);
  arena.release(m);
  assert.equal(empty.live, true);
  assert.equal(empty.view.length, 0);
});
