/**
 * Projects in the browser's IndexedDB (through `idb`). One database, five stores keyed by
 * project id:
 *
 * - `projects`: the project record (engine/project ProjectDoc: graph, undo steps, versions,
 *   train settings) and the bytes each part takes;
 * - `models`: the trained model as a bundle zip, with the epoch it holds;
 * - `results`: the Train panel's results (charts, metrics, ablation, Compare, worst samples);
 * - `datasets`: the dataset as it was opened (File objects and bytes are stored as blobs);
 * - `meta`: `last` = the project that reopens on load.
 *
 * Every write is one transaction: it lands whole or not at all (a crash, a closed tab or a full
 * quota leaves the previous state). A full quota comes back as a {@link StorageFull} error.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ProjectDoc } from '@/engine/project/project';
import type { DatasetInput } from '@/components/data/protocol';

export interface StoredSizes {
  project: number;
  model: number;
  results: number;
  dataset: number;
}

export interface ProjectRecord {
  doc: ProjectDoc;
  sizes: StoredSizes;
}

export interface ModelRecord {
  bytes: Uint8Array;
  epoch: number;
  complete: boolean;
  savedAt: string;
}

export interface DatasetRecord {
  input: DatasetInput;
  manifest?: string;
}

interface Schema extends DBSchema {
  projects: { key: string; value: ProjectRecord };
  models: { key: string; value: ModelRecord };
  results: { key: string; value: { view: unknown } };
  datasets: { key: string; value: DatasetRecord };
  meta: { key: string; value: string };
}

export const DB_NAME = 'fusionlab';
const STORES = ['projects', 'models', 'results', 'datasets', 'meta'] as const;

/** The browser refused a write because its storage quota is used up. Nothing was written. */
export class StorageFull extends Error {
  constructor(what: string) {
    super(`The browser's storage for this site is full, so ${what} could not be saved; nothing was half-written and the previous save is intact. Delete projects you no longer need (Projects), or free space in the browser's site settings.`);
    this.name = 'StorageFull';
  }
}

/** Test hook: the next write fails as a full quota does (set from window.__fusionlabProjects). */
let failNext: 'quota' | null = null;
export function simulateQuotaOnNextWrite(): void {
  failNext = 'quota';
}

function isQuota(e: unknown): boolean {
  return e instanceof DOMException ? e.name === 'QuotaExceededError' || e.code === 22 : e instanceof Error && /quota/i.test(e.message);
}

let dbp: Promise<IDBPDatabase<Schema>> | null = null;

/** The database, opened once (null in tests that pass their own factory). */
export function database(): Promise<IDBPDatabase<Schema>> {
  dbp ??= openDB<Schema>(DB_NAME, 1, {
    upgrade(db) {
      for (const s of STORES) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s);
    },
  });
  return dbp;
}

/** Forget the open connection (tests that delete the database). */
export function closeDatabase(): void {
  void dbp?.then((d) => d.close());
  dbp = null;
}

/** The bytes a value takes, roughly (JSON for records, blob and buffer sizes counted as they are). */
export function sizeOf(v: unknown): number {
  let n = 0;
  const seen = new Set<unknown>();
  const walk = (x: unknown): void => {
    if (x === null || x === undefined) return;
    if (typeof x === 'string') n += x.length;
    else if (typeof x === 'number' || typeof x === 'boolean') n += 8;
    else if (ArrayBuffer.isView(x)) n += x.byteLength;
    else if (x instanceof ArrayBuffer) n += x.byteLength;
    else if (typeof Blob !== 'undefined' && x instanceof Blob) n += x.size;
    else if (typeof x === 'object') {
      if (seen.has(x)) return;
      seen.add(x);
      for (const [k, v] of Object.entries(x)) {
        n += k.length;
        walk(v);
      }
    }
  };
  walk(v);
  return n;
}

/** What one save writes: any of the parts; `null` deletes that part. */
export interface ProjectWrite {
  doc: ProjectDoc;
  model?: ModelRecord | null;
  results?: unknown | null;
  dataset?: DatasetRecord | null;
  /** Make this the project that reopens on load. */
  last?: boolean;
}

