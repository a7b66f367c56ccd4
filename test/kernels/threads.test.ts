// The kernels' threads (src/kernels/threads.ts): a product cut between the caller and a worker gives C
// bit for bit as one thread does, for NN, NT and TN, ragged shapes, the packed paths and accumulation;
// the threshold keeps the lectures' products on one thread and cuts the transformer's; where the memory
// is not shared the kernels run on one thread and say why; setThreads and --threads refuse bad counts;
// `makemore train --threads 2` saves what --threads 1 saves; a worker does not keep a finished Node
// process alive.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createWasmKernels, relaxedSimdSupported, WASM_VARIANTS, type F32Buf, type Kernels } from "../../src/kernels/index.ts";
import { MAX_THREADS, MIN_SPLIT_FLOPS, ThreadPool, poolFor, setThreads, threadCount, threadsReady, threadsUnavailable } from "../../src/kernels/threads.ts";
import { CONTROL } from "../../src/kernels/thread_worker.ts";
import { instantiateWasm, wasmExports, wasmInstanceInfo, type WasmExports, type WasmVariant } from "../../src/kernels/wasm.ts";
import { kernelMemory, memoryImport } from "../../src/kernels/wasm_memory.ts";
import { wasmBytes } from "../../src/kernels/wasm.ts";
import { ConfigError } from "../../src/errors.ts";
import { fillRandom, makeRandom } from "./helpers.ts";
import { run } from "../cli/helpers.ts";

type Layout = "NN" | "NT" | "TN";
const KIND = { NN: CONTROL.KIND_NN, NT: CONTROL.KIND_NT, TN: CONTROL.KIND_TN } as const;

/** C's bits after one product, on one thread (the instance's export) or through the pool. */
function product(w: WasmExports, k: Kernels, pool: ThreadPool | null, layout: Layout, M: number, K: number, N: number, acc: boolean, seed: number): Uint32Array {
  const arena = k.arena;
  const mark = arena.mark();
  const rand = makeRandom(seed);
  const A = arena.f32(M * K), B = arena.f32(K * N), C = arena.f32(M * N);
  fillRandom(A.view, rand);
  fillRandom(B.view, rand);
  fillRandom(C.view, rand); // what accumulate adds to (and what overwrite must not leave behind)
  const ptrs = [C.ptr, A.ptr, B.ptr] as const;
  if (pool === null) {
    const f = layout === "NN" ? w.matmulNN : layout === "NT" ? w.matmulNT : w.matmulTN;
    f(...ptrs, M, K, N, acc ? 1 : 0);
  } else {
    assert.ok(pool.run(KIND[layout], ...ptrs, M, K, N, acc ? 1 : 0), `${layout} (${M},${K},${N}) was not cut`);
  }
  const bits = new Uint32Array(C.view.buffer.slice(C.ptr, C.ptr + 4 * M * N));
  arena.release(mark);
  return bits;
}

const SHAPES: [Layout, number, number, number][] = [
  ["NN", 512, 64, 192], // the transformer's c_attn
  ["NT", 512, 192, 64],
  ["TN", 64, 512, 192],
  ["NN", 37, 13, 29], // ragged everywhere: row, column and k tails
  ["NT", 41, 7, 33],
  ["TN", 45, 19, 11],
  ["NN", 70, 33, 300], // N > 256 with M >= 16: B packed in panels (asm/gemm.ts)
  ["TN", 70, 33, 300],
  ["NT", 37, 300, 50], // K > 256: two panels of k, the second accumulating
  ["NN", 9, 600, 5], // few rows: blocks of 4 and a tail of 1
  ["NT", 6, 3, 2],
];

for (const variant of WASM_VARIANTS) {
  const skip = variant === "relaxed" && !relaxedSimdSupported() ? "this runtime has no relaxed SIMD" : false;
  test(`${variant} build: a product cut between two threads is bit for bit the one-thread product: NN, NT, TN, ragged, packed, accumulating`, { skip }, () => bitForBit(variant));
}

