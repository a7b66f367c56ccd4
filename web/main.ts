// The lab's page: the words, the runs' workers, the worker's messages and the buttons. Training runs in a Web
// Worker (web/worker.ts); the page keeps what it streams, web/draw.ts redraws the charts, web/controls.ts
// holds the settings and web/tools.ts the tools' output. A new run (Reset, a new word file, an opened
// run) starts in a new worker, and replaces the current one only once it is ready: words or files that
// the worker refuses leave the current run as it was, with the refusal shown.

import { parseWords, DEFAULT_MAX_LINE_LENGTH } from "../src/data/words.ts";
import { modelType, modelTypeNames } from "../src/models/registry.ts";
import { MakemoreError } from "../src/errors.ts";
import type { FromWorker, LabSettings, ToWorker } from "./protocol.ts";
import { DEFAULT_SETTINGS, queryOf, settingsFromQuery } from "./settings.ts";
import { dropStaleRuns, forgetRun, keptRun, tabKey } from "./keep.ts";
import { clearCharts, liveRedrawer, type LabState } from "./draw.ts";
import { $, fillControls, isPlaying, readControls, readWatch, setPlaying } from "./controls.ts";
import { clearTools, showToolResult } from "./tools.ts";

/** While training runs, the run is kept for a reload this often (and at every pause, and when the page is hidden). */
const KEEP_MS = 5000;

const state: LabState = { info: null, step: 0, losses: new Float32Array(1 << 16), estimates: [], inside: null, samples: [], stepsPerSecond: 0, errors: [], drawn: {}, drawMs: {}, keptStep: -1 };
(window as unknown as { lab: LabState }).lab = state;
const requestRedraw = liveRedrawer(state);

const types = modelTypeNames();
const { settings: linked, ignored } = settingsFromQuery(location.search, (type) => (types.includes(type) ? modelType(type).fields : null));
/** The current run's settings (what the URL shows); before the first run, the link's. */
let settings: LabSettings = linked;

interface Words {
  text: string;
  source: string;
  count: number;
}
/** A run's worker, and the words it trains on. */
interface Launch {
  worker: Worker;
  words: Words;
  /** It opens the run kept for a reload, as it was after this many steps. */
  keptStep: number | null;
}
/** The current run's worker and words, and the one starting (until its "ready" it replaces nothing). */
let current: Launch | null = null;
let pending: Launch | null = null;

function showError(message: string | null): void {
  const el = $("error");
  el.hidden = message === null;
  el.textContent = message ?? "";
  if (message !== null) state.errors.push(message);
}

/** A library message whose advice names a CLI flag the page has no control for, told as the page can act on it. */
function forPage(message: string): string {
  return message.replace("(raise the limit with --max-line-length)", `(the lab reads lines of up to ${DEFAULT_MAX_LINE_LENGTH} characters; makemore train --max-line-length N reads longer ones)`);
}

const updateUrl = () => history.replaceState(null, "", `?${queryOf(settings, modelType(settings.type).fields)}`);

// ---------------------------------------------------------------- workers

function send(m: ToWorker): void {
  current?.worker.postMessage(m);
}

