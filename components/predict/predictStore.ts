'use client';
/**
 * The Predict panel's store (useSyncExternalStore): the model to predict with (the trained one or
 * an opened bundle, both held by the training worker), the sample the user fills in, and the last
 * prediction. It talks to the worker through trainStore's session hooks; decoding the worker
 * cannot do (recordings and other non-WAV audio, video) happens here first.
 */
import { useSyncExternalStore } from 'react';
import { generateDemoDataset } from '@/engine/data/demo';
import { isFileField, type PredictField } from '@/engine/predict';
import { decodeAudioWebAudio, decodeVideoElement } from '@/components/data/browserAdapter';
import { getDatasetState } from '@/components/data/datasetStore';
import { onSessionMessage, sendToSession } from '@/components/train/trainStore';
import type { FromWorker } from '@/components/train/protocol';
import type { PredictFile, PredictModel, PredictResult } from './protocol';

/** A file the user gave for a column (uploaded, recorded, or taken from a dataset sample). */
export interface FileValue {
  name: string;
  bytes: Uint8Array;
  /** Object URL for the preview (img, audio, video). */
  url: string;
}

export interface PredictState {
  /** Null: no model yet (or training is running). */
  model: PredictModel | null;
  /** True while the worker is asked which model it holds. */
  asking: boolean;
  status: 'idle' | 'predicting' | 'opening';
  /** Text, number and category cells by column. */
  cells: Record<string, string>;
  files: Record<string, FileValue>;
  /** Where the sample came from, and its label when known ("demo-0012, label match-high"). */
  sample: { note: string; label?: string; labelColumn?: string } | null;
  result: PredictResult | null;
  /** Counts predictions shown (a new result, even with equal numbers, gets a new stamp). */
  stamp: number;
  error: { message: string; problems?: string[] } | null;
}

const INITIAL: PredictState = { model: null, asking: false, status: 'idle', cells: {}, files: {}, sample: null, result: null, stamp: 0, error: null };
let state: PredictState = INITIAL;
const listeners = new Set<() => void>();

