// The lab's page: the words, the worker's messages, the buttons and the run kept for a reload. Training runs
// in a Web Worker (web/worker.ts); the page keeps what it streams, web/draw.ts redraws the charts,
// web/controls.ts holds the settings, web/tools.ts the tools' output, and web/runs.ts hands a new run's
// worker over once it is ready (words or files it refuses leave the current run as it was).

import { DEFAULT_MAX_LINE_LENGTH } from "../src/data/words.ts";
import { modelType, modelTypeNames } from "../src/models/registry.ts";
import type { FromWorker, LabSettings, RunInfo, ToWorker } from "./protocol.ts";
import { DEFAULT_SETTINGS, queryOf, settingsFromQuery } from "./settings.ts";
import { dropStaleRuns, forgetRun, keptRun, tabKey } from "./keep.ts";
import { clearCharts, liveRedrawer, type LabState } from "./draw.ts";
import { $, fillControls, readControls, readWatch, setPlaying } from "./controls.ts";
import { clearTools, showToolResult } from "./tools.ts";
import { Runs, type Launch, type Words } from "./runs.ts";

/** While training runs, the run is kept for a reload this often (and at every pause, and when the page is hidden). */
const KEEP_MS = 5000;

const state: LabState = { info: null, step: 0, losses: new Float32Array(1 << 16), estimates: [], inside: null, samples: [], stepsPerSecond: 0, errors: [], drawn: {}, drawMs: {}, keptStep: -1 };
(window as unknown as { lab: LabState }).lab = state;
const requestRedraw = liveRedrawer(state);

const types = modelTypeNames();
const { settings: linked, ignored } = settingsFromQuery(location.search, (type) => (types.includes(type) ? modelType(type).fields : null));
/** The current run's settings (what the URL shows); before the first run, the link's. */
let settings: LabSettings = linked;

function showError(message: string | null): void {
  const el = $("error");
  el.hidden = message === null;
  el.textContent = message ?? "";
  if (message !== null) state.errors.push(message);
}

/** The page's names of the CLI's flags that library messages name. */
const CONTROL_NAMES: Record<string, string> = { "--batch-size": "batch size", "-b": "batch size", "--lr": "learning rate", "--lr-decay-step": "lr ÷10 at step", "--eval-every": "estimate every", "--sample-every": "sample every" };

/** A library message told as the page can act on it: its advice names the page's controls, not the CLI's flags. */
function forPage(message: string): string {
  return message
    .replace("(raise the limit with --max-line-length)", `(the lab reads lines of up to ${DEFAULT_MAX_LINE_LENGTH} characters; makemore train --max-line-length N reads longer ones)`)
    .replace("pass the original file with -i", "choose the run's word file first, then open the run")
    .replace("try a lower learning rate (--lr)", "set a lower learning rate and press Reset")
    .replace(/(?<![\w-])(--?[a-z][a-z0-9-]*)(\/-[a-z]|\/--[a-z-]+)?/g, (flag: string, name: string) => CONTROL_NAMES[name] ?? (name.startsWith("--") ? name.slice(2) : flag));
}

const updateUrl = () => history.replaceState(null, "", `?${queryOf(settings, modelType(settings.type).fields)}`);

// ---------------------------------------------------------------- workers

/** The current run, and the one starting (web/runs.ts); what each event means on the page. */
const runs = new Runs({
  adopted: adopt,
  message: receive,
  refused(p, message) {
    if (p.keptStep === null) return showError(forPage(message));
    // the tab's kept run no longer opens (damaged storage, another version): forgotten, and a fresh run says why
    void forgetRun(tab);
    void startBundled(`the run kept for this tab could not be opened, so a new one started: ${forPage(message)}`);
  },
  stopped(message) {
    buttons(false);
    showError(message);
  },
});
const send = (m: ToWorker) => runs.send(m);

/** Starts a run; it becomes the current one when its worker is ready, or is dropped with its error. */
function launch(first: Extract<ToWorker, { kind: "start" | "open" }>, words: Words, keptStep: number | null = null, note?: string): void {
  const failed = runs.launch(first, words, keptStep, note);
  if (failed !== null) showError(failed);
}

/** The buttons for a run that plays or not (a run opened without its training state neither plays nor steps). */
function buttons(playing: boolean): void {
  setPlaying(playing, runs.current !== null && state.info !== null && !state.info.modelOnly);
}

