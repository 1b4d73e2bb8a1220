/**
 * Problems found while reading a dataset. Like graph diagnostics they are data, never exceptions:
 * each names the row (1-based record number in the manifest, header excluded), the column and the
 * reason. A row with an error problem is skipped and counted; the rest of the dataset loads.
 */

/** Every dataset problem code with what it means. */
export const DATA_PROBLEM_CODES = {
  'no-manifest': 'No table (samples.csv, one CSV/TSV/JSONL, Hugging Face metadata) and no class folders were found.',
  'several-tables': 'The top level holds several tables and none is samples.csv; name the one to use.',
  'empty-class': 'A class folder holds no file of the dataset\'s kind, so it is not a class.',
  'ignored-files': 'Files beside or inside class folders that are not media of the dataset\'s kind were not read.',
  'ambiguous-file': 'A file path does not exist as written and several files share its name.',
  'matched-by-name': 'File paths that did not exist as written were found by their file name.',
  'manifest-empty': 'The manifest has no header or no rows.',
  'manifest-too-large': 'The manifest is larger than the limit.',
  'too-many-rows': 'The manifest has more rows than the limit; the rest were not read.',
  'bad-encoding': 'The table is not UTF-8 text: read as Latin-1 (windows-1252) with a warning, or refused when its header holds NUL characters (UTF-16 without a byte-order mark, or not text).',
  'broken-line': 'A manifest line could not be parsed (wrong number of cells, bad JSON, unclosed quote).',
  'duplicate-column': 'Two header cells have the same name.',
  'duplicate-id': 'Two rows share one id; the later one is skipped.',
  'missing-column': 'A column named by an input node or a head is not in the manifest.',
  'bad-split': 'The split cell is not train, val or test.',
  'bad-path': 'A file path is absolute or leaves the dataset folder (with `..`, or through a symbolic link whose target is outside it).',
  'missing-file': 'A file named in a row does not exist.',
  'file-too-large': 'A file is larger than the limit.',
  'archive-too-large': 'The archive expands to more than the limit, or holds too many files.',
  'archive-unreadable': 'The archive could not be read.',
  'undecodable': 'A file could not be decoded (wrong format, truncated, corrupt).',
  'needs-app': 'This file type can only be decoded in the browser app.',
  'empty-value': 'A cell that must hold a value is empty (e.g. empty text).',
  'kept-missing': "Rows whose cell for an input with missing = keep is empty: kept, with that input missing (train mean, presence channel 0).",
  'wrong-type': 'A cell holds the wrong type of value (e.g. text in a numeric column).',
  'missing-label': 'The label cell is empty.',
  'unknown-label': 'The label is not one of the classes learnt from the train split.',
  'classes-mismatch': "The number of classes in the data differs from the head's classes param.",
  'rare-category': 'A category seen in the data has no one-hot slot (over the cardinality param).',
  'no-rows': 'No row of a split could be loaded.',
  'bad-graph': 'The graph cannot be bound to the dataset (unknown kind, bad params).',
  'non-finite': 'A file holds NaN or infinite values (e.g. a float WAV); the row is skipped so no statistic is poisoned.',
  'shape-mismatch': "A featurised tensor does not have the shape the input node's infer promises.",
} as const;

export type DataProblemCode = keyof typeof DATA_PROBLEM_CODES;

/** One problem with a dataset. */
export interface DataProblem {
  severity: 'error' | 'warning';
  code: DataProblemCode;
  message: string;
  /** 1-based record number in the manifest (header excluded); absent for dataset-wide problems. */
  row?: number;
  /** 1-based line in the manifest file where the record starts. */
  line?: number;
  /** The sample id when the manifest has an id column. */
  id?: string;
  column?: string;
  /** The graph node the problem concerns (input or head). */
  nodeId?: string;
}

/** Shorthand for a problem. */
export function problem(code: DataProblemCode, message: string, where: Omit<DataProblem, 'severity' | 'code' | 'message'> = {}, severity: 'error' | 'warning' = 'error'): DataProblem {
  return { severity, code, message, ...where };
}

/** Human size: 1536 → "1.5 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Limits that keep a bad or hostile upload from exhausting memory. Each is named in its problem. */
export interface DataLimits {
  /** Largest single file (image, audio, video) in bytes. */
  maxFileBytes: number;
  /** Largest manifest in bytes. */
  maxManifestBytes: number;
  /** Most bytes a zip may expand to in total. */
  maxArchiveExpandedBytes: number;
  /** Most files a zip may hold. */
  maxArchiveEntries: number;
  /** Most rows read from a manifest. */
  maxRows: number;
  /**
   * Largest image (width × height, as the file's header declares it), checked before decoding.
   * 100 M so that ordinary photos pass with room to spare: 48–50 MP phone cameras, 45–61 MP cameras
   * (40 M refused them), 100 MP on a few phones and medium-format bodies. The cost stays bounded:
   * at full size 100 MP of RGB is 300 MB; with the loader's size hint a baseline JPEG streams
   * through libvips' shrink-on-load in about 1 MB, a progressive one holds its DCT coefficients
   * (≈ 3 bytes a pixel: 150 MB at 50 MP). Beyond 100 M it is more likely a bomb than a photo.
   */
  maxImagePixels: number;
}

export const DEFAULT_LIMITS: DataLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxManifestBytes: 64 * 1024 * 1024,
  maxArchiveExpandedBytes: 2 * 1024 * 1024 * 1024,
  maxArchiveEntries: 200_000,
  maxRows: 200_000,
  maxImagePixels: 100_000_000,
};
