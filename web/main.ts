// The lab's page: the controls, the settings in the URL, the words, and the worker's messages. Training runs
// in a Web Worker (web/worker.ts); the page keeps what it streams and web/draw.ts redraws the charts.

import { fmt, lrFinderChart } from "../src/report/charts.ts";
import { initLogitsChart, initLossChart, initMapsChart, initSaturationChart, initTable, initW2Chart } from "../src/report/charts_inside.ts";
import { gainActivationChart, gainGradientChart, gainTable, gainUpdateRatioChart } from "../src/report/charts_deep.ts";
import type { ChartSpec, Item } from "../src/report/spec.ts";
import { parseWords } from "../src/data/words.ts";
import { modelType, modelTypeNames } from "../src/models/registry.ts";
import { MakemoreError } from "../src/errors.ts";
import type { ConfigField } from "../src/models/model_type.ts";
import type { FromWorker, LabSettings, ToWorker } from "./protocol.ts";
import { fieldValue, queryKey, queryOf, settingsFromQuery } from "./settings.ts";
import { asBytes, forgetRun, keepRun, keptRun } from "./keep.ts";
import { clearCharts, drawItems, liveRedrawer, type LabState } from "./draw.ts";

/** While training runs, the run is kept for a reload this often (and at every pause). */
const KEEP_MS = 30000;

const state: LabState = { info: null, step: 0, losses: new Float32Array(1 << 16), estimates: [], inside: null, samples: [], stepsPerSecond: 0, errors: [], drawn: {}, drawMs: {}, keptStep: -1 };
(window as unknown as { lab: LabState }).lab = state;

const requestRedraw = liveRedrawer(state);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const types = modelTypeNames();
const fieldsOf = (type: string): readonly ConfigField[] | null => (types.includes(type) ? modelType(type).fields : null);
const { settings: initial, ignored } = settingsFromQuery(location.search, fieldsOf);
let settings: LabSettings = initial;
let words: { text: string; source: string } | null = null;
let worker: Worker | null = null;

function showError(message: string | null): void {
  const el = $("error");
  el.hidden = message === null;
  el.textContent = message ?? "";
  if (message !== null) state.errors.push(message);
}

// ---------------------------------------------------------------- controls

function fillControls(): void {
  const typeSel = $<HTMLSelectElement>("type");
  typeSel.replaceChildren(...types.map((t) => new Option(`${t}: ${modelType(t).description}`, t)));
  typeSel.value = settings.type;
  const t = modelType(settings.type);
  const defaults = t.defaults as Record<string, unknown>;
  // the type's own settings, one control per config field (the CLI's flags), showing the run's value
  $("model-fields").replaceChildren(
    ...t.fields.map((f) => {
      const label = document.createElement("label");
      label.title = f.help;
      const value = settings.model[f.key] ?? defaults[f.key];
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.kind === "choice") {
        input = document.createElement("select");
        input.append(...f.choices!.map((c) => new Option(c, c)));
        input.value = String(value);
      } else {
        input = document.createElement("input");
        if (f.kind === "bool") {
          input.type = "checkbox";
          input.checked = value === true;
        } else {
          input.type = f.kind === "int" ? "number" : "text";
          if (f.kind === "int") input.step = "1";
          input.value = f.key === "gain" && value === 5 / 3 ? "5/3" : String(value ?? "");
        }
      }
      input.id = `field-${queryKey(f)}`;
      input.dataset.key = f.key;
      input.addEventListener("change", () => reset());
      label.append(`${f.kind === "bool" ? "" : `${queryKey(f)} `}`, input, f.kind === "bool" ? ` ${queryKey(f)}` : "");
      return label;
    }),
  );
  $<HTMLInputElement>("seed").value = String(settings.seed ?? t.training.seed);
  $<HTMLInputElement>("batch").value = String(settings.batchSize ?? t.training.batchSize);
  $<HTMLInputElement>("lr").value = String(settings.lr ?? t.training.schedule.lr);
  $<HTMLInputElement>("eval").value = String(settings.evalEvery);
}

/** The settings the controls hold (what equals the type's default stays out); a value that does not parse is an error. */
function readControls(): LabSettings {
  const type = $<HTMLSelectElement>("type").value;
  const t = modelType(type);
  const defaults = t.defaults as Record<string, unknown>;
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  const seed = num("seed");
  const batch = num("batch");
  const lr = num("lr");
  const model: LabSettings["model"] = {};
  for (const f of t.fields) {
    const el = document.getElementById(`field-${queryKey(f)}`) as HTMLInputElement | HTMLSelectElement | null;
    if (el === null || el.dataset.key !== f.key) continue; // the controls are another type's
    const v = f.kind === "bool" ? (el as HTMLInputElement).checked : fieldValue(f, el.value);
    if (v === undefined) {
      showError(`${queryKey(f)}: "${el.value}" is not a valid value (${f.help}); the type's default is used`);
      continue;
    }
    if (v !== defaults[f.key]) model[f.key] = v;
  }
  return {
    type,
    seed: Number.isSafeInteger(seed) && seed >= 0 && seed !== Number(t.training.seed) ? seed : null,
    batchSize: Number.isSafeInteger(batch) && batch >= 1 && batch !== t.training.batchSize ? batch : null,
    lr: lr > 0 && lr !== t.training.schedule.lr ? lr : null,
    model,
    evalEvery: Math.max(0, Math.floor(num("eval")) || 0),
  };
}