/** Every shape, overwriting and accumulating: one thread, the worker's blocks alone, blocks taken by both. */
async function bitForBit(variant: WasmVariant): Promise<void> {
  const w = instantiateWasm(variant);
  const k = createWasmKernels(w);
  const shared = new ThreadPool(w, 2, 0); // cuts every product, however small; blocks to whoever takes them first
  const workerOnly = new ThreadPool(w, 2, 0, false); // the caller takes none: every block is the worker's
  await Promise.all([shared.ready, workerOnly.ready]);
  try {
    let seed = 1;
    for (const [layout, M, K, N] of SHAPES) {
      for (const acc of [false, true]) {
        seed++;
        const one = product(w, k, null, layout, M, K, N, acc, seed);
        for (const pool of [workerOnly, shared]) {
          const two = product(w, k, pool, layout, M, K, N, acc, seed);
          const differ = one.findIndex((b, i) => b !== two[i]);
          const who = pool === workerOnly ? "the worker's blocks" : "blocks shared";
          assert.equal(differ, -1, `${layout} (${M},${K},${N}) acc ${acc}, ${who}: element ${differ} differs (${one[differ]} vs ${two[differ]})`);
        }
      }
    }
    assert.equal(workerOnly.splits, SHAPES.length * 2);
    assert.ok(workerOnly.workerBlocks >= 2 * workerOnly.splits, "every cut product has two blocks at least, all the worker's");
  } finally {
    shared.close();
    workerOnly.close();
  }
}

test("three and four threads give the same bits as one", async () => {
  const w = instantiateWasm("simd");
  const k = createWasmKernels(w);
  for (const size of [3, 4]) {
    const pool = new ThreadPool(w, size, 0);
    await pool.ready;
    try {
      for (const [layout, M, K, N] of [["NN", 203, 31, 70], ["NT", 96, 65, 47], ["TN", 57, 40, 300]] as [Layout, number, number, number][]) {
        const one = product(w, k, null, layout, M, K, N, true, M);
        const two = product(w, k, pool, layout, M, K, N, true, M);
        assert.deepEqual(two, one, `${size} threads, ${layout} (${M},${K},${N})`);
      }
    } finally {
      pool.close();
    }
  }
});

test("the library's kernels: the lectures' (32,30)@(30,200) stays on one thread, the transformer's (512,64)@(64,192) is cut", async () => {
  const w = instantiateWasm("simd");
  const k = createWasmKernels(w);
  assert.equal(setThreads(2, w), 2);
  assert.equal(await threadsReady(w), 2);
  const pool = poolFor(w, Infinity)!;
  const buf = (n: number): F32Buf => k.arena.f32(n);
  const splits = pool.splits;
  assert.ok(2 * 32 * 30 * 200 < MIN_SPLIT_FLOPS && 2 * 512 * 64 * 192 >= MIN_SPLIT_FLOPS);
  k.matmulNN(buf(32 * 200), buf(32 * 30), buf(30 * 200), 32, 30, 200);
  k.matmulNT(buf(32 * 30), buf(32 * 200), buf(30 * 200), 32, 200, 30);
  k.matmulTN(buf(30 * 200), buf(32 * 30), buf(32 * 200), 30, 32, 200);
  assert.equal(pool.splits, splits, "a lecture-sized product was cut");
  k.matmulNN(buf(512 * 192), buf(512 * 64), buf(64 * 192), 512, 64, 192);
  k.matmulNT(buf(512 * 64), buf(512 * 192), buf(64 * 192), 512, 192, 64);
  k.matmulTN(buf(64 * 192), buf(512 * 64), buf(512 * 192), 64, 512, 192);
  assert.equal(pool.splits, splits + 3, "the transformer's products were not cut");
  assert.equal(setThreads(1, w), 1);
  assert.equal(poolFor(w, Infinity), null);
  assert.equal(threadCount(w), 1);
});

