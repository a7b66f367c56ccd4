// A second thread (or up to three more) for the matrix products that are big enough to pay for the
// hand-off: the transformer's (512,64)@(64,192) yes, the lecture model's (32,30)@(30,200) no.
//
// Each worker (thread_worker.ts) runs its own instance of the kernels' module over the same shared
// memory (wasm_memory.ts), so a product's operands are where both threads can read them and nothing is
// copied. A product is cut into blocks of rows of C, on multiples of 4 (the kernels' row tiles), which the
// calling thread and the workers take one at a time until none is left (thread_worker.ts). Every element of C
// is computed by the same sequence of multiply-adds whichever thread computes it (the kernels fold k in
// order into a float32 accumulator, whatever the blocking), so the results are bit for bit those of one
// thread. Per product: a few stores into the control block and one Atomics.notify; no allocation, no message.
//
// Where there is no shared memory (a browser page that is not cross-origin isolated), no way to block
// (a browser window's main thread may not Atomics.wait) or no way to start a worker, the kernels run on
// one thread, silently: `threadCount()` says 1 and `threadsUnavailable()` says why.

import { ConfigError } from "../errors.ts";
import type { WasmExports } from "./wasm-exports.generated.ts";
import { loadedWasmExports, wasmExports, wasmInstanceInfo } from "./wasm.ts";
import { sharedMemoryAvailable } from "./wasm_memory.ts";
import { CONTROL, threadWorkerSource, workBlocks, type ThreadInit } from "./thread_worker.ts";

/** The most threads a product is cut for: the packing scratch areas the module has (asm/pack.ts). */
export const MAX_THREADS = 4;

/**
 * The smallest product (2·M·K·N floating-point operations) that is cut: 1 MFLOP, about 25 µs on one
 * thread. A worker asleep takes tens of microseconds to wake (a futex), so a product shorter than that is
 * over before a second thread could help; the lectures' largest, (32,30)@(30,200), is 0.38 MFLOP and
 * stays on one thread, the transformer's smallest, lm_head's (512,64)@(64,27), is 1.8 MFLOP and is cut.
 * bench/threads.ts prints both sides of each product.
 */
export const MIN_SPLIT_FLOPS = 2 * 128 * 64 * 64;

/**
 * How many times a worker polls the generation counter before it sleeps (a few microseconds: the caller
 * does not wait for a sleeping worker, it takes the blocks itself; and on a busy machine a longer spin,
 * 20000 or 200000 polls, measured slower: it takes CPU time the calling thread needs).
 */
const WORKER_SPIN = 2000;
/**
 * How many times the caller polls the finished counter before it sleeps (a few microseconds: longer
 * spinning measured slower on a busy machine, where it takes the core the worker needs to finish).
 */
const CALLER_SPIN = 2000;
/** Blocks per thread a product is cut into (more: a late worker costs less; fewer: less packing). */
const BLOCKS_PER_THREAD = 4;
/** Fewest FLOPs per block (smaller blocks cost their claim and their packing of B more than they give). */
const MIN_BLOCK_FLOPS = 2 * 32 * 64 * 64;

/** A worker as both platforms give it: a message port that can be closed. */
interface ThreadHandle {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/** The calling thread and `size - 1` workers over one instance's memory. */
export class ThreadPool {
  /** The control block (thread_worker.ts's CONTROL), shared with the workers. */
  private readonly control: Int32Array;
  private readonly handles: ThreadHandle[] = [];
  /** Workers that have said they run (read from READY flags, so a busy event loop does not delay it). */
  private running = 0;
  private gen = 0;
  private closed = false;
  /** Products cut so far, and blocks of them the workers computed (the tests check both). */
  splits = 0;
  workerBlocks = 0;
  /** Resolves once every worker runs (rejects if one cannot start). */
  readonly ready: Promise<void>;

