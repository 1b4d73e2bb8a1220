/**
 * The loaded dataset, shared by the panels (Data, Train): a small external store. It owns the data
 * worker, keeps the processed tensors cached per (dataset id, the graph's input and head params),
 * and answers the worker's requests for main-thread decoding (non-WAV audio, video frames).
 *
 * Readers: `useDataset()` / `getDataset()` give the engine loader's own output
 * (`LoadedDataset`: train/val/test Float32Arrays per input node, labels, fitted state) for the
 * graph it was last processed for; `ensureDataset(graph)` processes for another graph (or returns
 * the cached tensors at once).
 */
import { useSyncExternalStore } from 'react';
import { bindGraph, type LoadedDataset, type LoadProgress } from '@/engine/data';
import type { GraphDoc } from '@/engine/graph';
import { registry } from '@/nodes';
import { decodeAudioWebAudio, decodeVideoElement } from './browserAdapter';
import { progressStats, type ProgressStats } from './progress';
import type { DatasetInput, FromWorker, ProcessResult, ToWorker } from './protocol';

export type DatasetStatus = 'empty' | 'loading' | 'ready' | 'error';

export interface DatasetState {
  status: DatasetStatus;
  /** The current dataset (changes when another one is opened). */
  datasetId: string | null;
  /** What was opened, for the header ("demo (seed 1)", a folder or zip name). */
  sourceName: string;
  sourceKind: DatasetInput['kind'] | null;
  /** While processing. */
  progress: ProgressStats | null;
  /** The latest result (for the binding key `bindingKey`). */
  result: ProcessResult | null;
  bindingKey: string | null;
  error: string | null;
}

const INITIAL: DatasetState = { status: 'empty', datasetId: null, sourceName: '', sourceKind: null, progress: null, result: null, bindingKey: null, error: null };

let state: DatasetState = INITIAL;
const listeners = new Set<() => void>();

function set(patch: Partial<DatasetState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** What the loader reads from a graph: input and head params. Equal keys → equal tensors. */
export function bindingKey(graph: GraphDoc): string {
  const b = bindGraph(graph, registry);
  return JSON.stringify({
    inputs: b.inputs.map((i) => [i.nodeId, i.kind, i.params, i.shape]),
    heads: b.heads.map((h) => [h.nodeId, h.kind, h.task, h.column, h.expectedClasses ?? null]),
    problems: b.problems.map((p) => p.message),
  });
}

// ---- cache -----------------------------------------------------------------------------------
const CACHE_SIZE = 3;
const cache = new Map<string, ProcessResult>();
const cacheKey = (datasetId: string, key: string) => `${datasetId}\u0000${key}`;
function remember(k: string, r: ProcessResult): void {
  cache.delete(k);
  cache.set(k, r);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
}

// ---- worker ----------------------------------------------------------------------------------
let worker: Worker | null = null;
/** Datasets the current worker holds open. */
const openInWorker = new Set<string>();
/** The input of each dataset, so that a restarted worker can open it again. */
const inputs = new Map<string, DatasetInput>();
let jobSeq = 0;
interface Job {
  id: number;
  datasetId: string;
  key: string;
  started: number;
  resolve: (r: ProcessResult | null) => void;
  reject: (e: Error) => void;
}
let current: Job | null = null;
let zipJobs = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

function send(m: ToWorker, transfer: Transferable[] = []): void {
  getWorker().postMessage(m, transfer);
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./data.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => void onMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    failCurrent(`The data worker stopped: ${e.message || 'unknown error'}`);
    restartWorker();
  };
  worker = w;
  return w;
}

function restartWorker(): void {
  worker?.terminate();
  worker = null;
  openInWorker.clear();
  for (const z of zipJobs.values()) z.reject(new Error('cancelled'));
  zipJobs = new Map();
}

function failCurrent(message: string): void {
  const j = current;
  current = null;
  if (!j) return;
  set({ status: 'error', error: message, progress: null });
  j.reject(new Error(message));
}