/** Starts a run in a new worker; it becomes the current run when it is ready, or is dropped with its error. */
function launch(first: Extract<ToWorker, { kind: "start" | "open" }>, words: Words, keptStep: number | null = null): void {
  pending?.worker.terminate();
  let worker: Worker;
  try {
    worker = new Worker("worker.js");
  } catch (e) {
    showError(`the trainer could not start: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const p: Launch = { worker, words, keptStep };
  pending = p;
  worker.onmessage = (ev: MessageEvent<FromWorker>) => {
    const m = ev.data;
    if (pending === p) {
      if (m.kind === "ready") adopt(p);
      else if (m.kind === "error") return refuse(p, m.message);
      else return;
    }
    if (current === p) receive(m);
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    if (pending === p) refuse(p, `the trainer could not start: ${ev.message}`);
    else if (current === p) {
      setPlaying(false);
      showError(`the trainer stopped: ${ev.message}`);
    }
  };
  worker.postMessage(first);
}

/** The starting run was refused: the current one goes on; a kept run that no longer opens is forgotten. */
function refuse(p: Launch, message: string): void {
  p.worker.terminate();
  pending = null;
  showError(forPage(message));
  if (p.keptStep !== null) {
    void forgetRun(tab);
    void startBundled();
  }
}

/** The started run replaces the current one: its words, an empty page, paused. */
function adopt(p: Launch): void {
  current?.worker.terminate();
  current = p;
  pending = null;
  $("data-name").textContent = `${p.words.source} (${p.words.count} words)`;
  Object.assign(state, { info: null, step: 0, estimates: [], inside: null, samples: [], stepsPerSecond: 0, keptStep: p.keptStep ?? -1 });
  document.querySelectorAll<HTMLElement>("[id^='chart-']").forEach((el) => {
    clearCharts(el);
    el.replaceChildren();
  });
  $("samples").replaceChildren();
  clearTools();
  setPlaying(false);
  if (p.keptStep === null) void forgetRun(tab); // the tab's run is this one now (the old worker is gone: its last write is ordered before this)
}

// ---------------------------------------------------------------- runs

/** A new run of the controls' settings on `words` (a bad control is named, and nothing starts). */
function startRun(words: Words): void {
  const { settings: s, problems } = readControls(settings);
  if (problems.length) {
    showError(problems.join("; "));
    fillControls(settings, startCurrent);
    return;
  }
  launch({ kind: "start", settings: s, words: words.text, source: words.source, watch: readWatch(s) }, words);
}

function startCurrent(): void {
  const w = current?.words ?? pending?.words;
  if (w) startRun(w);
}

/** Checks a word file as the CLI does (the same DataError messages). */
function checkWords(bytes: Uint8Array, source: string): Words | null {
  try {
    return { text: new TextDecoder().decode(bytes), source, count: parseWords(bytes, source).words.length };
  } catch (e) {
    showError(e instanceof MakemoreError ? forPage(e.message) : String(e));
    return null;
  }
}

async function startBundled(): Promise<void> {
  let res: Response;
  try {
    res = await fetch("names.txt");
  } catch {
    return showError("the bundled names could not be loaded: is the lab's server still running (npx makemore lab)?");
  }
  if (!res.ok) return showError(`the bundled names could not be loaded (HTTP ${res.status})`);
  const w = checkWords(new Uint8Array(await res.arrayBuffer()), "names.txt");
  if (w) startRun(w);
}

function keep(): void {
  if (state.info !== null && !state.info.modelOnly && state.step !== state.keptStep) send({ kind: "keep", key: tab, query: location.search });
}

function receive(m: FromWorker): void {
  switch (m.kind) {
    case "ready":
      if (state.errors.length === 0) showError(null);
      state.info = m.info;
      state.step = m.info.step;
      settings = m.info.settings;
      fillControls(settings, startCurrent);
      updateUrl();
      for (const id of ["play", "step", "save"]) $<HTMLButtonElement>(id).disabled = m.info.modelOnly;
      if (m.info.modelOnly) showError("this run was opened without its train_state.safetensors: it can be sampled, not trained");
      if (m.info.step > 0 && current!.keptStep === null) keep(); // an opened run: a reload comes back to it
      status(null);
      break;
    case "settings":
      settings = m.settings;
      fillControls(settings, startCurrent);
      updateUrl();
      break;
    case "losses": {
      const need = m.start + m.losses.length;
      if (need > state.losses.length) {
        const grown = new Float32Array(Math.max(need, 2 * state.losses.length));
        grown.set(state.losses);
        state.losses = grown;
      }
      state.losses.set(m.losses, m.start);
      state.step = need;
      state.stepsPerSecond = m.stepsPerSecond;
      status(m.lr);
      requestRedraw();
      break;
    }
    case "estimate":
      state.estimates.push({ step: m.step, losses: m.losses });
      break;
    case "inside":
      state.inside = m;
      requestRedraw();
      break;
    case "samples":
      state.samples = m.samples.map((s) => ({ step: m.step, word: s.word, mark: s.seenIn === null ? "new" : `in ${s.seenIn}` }));
      $("samples-step").textContent = `after ${m.step} steps`;
      $("samples").replaceChildren(
        ...state.samples.map((s) => {
          const li = document.createElement("li");
          li.textContent = s.word;
          li.appendChild(Object.assign(document.createElement("span"), { className: "mark", textContent: s.mark }));
          return li;
        }),
      );
      break;
    case "paused":
      setPlaying(false);
      keep();
      break;
    case "kept":
      state.keptStep = m.step;
      break;
    case "lr-finder":
    case "gradcheck":
    case "init-stages":
      showToolResult(m);
      break;
    case "files":
      // one download per file, named as the CLI names them: put them in one directory
      for (const [name, data] of Object.entries(m.files)) {
        const a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([data as BlobPart], { type: name.endsWith(".safetensors") ? "application/octet-stream" : "application/json" }));
        a.download = name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      }
      break;
    case "error":
      setPlaying(m.playing);
      showError(forPage(m.message));
      break;
  }
}

function status(lr: number | null): void {
  const i = state.info;
  const last = state.step > 0 ? state.losses[state.step - 1] : NaN;
  const est = state.estimates.at(-1);
  $("status").textContent = i === null
    ? "starting…"
    : `${i.type}, ${i.numParameters} parameters · step ${state.step} · loss ${Number.isFinite(last) ? last.toFixed(4) : "–"}` +
      (lr !== null ? ` · lr ${Number(lr.toPrecision(4))}` : "") +
      (est ? ` · estimate at ${est.step}: ${Object.entries(est.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}` : "") +
      ` · ${Math.round(state.stepsPerSecond)} steps/s`;
}

// ---------------------------------------------------------------- wiring

const tab = tabKey();
const click = (id: string, f: () => void) => $(id).addEventListener("click", f);

click("play", () => {
  setPlaying(true);
  send({ kind: "play" });
});
click("pause", () => send({ kind: "pause" }));
click("step", () => send({ kind: "step", count: 1 }));
click("reset", startCurrent);
click("save", () => send({ kind: "download" }));
for (const [id, tool, note] of [
  ["lr-finder", "lr-finder", "sweeping the learning rate over 1000 steps of a fresh copy of the model…"],
  ["init-stages", "init-stages", "training each init stage from the seed…"],
  ["gradcheck", "gradcheck", "checking every hand-written gradient against autograd…"],
] as const) {
  click(id, () => {
    $("tool-note").textContent = note;
    send({ kind: "tool", tool });
  });
}
click("use-lr", () => {
  const lr = Number($<HTMLButtonElement>("use-lr").dataset.lr);
  if (!(lr > 0)) return;
  $<HTMLInputElement>("lr").value = String(Number(lr.toPrecision(3)));
  $("lr").dispatchEvent(new Event("change"));
});
$("type").addEventListener("change", () => {
  const type = $<HTMLSelectElement>("type").value;
  fillControls({ ...DEFAULT_SETTINGS, type, evalEvery: settings.evalEvery, sampleEvery: settings.sampleEvery }, startCurrent);
  startCurrent();
});
$("seed").addEventListener("change", startCurrent);
// the schedule and the batch size change while the run goes on; the worker answers with the run's settings
for (const id of ["batch", "lr", "lr-decay-step"]) {
  $(id).addEventListener("change", () => {
    const { settings: s, problems } = readControls(settings);
    if (problems.length) {
      showError(problems.join("; "));
      return fillControls(settings, startCurrent);
    }
    const t = modelType(s.type).training;
    const decay = s.lrDecayStep ?? t.schedule.decayStep ?? "none";
    send({ kind: "retune", lr: s.lr ?? t.schedule.lr, lrDecayStep: decay === "none" ? null : decay, batchSize: s.batchSize ?? t.batchSize });
  });
}
// what the worker watches for: no new run either
for (const id of ["eval", "sample-every", "topk", "temperature"]) {
  $(id).addEventListener("change", () => {
    const { settings: s, problems } = readControls(settings);
    if (problems.length) showError(problems.join("; "));
    settings = { ...settings, evalEvery: s.evalEvery, sampleEvery: s.sampleEvery };
    fillControls(settings, startCurrent);
    updateUrl();
    send({ kind: "watch", watch: readWatch(settings) });
  });
}
$("temperature").addEventListener("input", () => ($("temperature-value").textContent = Number($<HTMLInputElement>("temperature").value).toFixed(1)));
click("sample", () => {
  const w = readWatch(settings);
  send({ kind: "sample", count: 10, temperature: w.temperature, topK: w.topK });
});

async function useFile(file: File): Promise<void> {
  const w = checkWords(new Uint8Array(await file.arrayBuffer()), file.name);
  if (w) startRun(w);
}
$("file").addEventListener("change", () => {
  const f = $<HTMLInputElement>("file").files?.[0];
  if (f) void useFile(f);
});
document.body.addEventListener("dragover", (e) => e.preventDefault());
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) void useFile(f);
});
click("use-paste", () => {
  const w = checkWords(new TextEncoder().encode($<HTMLTextAreaElement>("paste").value), "pasted words");
  if (w) startRun(w);
});
$("open").addEventListener("change", () => {
  const list = $<HTMLInputElement>("open").files;
  const w = current?.words;
  if (!list || list.length === 0 || !w) return;
  void Promise.all(Array.from(list, async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as const)).then((pairs) =>
    launch({ kind: "open", files: Object.fromEntries(pairs), words: w.text, source: w.source, watch: readWatch(settings) }, w),
  );
});

setInterval(() => {
  if (isPlaying()) keep();
}, KEEP_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") keep();
});

async function boot(): Promise<void> {
  if (location.protocol === "file:") {
    $("status").textContent = "";
    return showError("the lab runs from a web server, not from a file: run npx makemore lab and open the address it prints");
  }
  fillControls(settings, startCurrent);
  if (ignored.length) showError(`the link's ${ignored.join(", ")} could not be read: the type's default is used`);
  void dropStaleRuns();
  const kept = await keptRun(tab);
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  // a reload comes back to the tab's run; a link opened in the tab comes back to it only if it is that run's
  if (kept !== null && (nav?.type === "reload" || kept.query === location.search)) {
    const w = checkWords(new TextEncoder().encode(kept.words), kept.source);
    if (w) {
      launch({ kind: "open", files: kept.files, words: w.text, source: w.source, watch: readWatch(settings) }, w, kept.step);
    } else {
      await forgetRun(tab);
      await startBundled();
    }
  } else await startBundled();
  document.body.setAttribute("data-lab-ready", "1");
}
void boot();