  constructor(
    private readonly w: WasmExports,
    /** Threads in all, the caller's included. */
    readonly size: number,
    /** Products smaller than this many FLOPs run on the calling thread. */
    readonly minFlops = MIN_SPLIT_FLOPS,
    /** False: the caller only waits, the workers take every block (the tests check the workers' blocks alone). */
    private readonly callerWorks = true,
  ) {
    const info = wasmInstanceInfo(w);
    if (info === undefined || !info.shared) throw new Error("ThreadPool: the instance's memory is not shared");
    if (!(Number.isInteger(size) && size >= 2 && size <= MAX_THREADS)) throw new RangeError(`ThreadPool: size ${size} outside 2..${MAX_THREADS}`);
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL.LENGTH * 4));
    const started: Promise<void>[] = [];
    for (let t = 1; t < size; t++) {
      const init: ThreadInit = {
        module: info.module, memory: info.memory, control: this.control.buffer as SharedArrayBuffer, slot: t, spin: WORKER_SPIN, layout: CONTROL,
      };
      started.push(
        new Promise<void>((resolve, reject) => {
          const h = spawnWorker((m) => (m === "ready" ? resolve() : undefined), reject);
          this.handles.push(h);
          h.postMessage(init);
        }),
      );
    }
    this.ready = Promise.all(started).then(() => undefined);
    this.ready.catch(() => this.close()); // a worker that fails to start: one thread from then on
  }

  /**
   * Computes C (=|+=) the product of `kind` (CONTROL.KIND_*) with the workers if it is big enough and
   * they run, returning true; false: nothing done, the caller runs it alone. Arguments as the wasm
   * kernels take them.
   */
  run(kind: number, c: number, a: number, b: number, M: number, K: number, N: number, acc: number): boolean {
    const flops = 2 * M * K * N;
    if (flops < this.minFlops || this.closed) return false;
    const threads = 1 + this.workersRunning();
    if (threads < 2) return false;
    // blocks of rows: a multiple of 4 (the kernels' 4-row tiles), BLOCKS_PER_THREAD per thread unless
    // that makes them smaller than MIN_BLOCK_FLOPS
    const want = Math.max(2, Math.min(threads * BLOCKS_PER_THREAD, Math.floor(flops / MIN_BLOCK_FLOPS), 1023));
    const rows = Math.ceil(M / want / 4) * 4;
    const blocks = Math.ceil(M / rows);
    if (blocks < 2) return false;
    const s = this.control;
    const L = CONTROL;
    s[L.KIND] = kind;
    s[L.C] = c;
    s[L.A] = a;
    s[L.B] = b;
    s[L.M] = M;
    s[L.K] = K;
    s[L.N] = N;
    s[L.ACC] = acc;
    s[L.ROWS] = rows;
    s[L.BLOCKS] = blocks;
    Atomics.store(s, L.FINISHED, 0);
    const gen = (this.gen = (this.gen + 1) | 0);
    Atomics.store(s, L.TICKET, ((gen & 0xfffff) << 10) | blocks);
    Atomics.store(s, L.GEN, gen);
    Atomics.notify(s, L.GEN);
    const mine = this.callerWorks ? workBlocks(s, L, this.w, gen) : 0;
    let finished = Atomics.load(s, L.FINISHED);
    for (let polls = 0; finished < blocks && polls < CALLER_SPIN; polls++) finished = Atomics.load(s, L.FINISHED);
    while (finished < blocks) {
      Atomics.wait(s, L.FINISHED, finished);
      finished = Atomics.load(s, L.FINISHED);
    }
    this.splits++;
    this.workerBlocks += blocks - mine;
    if (Atomics.exchange(s, L.ERROR, 0) !== 0) throw new Error("a kernel thread failed on its block of a matrix product");
    return true;
  }

  /** False once closed (by close(), or because a worker could not start). */
  get open(): boolean {
    return !this.closed;
  }

  /** Workers that run (counted from their READY flags until all do, then remembered). */
  private workersRunning(): number {
    if (this.running < this.size - 1) {
      let n = 0;
      for (let t = 1; t < this.size; t++) n += Atomics.load(this.control, CONTROL.READY + t);
      this.running = n;
    }
    return this.running;
  }

  /** Stops the workers (each returns from its loop; terminated too, in case one is mid-start). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CONTROL.KIND, CONTROL.STOP);
    Atomics.store(this.control, CONTROL.GEN, (this.gen = (this.gen + 1) | 0));
    Atomics.notify(this.control, CONTROL.GEN);
    for (const h of this.handles) void h.terminate();
  }
}

// ---- Starting a worker, in Node or in a browser.

type NodeWorkerThreads = {
  Worker: new (src: string, opts: { eval: true; execArgv: string[] }) => ThreadHandle & {
    on(e: "message", f: (m: unknown) => void): void;
    on(e: "error", f: (e: Error) => void): void;
    on(e: "exit", f: (code: number) => void): void;
    unref(): void;
  };
};

/** Node's worker_threads, where this Node can hand it over synchronously (≥ 20.16, ≥ 22.3); else undefined. */
function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.versions?.node !== "string") return undefined;
  return p.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
}

