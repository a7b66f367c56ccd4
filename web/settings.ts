// The lab's settings in the URL's query (`?type=lecture&seed=42&lr=0.1`), so a link reproduces a run. A
// value that does not parse is dropped (the type's default), and reported back so the page can say so.

import type { LabSettings } from "./protocol.ts";

export const DEFAULT_SETTINGS: LabSettings = { type: "lecture", seed: null, batchSize: null, lr: null, init: null, batchNorm: null, evalEvery: 1000 };

/** The settings a query string holds, and the names of the parameters it could not read. */
export function settingsFromQuery(query: string, types: readonly string[]): { settings: LabSettings; ignored: string[] } {
  const q = new URLSearchParams(query);
  const s: LabSettings = { ...DEFAULT_SETTINGS };
  const ignored: string[] = [];
  const int = (name: string, min: number): number | null => {
    const v = q.get(name);
    if (v === null) return null;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) {
      ignored.push(name);
      return null;
    }
    return n;
  };
  const type = q.get("type");
  if (type !== null) {
    if (types.includes(type)) s.type = type;
    else ignored.push("type");
  }
  s.seed = int("seed", 0);
  s.batchSize = int("batch", 1);
  const lr = q.get("lr");
  if (lr !== null) {
    const n = Number(lr);
    if (n > 0 && Number.isFinite(n)) s.lr = n;
    else ignored.push("lr");
  }
  const init = q.get("init");
  if (init !== null) s.init = init;
  const bn = q.get("bn");
  if (bn !== null) {
    if (bn === "0" || bn === "1") s.batchNorm = bn === "1";
    else ignored.push("bn");
  }
  const ev = int("eval", 0);
  if (ev !== null) s.evalEvery = ev;
  return { settings: s, ignored };
}

/** The query string of `s` (only what differs from the defaults). */
export function queryOf(s: LabSettings): string {
  const q = new URLSearchParams();
  q.set("type", s.type);
  if (s.seed !== null) q.set("seed", String(s.seed));
  if (s.batchSize !== null) q.set("batch", String(s.batchSize));
  if (s.lr !== null) q.set("lr", String(s.lr));
  if (s.init !== null) q.set("init", s.init);
  if (s.batchNorm !== null) q.set("bn", s.batchNorm ? "1" : "0");
  if (s.evalEvery !== DEFAULT_SETTINGS.evalEvery) q.set("eval", String(s.evalEvery));
  return q.toString();
}
