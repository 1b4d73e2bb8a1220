/**
 * The Predict panel's messages to and from the training worker (which holds the trained model, or
 * a model opened from a bundle). components/train/protocol.ts joins these unions into its own
 * ToWorker / FromWorker; components/train/predictSession.ts answers them.
 */
import type { BundleTraining } from '@/engine/bundle';
import type { GraphDoc } from '@/engine/graph';
import type { InputSaliency, PredictionReport, PredictModelInfo, SampleAttribution } from '@/engine/predict';

/**
 * A file cell of a sample. Images and WAV audio go as bytes (decoded in the worker). Audio the
 * worker cannot decode (a recording, MP3…) and video are decoded on the page first: `samples` at
 * `rate` Hz, or RGBA `frames`.
 */
export type PredictFile =
  | { name: string; bytes: Uint8Array }
  | { name: string; samples: Float32Array; rate: number }
  | { name: string; frames: { width: number; height: number; data: Uint8ClampedArray }[] };

/** The model the panel predicts with. */
export interface PredictModel {
  source: 'trained' | 'bundle';
  /** The bundle's file name (source 'bundle'). */
  fileName?: string;
  info: PredictModelInfo;
  graph: GraphDoc;
  training?: Pick<BundleTraining, 'epochs' | 'backend' | 'createdAt' | 'metrics'>;
}

/** One prediction. */
export interface PredictResult {
  report: PredictionReport;
  /** Image and spectrogram inputs: the saliency of the answer's class, with a preview of the input. */
  saliency: InputSaliency[];
  /** How much each modality counted in this answer (more than one input). */
  attribution?: SampleAttribution;
  source: 'trained' | 'bundle';
  ms: number;
  /** Plain-words warnings about the sample (a category the model never saw). */
  warnings: string[];
}

/** Page → worker. */
export type PredictToWorker =
  /** Which model would predict now (answered with 'predict-model'). */
  | { type: 'predict-info' }
  /** Predict one sample: text and number cells by column; file cells by column in `files`. */
  | { type: 'predict'; id: number; cells: Record<string, string>; files: Record<string, PredictFile> }
  /** Open a bundle zip: it becomes the model that predicts (the trained one is let go). */
  | { type: 'open-bundle'; bytes: Uint8Array; name: string; /** The project's own saved model, reopened after a reload: the Train panel keeps its results. */ restore?: boolean };

/** Worker → page. */
export type PredictFromWorker =
  | { type: 'predict-model'; model: PredictModel | null }
  | { type: 'bundle-opened'; model: PredictModel; restore?: boolean }
  | { type: 'prediction'; id: number; result: PredictResult }
  /** A problem the panel shows (bad bundle, missing or undecodable cell, no model). */
  | { type: 'predict-error'; id?: number; message: string; problems?: string[] };
