// What a second thread runs (threads.ts starts it): an instance of the kernels' module over the shared
// memory, and a loop that waits for a product and takes blocks of its rows until none is left. Nothing is
// posted per product: the caller writes the product into the control block and bumps a generation
// counter (Atomics.store + Atomics.notify); the worker spins briefly on the counter (the products of a
// training step come in bursts, microseconds apart, and waking a thread from a futex takes tens), then
// sleeps in Atomics.wait.
//
// Blocks are taken, not assigned: every thread, the caller too, claims the next block with a
// compare-and-swap on one ticket word until none is left. A worker that is asleep, or that the OS has not
// scheduled (a busy machine), then holds nothing up: the caller takes the blocks; it waits only for the
// blocks a worker has already started.
//
// The worker is started from source text, `threadWorkerSource()`, in Node (worker_threads, eval) and in a
// browser (a Blob URL): no file to find beside a bundle, the same code in both. So `threadMain` must be
// self-contained: no imports, no free variables; the control block's layout comes in the first message.

/** The control block's fields (Int32Array indices). */
export const CONTROL = {
  /** Bumped by the caller for each product (the workers wait on it). */
  GEN: 0,
  /** (GEN mod 2^20) << 10 | blocks not yet taken: claimed by compare-and-swap, so a late worker can never take a block of another product. */
  TICKET: 1,
  /** Blocks finished (the caller waits on it). */
  FINISHED: 2,
  /** Which product (KIND_*), or STOP. */
  KIND: 3,
  C: 4,
  A: 5,
  B: 6,
  M: 7,
  K: 8,
  N: 9,
  ACC: 10,
  /** Rows of C per block (a multiple of 4, the kernels' row tile), and the number of blocks (at most 1023). */
  ROWS: 11,
  BLOCKS: 12,
  /** 1 if a block threw (the caller then throws). */
  ERROR: 13,
  /** Worker t (1..) sets READY + t to 1 once its instance runs. */
  READY: 16,
  /** Int32s in all: room for MAX_THREADS workers' READY flags. */
  LENGTH: 32,
  KIND_NN: 1,
  KIND_NT: 2,
  KIND_TN: 3,
  /** The workers return (the pool is closing). */
  STOP: 0,
} as const;

/** The kernels a block runs (the module's exports, asm/matmul_*.ts). */
export interface BlockKernels {
  matmulNN(c: number, a: number, b: number, M: number, K: number, N: number, acc: number): void;
  matmulNT(c: number, a: number, b: number, M: number, K: number, N: number, acc: number): void;
  matmulTNRows(c: number, a: number, b: number, M: number, K: number, N: number, i0: number, i1: number, acc: number): void;
}

/**
 * Takes blocks of product `gen` until none is left (or another product has replaced it) and computes
 * them; returns how many it computed. Run by the caller and by every worker (self-contained: the worker
 * gets it as source text).
 */
export function workBlocks(s: Int32Array, L: typeof CONTROL, w: BlockKernels, gen: number): number {
  const tag = (gen & 0xfffff) << 10;
  let done = 0;
  for (;;) {
    const t = Atomics.load(s, L.TICKET);
    if ((t & ~1023) !== tag || (t & 1023) === 0) return done;
    if (Atomics.compareExchange(s, L.TICKET, t, t - 1) !== t) continue;
    // a block is ours: the product's fields stay as they are until every block is finished
    const blocks = s[L.BLOCKS], rows = s[L.ROWS], M = s[L.M], K = s[L.K], N = s[L.N], acc = s[L.ACC];
    const i0 = (blocks - (t & 1023)) * rows;
    const i1 = Math.min(M, i0 + rows);
    // pointers are stored as int32: >>> 0 reads them back unsigned (a memory may pass 2 GiB)
    const c = s[L.C] >>> 0, a = s[L.A] >>> 0, b = s[L.B] >>> 0, kind = s[L.KIND];
    try {
      // rows i0..i1-1 of C: C and A (NN, NT) start i0 rows on; TN's A is read by columns (matmulTNRows)
      if (kind === L.KIND_NN) w.matmulNN(c + i0 * N * 4, a + i0 * K * 4, b, i1 - i0, K, N, acc);
      else if (kind === L.KIND_NT) w.matmulNT(c + i0 * N * 4, a + i0 * K * 4, b, i1 - i0, K, N, acc);
      else w.matmulTNRows(c, a, b, M, K, N, i0, i1, acc);
    } catch {
      Atomics.store(s, L.ERROR, 1);
    }
    done++;
    if (Atomics.add(s, L.FINISHED, 1) + 1 === blocks) Atomics.notify(s, L.FINISHED);
  }
}

/** The first (and only) message a worker gets. */
export interface ThreadInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The control block (SharedArrayBuffer, CONTROL.LENGTH int32s). */
  readonly control: SharedArrayBuffer;
  /** The worker's index, 1.. (0 is the caller): its READY flag and its packing scratch (asm/pack.ts). */
  readonly slot: number;
  /** Polls of the generation counter before it sleeps. */
  readonly spin: number;
  readonly layout: typeof CONTROL;
}

/** The worker's program; `work` is workBlocks (both run from their source text, see threadWorkerSource). */
export function threadMain(work: typeof workBlocks): void {
  const g = globalThis as unknown as {
    process?: { getBuiltinModule?: (id: string) => { parentPort: { once(e: "message", f: (m: ThreadInit) => void): void; postMessage(m: unknown): void } } };
    onmessage: ((e: { data: ThreadInit }) => void) | null;
    postMessage(m: unknown): void;
  };
  const start = (init: ThreadInit, post: (m: unknown) => void): void => {
    const L = init.layout;
    const exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
    const w = exports as unknown as BlockKernels & { setPackThread(t: number): void };
    w.setPackThread(init.slot);
    const s = new Int32Array(init.control);
    // the counter is read before READY is raised: the caller hands out a product only once it sees
    // READY, so this first value cannot already be a product's
    let seen = Atomics.load(s, L.GEN);
    Atomics.store(s, L.READY + init.slot, 1);
    post("ready");
    for (;;) {
      let polls = 0;
      while (Atomics.load(s, L.GEN) === seen && polls < init.spin) polls++;
      Atomics.wait(s, L.GEN, seen); // returns at once if the counter moved
      seen = Atomics.load(s, L.GEN);
      if (Atomics.load(s, L.KIND) === L.STOP) return;
      work(s, L, w, seen);
    }
  };
  // Node (≥ 20.16, as threads.ts requires to start a worker): the parent's port; a browser: the worker's scope
  if (typeof g.process?.getBuiltinModule === "function") {
    const { parentPort } = g.process.getBuiltinModule("node:worker_threads");
    parentPort.once("message", (init) => start(init, (m) => parentPort.postMessage(m)));
  } else {
    g.onmessage = (e) => {
      g.onmessage = null;
      start(e.data, (m) => g.postMessage(m));
    };
  }
}

/**
 * The worker's source text: threadMain called with workBlocks, both from their own text (so a bundler's
 * renaming cannot split them). The shim: a transpiler that keeps function names (tsx, in the tests)
 * wraps inner functions in a helper, `__name`, that the worker's fresh global scope does not have.
 */
export function threadWorkerSource(): string {
  return `"use strict";\nvar __name = (f) => f;\n(${threadMain.toString()})(${workBlocks.toString()});\n`;
}
