// The kept experiments, in the browser's IndexedDB: one record per experiment that
// finished or was stopped (or was imported from a CSV), newest first, within LIMITS.
//
// An entry is `{id, created, name, auto, query, config, csv, mode, kind, pinned, bytes}`:
// `query` is the experiment's link query (the core's, with its schema version), `config`
// the config object, `csv` its records in the core's CSV form (what "Export CSV" saves),
// `auto` the label the core wrote for it (what changed from the entry before) and `name`
// the reader's own label ("" until renamed). `bytes` is the size of the csv text, which
// the bounds count.
//
// Bounds (LIMITS): at most 40 entries and 8 MB of CSV text in all; an experiment whose
// CSV alone is larger than 4 MB is not kept (the caller says so). When an addition goes
// over, the oldest unpinned entries go first, then the oldest pinned ones; the entry just
// added is never evicted. `evictions` is that rule as a pure function, tested natively.
//
// Where IndexedDB is unavailable (a sandboxed frame, a private mode that refuses it) the
// store keeps its entries in memory for the page's life and says so (`persistent`).
// Nothing here draws, parses a config or knows the DOM.

export const LIMITS = { entries: 40, bytes: 8 * 1024 * 1024, entryBytes: 4 * 1024 * 1024 };

const DB_NAME = "lr-batch-playground";
const STORE = "experiments";

/**
 * The ids to delete so that `entries` (newest first) fit `limits`; `keep` is never chosen.
 * @param {{id: number, bytes: number, pinned?: boolean}[]} entries
 * @returns {number[]}
 */
export function evictions(entries, limits = LIMITS, keep = null) {
  let count = entries.length;
  let bytes = entries.reduce((s, e) => s + (e.bytes || 0), 0);
  const out = [];
  const oldestFirst = [...entries].reverse().filter((e) => e.id !== keep);
  for (const pass of [false, true]) {
    for (const e of oldestFirst) {
      if (count <= limits.entries && bytes <= limits.bytes) return out;
      if (Boolean(e.pinned) !== pass || out.includes(e.id)) continue;
      out.push(e.id);
      count -= 1;
      bytes -= e.bytes || 0;
    }
  }
  return out;
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The entries of one IndexedDB database, or of memory when that cannot be opened. */
export class KeptStore {
  constructor(db) {
    this.db = db;
    this.memory = new Map();
    this.nextId = 1;
    this.persistent = Boolean(db);
  }

  static async open(name = DB_NAME) {
    try {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      return new KeptStore(await request(open));
    } catch {
      return new KeptStore(null);
    }
  }

  tx(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** Every entry, newest first. */
  async list() {
    const all = this.db ? await request(this.tx("readonly").getAll()) : [...this.memory.values()];
    return all.sort((a, b) => b.created - a.created || b.id - a.id);
  }

  /**
   * Adds `entry` and evicts what the bounds require.
   * @returns {Promise<{id: number, evicted: number[]} | {error: string}>}
   */
  async add(entry) {
    const bytes = entry.csv.length;
    if (bytes > LIMITS.entryBytes) {
      return {
        error: `its records are ${(bytes / 1e6).toFixed(1)} MB; at most ${LIMITS.entryBytes / 1e6} MB are kept`,
      };
    }
    const e = { ...entry, bytes, created: entry.created ?? Date.now(), pinned: Boolean(entry.pinned) };
    let id;
    if (this.db) {
      id = await request(this.tx("readwrite").add(e));
    } else {
      id = this.nextId++;
      this.memory.set(id, { ...e, id });
    }
    const evicted = evictions(await this.list(), LIMITS, id);
    for (const old of evicted) await this.remove(old);
    return { id, evicted };
  }

  async get(id) {
    return this.db ? request(this.tx("readonly").get(id)) : this.memory.get(id);
  }

  /** Changes the fields of `patch` of entry `id` (name, pinned). */
  async update(id, patch) {
    const e = await this.get(id);
    if (!e) return;
    const next = { ...e, ...patch };
    if (this.db) await request(this.tx("readwrite").put(next));
    else this.memory.set(id, next);
  }

  async remove(id) {
    if (this.db) await request(this.tx("readwrite").delete(id));
    else this.memory.delete(id);
  }

  async clear() {
    if (this.db) await request(this.tx("readwrite").clear());
    else this.memory.clear();
  }
}