function set(patch: Partial<PredictState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function getPredictState(): PredictState {
  return state;
}

export function usePredictState(): PredictState {
  return useSyncExternalStore(subscribe, getPredictState, () => INITIAL);
}

// ---------------------------------------------------------------------------------------------
// Session messages.

let seq = 0;
const bundleListeners = new Set<(bytes: Uint8Array, model: PredictModel) => void>();

/** The project store keeps a bundle opened here as the project's model. */
export function onBundleOpened(l: (bytes: Uint8Array, model: PredictModel) => void): () => void {
  bundleListeners.add(l);
  return () => bundleListeners.delete(l);
}
let waitingOpen: ((m: PredictModel | null) => void) | null = null;
let hooked = false;

function onMessage(msg: FromWorker): void {
  switch (msg.type) {
    case 'predict-model':
      // No model (another project opened): its last answer goes too.
      if (!msg.model) sampleIndex = 0;
      set({ model: msg.model, asking: false, ...(msg.model ? {} : { result: null, error: null }) });
      return;
    case 'bundle-opened':
      sampleIndex = 0; // another model: "Use a sample" starts from the first test sample again
      set({ model: msg.model, status: 'idle', result: null, error: null });
      waitingOpen?.(msg.model);
      waitingOpen = null;
      return;
    case 'prediction':
      if (msg.id !== seq) return;
      set({ status: 'idle', result: msg.result, stamp: state.stamp + 1, error: null });
      return;
    case 'predict-error':
      if (msg.id !== undefined && msg.id !== seq) return;
      set({ status: 'idle', asking: false, error: { message: msg.message, problems: msg.problems } });
      waitingOpen?.(null);
      waitingOpen = null;
      return;
    case 'started':
      // A new run replaces the model; ask again when it ends.
      set({ model: null, result: null });
      return;
    case 'done':
    case 'reset-done':
    case 'backend':
      predictActions.refresh();
      return;
    case 'error':
      // A session error (e.g. a crashed worker) ends a pending request; a next Predict reports
      // a lost model itself, so the worker is not restarted from here.
      if (state.status !== 'idle') set({ status: 'idle' });
      waitingOpen?.(null);
      waitingOpen = null;
      return;
    default:
      return;
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  onSessionMessage(onMessage);
}

function fileValue(name: string, bytes: Uint8Array, type: string): FileValue {
  return { name, bytes, url: URL.createObjectURL(new Blob([bytes as BlobPart], type ? { type } : {})) };
}

function mimeOf(name: string, kind: PredictField['kind']): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  if (kind === 'input.image') return ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : `image/${ext || 'png'}`;
  if (kind === 'input.audio') return ext === 'wav' ? 'audio/wav' : ext === 'mp3' ? 'audio/mpeg' : `audio/${ext || 'webm'}`;
  if (kind === 'input.video') return `video/${ext === 'mov' ? 'quicktime' : ext || 'mp4'}`;
  return '';
}

/** Every column a field reads: one per column; tabular categorical columns after the numbers. */
export function fieldColumns(f: PredictField): string[] {
  return f.kind === 'input.tabular' ? [...f.params.columns, ...f.params.categorical.map((c) => c.column)] : [f.columns[0]];
}

/** A page-side decode of the files the worker cannot read itself. */
async function prepareFile(f: PredictField, v: FileValue): Promise<PredictFile> {
  const wav = v.bytes.length >= 12 && String.fromCharCode(...v.bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...v.bytes.subarray(8, 12)) === 'WAVE';
  if (f.kind === 'input.audio' && !wav) return { name: v.name, samples: await decodeAudioWebAudio(v.bytes, f.params.sampleRate), rate: f.params.sampleRate };
  if (f.kind === 'input.video') {
    const d = await decodeVideoElement(v.bytes, f.params.frames, v.name);
    return { name: v.name, frames: d.frames.map((data) => ({ width: d.width, height: d.height, data })) };
  }
  return { name: v.name, bytes: v.bytes };
}

/** One row of a dataset, as cells and files by column. */
interface SampleRow {
  id: string;
  split: string;
  cells: Record<string, string>;
  files: Record<string, { name: string; bytes: Uint8Array }>;
}

let demoRows: { seed: number; rows: SampleRow[] } | null = null;
let sampleIndex = 0;

/**
 * The first rows of the built-in demo dataset for a seed (generating 40 rows gives the same first
 * rows as the full dataset), test rows first: the model has not trained on them.
 */
function demoSamples(seed: number): SampleRow[] {
  if (demoRows?.seed === seed) return demoRows.rows;
  const d = generateDemoDataset({ seed, rows: 40 });
  const rows = d.rows.map((r) => ({
    id: r.id,
    split: r.split,
    cells: { id: r.id, image: `images/${r.id}.png`, caption: r.caption, audio: `audio/${r.id}.wav`, temperature: r.temperature.toFixed(1), count: String(r.count), label: r.label, split: r.split },
    files: {
      image: { name: `${r.id}.png`, bytes: d.files.get(`images/${r.id}.png`) as Uint8Array },
      audio: { name: `${r.id}.wav`, bytes: d.files.get(`audio/${r.id}.wav`) as Uint8Array },
    },
  }));
  demoRows = { seed, rows: [...rows.filter((r) => r.split === 'test'), ...rows.filter((r) => r.split === 'val'), ...rows.filter((r) => r.split === 'train')] };
  return demoRows.rows;
}

/** The demo's seed when the Data panel holds the built-in demo (its name says "seed N"), else null. */
function dataPanelDemoSeed(): number | null {
  const d = getDatasetState();
  if (d.sourceKind !== 'demo') return null;
  return Number(/seed (\d+)/.exec(d.sourceName)?.[1] ?? 1);
}

/** The Data panel's preview samples, when a dataset is open. */
function datasetSamples(): SampleRow[] {
  const previews = getDatasetState().result?.previews ?? [];
  return previews.map((p) => ({
    id: p.id,
    split: p.split,
    cells: p.cells,
    files: Object.fromEntries(Object.entries(p.files).map(([col, f]) => [col, { name: f.path.split('/').pop() ?? f.path, bytes: f.bytes }])),
  }));
}

function needs(model: PredictModel): { files: string[]; cells: string[] } {
  const files: string[] = [];
  const cells: string[] = [];
  for (const f of model.info.fields) {
    if (isFileField(f)) files.push(f.columns[0]);
    else cells.push(...fieldColumns(f));
  }
  return { files, cells };
}

export const predictActions = {
  /** Ask the session which model would predict now. */
  refresh(): void {
    hook();
    set({ asking: true });
    sendToSession({ type: 'predict-info' });
  },
  setCell(column: string, value: string): void {
    set({ cells: { ...state.cells, [column]: value }, sample: null });
  },
  setFile(column: string, kind: PredictField['kind'], name: string, bytes: Uint8Array, type?: string): void {
    const old = state.files[column];
    if (old) URL.revokeObjectURL(old.url);
    set({ files: { ...state.files, [column]: fileValue(name, bytes, type ?? mimeOf(name, kind)) }, sample: null });
  },
  /**
   * Fill every field from one sample of the open dataset (the Data panel's previews) or, without
   * one, of the built-in demo dataset; each call takes the next sample. Returns a message when
   * neither has the model's columns.
   */
  useSample(): string | null {
    const model = state.model;
    if (!model) return 'There is no model yet.';
    const need = needs(model);
    const fits = (r: SampleRow) => need.files.every((c) => r.files[c]) && need.cells.every((c) => r.cells[c] !== undefined);
    // The Data panel's demo is generated here (test rows first); other datasets give their previews.
    const demoSeed = dataPanelDemoSeed();
    const fromData = demoSeed === null ? datasetSamples().filter(fits) : [];
    const rows = fromData.length ? fromData : demoSamples(demoSeed ?? 1).filter(fits);
    if (!rows.length) return `Neither the open dataset nor the demo dataset has the columns this model reads (${[...need.files, ...need.cells].join(', ')}).`;
    const r = rows[sampleIndex++ % rows.length];
    for (const v of Object.values(state.files)) URL.revokeObjectURL(v.url);
    const files: Record<string, FileValue> = {};
    const kindOf = (col: string) => model.info.fields.find((f) => f.columns.includes(col))?.kind ?? 'input.image';
    for (const c of need.files) files[c] = fileValue(r.files[c].name, r.files[c].bytes, mimeOf(r.files[c].name, kindOf(c)));
    const cells: Record<string, string> = {};
    for (const c of need.cells) cells[c] = r.cells[c];
    const primary = model.info.outputs.find((o) => o.nodeId === model.info.primary);
    const labelColumn = primary?.labelColumn;
    const label = labelColumn ? r.cells[labelColumn] : undefined;
    const where = fromData.length ? 'the open dataset' : 'the demo dataset';
    set({ files, cells, result: null, error: null, sample: { note: `${r.id}${r.split ? ` (${r.split} split)` : ''} from ${where}`, label, labelColumn } });
    return null;
  },
  /** Predict the filled-in sample. */
  async predict(): Promise<void> {
    const model = state.model;
    if (!model) return;
    const missing: string[] = [];
    const files: Record<string, PredictFile> = {};
    set({ status: 'predicting', error: null });
    try {
      for (const f of model.info.fields) {
        if (isFileField(f)) {
          const v = state.files[f.columns[0]];
          if (!v) missing.push(`${f.label}: choose a file for "${f.columns[0]}"`);
          else files[f.columns[0]] = await prepareFile(f, v);
        } else {
          for (const c of fieldColumns(f)) if ((state.cells[c] ?? '').trim() === '') missing.push(`${f.label}: fill in "${c}"`);
        }
      }
    } catch (e) {
      set({ status: 'idle', error: { message: `A file could not be decoded here: ${e instanceof Error ? e.message : String(e)}` } });
      return;
    }
    if (missing.length) {
      set({ status: 'idle', error: { message: 'The sample is incomplete.', problems: missing } });
      return;
    }
    hook();
    sendToSession({ type: 'predict', id: ++seq, cells: { ...state.cells }, files });
  },
  /** Open a bundle zip; resolves with the model once the worker has read it (null on a problem). */
  openBundle(file: File): Promise<PredictModel | null> {
    hook();
    set({ status: 'opening', error: null });
    return file.arrayBuffer().then(
      (buf) =>
        new Promise<PredictModel | null>((resolve) => {
          waitingOpen?.(null);
          waitingOpen = (m) => {
            // The opened model becomes the project's model (kept over a reload).
            if (m) for (const l of bundleListeners) l(new Uint8Array(buf), m);
            resolve(m);
          };
          sendToSession({ type: 'open-bundle', bytes: new Uint8Array(buf), name: file.name });
        }),
      (e: unknown) => {
        set({ status: 'idle', error: { message: `${file.name} could not be read: ${e instanceof Error ? e.message : String(e)}` } });
        return null;
      },
    );
  },
  /** Show a problem (e.g. the microphone was refused). */
  fail(message: string): void {
    set({ error: { message } });
  },
};
