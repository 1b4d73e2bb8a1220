/**
 * The contract every input kind's data handling fulfils (one module per kind in this folder): how
 * a row's cells are read and featurised, what is fitted on the train split, how a sample is
 * encoded and augmented, which dataset column types it reads and, for file inputs, which files.
 * The loader, the trainer's augmentation, graph fitting and the prediction forms are loops over
 * {@link InputData} and never switch on a kind themselves.
 */
import type { PlatformAdapter } from '../adapter';
import type { Located } from '../layout';
import type { ManifestRow } from '../manifest';
import type { AudioInputParams, ImageInputParams, InputKind, InputParamsByKind, TabularInputParams, TextInputParams, VideoInputParams } from '../params';
import type { MissingFill } from '../missing';
import type { DataLimits, DataProblem } from '../problems';
import type { InputPreview } from '../preview-values';
import type { Rng } from '../rng';
import type { TabularFitted, TabularRaw } from '../tabular';

/** The dataset column types an input may read (as `inspect` infers them). */
export type ReadableColumnType = 'image' | 'audio' | 'video' | 'number' | 'category' | 'text';

/** An input node bound to its column(s). */
export interface InputBinding<K extends InputKind = InputKind> {
  nodeId: string;
  kind: K;
  columns: string[];
  params: InputParamsByKind[K];
  /** The tensor shape `infer` promises (batch excluded). */
  shape: number[];
}

/**
 * Fitted featurisation state of one input (JSON-serialisable; saved in the model bundle).
 * `missing`: what the input is when it is missing (the train mean sample, ../missing.ts).
 */
export type FittedInput = (
  | { kind: 'input.image'; columns: string[]; shape: number[]; params: ImageInputParams }
  | { kind: 'input.text'; columns: string[]; shape: number[]; params: TextInputParams; vocab: string[] }
  | { kind: 'input.audio'; columns: string[]; shape: number[]; params: AudioInputParams; mean: number; std: number }
  | { kind: 'input.tabular'; columns: string[]; shape: number[]; params: TabularInputParams; fitted: TabularFitted }
  | { kind: 'input.video'; columns: string[]; shape: number[]; params: VideoInputParams }
) & { missing?: MissingFill };

/** The fitted state of kind `K`. */
export type FittedOf<K extends InputKind> = Extract<FittedInput, { kind: K }>;

/** A row's input after decoding, before fitted state is applied. */
export type RawInput = Float32Array | string[] | TabularRaw;

/** What reading one row's cells gave: a value, or the problem that stops the row. */
export type Prepared<T> = { ok: true; value: T } | { ok: false; problem: DataProblem };

/** What an input needs to read one row. */
export interface RowCtx {
  adapter: PlatformAdapter;
  locate: (cell: string, row?: Pick<ManifestRow, 'base'>) => Promise<Located>;
  read: (path: string) => Promise<Uint8Array | undefined>;
  /** The folder this row's paths are relative to, when not the manifest's. */
  base?: string;
  limits: DataLimits;
  row: number;
  line: number;
  id?: string;
}

/** A file input's files: the column type its cells name, extensions, and the picker's accept list. */
export interface FileInfo {
  type: 'image' | 'audio' | 'video';
  /** What to call one file in a sentence ("an image"). */
  noun: string;
  /** `<input accept>` for choosing one to predict. */
  accept: string;
}

/** Everything the data pipeline knows about one input kind. */
export interface InputData<K extends InputKind> {
  kind: K;
  /** Column types it can read, the preferred first (fitting a graph to a dataset). */
  columnTypes: readonly ReadableColumnType[];
  /** File inputs: what their column holds. */
  file?: FileInfo;
  /** Read and featurise one row (what needs no fitting): one result per problem, or the value. */
  prepare(b: InputBinding<K>, cells: string[], ctx: RowCtx): Promise<Prepared<RawInput>[]>;
  /** Values in a raw result, checked against the shape (kinds encoded straight to it give its size). */
  rawLength(raw: RawInput, shape: number[]): number;
  /** Fit the state on the train split's raws; warnings go to `problems`. */
  fit(b: InputBinding<K>, raws: RawInput[], problems: DataProblem[]): FittedOf<K>;
  /** An encoder for the fitted state: writes one raw value into `out` at `offset` (size(shape) values). */
  encoder(f: FittedOf<K>): (raw: RawInput, out: Float32Array, offset: number) => void;
  /** Training-time augmentation of one encoded sample, in place; null when the params ask for none. */
  augmenter(f: FittedOf<K>): ((x: Float32Array, rng: Rng) => void) | null;
  /** One encoded sample turned back into something a person can look at (worst samples, predictions). */
  preview(nodeId: string, f: FittedOf<K>, values: Float32Array): InputPreview;
  /** Warnings about one sample at prediction time (a category the model never saw). */
  sampleWarnings?(f: FittedOf<K>, raw: RawInput): DataProblem[];
}
