// A recorded sequence of kernel calls, replayed without the JavaScript that made it (issue 14's start-up).
//
// A training step of a model is the same kernel calls every step, on the same buffers, with the same
// sizes: only the memory they read changes (the minibatch, the parameters). Recorded once, the calls
// run again from a flat list, without the model's, the layers' and the wrappers' JavaScript in between:
// that JavaScript (arguments checks, shape bookkeeping, dozens of small functions called once a step)
// is what runs slowly in a fresh process until V8 has optimized each function, which on Node 20 takes
// a thousand steps or more (bench/step.ts). Like a CUDA graph: captured, then launched whole.
//
// A tape is only as good as its recording, so a recording that cannot be replayed marks itself so:
//   - a kernel call whose result the JavaScript reads, but the checks (checkIndices, checkTargets: a
//     replay runs them first, on the step's inputs, and stops before any other call where one fails)
//     and the cross-entropy (the loss, the replay's result; the recording step's loss must be it);
//   - a look at any buffer's memory from JavaScript (ArenaBuf.view: a layer computing in JavaScript,
//     BatchNorm's calibration);
//   - a matrix product handed to the threads (they are not calls of this instance);
// and the trainer replays a step only when two recordings in a row are the same calls with the same
// arguments (train/step_graph.ts).
//
// Nothing here allocates during a replay.

import type { Arena } from "./arena.ts";
import type { WasmExports } from "./wasm.ts";

/** Exports whose result a replay checks: the call must return a value this accepts, else the replay stops. */
const CHECKS: Readonly<Record<string, (result: number) => boolean>> = {
  checkIndices: (r) => r === -1,
  checkTargets: (r) => r >= 0,
};

/** The export whose result is a replay's result (the loss). */
const RESULT = "crossEntropyF32";

/** Exports that return a value (asm's non-void exports; test/train/step_graph.test.ts holds the list to asm/). */
export const VALUE_EXPORTS: readonly string[] = [
  "heapBase", "sumF32", "sgdTable", "sgdTableEntries", "checkTargets", "crossEntropyF32", "checkIndices", "peakMaddF32",
];

const CALL = 0;
const CHECK = 1;
const RESULT_CALL = 2;

/** A replay stopped at a check that failed (a bad index or target): run the step again to get its error. */
export class TapeCheckFailed extends Error {
  constructor(readonly call: string) {
    super(`a recorded step's ${call} failed on this step's data`);
    this.name = "TapeCheckFailed";
  }
}

/** The calls of one recording, to compare with another and to replay. */
export class Tape {
  /** Why it cannot be replayed (null: it can). */
  unreplayable: string | null = null;
  private readonly names: string[] = [];
  private readonly args: number[][] = [];
  private readonly calls: (() => number | void)[] = [];
  private readonly kinds: number[] = [];
  /** The result of the last cross-entropy call recorded (the recording step's loss), NaN without one. */
  result = NaN;

  get length(): number {
    return this.calls.length;
  }

  /** Marks the recording as one that cannot be replayed, for `why` (the first reason stays). */
  refuse(why: string): void {
    this.unreplayable ??= why;
  }

  /** Appends a call of `fn` (the export `name`) with `args`. */
  push(name: string, fn: (...a: number[]) => number | void, args: number[], result: number | void): void {
    if (VALUE_EXPORTS.includes(name) && !(name in CHECKS) && name !== RESULT) this.refuse(`its result of ${name} is read`);
    this.names.push(name);
    this.args.push(args);
    this.calls.push(fn.bind(null, ...args) as () => number | void);
    this.kinds.push(name in CHECKS ? CHECK : name === RESULT ? RESULT_CALL : CALL);
    if (name === RESULT) this.result = result as number;
  }

  /** Whether `other` is the same calls with the same arguments. */
  same(other: Tape): boolean {
    if (other.names.length !== this.names.length) return false;
    for (let i = 0; i < this.names.length; i++) {
      if (other.names[i] !== this.names[i]) return false;
      const a = this.args[i], b = other.args[i];
      if (a.length !== b.length) return false;
      for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) return false;
    }
    return true;
  }

  /**
   * Runs the checks, then the other calls in order; returns the last cross-entropy's result (NaN
   * without one). Throws TapeCheckFailed where a check fails, before any other call: the checks read
   * only the step's inputs (indices and targets the trainer wrote), so a failed step changes nothing.
   */
  replay(): number {
    const { calls, kinds } = this;
    for (let i = 0; i < calls.length; i++) {
      if (kinds[i] === CHECK && !CHECKS[this.names[i]](calls[i]() as number)) throw new TapeCheckFailed(this.names[i]);
    }
    let result = NaN;
    for (let i = 0; i < calls.length; i++) {
      const kind = kinds[i];
      if (kind === CALL) calls[i]();
      else if (kind === RESULT_CALL) result = calls[i]() as number;
    }
    return result;
  }
}

/**
 * Records the kernel calls made through a call table (WasmContext.w: a copy of the module's exports
 * that the op wrappers call through) between `start` and `stop`.
 */
export class TapeRecorder {
  private tape: Tape | null = null;
  private readonly originals: Record<string, (...a: number[]) => number | void> = {};

  constructor(
    private readonly table: WasmExports,
    private readonly exports: WasmExports,
    private readonly arena: Arena,
    /** The threads the instance's products run on at this moment (threads.ts's activeThreads). */
    readonly threads: () => number,
  ) {}

  /** The recording under way, or null. */
  get recording(): Tape | null {
    return this.tape;
  }

  /** Starts a recording: every call through the table is appended to a new tape (and made). */
  start(): void {
    if (this.tape !== null) throw new Error("TapeRecorder.start: a recording is under way");
    const tape = new Tape();
    this.tape = tape;
    this.arena.watch ??= tape; // (another recorder's recording on the same arena keeps it)
    const table = this.table as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(this.exports as unknown as Record<string, unknown>)) {
      if (typeof value !== "function") continue;
      const fn = value as (...a: number[]) => number | void;
      this.originals[name] = fn;
      table[name] = (...args: number[]) => {
        const result = fn(...args);
        tape.push(name, fn, args, result);
        return result;
      };
    }
  }

  /** Ends the recording; returns its tape (check `unreplayable`). */
  stop(): Tape {
    const tape = this.tape;
    if (tape === null) throw new Error("TapeRecorder.stop: no recording is under way");
    const table = this.table as unknown as Record<string, unknown>;
    for (const [name, fn] of Object.entries(this.originals)) table[name] = fn;
    this.tape = null;
    if (this.arena.watch === tape) this.arena.watch = null;
    return tape;
  }
}