/** The started run replaces the current one: its words, an empty page, paused. */
function adopt(p: Launch): void {
  showError(p.note ?? null);
  Object.assign(state, { info: null, step: 0, estimates: [], inside: null, samples: [], stepsPerSecond: 0, keptStep: p.keptStep ?? -1 });
  document.querySelectorAll<HTMLElement>("[id^='chart-']").forEach((el) => {
    clearCharts(el);
    el.replaceChildren();
  });
  $("samples").replaceChildren();
  clearTools();
  if (p.keptStep === null) void forgetRun(tab); // the tab's run is this one now (the old worker is gone: its last write is ordered before this)
}

// ---------------------------------------------------------------- runs

/** A new run of the controls' settings on `words` (a bad control is named, and nothing starts). */
function startRun(words: Words, note?: string): void {
  const { settings: s, problems } = readControls(settings);
  if (problems.length) {
    showError(problems.join("; "));
    fillControls(settings, startCurrent);
    return;
  }
  launch({ kind: "start", settings: s, words: words.bytes, source: words.source, watch: readWatch(s) }, words, null, note);
}

function startCurrent(): void {
  const w = runs.words;
  if (w) startRun(w);
}

async function startBundled(note?: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch("names.txt");
  } catch {
    return showError("the bundled names could not be loaded: is the lab's server still running (npx makemore lab)?");
  }
  if (!res.ok) return showError(`the bundled names could not be loaded (HTTP ${res.status})`);
  startRun({ bytes: new Uint8Array(await res.arrayBuffer()), source: "names.txt" }, note);
}

/** Keeps the run for a reload if it trained since (the worker also keeps a settings change at the same step). */
function keep(settingsChanged = false): void {
  if (state.info !== null && !state.info.modelOnly && (settingsChanged || state.step !== state.keptStep)) send({ kind: "keep", key: tab, query: location.search });
}

function receive(m: FromWorker): void {
  switch (m.kind) {
    case "ready":
      state.info = m.info;
      state.step = m.info.step;
      settings = m.info.settings;
      $("data-name").textContent = `${m.info.data.source} (${m.info.data.words} words)`;
      fillControls(settings, startCurrent);
      updateUrl();
      buttons(false);
      $<HTMLButtonElement>("save").disabled = m.info.modelOnly;
      if (m.info.modelOnly) showError("this run was opened without its train_state.safetensors: it can be sampled, not trained");
      $("note").hidden = m.info.kernelsNote === null;
      $("note").textContent = m.info.kernelsNote ?? "";
      if (m.info.step > 0 && runs.current!.keptStep === null) keep(true); // an opened run: a reload comes back to it
      status(null);
      break;
    case "settings":
      // a change the worker took (a refusal follows as an error): the controls, the URL and the kept run say so
      showError(null);
      settings = m.settings;
      fillControls(settings, startCurrent);
      updateUrl();
      status(m.lr);
      keep(true);
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
      buttons(false);
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
      buttons(m.playing);
      showError(forPage(m.message));
      break;
  }
}

/** The status line's name for each build of the kernels. */
const KERNELS: Record<RunInfo["kernels"], string> = { relaxed: "wasm, fused multiply-add", simd: "wasm SIMD", ts: "TypeScript" };

let shownLr: number | null = null;
function status(lr: number | null): void {
  if (lr !== null) shownLr = lr;
  lr = shownLr;
  const i = state.info;
  const last = state.step > 0 ? state.losses[state.step - 1] : NaN;
  const est = state.estimates.at(-1);
  $("status").textContent = i === null
    ? "starting…"
    : `${i.type}, ${i.numParameters} parameters · step ${state.step} · loss ${Number.isFinite(last) ? last.toFixed(4) : "–"}` +
      (lr !== null ? ` · lr ${Number(lr.toPrecision(4))}` : "") +
      (est ? ` · estimate at ${est.step}: ${Object.entries(est.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}` : "") +
      ` · ${Math.round(state.stepsPerSecond)} steps/s (${KERNELS[i.kernels]}${i.threads > 1 ? `, ${i.threads} threads` : ""})`;
}

// ---------------------------------------------------------------- wiring

let tab = "";
const click = (id: string, f: () => void) => $(id).addEventListener("click", f);

