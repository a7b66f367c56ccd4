// The messages between the lab's page (web/main.ts) and its trainer (web/worker.ts, a Web Worker). The
// worker owns the run — the library and its wasm module — and streams numbers; the page only draws them.

import type { BatchDiagnostics } from "../src/diagnostics/probe.ts";
import type { TrainingSeries } from "../src/diagnostics/collector.ts";
import type { Embedding2D } from "../src/diagnostics/embedding.ts";
import type { KernelsBuild, WasmVariant } from "../src/kernels/index.ts";
import type { Sample } from "../src/sample/sample.ts";
import type { LrFinderResult } from "../src/train/lr_finder.ts";
import type { InitExperiments } from "../src/diagnostics/init_stages.ts";
import type { GainExperiments } from "../src/diagnostics/gain_experiments.ts";

/** A run's settings, as the URL holds them (web/settings.ts). null: the type's own default. */
export interface LabSettings {
  type: string;
  /** The torch.Generator's seed, in decimal (any 64-bit value, as the CLI's --seed). */
  seed: string | null;
  batchSize: number | null;
  lr: number | null;
  /** The step from which the learning rate is divided by 10 (`--lr-decay-step`): a step, "none", or null for the type's own schedule. */
  lrDecayStep: number | "none" | null;
  /** The type's config fields that differ from its defaults (nEmbd, nHidden, gain, init, batchNorm, …). */
  model: Record<string, number | boolean | string>;
  /** Estimate the train/val losses every this many steps (0: never). */
  evalEvery: number;
  /** Sample 10 words every this many steps (0: only on demand). */
  sampleEvery: number;
  /**
   * The kernels' build for a new run (src/kernels/wasm.ts): "auto" the best this browser runs; "simd" or
   * "relaxed" to train as the CLI does under that build, bit for bit (Node 20 runs "simd", Node ≥ 22 "relaxed").
   */
  kernels: "auto" | WasmVariant;
}

/** What the worker watches for while it trains: estimates and samples every so many steps, and how it samples. */
export interface Watch {
  evalEvery: number;
  sampleEvery: number;
  temperature: number;
  topK: number | null;
}

export type ToWorker =
  /** A new run on a word file's bytes (the worker reads them as the CLI does, with its messages). */
  | { kind: "start"; settings: LabSettings; words: Uint8Array; source: string; watch: Watch }
  /** Continue a run saved by the CLI or kept by the page, on these words (they must be the run's). */
  | { kind: "open"; files: Record<string, Uint8Array>; words: Uint8Array; source: string; watch: Watch }
  | { kind: "play" }
  | { kind: "pause" }
  | { kind: "step"; count: number }
  /** The schedule or the batch size, changed while the run goes on (the next step uses them). */
  | { kind: "retune"; lr?: number; lrDecayStep?: number | null; batchSize?: number }
  | { kind: "watch"; watch: Watch }
  | { kind: "sample"; count: number; temperature: number; topK: number | null }
  /** The run as the CLI's files (its checkpoint: `makemore sample`, `eval` and `train --resume` read them). */
  | { kind: "download" }
  /** Keep the run for a reload of the page (web/keep.ts), under the tab's key, with the URL query of its settings. */
  | { kind: "keep"; key: string; query: string }
  /** The lectures' tools, each on a fresh model of the run's settings (the run itself is not touched). */
  | { kind: "tool"; tool: "lr-finder" | "init-stages" | "gradcheck" };

export interface RunInfo {
  type: string;
  description: string;
  numParameters: number;
  vocabulary: string[];
  /** Rows of each split. */
  splits: Record<string, number>;
  /** The word file and how many words it holds. */
  data: { source: string; words: number };
  /** Most rows a step can take without a new run (the model's buffers). */
  capacity: number;
  /** The run's settings (an opened run's too), for the controls and the URL. */
  settings: LabSettings;
  /** Steps the run has done (0 for a new one; a run opened from files goes on from there). */
  step: number;
  /** A run opened without its training state: it can be sampled, not trained. */
  modelOnly: boolean;
  /** The kernels' build this worker runs (src/kernels/wasm.ts). */
  kernels: KernelsBuild;
  /** Why an opened run does not go on under the build it was trained with (null: it does). */
  kernelsNote: string | null;
  /** Threads the big matrix products run on (src/kernels/threads.ts: 1 unless the page is cross-origin isolated and the machine has the cores). */
  threads: number;
}

export type FromWorker =
  | { kind: "ready"; info: RunInfo }
  /** The run's settings after a change (a refused change: as they were). */
  | { kind: "settings"; settings: LabSettings; lr: number }
  /** The minibatch losses of steps start … start + losses.length − 1. */
  | { kind: "losses"; start: number; losses: number[]; stepsPerSecond: number; lr: number }
  /** A look inside at `step`: the last step's batch, the series collected so far, the embedding. */
  | { kind: "inside"; step: number; batch: BatchDiagnostics; series: TrainingSeries; embedding: Embedding2D | null }
  | { kind: "estimate"; step: number; losses: Record<string, number> }
  | { kind: "samples"; step: number; samples: Sample[] }
  | { kind: "paused"; step: number }
  | { kind: "lr-finder"; result: LrFinderResult }
  /** makemore part 3's init stages (the lecture model) or gain experiments (its deeper network). */
  | { kind: "init-stages"; init: InitExperiments | null; gains: GainExperiments | null }
  /** makemore part 4's `cmp` table (`makemore gradcheck`'s text): every hand-written gradient against autograd. */
  | { kind: "gradcheck"; text: string; ok: boolean }
  | { kind: "files"; step: number; files: Record<string, Uint8Array | string> }
  /** The run is kept for a reload as it was after `step` steps. */
  | { kind: "kept"; step: number }
  /** `playing`: whether the run still trains (a tool's error leaves it training, a step's stops it). */
  | { kind: "error"; message: string; playing: boolean };
