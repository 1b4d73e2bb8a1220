/**
 * Every input kind's data handling, one module each. The record's type makes a new kind in
 * `InputParamsByKind` fail to compile until it has its module here.
 */
import type { InputKind } from '../params';
import { audioData } from './audio';
import { imageData } from './image';
import { tabularData } from './tabular';
import { textData } from './text';
import type { FittedInput, InputData, RawInput } from './types';
import { videoData } from './video';

export const INPUT_DATA: { readonly [K in InputKind]: InputData<K> } = {
  'input.image': imageData,
  'input.text': textData,
  'input.audio': audioData,
  'input.tabular': tabularData,
  'input.video': videoData,
};

/**
 * The handler of a kind with the kind erased: callers pass a binding or fitted state of that same
 * kind (the loader builds them from the handler's own `fit`), which keeps the calls sound.
 */
export function inputData(kind: InputKind): InputData<InputKind> {
  return INPUT_DATA[kind] as unknown as InputData<InputKind>;
}

/** Encode one raw value with a fitted state (builds the encoder; loops should keep one). */
export function encodeOne(f: FittedInput, raw: RawInput, out: Float32Array, offset: number): void {
  inputData(f.kind).encoder(f as never)(raw, out, offset);
}

export type { FittedInput, FittedOf, InputBinding, InputData, Prepared, RawInput, ReadableColumnType, RowCtx } from './types';
