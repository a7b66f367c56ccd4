// The lab's runs and their workers: the current run, and the one starting. A new run (Reset, a word file,
// an opened run) starts in a worker of its own and replaces the current one only once its worker says it
// is ready; refused (words or files the worker cannot use), it is dropped and the current run goes on.
// The page (web/main.ts) says what each of these means on screen.

import type { FromWorker, ToWorker } from "./protocol.ts";

/** A word file's bytes (the worker reads them, with the CLI's messages) and its name. */
export interface Words {
  bytes: Uint8Array;
  source: string;
}

/** A run's worker, and the words it trains on. */
export interface Launch {
  worker: Worker;
  words: Words;
  /** It opens the run kept for a reload, as it was after this many steps. */
  keptStep: number | null;
  /** A message to show once it is the current run. */
  note?: string;
}

export interface RunEvents {
  /** `p` is the current run now (the one before is stopped); its "ready" message follows. */
  adopted(p: Launch): void;
  /** `p`'s worker refused its start: `p` is gone, the current run goes on. */
  refused(p: Launch, message: string): void;
  /** A message of the current run's worker. */
  message(m: FromWorker): void;
  /** The current run's worker failed outside any message (a script error). */
  stopped(message: string): void;
}

export class Runs {
  current: Launch | null = null;
  private pending: Launch | null = null;
  /** The words of the last run started, taken or not (a first run refused for its settings leaves them). */
  private lastWords: Words | null = null;

  constructor(private readonly on: RunEvents) {}

  /** The words a new run takes: the starting run's, else the current one's, else the last ones given. */
  get words(): Words | null {
    return this.pending?.words ?? this.current?.words ?? this.lastWords;
  }

  send(m: ToWorker): void {
    this.current?.worker.postMessage(m);
  }

  /** Starts a run in a new worker (dropping one still starting); the reason when the browser gives no worker, else null. */
  launch(first: Extract<ToWorker, { kind: "start" | "open" }>, words: Words, keptStep: number | null = null, note?: string): string | null {
    this.lastWords = words;
    this.pending?.worker.terminate();
    let worker: Worker;
    try {
      worker = new Worker("worker.js");
    } catch (e) {
      return `the trainer could not start: ${e instanceof Error ? e.message : String(e)}`;
    }
    const p: Launch = { worker, words, keptStep, note };
    this.pending = p;
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (this.pending === p) {
        if (m.kind === "ready") this.adopt(p);
        else if (m.kind === "error") return this.refuse(p, m.message);
        else return;
      }
      if (this.current === p) this.on.message(m);
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      if (this.pending === p) this.refuse(p, `the trainer could not start: ${ev.message}`);
      else if (this.current === p) this.on.stopped(`the trainer stopped: ${ev.message}`);
    };
    worker.postMessage(first);
    return null;
  }

  private refuse(p: Launch, message: string): void {
    p.worker.terminate();
    this.pending = null;
    this.on.refused(p, message);
  }

  private adopt(p: Launch): void {
    this.current?.worker.terminate();
    this.current = p;
    this.pending = null;
    this.on.adopted(p);
  }
}
