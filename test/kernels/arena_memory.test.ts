// The arena at the edge of its memory: an allocation that does not fit (beyond the limit, or a grow the
// engine refuses) is an OutOfMemoryError — a MakemoreError the CLI prints as one line — and leaves the
// arena as it was; the wasm arena's limit is the module's (its shared memory's maximum: 4 GiB); a PlanArena
// counts exactly what a real arena would hand out, allocating nothing. Nothing here allocates more
// than a few hundred KiB.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena, PlanArena, WASM32_MAX_BYTES, formatBytes, wasmArena } from "../../src/kernels/index.ts";
import { WASM_BASE64 } from "../../src/kernels/wasm-bytes.generated.ts";
import { MakemoreError, OutOfMemoryError } from "../../src/errors.ts";

test("a grow the engine refuses is an OutOfMemoryError, and the arena stays usable", () => {
  const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 })); // the engine stops at 2 pages, 128 KiB
  const keep = arena.f32(1000);
  keep.view[0] = 7;
  const used = arena.bytesUsed;
  let err: unknown;
  try {
    arena.f32(100_000); // 400 KB
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof OutOfMemoryError, `expected an OutOfMemoryError, got ${String(err)}`);
  assert.ok(err instanceof MakemoreError && !(err instanceof RangeError));
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /cannot take another buffer of 391 KiB: .*refused to grow it beyond 64 KiB/);
  assert.equal(arena.bytesUsed, used, "nothing was allocated");
  assert.equal(keep.view[0], 7);
  assert.equal(arena.f32(100).length, 100, "smaller buffers still fit");
});

test("beyond the arena's limit: an OutOfMemoryError before any grow is tried", () => {
  const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0, { maxBytes: 2 ** 20 });
  assert.equal(arena.bytesLimit, 2 ** 20);
  arena.f32(200_000); // 800 KB: fits in 1 MiB
  const capacity = arena.bytesCapacity;
  assert.throws(() => arena.f32(100_000), (e: unknown) => {
    assert.ok(e instanceof OutOfMemoryError);
    assert.match(e.message, /holds at most 1 MiB; the model or the batch is too large/);
    return true;
  });
  assert.equal(arena.bytesCapacity, capacity, "the memory did not grow");
  assert.ok(arena.bytesFree < 2 ** 20 - 800_000 + 64);
});

test("a length no wasm32 memory can hold is an OutOfMemoryError, not a RangeError; a bad length stays a RangeError", () => {
  const arena = new Arena();
  const capacity = arena.bytesCapacity;
  assert.throws(() => arena.f32(10_000_000 * 200), OutOfMemoryError); // 8 GB
  assert.throws(() => arena.i32(1e15), (e: unknown) => e instanceof OutOfMemoryError && /holds at most 4 GiB/.test(e.message));
  assert.equal(arena.bytesCapacity, capacity);
  assert.equal(arena.bytesUsed, 0);
  assert.throws(() => arena.f32(-1), RangeError); // a bug of the caller, not a size
  assert.throws(() => arena.f32(1.5), RangeError);
});

/** The memory limits the kernels' module declares or imports: { min, max } in pages (max null: none), shared or not. */
function declaredMemory(bytes: Uint8Array): { min: number; max: number | null; shared: boolean } {
  let pos = 8; // magic, version
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  };
  const limits = () => {
    const flags = bytes[pos++];
    const min = leb();
    return { min, max: flags & 1 ? leb() : null, shared: (flags & 2) !== 0 };
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    const end = pos + size;
    if (id === 2) {
      // imports: module name, field name, kind (0 function, 2 memory), then the kind's description
      for (let n = leb(); n > 0; n--) {
        for (let name = 0; name < 2; name++) {
          const length = leb(); // (`pos += leb()` would add to the position before the length)
          pos += length;
        }
        const kind = bytes[pos++];
        if (kind === 2) return limits();
        assert.equal(kind, 0, "only functions are imported besides the memory");
        leb();
      }
    }
    if (id === 5) {
      assert.equal(leb(), 1, "one memory");
      return limits();
    }
    pos = end;
  }
  throw new Error("the module has no memory");
}

test("the wasm arena's limit is the module's: a shared memory of at most 4 GiB (65536 pages)", () => {
  const mem = declaredMemory(Buffer.from(WASM_BASE64, "base64"));
  // A maximum below 4 GiB in scripts/build-wasm.mjs (--maximumMemory) must reach the arena (wasm-kernels.ts:
  // `new Arena(memory, base, { maxBytes })`) where the engine does not report it (memory.type()).
  assert.equal(mem.max, 65536, "the module declares a maximum below 4 GiB: pass it to the arena");
  assert.ok(mem.shared, "the module imports a shared memory (src/kernels/threads.ts)");
  assert.equal(WASM32_MAX_BYTES, 65536 * 65536);
  assert.equal(wasmArena().bytesLimit, WASM32_MAX_BYTES);
  assert.ok(wasmArena().bytesFree <= WASM32_MAX_BYTES - wasmArena().base);
});

test("a PlanArena counts what a real arena hands out, to the byte, and allocates nothing", () => {
  const real = new Arena();
  const plan = new PlanArena();
  const steps = (a: Arena) => {
    a.f32(3);
    a.i32(0);
    a.f32From([1, 2, 3, 4, 5]);
    const m = a.mark();
    a.i32From([1, 2]);
    a.f32(1000);
    a.release(m);
    a.f32(17);
  };
  steps(real);
  steps(plan);
  assert.equal(plan.bytesUsed, real.bytesUsed);
  assert.equal(plan.bytesPeak, real.bytesPeak);
  assert.ok(plan.bytesPeak > plan.bytesUsed, "the released scratch counts in the peak");
  assert.equal(plan.planOnly, true);
  assert.equal(real.planOnly, false);
  assert.equal(plan.bytesCapacity, 0);
  const b = plan.f32(10);
  assert.equal(b.length, 10);
  assert.equal(b.view.length, 0, "a planned buffer has no memory");
  b.view.fill(1); // harmless
  const huge = plan.f32(1e12); // 4 TB, counted, not allocated
  assert.equal(huge.length, 1e12);
  assert.ok(plan.bytesUsed > 4e12);
  assert.equal(plan.bytesLimit, Infinity);
});

test("formatBytes: the largest unit with a number of at least 1", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(96 * 1024), "96 KiB");
  assert.equal(formatBytes(4 * 2 ** 30), "4 GiB");
  assert.equal(formatBytes(23.34 * 2 ** 30), "23.3 GiB");
  assert.equal(formatBytes(4.674 * 2 ** 30), "4.67 GiB");
  assert.equal(formatBytes(2 ** 50 * 3), "3 PiB");
});
