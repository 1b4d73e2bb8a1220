'use client';
/**
 * The open project and the project list (one per page, shared through useSyncExternalStore).
 * It keeps everything of the open project in IndexedDB (db.ts) as the user works: the graph with
 * its undo steps (debounced by the editor), the train settings, each epoch's model with the
 * results drawn so far (the training session posts a 'checkpoint' after every completed epoch and
 * at the end), Compare's results, and the dataset as it was opened. The editor registers an
 * applier that puts a loaded project on the page (graph, panels, model, dataset).
 */
import { useSyncExternalStore } from 'react';
import { emptyGraph, type GraphDoc } from '@/engine/graph';
import { cleanName, newProject, PROJECT_LIMITS, type ProjectDatasetInfo, type ProjectDoc, type ProjectTrainSettings } from '@/engine/project/project';
import type { DatasetInput } from '@/components/data/protocol';
import { onDatasetOpened, onTableChosen } from '@/components/data/datasetStore';
import { onBundleOpened } from '@/components/predict/predictStore';
import { getState as getTrainState, onConfigChange, onSessionMessage } from '@/components/train/trainStore';
import { persistedView } from '@/components/train/persistView';
import { newProjectId } from '@/engine/project/project';
import { readProjectFile, writeProjectFile, type ProjectDataset } from '@/engine/project/project-file';
import { save as saveFile } from '@/components/code/download';
import * as db from './db';

/** The dataset as a project file carries it (File objects read now). */
async function fileDataset(input: DatasetInput): Promise<ProjectDataset> {
  switch (input.kind) {
    case 'demo':
      return { kind: 'demo', seed: input.seed, rows: input.rows };
    case 'zip':
      return { kind: 'zip', name: input.name, bytes: new Uint8Array(await input.file.arrayBuffer()) };
    case 'files':
      return { kind: 'files', name: input.name, files: await Promise.all(input.files.map(async (f) => ({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()) }))) };
    case 'memory':
      return { kind: 'files', name: input.name, files: input.files };
    default: {
      const _x: never = input;
      return _x;
    }
  }
}

/** A project file's dataset as the Data panel opens it. */
function datasetInput(d: ProjectDataset): DatasetInput {
  switch (d.kind) {
    case 'demo':
      return { kind: 'demo', seed: d.seed, rows: d.rows };
    case 'zip':
      return { kind: 'zip', name: d.name, file: new File([d.bytes as BlobPart], d.name.endsWith('.zip') ? d.name : `${d.name}.zip`, { type: 'application/zip' }) };
    case 'files':
      return { kind: 'memory', name: d.name, files: d.files };
    default: {
      const _x: never = d;
      return _x;
    }
  }
}

function slug(name: string): string {
  return (name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'project').slice(0, 60);
}

/** A project read back, for the editor to put on the page. */
export interface LoadedProject {
  doc: ProjectDoc;
  model?: db.ModelRecord;
  results?: unknown;
  dataset?: db.DatasetRecord;
}

export interface ProjectsState {
  /** False until the first project is open (or storage turned out to be unavailable). */
  ready: boolean;
  /** Storage works here (false in some private modes): then nothing survives a reload. */
  available: boolean;
  current: ProjectDoc | null;
  list: db.ProjectRecord[];
  estimate: { usage: number; quota: number } | null;
  /** The last save that failed (a full quota), shown until a save succeeds. */
  error: string | null;
}

