/**
 * The data pipeline (DESIGN.md, "Dataset format"): pure TypeScript, shared by the app (in a Web
 * Worker) and the CLI. Node-only pieces live in `node-decoders.ts` and `node-source.ts`, which
 * this index does not export.
 */
export * from './problems';
export * from './manifest';
export * from './split';
export * from './source';
export * from './layout';
export * from './adapter';
export * from './params';
export * from './image';
export * from './text';
export * from './audio';
export * from './tabular';
export * from './labels';
export * from './wav';
export * from './png';
export * from './rng';
export * from './loader';
export { INPUT_DATA, inputData } from './inputs';
export type { FileInfo, FittedOf, InputData, ReadableColumnType } from './inputs/types';
export * from './inspect';
export * from './fit-graph';
export * from './demo';
export * from './augment';