function setPlaying(playing: boolean): void {
  $<HTMLButtonElement>("play").disabled = playing;
  $<HTMLButtonElement>("pause").disabled = !playing;
  $<HTMLButtonElement>("step").disabled = playing;
}

// ---------------------------------------------------------------- the worker

function send(m: ToWorker): void {
  worker?.postMessage(m);
}

/** A new worker, and the page's state emptied for its run. */
function newWorker(): void {
  worker?.terminate();
  worker = new Worker("worker.js");
  worker.onmessage = (ev: MessageEvent<FromWorker>) => receive(ev.data);
  worker.onerror = (ev) => showError(`the trainer stopped: ${ev.message}`);
  Object.assign(state, { info: null, step: 0, estimates: [], inside: null, samples: [], stepsPerSecond: 0, keptStep: -1 });
  setPlaying(false);
}

function reset(): void {
  settings = readControls();
  history.replaceState(null, "", `?${queryOf(settings, modelType(settings.type).fields)}`);
  newWorker();
  void forgetRun();
  send({ kind: "start", settings, words: words!.text, source: words!.source });
}

/** Continues a run from its files (a CLI run directory's, or the one kept for a reload). */
function openRun(files: Record<string, Uint8Array>): void {
  newWorker();
  send({ kind: "open", files, words: words!.text, source: words!.source, evalEvery: settings.evalEvery });
}

function keep(): void {
  if (state.info !== null && !state.info.modelOnly && state.step > state.keptStep) send({ kind: "save", purpose: "keep" });
}

function receive(m: FromWorker): void {
  switch (m.kind) {
    case "ready":
      if (state.errors.length === 0) showError(null);
      state.info = m.info;
      state.step = m.info.step;
      if (m.info.modelOnly) showError("this run was opened without its train_state.safetensors: it can be sampled, not trained");
      status();
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
      status();
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
      $("samples").replaceChildren(
        ...state.samples.map((s) => {
          const li = document.createElement("li");
          li.textContent = s.word;
          const mark = document.createElement("span");
          mark.className = "mark";
          mark.textContent = s.mark;
          li.appendChild(mark);
          return li;
        }),
      );
      break;
    case "paused":
      setPlaying(false);
      keep();
      break;
    case "lr-finder": {
      const r = m.result;
      const s = r.suggestion;
      $("tool-note").textContent = s
        ? `suggested learning rate ${fmt(s.lr, 3)} (10^${s.exp.toFixed(3)}): the lowest moving average over ${r.window} steps`
        : `no suggestion: ${r.noValley ?? "the sweep found no valley"}`;
      $<HTMLButtonElement>("use-lr").hidden = s === null;
      $<HTMLButtonElement>("use-lr").dataset.lr = s ? String(s.lr) : "";
      drawItems($("tool-output"), [lrFinderChart(r)]);
      break;
    }
    case "gradcheck": {
      $("tool-note").textContent = m.ok ? "every gradient checks: the hand-written backward agrees with autograd" : "some gradients do not check: see the rows marked False";
      const pre = Object.assign(document.createElement("pre"), { id: "cmp", textContent: m.text });
      clearCharts($("tool-output"));
      $("tool-output").replaceChildren(pre);
      break;
    }
    case "init-stages": {
      const items: Item[] = [];
      if (m.init) {
        const e = m.init;
        items.push(initTable(e), initLossChart(e), ...[initW2Chart(e)].filter((c): c is ChartSpec => c !== null), initLogitsChart(e), initSaturationChart(e), initMapsChart(e));
      }
      if (m.gains) {
        const g = m.gains;
        items.push(gainTable(g), gainActivationChart(g), gainGradientChart(g), gainUpdateRatioChart(g));
      }
      $("tool-note").textContent = items.length ? "" : "the init stages are the lecture model's, the gain experiments the deep network's: pick one of those types";
      drawItems($("tool-output"), items);
      break;
    }
    case "files":
      if (m.purpose === "keep") {
        const step = m.step;
        keepRun({ query: location.search, source: words!.source, words: words!.text, step, files: asBytes(m.files) })
          .then(() => (state.keptStep = step))
          .catch(() => {}); // storage refused (a private window): the page just does not come back
        break;
      }
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
      setPlaying(false);
      showError(m.message);
      break;
  }
}