test("without shared memory: one thread, silently, with the reason; the same numbers", () => {
  const plain = instantiateWasm("simd", { shared: false });
  const info = wasmInstanceInfo(plain)!;
  assert.equal(info.shared, false);
  assert.ok(!(info.memory.buffer instanceof SharedArrayBuffer));
  assert.match(threadsUnavailable(plain)!, /no shared WebAssembly memory/);
  assert.equal(setThreads(2, plain), 1);
  assert.equal(threadCount(plain), 1);
  assert.throws(() => new ThreadPool(plain, 2), /not shared/);
  const shared = instantiateWasm("simd");
  assert.equal(threadsUnavailable(shared), null);
  for (const [layout, M, K, N] of SHAPES.slice(0, 6)) {
    const a = product(plain, createWasmKernels(plain), null, layout, M, K, N, true, 7);
    const b = product(shared, createWasmKernels(shared), null, layout, M, K, N, true, 7);
    assert.deepEqual(a, b, `${layout} (${M},${K},${N})`);
  }
});

test("the module imports a shared memory; the loader clears the flag for an ordinary one and changes nothing else", () => {
  const bytes = wasmBytes("simd");
  const imp = memoryImport(bytes);
  assert.equal(imp.shared, true);
  assert.equal(imp.maximum, 65536);
  assert.ok(imp.initial >= 1);
  const plain = kernelMemory(bytes, false);
  assert.equal(plain.shared, false);
  assert.equal(memoryImport(plain.bytes).shared, false);
  const changed = [...plain.bytes].flatMap((b, i) => (b === bytes[i] ? [] : [i]));
  assert.deepEqual(changed, [imp.flagAt]);
  assert.ok(WebAssembly.validate(plain.bytes));
});

test("setThreads refuses counts outside 1..4 with a ConfigError; --threads names itself", async () => {
  const w = instantiateWasm("simd");
  for (const bad of [0, 5, -1, 1.5, NaN, "two"]) {
    assert.throws(() => setThreads(bad as number, w), (e: unknown) => e instanceof ConfigError && /threads: want an integer from 1 to 4, or auto/.test(e.message), String(bad));
  }
  for (const bad of ["0", "5", "x", "1.5", "-2"]) {
    const r = await run("train", "--threads", bad, "--steps", "1", "-o", "/nonexistent/never-written");
    assert.equal(r.code, 2, bad);
    assert.match(r.err, /--threads <n>.*must be an integer from 1 to 4, or auto/, bad);
  }
  assert.equal(setThreads("auto", w), threadCount(w));
});

test("makemore train --type transformer --threads 2 saves the same bytes as --threads 1, its products cut", async () => {
  const dirs = [1, 2].map((t) => join(mkdtempSync(join(tmpdir(), `makemore-threads-${t}-`)), "run"));
  for (const [i, t] of [1, 2].entries()) {
    const r = await run("train", "--type", "transformer", "--steps", "6", "-o", dirs[i], "--threads", String(t), "--no-progress", "--samples", "0", "--eval-every", "none");
    assert.equal(r.code, 0, r.err);
  }
  const pool = poolFor(wasmExports(), Infinity);
  assert.ok(pool !== null && pool.splits > 0, "no product was cut at --threads 2");
  for (const f of ["model.safetensors", "train_state.safetensors"]) {
    assert.ok(readFileSync(join(dirs[0], f)).equals(readFileSync(join(dirs[1], f))), `${f} differs between 1 and 2 threads`);
  }
  setThreads(1);
});

test("a Node process that used two threads ends when its work does (the worker is unref'd)", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const script = `
    import { setThreads, threadsReady, wasmKernels } from "./src/kernels/index.ts";
    setThreads(2);
    console.log(await threadsReady());
    const k = wasmKernels();
    const a = k.arena.f32(512 * 64), b = k.arena.f32(64 * 192), c = k.arena.f32(512 * 192);
    k.matmulNN(c, a, b, 512, 64, 192);
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "2");
  assert.ok(Date.now() - t0 < 30_000);
});

test("every thread up to MAX_THREADS has pack areas of its own, and a thread past them traps instead of sharing one", () => {
  const w = instantiateWasm("simd");
  for (let t = 0; t < MAX_THREADS; t++) w.setPackThread(t);
  assert.throws(() => w.setPackThread(MAX_THREADS), WebAssembly.RuntimeError, "PACK_THREADS (asm/pack.ts) must equal MAX_THREADS");
  assert.throws(() => w.setPackThread(-1), WebAssembly.RuntimeError);
  w.setPackThread(0);
});