/**
 * Write a project's parts in one transaction. Throws {@link StorageFull} when the quota is
 * reached (the transaction is then aborted: nothing of this write is kept).
 */
export async function writeProject(w: ProjectWrite, what = 'the project'): Promise<StoredSizes> {
  const db = await database();
  const tx = db.transaction(STORES, 'readwrite');
  const id = w.doc.id;
  try {
    const old = await tx.objectStore('projects').get(id);
    const sizes: StoredSizes = { ...(old?.sizes ?? { project: 0, model: 0, results: 0, dataset: 0 }), project: sizeOf(w.doc) };
    if (w.model !== undefined) {
      if (w.model) await tx.objectStore('models').put(w.model, id);
      else await tx.objectStore('models').delete(id);
      sizes.model = w.model ? w.model.bytes.byteLength : 0;
    }
    if (w.results !== undefined) {
      if (w.results !== null) await tx.objectStore('results').put({ view: w.results }, id);
      else await tx.objectStore('results').delete(id);
      sizes.results = w.results !== null ? sizeOf(w.results) : 0;
    }
    if (w.dataset !== undefined) {
      if (w.dataset) await tx.objectStore('datasets').put(w.dataset, id);
      else await tx.objectStore('datasets').delete(id);
      sizes.dataset = w.dataset ? sizeOf(w.dataset.input) : 0;
    }
    await tx.objectStore('projects').put({ doc: w.doc, sizes }, id);
    if (w.last) await tx.objectStore('meta').put(id, 'last');
    if (failNext === 'quota') {
      failNext = null;
      throw new DOMException('simulated: the quota is used up', 'QuotaExceededError');
    }
    await tx.done;
    return sizes;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // already aborted by the browser
    }
    await tx.done.catch(() => undefined);
    if (isQuota(e)) throw new StorageFull(what);
    throw e;
  }
}

/** Record the table a project's dataset is read from (one transaction with the project record). */
export async function setDatasetManifest(doc: ProjectDoc, manifest: string): Promise<void> {
  const db = await database();
  const tx = db.transaction(['projects', 'datasets'], 'readwrite');
  const rec = await tx.objectStore('datasets').get(doc.id);
  if (rec) await tx.objectStore('datasets').put({ ...rec, manifest }, doc.id);
  const old = await tx.objectStore('projects').get(doc.id);
  await tx.objectStore('projects').put({ doc, sizes: old?.sizes ?? { project: sizeOf(doc), model: 0, results: 0, dataset: 0 } }, doc.id);
  await tx.done;
}

/** Every project's record, most recently changed first. */
export async function listProjects(): Promise<ProjectRecord[]> {
  const db = await database();
  const all = await db.getAll('projects');
  return all.sort((a, b) => b.doc.updatedAt.localeCompare(a.doc.updatedAt));
}

/** One project with all its parts, or null. */
export async function readProject(id: string): Promise<{ record: ProjectRecord; model?: ModelRecord; results?: unknown; dataset?: DatasetRecord } | null> {
  const db = await database();
  const tx = db.transaction(STORES, 'readonly');
  const record = await tx.objectStore('projects').get(id);
  if (!record) return null;
  const [model, results, dataset] = await Promise.all([tx.objectStore('models').get(id), tx.objectStore('results').get(id), tx.objectStore('datasets').get(id)]);
  await tx.done;
  return { record, model, results: results?.view, dataset };
}

/** The project that reopens on load. */
export async function lastProjectId(): Promise<string | null> {
  const db = await database();
  return (await db.get('meta', 'last')) ?? null;
}

/** Delete a project and all its parts (one transaction). */
export async function deleteProject(id: string): Promise<void> {
  const db = await database();
  const tx = db.transaction(STORES, 'readwrite');
  await Promise.all([
    tx.objectStore('projects').delete(id),
    tx.objectStore('models').delete(id),
    tx.objectStore('results').delete(id),
    tx.objectStore('datasets').delete(id),
  ]);
  if ((await tx.objectStore('meta').get('last')) === id) await tx.objectStore('meta').delete('last');
  await tx.done;
}

/** How much this site stores and may store (the browser's estimate), or null where unknown. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const e = await navigator.storage?.estimate?.();
    return e && typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}