click("play", () => {
  if (runs.current === null || state.info === null || state.info.modelOnly) return;
  buttons(true);
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
  fillControls({ ...DEFAULT_SETTINGS, type, evalEvery: settings.evalEvery, sampleEvery: settings.sampleEvery, kernels: settings.kernels }, startCurrent);
  startCurrent();
});
$("seed").addEventListener("change", startCurrent);
// the schedule and the batch size change while the run goes on (the worker answers with the run's
// settings); a batch larger than the run's buffers needs a new run, which starts at once
for (const id of ["batch", "lr", "lr-decay-step"]) {
  $(id).addEventListener("change", () => {
    const { settings: s, problems } = readControls(settings);
    if (problems.length) {
      showError(problems.join("; "));
      return fillControls(settings, startCurrent);
    }
    const t = modelType(s.type).training;
    const batch = s.batchSize ?? t.batchSize;
    const info = state.info;
    if (info !== null && batch > info.capacity) {
      const w = runs.words;
      if (w) startRun(w, `batch size ${batch} is more than this run was built for (${info.capacity} rows): a new run started at that batch size`);
      return;
    }
    const was = (k: "lr" | "lrDecayStep" | "batchSize") => s[k] === settings[k];
    if (was("lr") && was("lrDecayStep") && was("batchSize")) return; // a change event without a change (a blur)
    const decay = s.lrDecayStep ?? t.schedule.decayStep ?? "none";
    send({
      kind: "retune",
      ...(was("lr") ? {} : { lr: s.lr ?? t.schedule.lr }),
      ...(was("lrDecayStep") ? {} : { lrDecayStep: decay === "none" ? null : decay }),
      ...(was("batchSize") ? {} : { batchSize: batch }),
    });
  });
}
// what the worker watches for: no new run either
for (const id of ["eval", "sample-every", "topk", "temperature"]) {
  $(id).addEventListener("change", () => {
    const { settings: s, problems } = readControls(settings);
    const topK = $<HTMLInputElement>("topk").value.trim();
    if (topK !== "" && !/^[0-9]+$/.test(topK)) problems.push(`top-k: "${topK}" is not a whole number ≥ 0 (0: all tokens)`);
    showError(problems.length ? problems.join("; ") : null);
    settings = { ...settings, evalEvery: s.evalEvery, sampleEvery: s.sampleEvery };
    fillControls(settings, startCurrent);
    updateUrl();
    send({ kind: "watch", watch: readWatch(settings) });
    keep(true);
  });
}
$("temperature").addEventListener("input", () => ($("temperature-value").textContent = Number($<HTMLInputElement>("temperature").value).toFixed(1)));
click("sample", () => {
  const w = readWatch(settings);
  send({ kind: "sample", count: 10, temperature: w.temperature, topK: w.topK });
});

/** A file chosen or dropped: a new run on its words (the worker reads them; what it refuses leaves the run as it was). */
async function useFile(file: File): Promise<void> {
  startRun({ bytes: new Uint8Array(await file.arrayBuffer()), source: file.name });
}
$("file").addEventListener("change", () => {
  const input = $<HTMLInputElement>("file");
  const f = input.files?.[0];
  if (f) void useFile(f).finally(() => (input.value = "")); // the same file chosen again is a change again
});
document.body.addEventListener("dragover", (e) => e.preventDefault());
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) void useFile(f);
});
click("use-paste", () => startRun({ bytes: new TextEncoder().encode($<HTMLTextAreaElement>("paste").value), source: "pasted words" }));
$("open").addEventListener("change", () => {
  const input = $<HTMLInputElement>("open");
  const list = input.files;
  if (!list || list.length === 0) return;
  const files = Array.from(list);
  input.value = "";
  void Promise.all(files.map(async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as const)).then((pairs) => {
    const w = runs.words;
    if (w === null) return showError("the page is still loading its words: open the run again in a moment");
    launch({ kind: "open", files: Object.fromEntries(pairs), words: w.bytes, source: w.source, watch: readWatch(settings) }, w);
  });
});

// kept for a reload: every KEEP_MS if it trained (Play or Step), and when the page is hidden
setInterval(() => keep(), KEEP_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") keep();
});

async function boot(): Promise<void> {
  if (location.protocol === "file:") {
    $("status").textContent = "";
    return showError("the lab runs from a web server, not from a file: run npx makemore lab and open the address it prints");
  }
  fillControls(settings, startCurrent);
  const note = ignored.length ? `the link's ${ignored.join(", ")} could not be read: the type's default is used` : undefined;
  if (note) showError(note);
  tab = await tabKey();
  void dropStaleRuns();
  const kept = await keptRun(tab);
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  // a reload or Back comes back to the tab's run; a link opened in the tab only if it is that run's
  if (kept !== null && (nav?.type === "reload" || nav?.type === "back_forward" || kept.query === location.search)) {
    const words = typeof kept.words === "string" ? new TextEncoder().encode(kept.words) : kept.words;
    launch({ kind: "open", files: kept.files, words, source: kept.source, watch: readWatch(settings) }, { bytes: words, source: kept.source }, kept.step);
  } else await startBundled(note);
  document.body.setAttribute("data-lab-ready", "1");
}
void boot();
