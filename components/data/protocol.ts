/**
 * Messages between the app (main thread) and the data worker (components/data/data.worker.ts).
 * Typed arrays of results are transferred, not copied.
 */
import type { InspectReport, LoadedDataset } from '@/engine/data';
import type { GraphDoc } from '@/engine/graph';

/** Where a dataset comes from. File objects are structured-cloneable: the worker reads them lazily. */
export type DatasetInput =
  | { kind: 'files'; name: string; files: { path: string; file: File }[] }
  | { kind: 'zip'; name: string; file: File }
  /** Bytes already in memory (transferred to the worker, not copied). */
  | { kind: 'memory'; name: string; files: { path: string; bytes: Uint8Array }[] }
  | { kind: 'demo'; seed: number; rows: number };

/** A preview of one sample: its cells, and the bytes of its image/audio/video files. */
export interface SamplePreview {
  row: number;
  id: string;
  split: string;
  cells: Record<string, string>;
  files: Record<string, { path: string; type: 'image' | 'audio' | 'video'; bytes: Uint8Array }>;
  /** Audio columns: a log-mel spectrogram of the clip (`frames × bins`, row-major). */
  spectrograms: Record<string, { frames: number; bins: number; data: Float32Array }>;
}

export interface ProcessTimings {
  /** Opening the source (zip expansion, demo generation). */
  openMs: number;
  /** Column statistics. */
  inspectMs: number;
  /** Decode + featurise + fit + encode (the loader). */
  loadMs: number;
}

export interface ProcessResult {
  datasetId: string;
  sourceName: string;
  report: InspectReport;
  /** Null when the graph has no input or head the dataset could feed. */
  dataset: LoadedDataset | null;
  previews: SamplePreview[];
  timings: ProcessTimings;
}

export type ToWorker =
  /** `manifest`: the table the person chose when the top level holds several. */
  | { type: 'open'; job: number; datasetId: string; input: DatasetInput; graph: GraphDoc; manifest?: string }
  | { type: 'process'; job: number; datasetId: string; graph: GraphDoc; manifest?: string }
  | { type: 'demo-zip'; job: number; seed: number; rows: number }
  | { type: 'rpc-result'; id: number; ok: true; value: Float32Array | DecodedFrames } | { type: 'rpc-result'; id: number; ok: false; error: string; code?: 'undecodable' | 'needs-app' };

/** Video frames decoded on the main thread (RGBA). */
export interface DecodedFrames {
  width: number;
  height: number;
  frames: Uint8ClampedArray[];
}

export type FromWorker =
  | { type: 'progress'; job: number; stage: 'open' | 'read' | 'decode' | 'encode'; done: number; total: number }
  | { type: 'done'; job: number; result: ProcessResult }
  | { type: 'zip'; job: number; bytes: Uint8Array }
  | { type: 'error'; job: number; message: string }
  /** `maxSamples`: only the first samples are wanted (a preview's clip). */
  | { type: 'rpc'; id: number; op: 'audio'; bytes: Uint8Array; rate: number; path: string; maxSamples?: number }
  | { type: 'rpc'; id: number; op: 'video'; bytes: Uint8Array; frames: number; path: string };
