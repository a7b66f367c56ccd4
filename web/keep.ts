// The run the lab keeps across a reload of the page: one record in IndexedDB — the run's files as the CLI
// writes them (its checkpoint), the words it trains on, and the URL query it was started from. A reload
// with the same query opens it again where it was; another query, or Reset, starts afresh.

const DB = "makemore-lab";
const STORE = "runs";
const KEY = "current";

export interface KeptRun {
  query: string;
  source: string;
  words: string;
  step: number;
  files: Record<string, Uint8Array>;
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = f(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

export async function keepRun(r: KeptRun): Promise<void> {
  await withStore("readwrite", (s) => s.put(r, KEY));
}

/** The kept run, or null (none, or storage unavailable: a private window may refuse it). */
export async function keptRun(): Promise<KeptRun | null> {
  try {
    return ((await withStore("readonly", (s) => s.get(KEY))) as KeptRun | undefined) ?? null;
  } catch {
    return null;
  }
}

export async function forgetRun(): Promise<void> {
  try {
    await withStore("readwrite", (s) => s.delete(KEY));
  } catch {
    // nothing kept, nothing to forget
  }
}

/** A worker's file map with its text files as bytes, as IndexedDB and the worker's "open" take them. */
export function asBytes(files: Record<string, Uint8Array | string>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === "string" ? new TextEncoder().encode(v) : v]));
}