async function onMessage(m: FromWorker): Promise<void> {
  switch (m.type) {
    case 'progress': {
      if (!current || m.job !== current.id) return;
      const p: LoadProgress | { stage: 'open'; done: number; total: number } = m;
      set({ progress: progressStats(p.stage, p.done, p.total, current.started, performance.now()) });
      return;
    }
    case 'done': {
      if (!current || m.job !== current.id) return;
      const j = current;
      current = null;
      remember(cacheKey(j.datasetId, j.key), m.result);
      if (j.datasetId === state.datasetId) set({ status: 'ready', result: m.result, bindingKey: j.key, progress: null, error: null });
      j.resolve(m.result);
      return;
    }
    case 'error':
      if (current && m.job === current.id) failCurrent(m.message);
      else zipJobs.get(m.job)?.reject(new Error(m.message));
      return;
    case 'zip': {
      const z = zipJobs.get(m.job);
      zipJobs.delete(m.job);
      z?.resolve(m.bytes);
      return;
    }
    case 'rpc': {
      const w = worker;
      try {
        if (m.op === 'audio') {
          const v = await decodeAudioWebAudio(m.bytes, m.rate, m.maxSamples);
          w?.postMessage({ type: 'rpc-result', id: m.id, ok: true, value: v } satisfies ToWorker, [v.buffer]);
        } else {
          const v = await decodeVideoElement(m.bytes, m.frames, m.path);
          w?.postMessage({ type: 'rpc-result', id: m.id, ok: true, value: v } satisfies ToWorker, v.frames.map((f) => f.buffer as ArrayBuffer));
        }
      } catch (e) {
        const code = e instanceof Error && 'code' in e && (e.code === 'needs-app' || e.code === 'undecodable') ? e.code : 'undecodable';
        w?.postMessage({ type: 'rpc-result', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), code } satisfies ToWorker);
      }
      return;
    }
    default: {
      const _x: never = m;
      return _x;
    }
  }
}

function run(datasetId: string, graph: GraphDoc, key: string): Promise<ProcessResult | null> {
  // One job at a time: a new request cancels the running one (the worker is restarted).
  if (current) {
    const old = current;
    current = null;
    old.resolve(null);
    restartWorker();
  }
  const id = ++jobSeq;
  const promise = new Promise<ProcessResult | null>((resolve, reject) => {
    current = { id, datasetId, key, started: performance.now(), resolve, reject };
  });
  set({ status: 'loading', progress: progressStats('open', 0, 1, performance.now(), performance.now()), error: null });
  const manifest = tableChoice.get(datasetId);
  if (openInWorker.has(datasetId)) send({ type: 'process', job: id, datasetId, graph, manifest });
  else {
    const input = inputs.get(datasetId);
    if (!input) {
      failCurrent('The dataset is no longer available; open it again.');
      return promise;
    }
    openInWorker.add(datasetId);
    // Bytes in memory are handed over (the worker keeps them), so a restarted worker cannot reopen them.
    const transfer = input.kind === 'memory' ? input.files.map((f) => f.bytes.buffer as ArrayBuffer) : [];
    if (input.kind === 'memory') inputs.delete(datasetId);
    send({ type: 'open', job: id, datasetId, input, graph, manifest }, transfer);
  }
  return promise;
}

/** The table chosen for a dataset whose top level holds several. */
const tableChoice = new Map<string, string>();

// ---- public API ------------------------------------------------------------------------------

/** Read `table` as the open dataset's manifest (its top level holds several) and process it again. */
export function chooseTable(table: string, graph: GraphDoc): Promise<ProcessResult | null> {
  const id = state.datasetId;
  if (!id) return Promise.resolve(null);
  tableChoice.set(id, table);
  for (const l of tableListeners) l(table);
  cache.clear();
  return run(id, graph, bindingKey(graph)).catch(() => null);
}

let datasetSeq = 0;
const openedListeners = new Set<(input: DatasetInput, name: string) => void>();
const tableListeners = new Set<(table: string) => void>();

/** The project store keeps the table chosen for a dataset whose top level holds several. */
export function onTableChosen(l: (table: string) => void): () => void {
  tableListeners.add(l);
  return () => tableListeners.delete(l);
}

/** The project store keeps each dataset the user opens (not one it reopens itself). */
export function onDatasetOpened(l: (input: DatasetInput, name: string) => void): () => void {
  openedListeners.add(l);
  return () => openedListeners.delete(l);
}

