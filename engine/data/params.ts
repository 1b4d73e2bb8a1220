/**
 * The params of the `input.*` node kinds as the data pipeline reads them. The zod schemas in
 * `nodes/input/*.ts` are the source of truth (defaults, bounds, help text); these interfaces
 * mirror them so that engine/ does not import nodes/ (test/data-nodes.test.ts checks that the
 * parsed schemas are assignable to them).
 */
import type { AudioRepresentation, WindowKind } from './audio';
import type { ImageNormalisation, ResizeMode } from './image';
import type { CategoricalColumn } from './tabular';
import type { Tokenizer } from './text';

export interface ImageInputParams {
  column: string;
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizeMode;
  normalise: ImageNormalisation;
  flip: boolean;
  shift: number;
  brightness: number;
}

export interface TextInputParams {
  column: string;
  tokenizer: Tokenizer;
  vocabSize: number;
  seqLength: number;
  lowercase: boolean;
  tokenDropout: number;
}

export interface AudioInputParams {
  column: string;
  sampleRate: number;
  clipSeconds: number;
  representation: AudioRepresentation;
  melBins: number;
  frameLength: number;
  hop: number;
  window: WindowKind;
  standardise: boolean;
  timeShift: number;
  gainDb: number;
  noise: number;
}

export interface TabularInputParams {
  columns: string[];
  categorical: CategoricalColumn[];
  standardise: boolean;
}

export interface VideoInputParams {
  column: string;
  frames: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Input kinds the data pipeline knows, with their params. */
export interface InputParamsByKind {
  'input.image': ImageInputParams;
  'input.text': TextInputParams;
  'input.audio': AudioInputParams;
  'input.tabular': TabularInputParams;
  'input.video': VideoInputParams;
}

export type InputKind = keyof InputParamsByKind;

export const INPUT_KINDS: readonly InputKind[] = ['input.image', 'input.text', 'input.audio', 'input.tabular', 'input.video'];

export function isInputKind(k: string): k is InputKind {
  return (INPUT_KINDS as readonly string[]).includes(k);
}
