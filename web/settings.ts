// The lab's settings in the URL's query (`?type=deep&gain=1&batchnorm=0&seed=42&lr=0.1`), so a link
// reproduces a run. The model settings are the type's own config fields (the CLI's flags without their
// dashes: `n-embd`, `n-hidden`, `gain`, `init`; a `--no-…` switch is `batchnorm=0|1`). A value that does not
// parse, or a setting the type does not have, is dropped (the type's default) and reported back, so the
// page can say so.

import { parseNumber } from "../src/models/model_type.ts";
import type { ConfigField } from "../src/models/model_type.ts";
import type { LabSettings } from "./protocol.ts";
import type { RunSettings } from "../src/train/config.ts";
import { modelType } from "../src/models/registry.ts";

export const DEFAULT_SETTINGS: LabSettings = { type: "lecture", seed: null, batchSize: null, lr: null, lrDecayStep: null, model: {}, evalEvery: 1000, sampleEvery: 10000, kernels: "auto" };

/** A torch.Generator seed: decimal digits, below 2^64. */
export function isSeed(text: string): boolean {
  return /^[0-9]{1,20}$/.test(text) && BigInt(text) < 1n << 64n;
}

/** A whole number written in decimal digits (not `0x20`, `1e3`, ` 7` or `1.0`, which Number() would take), or undefined. */
export function decimalInteger(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A config field's name in the URL: its flag without the dashes (and without "no-" for a switch). */
export function queryKey(f: ConfigField): string {
  return f.flag.replace(/^--(no-)?/, "");
}

/** A field's value from its URL text, or undefined when it does not parse or is out of range. */
export function fieldValue(f: ConfigField, text: string): number | boolean | string | undefined {
  if (f.kind === "bool") return text === "1" ? true : text === "0" ? false : undefined;
  if (f.kind === "choice") return f.choices!.includes(text) ? text : undefined;
  const n = f.kind === "int" ? decimalInteger(text) ?? NaN : parseNumber(text);
  if (!Number.isFinite(n) || (f.kind === "int" && !Number.isSafeInteger(n))) return undefined;
  if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return undefined;
  return n;
}

/** The settings a query string holds, and the names of the parameters it could not read. */
export function settingsFromQuery(query: string, fieldsOf: (type: string) => readonly ConfigField[] | null): { settings: LabSettings; ignored: string[] } {
  const q = new URLSearchParams(query);
  const s: LabSettings = { ...DEFAULT_SETTINGS, model: {} };
  const ignored: string[] = [];
  const int = (name: string, min: number): number | null => {
    const v = q.get(name);
    if (v === null) return null;
    const n = decimalInteger(v);
    if (n === undefined || n < min) {
      ignored.push(name);
      return null;
    }
    return n;
  };
  const type = q.get("type");
  if (type !== null) {
    if (fieldsOf(type) !== null) s.type = type;
    else ignored.push("type");
  }
  const seed = q.get("seed");
  if (seed !== null) {
    if (isSeed(seed)) s.seed = String(BigInt(seed));
    else ignored.push("seed");
  }
  s.batchSize = int("batch", 1);
  const lr = q.get("lr");
  if (lr !== null) {
    const n = parseNumber(lr);
    if (n > 0 && Number.isFinite(n)) s.lr = n;
    else ignored.push("lr");
  }
  const ev = int("eval", 0);
  if (ev !== null) s.evalEvery = ev;
  const se = int("sample-every", 0);
  if (se !== null) s.sampleEvery = se;
  const kernels = q.get("kernels");
  if (kernels !== null) {
    if (kernels === "auto" || kernels === "simd" || kernels === "relaxed") s.kernels = kernels;
    else ignored.push("kernels");
  }
  const decay = q.get("lr-decay-step");
  if (decay === "none") s.lrDecayStep = "none";
  else if (decay !== null) s.lrDecayStep = int("lr-decay-step", 0);
  const fields = fieldsOf(s.type) ?? [];
  const known = new Set(["type", "seed", "batch", "lr", "lr-decay-step", "eval", "sample-every", "kernels"]);
  for (const f of fields) {
    const key = queryKey(f);
    known.add(key);
    const text = q.get(key);
    if (text === null) continue;
    const v = fieldValue(f, text);
    if (v === undefined) ignored.push(key);
    else s.model[f.key] = v;
  }
  for (const key of q.keys()) if (!known.has(key) && !ignored.includes(key)) ignored.push(key);
  return { settings: s, ignored };
}

/** The query string of `s` (only what differs from the defaults). */
export function queryOf(s: LabSettings, fields: readonly ConfigField[]): string {
  const q = new URLSearchParams();
  q.set("type", s.type);
  if (s.seed !== null) q.set("seed", String(s.seed));
  if (s.batchSize !== null) q.set("batch", String(s.batchSize));
  if (s.lr !== null) q.set("lr", String(s.lr));
  if (s.lrDecayStep !== null) q.set("lr-decay-step", String(s.lrDecayStep));
  for (const f of fields) {
    const v = s.model[f.key];
    if (v !== undefined) q.set(queryKey(f), typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  if (s.evalEvery !== DEFAULT_SETTINGS.evalEvery) q.set("eval", String(s.evalEvery));
  if (s.sampleEvery !== DEFAULT_SETTINGS.sampleEvery) q.set("sample-every", String(s.sampleEvery));
  if (s.kernels !== DEFAULT_SETTINGS.kernels) q.set("kernels", s.kernels);
  return q.toString();
}

/** A run's settings as the lab's (what equals its type's default left out): an opened run's, for the controls and the URL. */
export function labSettingsOf(r: RunSettings, watch: { evalEvery: number; sampleEvery: number; kernels?: LabSettings["kernels"] }): LabSettings {
  const t = modelType(r.model.type);
  const defaults = t.defaults as Record<string, unknown>;
  const model: LabSettings["model"] = {};
  for (const f of t.fields) {
    const v = r.model[f.key];
    if ((typeof v === "number" || typeof v === "boolean" || typeof v === "string") && v !== defaults[f.key]) model[f.key] = v;
  }
  const s = r.schedule;
  const decay = s.decayStep === t.training.schedule.decayStep ? null : s.decayStep === null ? "none" : s.decayStep;
  return {
    type: t.type,
    seed: r.training.seed === String(t.training.seed) ? null : r.training.seed,
    batchSize: r.training.batchSize === t.training.batchSize ? null : r.training.batchSize,
    lr: s.lr === t.training.schedule.lr ? null : s.lr,
    lrDecayStep: decay,
    model,
    evalEvery: watch.evalEvery,
    sampleEvery: watch.sampleEvery,
    kernels: watch.kernels ?? "auto",
  };
}
