// The runs the lab keeps across a reload of the page: one IndexedDB record per browser tab — the run's files
// as the CLI writes them (its checkpoint), the words it trains on, and the URL query it was started from.
// The worker writes it (web/worker.ts: every few seconds while training, at every pause), the page reads
// it at load: a reload opens it again where it was, a new link in the tab starts afresh. Each tab has its
// own key (sessionStorage, which a reload keeps and another tab does not share), so two tabs never write
// over each other's run; a record no tab has written for KEEP_DAYS is dropped.

const DB = "makemore-lab";
const STORE = "runs";
const TAB_KEY = "makemore-lab-tab";
/** How long a page waits for another tab to claim its key. */
const TAB_ASK_MS = 100;
/** A kept run nobody came back to for this many days is dropped (its tab was closed). */
const KEEP_DAYS = 7;

export interface KeptRun {
  query: string;
  source: string;
  /** The word file's bytes (a string in records of the lab's first version). */
  words: Uint8Array | string;
  step: number;
  files: Record<string, Uint8Array>;
  /** When it was written (ms since 1970). */
  time: number;
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
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      // a write counts once its transaction is committed, not when the request succeeds
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? req.error);
      tx.onabort = () => reject(tx.error ?? new Error("the write was aborted"));
    });
  } finally {
    db.close();
  }
}

/**
 * This tab's key (the page only: a worker is handed it). A tab opened by "Duplicate tab" or window.open
 * starts with a copy of its opener's sessionStorage, so the key is checked with the tabs open on the lab
 * (a BroadcastChannel): a key another tab answers for is replaced by a new one.
 */
export async function tabKey(): Promise<string> {
  const fresh = () => {
    const k = `tab-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(2)).join("-")}`;
    sessionStorage.setItem(TAB_KEY, k);
    return k;
  };
  let key = sessionStorage.getItem(TAB_KEY) ?? fresh();
  const channel = new BroadcastChannel(TAB_KEY);
  const taken = await new Promise<boolean>((resolve) => {
    channel.onmessage = (e: MessageEvent<{ taken?: string }>) => {
      if (e.data.taken === key) resolve(true);
    };
    channel.postMessage({ ask: key });
    setTimeout(() => resolve(false), TAB_ASK_MS);
  });
  if (taken) key = fresh();
  // from now on, this tab answers for its key
  channel.onmessage = (e: MessageEvent<{ ask?: string }>) => {
    if (e.data.ask === key) channel.postMessage({ taken: key });
  };
  return key;
}

export async function keepRun(key: string, r: KeptRun): Promise<void> {
  await withStore("readwrite", (s) => s.put(r, key));
}

/** The tab's kept run, or null (none, or storage unavailable: a private window may refuse it). */
export async function keptRun(key: string): Promise<KeptRun | null> {
  try {
    return ((await withStore("readonly", (s) => s.get(key))) as KeptRun | undefined) ?? null;
  } catch {
    return null;
  }
}

export async function forgetRun(key: string): Promise<void> {
  try {
    await withStore("readwrite", (s) => s.delete(key));
  } catch {
    // nothing kept, nothing to forget
  }
}

/** Drops the runs no tab has written for KEEP_DAYS (their tabs are gone: nothing would open them). */
export async function dropStaleRuns(now = Date.now()): Promise<void> {
  try {
    const db = await openDb();
    try {
      await new Promise<void>((resolve) => {
        const tx = db.transaction(STORE, "readwrite");
        const req = tx.objectStore(STORE).openCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (c === null) return;
          const time = (c.value as Partial<KeptRun>).time;
          if (typeof time !== "number" || now - time > KEEP_DAYS * 86400000) c.delete();
          c.continue();
        };
        tx.oncomplete = tx.onerror = tx.onabort = () => resolve();
      });
    } finally {
      db.close();
    }
  } catch {
    // storage unavailable: nothing kept
  }
}