/**
 * Open a dataset (files, a zip or the demo) and process it for `graph`. `opts.reopen`: a
 * project's own dataset coming back (not saved again), with the table it was read from.
 */
export function openDataset(input: DatasetInput, graph: GraphDoc, opts: { reopen?: boolean; manifest?: string } = {}): Promise<ProcessResult | null> {
  const datasetId = `ds${++datasetSeq}-${input.kind}`;
  inputs.clear();
  tableChoice.clear();
  if (opts.manifest) tableChoice.set(datasetId, opts.manifest);
  if (!opts.reopen) for (const l of openedListeners) l(input, input.kind === 'demo' ? `demo dataset (seed ${input.seed}, ${input.rows} rows)` : input.name);
  inputs.set(datasetId, input);
  cache.clear();
  const name = input.kind === 'demo' ? `demo dataset (seed ${input.seed}, ${input.rows} rows)` : input.name;
  set({ ...INITIAL, status: 'loading', datasetId, sourceName: name, sourceKind: input.kind });
  return run(datasetId, graph, bindingKey(graph)).catch(() => null);
}

/**
 * The processed dataset for `graph`: from the cache when the graph's input and head params were
 * processed before, else processed now (with progress in the Data panel). Null when no dataset is
 * open or it could not be processed.
 */
export async function ensureDataset(graph: GraphDoc): Promise<LoadedDataset | null> {
  const id = state.datasetId;
  if (!id) return null;
  const key = bindingKey(graph);
  const hit = cache.get(cacheKey(id, key));
  if (hit) {
    if (state.bindingKey !== key) set({ status: 'ready', result: hit, bindingKey: key, progress: null, error: null });
    return hit.dataset;
  }
  if (current && current.datasetId === id && current.key === key) {
    const r = await new Promise<ProcessResult | null>((resolve, reject) => {
      const j = current as Job;
      const { resolve: r0, reject: j0 } = j;
      j.resolve = (v) => {
        r0(v);
        resolve(v);
      };
      j.reject = (e) => {
        j0(e);
        reject(e);
      };
    }).catch(() => null);
    return r?.dataset ?? null;
  }
  const r = await run(id, graph, key).catch(() => null);
  return r?.dataset ?? null;
}

/** True when a dataset is open and its tensors were processed for this graph's inputs and heads. */
export function isCurrentFor(graph: GraphDoc): boolean {
  return state.status === 'ready' && state.bindingKey === bindingKey(graph);
}

/** The dataset's tensors as last processed (for the graph whose binding is `getState().bindingKey`). */
export function getDataset(): LoadedDataset | null {
  return state.result?.dataset ?? null;
}

export function getDatasetState(): DatasetState {
  return state;
}

/** React: the processed dataset (re-renders when it changes). */
export function useDataset(): LoadedDataset | null {
  return useSyncExternalStore(subscribe, getDataset, () => null);
}

/** React: the whole store state (status, progress, report, previews). */
export function useDatasetState(): DatasetState {
  return useSyncExternalStore(subscribe, getDatasetState, () => INITIAL);
}

let columnsFor: ProcessResult | null = null;
let columnsMemo: string[] | undefined;
function getColumns(): string[] | undefined {
  const r = state.result;
  // useSyncExternalStore needs the same array while the result is the same.
  if (r !== columnsFor) {
    columnsFor = r;
    const cols = r ? r.report.columns.map((c) => c.name) : [];
    columnsMemo = cols.length ? cols : undefined;
  }
  return columnsMemo;
}

/** React: the loaded dataset's column names (for the inspector's column pickers). */
export function useLoadedColumns(): string[] | undefined {
  return useSyncExternalStore(subscribe, getColumns, () => undefined);
}

/** The demo dataset as a zip in the upload format (generated in the worker). */
export function demoZip(seed: number, rows: number): Promise<Uint8Array> {
  const job = ++jobSeq;
  return new Promise<Uint8Array>((resolve, reject) => {
    zipJobs.set(job, { resolve, reject });
    send({ type: 'demo-zip', job, seed, rows });
  });
}

/** Forget the dataset (tests, "Close"). */
export function closeDataset(): void {
  if (current) {
    current.resolve(null);
    current = null;
    restartWorker();
  }
  inputs.clear();
  cache.clear();
  set(INITIAL);
}