function status(): void {
  const i = state.info;
  const last = state.step > 0 ? state.losses[state.step - 1] : NaN;
  const est = state.estimates.at(-1);
  $("status").textContent = i === null
    ? "starting…"
    : `${i.type}, ${i.numParameters} parameters · step ${state.step} · loss ${Number.isFinite(last) ? last.toFixed(4) : "–"}` +
      (est ? ` · estimate at ${est.step}: ${Object.entries(est.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}` : "") +
      ` · ${Math.round(state.stepsPerSecond)} steps/s`;
}

// ---------------------------------------------------------------- data

/** Checks a word file as the CLI does (the same DataError messages) and makes it the run's data. */
function useWords(bytes: Uint8Array, source: string): boolean {
  try {
    const list = parseWords(bytes, source);
    words = { text: new TextDecoder().decode(bytes), source };
    $("data-name").textContent = `${source} (${list.words.length} words)`;
    return true;
  } catch (e) {
    showError(e instanceof MakemoreError ? e.message : String(e));
    return false;
  }
}

async function readFile(file: File): Promise<void> {
  if (useWords(new Uint8Array(await file.arrayBuffer()), file.name)) reset();
}

// ---------------------------------------------------------------- wiring

$("play").addEventListener("click", () => {
  setPlaying(true);
  send({ kind: "play" });
});
$("pause").addEventListener("click", () => send({ kind: "pause" }));
$("step").addEventListener("click", () => send({ kind: "step", count: 1 }));
$("reset").addEventListener("click", () => reset());
$("save").addEventListener("click", () => send({ kind: "save", purpose: "download" }));
$("lr-finder").addEventListener("click", () => {
  $("tool-note").textContent = "sweeping the learning rate over 1000 steps of a fresh copy of the model…";
  send({ kind: "tool", tool: "lr-finder" });
});
$("init-stages").addEventListener("click", () => {
  $("tool-note").textContent = "training each init stage from the seed…";
  send({ kind: "tool", tool: "init-stages" });
});
$("gradcheck").addEventListener("click", () => {
  $("tool-note").textContent = "checking every hand-written gradient against autograd…";
  send({ kind: "tool", tool: "gradcheck" });
});
$("use-lr").addEventListener("click", () => {
  const lr = Number($<HTMLButtonElement>("use-lr").dataset.lr);
  if (!(lr > 0)) return;
  $<HTMLInputElement>("lr").value = String(Number(lr.toPrecision(3)));
  $("lr").dispatchEvent(new Event("change"));
});
$("open").addEventListener("change", () => {
  const list = $<HTMLInputElement>("open").files;
  if (!list || list.length === 0) return;
  void Promise.all(Array.from({ length: list.length }, (_, i) => list[i]).map(async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as const)).then((pairs) => openRun(Object.fromEntries(pairs)));
});
setInterval(() => {
  if (!$<HTMLButtonElement>("play").disabled) return; // not playing
  keep();
}, KEEP_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") keep();
});
$("type").addEventListener("change", () => {
  settings = { ...readControls(), seed: null, batchSize: null, lr: null, model: {} };
  fillControls();
  reset();
});
for (const id of ["seed", "batch", "eval"]) $(id).addEventListener("change", () => reset());
$("lr").addEventListener("change", () => {
  const lr = Number($<HTMLInputElement>("lr").value);
  if (!(lr > 0 && Number.isFinite(lr))) return showError("the learning rate must be a number > 0");
  settings = readControls();
  history.replaceState(null, "", `?${queryOf(settings, modelType(settings.type).fields)}`);
  send({ kind: "lr", lr }); // takes effect at the next step, without a reset
});
$("file").addEventListener("change", () => {
  const f = $<HTMLInputElement>("file").files?.[0];
  if (f) void readFile(f);
});
document.body.addEventListener("dragover", (e) => e.preventDefault());
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) void readFile(f);
});
$("use-paste").addEventListener("click", () => {
  if (useWords(new TextEncoder().encode($<HTMLTextAreaElement>("paste").value), "pasted words")) reset();
});
$("temperature").addEventListener("input", () => ($("temperature-value").textContent = Number($<HTMLInputElement>("temperature").value).toFixed(1)));
$("sample").addEventListener("click", () => {
  const k = Math.floor(Number($<HTMLInputElement>("topk").value));
  send({ kind: "sample", count: 10, temperature: Number($<HTMLInputElement>("temperature").value), topK: k > 0 ? k : null });
});

async function boot(): Promise<void> {
  fillControls();
  if (ignored.length) showError(`the link's ${ignored.join(", ")} could not be read: the type's default is used`);
  const kept = await keptRun();
  if (kept !== null && kept.query === location.search && useWords(new TextEncoder().encode(kept.words), kept.source)) {
    openRun(kept.files); // a reload: on where it was
    state.keptStep = kept.step;
  } else {
    const res = await fetch("names.txt");
    if (!res.ok) return showError(`the bundled names could not be loaded (HTTP ${res.status})`);
    if (useWords(new Uint8Array(await res.arrayBuffer()), "names.txt")) reset();
  }
  document.body.setAttribute("data-lab-ready", "1");
}
void boot();