let state: ProjectsState = { ready: false, available: true, current: null, list: [], estimate: null, error: null };
const listeners = new Set<() => void>();
function set(patch: Partial<ProjectsState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

let applier: ((p: LoadedProject) => void) | null = null;
/** The editor's way to put a graph on the canvas as one undoable step (restoring a version). */
let graphLoader: ((g: GraphDoc) => void) | null = null;

/** The editor registers how a restored version reaches the canvas. */
export function registerGraphLoader(fn: (g: GraphDoc) => void): () => void {
  graphLoader = fn;
  return () => {
    if (graphLoader === fn) graphLoader = null;
  };
}
/** Writes run one after another, in order, so a later save never lands before an earlier one. */
let queue: Promise<unknown> = Promise.resolve();

function enqueue<T>(what: string, job: () => Promise<T>): Promise<T | null> {
  const p = queue.then(job).then(
    (v) => {
      if (state.error) set({ error: null });
      return v;
    },
    (e: unknown) => {
      const message = e instanceof db.StorageFull ? e.message : `${what} could not be saved in this browser: ${e instanceof Error ? e.message : String(e)}`;
      set({ error: message });
      return null;
    },
  );
  queue = p;
  return p;
}

async function refreshList(): Promise<void> {
  try {
    set({ list: await db.listProjects(), estimate: await db.storageEstimate() });
  } catch {
    // the list is a view; the next change refreshes it
  }
}

function touch(doc: ProjectDoc, patch: Partial<ProjectDoc>): ProjectDoc {
  return { ...doc, ...patch, updatedAt: new Date().toISOString() };
}

function save(w: Omit<db.ProjectWrite, 'doc'> & { doc: ProjectDoc }, what: string): Promise<unknown> {
  if (!state.available) return Promise.resolve(null);
  return enqueue(what, async () => {
    await db.writeProject(w, what);
    void refreshList();
  });
}

/** The editor puts loaded projects on the page through this. */
export function registerApplier(fn: (p: LoadedProject) => void): () => void {
  applier = fn;
  return () => {
    if (applier === fn) applier = null;
  };
}

/**
 * Open the first project: a share link becomes a new project (never overwriting one); else the
 * last project; else the old single autosave (`legacy`) or the demo, as a new project.
 */
export async function startProjects(opts: { shared: GraphDoc | null; legacy: GraphDoc | null; demo: GraphDoc }): Promise<LoadedProject> {
  try {
    if (opts.shared) return await createAndOpen(opts.shared);
    const last = await db.lastProjectId();
    const loaded = last ? await db.readProject(last) : null;
    if (loaded) {
      set({ current: loaded.record.doc, ready: true });
      void refreshList();
      return { doc: loaded.record.doc, model: loaded.model, results: loaded.results, dataset: loaded.dataset };
    }
    return await createAndOpen(opts.legacy ?? opts.demo);
  } catch (e) {
    // No IndexedDB here (some private modes): work in memory and say so.
    const doc = newProject(opts.shared ?? opts.legacy ?? opts.demo);
    set({ current: doc, ready: true, available: false, error: `Projects cannot be kept in this browser (${e instanceof Error ? e.message : String(e)}): a reload loses this work. Download the graph to keep it.` });
    return { doc };
  }
}

async function createAndOpen(graph: GraphDoc, name?: string): Promise<LoadedProject> {
  const doc = newProject(graph, { name });
  set({ current: doc, ready: true });
  await save({ doc, last: true }, 'the new project');
  return { doc };
}

export const projectActions = {
  /** The editor's graph and undo steps changed (debounced by the caller). */
  saveGraph(graph: GraphDoc, past: readonly GraphDoc[], future: readonly GraphDoc[]): void {
    const cur = state.current;
    if (!cur) return;
    const n = PROJECT_LIMITS.historySteps;
    const doc = touch(cur, { graph, undo: past.slice(-n), redo: future.slice(0, n) });
    set({ current: doc });
    void save({ doc }, 'the graph');
  },
  saveTrainSettings(train: ProjectTrainSettings): void {
    const cur = state.current;
    if (!cur || JSON.stringify(cur.train) === JSON.stringify(train)) return;
    const doc = touch(cur, { train });
    set({ current: doc });
    void save({ doc }, 'the train settings');
  },
  /** A dataset was opened in the Data panel: keep its files with the project. */
  saveDataset(input: DatasetInput, name: string, manifest?: string): void {
    const cur = state.current;
    if (!cur) return;
    const files = input.kind === 'files' ? input.files.length : input.kind === 'memory' ? input.files.length : input.kind === 'zip' ? 1 : 0;
    const bytes = db.sizeOf(input);
    const info: ProjectDatasetInfo = {
      name,
      kind: input.kind === 'zip' ? 'zip' : input.kind === 'demo' ? 'demo' : 'files',
      bytes: input.kind === 'demo' ? 0 : bytes,
      files,
      demo: input.kind === 'demo' ? { seed: input.seed, rows: input.rows } : undefined,
      manifest,
    };
    const doc = touch(cur, { dataset: info });
    set({ current: doc });
    // Bytes handed to the data worker are transferred away: keep a copy of them.
    const kept: DatasetInput = input.kind === 'memory' ? { ...input, files: input.files.map((f) => ({ path: f.path, bytes: f.bytes.slice() })) } : input;
    void save({ doc, dataset: { input: kept, manifest } }, `the dataset (${name})`);
  },
  async open(id: string): Promise<void> {
    const loaded = await db.readProject(id);
    if (!loaded) {
      set({ error: 'That project is no longer stored here.' });
      return;
    }
    set({ current: loaded.record.doc });
    applier?.({ doc: loaded.record.doc, model: loaded.model, results: loaded.results, dataset: loaded.dataset });
    await enqueue('the project list', async () => {
      await db.writeProject({ doc: loaded.record.doc, last: true });
    });
    void refreshList();
  },
  /** A new project with `graph` (an empty one for "New project"). */
  async create(graph: GraphDoc, name?: string): Promise<void> {
    const p = await createAndOpen(graph, name);
    applier?.(p);
  },
  async rename(id: string, name: string): Promise<void> {
    const clean = cleanName(name);
    if (!clean) return;
    const loaded = id === state.current?.id ? { record: { doc: state.current } } : await db.readProject(id);
    if (!loaded) return;
    const doc = touch(loaded.record.doc, { name: clean });
    if (id === state.current?.id) set({ current: doc });
    await save({ doc }, 'the new name');
  },
  async duplicate(id: string): Promise<void> {
    await queue;
    const loaded = await db.readProject(id);
    if (!loaded) return;
    const copy = newProject(loaded.record.doc.graph, { name: `${loaded.record.doc.name} (copy)`.slice(0, PROJECT_LIMITS.nameLength) });
    const doc: ProjectDoc = { ...loaded.record.doc, id: copy.id, name: copy.name, createdAt: copy.createdAt, updatedAt: copy.updatedAt };
    await save({ doc, model: loaded.model ?? null, results: loaded.results ?? null, dataset: loaded.dataset ?? null }, 'the copy');
  },
  async remove(id: string): Promise<void> {
    await queue;
    await db.deleteProject(id);
    await refreshList();
    if (id === state.current?.id) {
      const next = state.list[0];
      if (next) await projectActions.open(next.doc.id);
      // The last one went: a blank project takes its place, so later edits are still saved.
      else await projectActions.create(emptyGraph('Untitled'), 'Untitled project');
    }
  },
  /** Keep the open graph as a named version (the oldest go beyond PROJECT_LIMITS.versions). */
  saveVersion(name: string): void {
    const cur = state.current;
    const clean = cleanName(name);
    if (!cur || !clean) return;
    const versions = [...cur.versions, { name: clean, savedAt: new Date().toISOString(), graph: cur.graph }].slice(-PROJECT_LIMITS.versions);
    const doc = touch(cur, { versions });
    set({ current: doc });
    void save({ doc }, `the version “${clean}”`);
  },
  /** Put a saved version on the canvas (one undo step brings back the graph before it). */
  restoreVersion(index: number): void {
    const v = state.current?.versions[index];
    if (v) graphLoader?.(v.graph);
  },
  deleteVersion(index: number): void {
    const cur = state.current;
    if (!cur || !cur.versions[index]) return;
    const doc = touch(cur, { versions: cur.versions.filter((_, i) => i !== index) });
    set({ current: doc });
    void save({ doc }, 'the versions');
  },
  /** Download the open project as a `.fusionlab` file (the dataset too when `withDataset`). */
  async downloadFile(withDataset: boolean): Promise<void> {
    const cur = state.current;
    if (!cur) return;
    await queue;
    const loaded = state.available ? await db.readProject(cur.id) : null;
    const dataset = withDataset && loaded?.dataset ? await fileDataset(loaded.dataset.input) : undefined;
    const bytes = writeProjectFile({ project: loaded?.record.doc ?? cur, bundle: loaded?.model?.bytes, results: loaded?.results, dataset });
    saveFile(new Blob([bytes as BlobPart], { type: 'application/zip' }), `${slug(cur.name)}.fusionlab`);
  },
  /** Open a `.fusionlab` file as a new project (it never replaces one). Returns a message. */
  async openFile(bytes: Uint8Array, fileName: string): Promise<{ ok: boolean; message: string }> {
    const r = readProjectFile(bytes);
    if (!r.ok) return { ok: false, message: `${fileName}: ${r.message} Nothing was changed.` };
    const at = new Date().toISOString();
    const doc: ProjectDoc = { ...r.project, id: newProjectId(), updatedAt: at };
    const model = r.bundle ? { bytes: r.bundle, epoch: r.project.model?.epoch ?? 0, complete: r.project.model?.complete ?? true, savedAt: r.project.model?.savedAt ?? at } : undefined;
    const input = r.dataset ? datasetInput(r.dataset) : undefined;
    const dataset = input ? { input, manifest: r.project.dataset?.manifest } : undefined;
    set({ current: doc });
    const done = await save({ doc, model: model ?? null, results: r.results ?? null, dataset: dataset ?? null, last: true }, `the project from ${fileName}`);
    if (done === null && state.error) return { ok: false, message: state.error };
    applier?.({ doc, model, results: r.results, dataset });
    const parts = [r.bundle ? 'its trained model' : '', r.dataset ? 'its dataset' : ''].filter(Boolean);
    return { ok: true, message: `Opened “${doc.name}” from ${fileName} as a new project${parts.length ? `, with ${parts.join(' and ')}` : ''}.${r.warnings.length ? ` ${r.warnings.join(' ')}` : ''}` };
  },
  refresh(): Promise<void> {
    return refreshList();
  },
  dismissError(): void {
    set({ error: null });
  },
};

// The trained model and results follow the session: every checkpoint is one transaction.
onSessionMessage((msg) => {
  const cur = state.current;
  if (!cur) return;
  if (msg.type === 'checkpoint') {
    const savedAt = new Date().toISOString();
    const doc = touch(cur, { model: { epoch: msg.epoch, complete: msg.complete, savedAt } });
    set({ current: doc });
    // The view has taken in this epoch already ('epoch' comes before its checkpoint).
    const results = persistedView(getTrainState().view);
    void save({ doc, model: { bytes: msg.bytes, epoch: msg.epoch, complete: msg.complete, savedAt }, results }, `the model of epoch ${msg.epoch}`);
  } else if (msg.type === 'compare-done' || msg.type === 'reset-done') {
    // After the reducer has run (this listener is called first), keep what the panel now shows.
    setTimeout(() => {
      const c = state.current;
      if (!c) return;
      const reset = msg.type === 'reset-done';
      const doc = reset ? touch(c, { model: undefined }) : c;
      set({ current: doc });
      void save({ doc, results: reset ? null : persistedView(getTrainState().view), ...(reset ? { model: null } : {}) }, 'the results');
    }, 0);
  }
});

onConfigChange((c) => projectActions.saveTrainSettings({ ...c }));
onDatasetOpened((input, name) => projectActions.saveDataset(input, name));
onTableChosen((table) => {
  const cur = state.current;
  if (!cur?.dataset || !state.available) return;
  const doc = touch(cur, { dataset: { ...cur.dataset, manifest: table } });
  set({ current: doc });
  void enqueue('the chosen table', () => db.setDatasetManifest(doc, table));
});
// A bundle opened in the Predict panel replaces the trained model: it is now the project's model.
onBundleOpened((bytes, model) => {
  const cur = state.current;
  if (!cur) return;
  const savedAt = new Date().toISOString();
  const epoch = model.training?.epochs ?? 0;
  const doc = touch(cur, { model: { epoch, complete: true, savedAt } });
  set({ current: doc });
  void save({ doc, model: { bytes, epoch, complete: true, savedAt }, results: null }, `the model from ${model.fileName ?? 'the bundle'}`);
});

export function getProjectsState(): ProjectsState {
  return state;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** React: the open project and the list. */
export function useProjects(): ProjectsState {
  return useSyncExternalStore(subscribe, getProjectsState, getProjectsState);
}

// Browser tests: simulate a full quota on the next write.
if (typeof window !== 'undefined') {
  (window as unknown as { __fusionlabProjects?: object }).__fusionlabProjects = { failNextWrite: () => db.simulateQuotaOnNextWrite() };
}
