// The lab's controls: the model type and its own config fields (the CLI's flags, by the same names), the
// seed, the batch size, the learning rate and its decay step, how often to estimate and sample. They show a
// run's settings (fillControls) and read back what the user typed (readControls): a value that does not
// parse is named, never replaced silently, and the run's own value stays.

import { modelType, modelTypeNames } from "../src/models/registry.ts";
import type { LabSettings, Watch } from "./protocol.ts";
import { decimalInteger, fieldValue, isSeed, queryKey } from "./settings.ts";

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);

/** Shows `s` in the controls, with one control per config field of its type. `onModel`: a model field changed. */
export function fillControls(s: LabSettings, onModel: () => void): void {
  const typeSel = $<HTMLSelectElement>("type");
  if (typeSel.options.length === 0) typeSel.replaceChildren(...modelTypeNames().map((t) => new Option(`${t}: ${modelType(t).description}`, t)));
  typeSel.value = s.type;
  const t = modelType(s.type);
  const defaults = t.defaults as Record<string, unknown>;
  $("model-fields").replaceChildren(
    ...t.fields.map((f) => {
      const label = document.createElement("label");
      label.title = f.help;
      const value = s.model[f.key] ?? defaults[f.key];
      let el: HTMLInputElement | HTMLSelectElement;
      if (f.kind === "choice") {
        el = document.createElement("select");
        el.append(...f.choices!.map((c) => new Option(c, c)));
        el.value = String(value);
      } else {
        el = document.createElement("input");
        if (f.kind === "bool") {
          el.type = "checkbox";
          el.checked = value === true;
        } else {
          el.type = "text"; // a number input would hand over "" for what does not parse, and the message could not quote it
          el.inputMode = f.kind === "int" ? "numeric" : "decimal";
          el.value = f.key === "gain" && value === 5 / 3 ? "5/3" : String(value ?? "");
        }
      }
      el.id = `field-${queryKey(f)}`;
      el.dataset.key = f.key;
      el.addEventListener("change", onModel);
      label.append(f.kind === "bool" ? "" : `${queryKey(f)} `, el, f.kind === "bool" ? ` ${queryKey(f)}` : "");
      return label;
    }),
  );
  const show = (id: string, value: string) => (input(id).value = value);
  show("seed", s.seed ?? String(t.training.seed));
  show("batch", String(s.batchSize ?? t.training.batchSize));
  show("lr", String(s.lr ?? t.training.schedule.lr));
  const decay = s.lrDecayStep ?? t.training.schedule.decayStep;
  show("lr-decay-step", decay === null || decay === "none" ? "none" : String(decay));
  show("eval", String(s.evalEvery));
  show("sample-every", String(s.sampleEvery));
}

/**
 * The settings the controls hold, on top of `current` (the run's): each control that does not parse keeps
 * the run's value and is named in `problems`. What equals the type's default is left out (null), as in a URL.
 */
export function readControls(current: LabSettings): { settings: LabSettings; problems: string[] } {
  const problems: string[] = [];
  const type = $<HTMLSelectElement>("type").value;
  const t = modelType(type);
  const sameType = type === current.type;
  const defaults = t.defaults as Record<string, unknown>;
  const model: LabSettings["model"] = {};
  for (const f of t.fields) {
    const el = document.getElementById(`field-${queryKey(f)}`) as HTMLInputElement | HTMLSelectElement | null;
    if (el === null || el.dataset.key !== f.key) continue; // the controls are another type's
    const v = f.kind === "bool" ? (el as HTMLInputElement).checked : fieldValue(f, el.value.trim());
    if (v === undefined) {
      problems.push(`${queryKey(f)}: "${el.value}" is not a valid value (${f.help})`);
      if (sameType && current.model[f.key] !== undefined) model[f.key] = current.model[f.key];
    } else if (v !== defaults[f.key]) model[f.key] = v;
  }
  const text = (id: string) => input(id).value.trim();
  const keep = <K extends keyof LabSettings>(k: K): LabSettings[K] | null => (sameType ? current[k] : null);

  let seed = keep("seed");
  if (isSeed(text("seed"))) seed = BigInt(text("seed")) === BigInt(t.training.seed) ? null : String(BigInt(text("seed")));
  else problems.push(`seed: "${text("seed")}" is not a seed (a whole number from 0 to 2^64 − 1)`);

  let batchSize = keep("batchSize");
  const b = decimalInteger(text("batch"));
  if (b !== undefined && b >= 1) batchSize = b === t.training.batchSize ? null : b;
  else problems.push(`batch size: "${text("batch")}" is not a whole number ≥ 1`);

  let lr = keep("lr");
  const l = Number(text("lr"));
  if (text("lr") !== "" && l > 0 && Number.isFinite(l)) lr = l === t.training.schedule.lr ? null : l;
  else problems.push(`learning rate: "${text("lr")}" is not a number > 0`);

  let lrDecayStep = keep("lrDecayStep");
  const d = text("lr-decay-step");
  const step = d === "" || d === "none" ? "none" : decimalInteger(d);
  if (step === undefined) problems.push(`lr ÷10 at step: "${d}" is not a step (a whole number ≥ 0) or none`);
  else {
    const typeDefault = t.training.schedule.decayStep ?? "none";
    lrDecayStep = step === typeDefault ? null : step;
  }

  const every = (id: string, name: string, was: number): number => {
    const n = decimalInteger(text(id));
    if (n !== undefined) return n;
    problems.push(`${name}: "${text(id)}" is not a whole number ≥ 0 (0: never)`);
    return was;
  };
  const evalEvery = every("eval", "estimate every", current.evalEvery);
  const sampleEvery = every("sample-every", "sample every", current.sampleEvery);
  return { settings: { type, seed, batchSize, lr, lrDecayStep, model, evalEvery, sampleEvery, kernels: current.kernels }, problems };
}

/** What the worker watches for, from the controls. */
export function readWatch(s: LabSettings): Watch {
  const k = Math.floor(Number(input("topk").value));
  return { evalEvery: s.evalEvery, sampleEvery: s.sampleEvery, temperature: Number(input("temperature").value), topK: k > 0 ? k : null };
}

/** Play, Pause and Step for a run that plays or not; a run that cannot train (`trainable` false) has none of them. */
export function setPlaying(playing: boolean, trainable = true): void {
  $<HTMLButtonElement>("play").disabled = playing || !trainable;
  $<HTMLButtonElement>("pause").disabled = !playing || !trainable;
  $<HTMLButtonElement>("step").disabled = playing || !trainable;
}
