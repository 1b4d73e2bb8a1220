/**
 * The params of the `input.*` node kinds as the data pipeline reads them. The zod schemas in
 * `nodes/input/*.ts` are the source of truth (defaults, bounds, help text); these interfaces
 * mirror them so that engine/ does not import nodes/ (test/data-nodes.test.ts checks that the
 * parsed schemas are assignable to them).
 */
import type { AudioAugmentParams, AudioFeatureParams } from './audio';
import type { ImageFeatureParams } from './image';
import type { CategoricalColumn } from './tabular';
import type { MissingPolicy } from './missing';
import type { Tokenizer } from './text';

/** The featuriser's params (featurise-core.ts) plus the column and the augmentations. */
export interface ImageInputParams extends ImageFeatureParams {
  column: string;
  missing?: MissingPolicy;
  flip: boolean;
  shift: number;
  brightness: number;
}

export interface TextInputParams {
  column: string;
  missing?: MissingPolicy;
  tokenizer: Tokenizer;
  vocabSize: number;
  seqLength: number;
  lowercase: boolean;
  tokenDropout: number;
}

/** The featuriser's params (featurise-core.ts, with standardisation) plus the column and the augmentations. */
export interface AudioInputParams extends AudioFeatureParams, AudioAugmentParams {
  column: string;
  missing?: MissingPolicy;
}

export interface TabularInputParams {
  columns: string[];
  missing?: MissingPolicy;
  categorical: CategoricalColumn[];
  standardise: boolean;
}

export interface VideoInputParams {
  column: string;
  missing?: MissingPolicy;
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