/** A browser's Worker constructor, in a context that has one (a page or a worker); else undefined. */
function webWorker(): (new (url: string) => ThreadHandle & { onmessage: unknown; onerror: unknown }) | undefined {
  const g = globalThis as { Worker?: new (url: string) => ThreadHandle & { onmessage: unknown; onerror: unknown }; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  return typeof g.Worker === "function" && typeof g.Blob === "function" && typeof g.URL?.createObjectURL === "function" ? g.Worker : undefined;
}

/** Starts a worker on threadWorkerSource(); in Node it does not keep the process alive once it runs (unref). */
function spawnWorker(onMessage: (m: unknown) => void, onError: (e: unknown) => void): ThreadHandle {
  const node = nodeWorkerThreads();
  if (node !== undefined) {
    // execArgv []: the worker is plain JavaScript; the parent's --import (tsx) or --input-type=module
    // would only slow its start or make it a module without `require` (V8's flags are the process's anyway)
    const worker = new node.Worker(threadWorkerSource(), { eval: true, execArgv: [] });
    // referenced while it starts (something may await `ready`), never after: a worker waiting for
    // products must not keep a finished process alive
    worker.on("message", (m) => {
      worker.unref();
      onMessage(m);
    });
    worker.on("error", (e) => {
      worker.unref();
      onError(e);
    });
    worker.on("exit", (code) => onError(new Error(`a kernel thread exited (code ${code})`))); // no-op once ready
    return worker;
  }
  const Web = webWorker();
  if (Web === undefined) throw new Error("no Worker in this runtime");
  const url = URL.createObjectURL(new Blob([threadWorkerSource()], { type: "text/javascript" }));
  const worker = new Web(url);
  worker.onmessage = (e: { data: unknown }) => onMessage(e.data);
  worker.onerror = (e: unknown) => onError(e);
  return worker;
}

/** Why this runtime runs the kernels on one thread whatever is asked, or null if it can run more. */
export function threadsUnavailable(w: WasmExports | undefined = loadedWasmExports()): string | null {
  // before the library's instance is made: whether the one it will make can have shared memory
  const shared = w === undefined ? sharedMemoryAvailable() : wasmInstanceInfo(w)?.shared === true;
  if (!shared) {
    const g = globalThis as { crossOriginIsolated?: boolean };
    return g.crossOriginIsolated === false ? "the page is not cross-origin isolated" : "this runtime has no shared WebAssembly memory";
  }
  const g = globalThis as { window?: unknown; document?: unknown };
  if (g.window !== undefined && g.document !== undefined) return "a page's main thread cannot wait for another (train in a worker)";
  if (nodeWorkerThreads() === undefined && webWorker() === undefined) {
    const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
    return node !== undefined ? `Node ${node} cannot start a worker synchronously (Node ≥ 20.16 can)` : "this runtime has no Worker";
  }
  return null;
}

/** Logical CPUs (Node's availableParallelism, a browser's hardwareConcurrency), at least 1. */
export function cpuCount(): number {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = p?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

// ---- How many threads: setThreads, and the default.

/** Each instance's pool (null: one thread, decided); absent: not decided yet (the default applies). */
const pools = new WeakMap<WasmExports, ThreadPool | null>();
/** A setThreads made before the library's instance was: applied at its first product big enough to cut. */
let wanted: ThreadsSetting | undefined;

/** A thread count as the library and the CLI take it. */
export type ThreadsSetting = number | "auto";

/**
 * CPUs from which "auto" takes a second thread. On the 2-core development machine (bench/threads.ts) a cut
 * product ran 1.8× faster while both cores were idle, but with one other busy process beside it training
 * ran at ×0.73–0.96 (a block waits for a worker the OS has not scheduled); a 2-CPU machine seldom has its
 * second core to itself, so there the second thread is asked for (--threads 2), not assumed.
 */
export const AUTO_MIN_CPUS = 4;

/**
 * "auto": 1 where the kernels cannot run on more (threadsUnavailable) or there are fewer than
 * AUTO_MIN_CPUS CPUs, else 2. A third and a fourth thread (setThreads(3), (4)) are left to measure on a
 * machine with more cores.
 */
export function autoThreads(w: WasmExports | undefined = loadedWasmExports()): number {
  if (threadsUnavailable(w) !== null) return 1;
  return cpuCount() >= AUTO_MIN_CPUS ? 2 : 1;
}

/** Throws a ConfigError unless `n` is "auto" or an integer 1..MAX_THREADS; `what` names the setting. */
export function checkThreads(n: unknown, what = "threads"): ThreadsSetting {
  if (n === "auto" || (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) return n;
  throw new ConfigError(`${what}: want an integer from 1 to ${MAX_THREADS}, or auto (got ${String(n)})`);
}

/**
 * Runs the kernels' matrix products on `n` threads (the caller's and n − 1 workers; "auto": autoThreads)
 * from now on, for the library's kernels (or the instance `w`). Returns the count in effect: 1 where the
 * runtime cannot run more (threadsUnavailable says why). Workers start in the background; until they run,
 * products run on the calling thread (`threadsReady()` waits for them). Results are bit for bit the
 * same at any count. Before the library's kernels first run (a run picks their build first: wasm.ts's
 * wasmForRun) the setting is kept, and the pool starts at their first product big enough to cut. Throws
 * ConfigError for a count outside 1..MAX_THREADS.
 */
export function setThreads(n: ThreadsSetting, given?: WasmExports): number {
  const want = checkThreads(n);
  const w = given ?? loadedWasmExports();
  const size = want === "auto" ? autoThreads(w) : threadsUnavailable(w) === null ? want : 1;
  if (w === undefined) {
    // the library's instance is not made yet (a run picks its build first: wasm.ts's wasmForRun); the
    // setting waits for its first product big enough to cut
    wanted = want;
    return size;
  }
  const old = pools.get(w);
  if (old !== undefined && old !== null && old.size === size && old.open) return size;
  old?.close();
  pools.set(w, size > 1 ? new ThreadPool(w, size) : null);
  return size;
}

/**
 * What applies until setThreads is called: "auto" in Node; 1 in a browser, where the page decides (its
 * CPUs also draw it): the lab's worker, or any page's, opts in with setThreads("auto").
 */
export function defaultThreads(): ThreadsSetting {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string" ? "auto" : 1;
}

/** The threads the products of `w` (default: the library's kernels) run on now or will once started. */
export function threadCount(w: WasmExports | undefined = loadedWasmExports()): number {
  const p = w === undefined ? undefined : pools.get(w);
  if (p !== undefined) return p === null || !p.open ? 1 : p.size;
  const d = w === undefined || w === loadedWasmExports() ? (wanted ?? defaultThreads()) : defaultThreads();
  if (d === "auto") return autoThreads(w);
  return threadsUnavailable(w) === null ? d : 1;
}

/** Resolves with threadCount() once the workers run (at once for one thread; 1 if they could not start). */
export async function threadsReady(w: WasmExports = wasmExports()): Promise<number> {
  let p = pools.get(w);
  if (p === undefined) {
    setThreads((w === loadedWasmExports() ? wanted : undefined) ?? defaultThreads(), w);
    p = pools.get(w);
  }
  if (p === undefined || p === null) return 1;
  try {
    await p.ready;
    return p.size;
  } catch {
    if (pools.get(w) === p) pools.set(w, null); // (a newer setThreads may have replaced it meanwhile)
    return 1;
  }
}

/**
 * The pool a product of `flops` FLOPs on `w` may use, or null. The library's own instance gets the
 * default (defaultThreads) at its first product big enough to cut, so a small model never starts a worker.
 */
export function poolFor(w: WasmExports, flops: number): ThreadPool | null {
  const p = pools.get(w);
  if (p !== undefined) return p;
  if (flops < MIN_SPLIT_FLOPS || w !== loadedWasmExports()) return null;
  setThreads(wanted ?? defaultThreads(), w);
  return pools.get(w) ?? null;
}
