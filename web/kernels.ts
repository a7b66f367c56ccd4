// Which kernels a lab worker runs (one run per worker: web/runs.ts), chosen from its first message: an
// opened run's own build of the wasm kernels, to go on bit for bit, where this browser runs it (the
// builds round the matrix products differently in the last bits: src/kernels/wasm.ts); for a new run,
// the build its link asks for (`kernels=simd` trains as the CLI does on Node 20), else the best this
// browser runs; and a second thread for the big products where the page can have one.

import { decodeRunConfig, FILES } from "../src/train/checkpoint.ts";
import {
  chooseWasmForRun, chooseWasmVariant, loadWasm, relaxedSimdSupported, setThreads, type KernelsBuild, type WasmVariant,
} from "../src/kernels/index.ts";
import type { LabSettings, ToWorker } from "./protocol.ts";

export interface WorkerKernels {
  /** Why the run does not go on (an opened run) or start (a link's `kernels`) under the build asked for; null: it does. */
  note: string | null;
  /** The run's `kernels` setting: "auto" when the loaded build is the one this browser picks by itself. */
  setting: LabSettings["kernels"];
}

/** Loads the kernels for a worker's first message (see the top of this file). */
export async function loadKernels(m: ToWorker): Promise<WorkerKernels> {
  const relaxed = relaxedSimdSupported();
  let recorded: KernelsBuild | null = null;
  if (m.kind === "open" && m.files[FILES.config] !== undefined) {
    try {
      recorded = decodeRunConfig(new TextDecoder().decode(m.files[FILES.config]), FILES.config).kernels;
    } catch {
      // the worker's open() reports what is wrong with the file
    }
  } else if (m.kind === "start" && m.settings.kernels !== "auto") {
    recorded = m.settings.kernels;
  }
  const best = chooseWasmVariant("auto", relaxed);
  let variant: WasmVariant = best;
  let note: string | null = null;
  if (recorded !== null) {
    const chosen = chooseWasmForRun(recorded, undefined, relaxed);
    variant = chosen.variant;
    note = m.kind === "open" ? chosen.note
      : chosen.note === null ? null : `kernels=${recorded}: this browser has no relaxed SIMD (Chrome ≥ 114 has it): the plain SIMD build runs`;
  }
  await loadWasm(variant);
  // a second thread where the page is cross-origin isolated (makemore lab's server sends the headers)
  // and the machine has the cores (src/kernels/threads.ts's autoThreads); else one, silently
  setThreads("auto");
  // a link's own build stays in it (shared on, it asks for the same arithmetic where that runs)
  const asked = m.kind === "start" ? m.settings.kernels : "auto";
  return { note, setting: asked !== "auto" ? asked : variant === best ? "auto" : variant };
}
