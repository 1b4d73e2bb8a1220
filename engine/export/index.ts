/**
 * Export (issue 6): a graph → readable code for TensorFlow.js (TypeScript), Keras and PyTorch, and
 * trained weights in each target's format. See {@link exportProgram} and {@link exportZip}.
 */
export { exportProgram, type ExportOptions, type ExportResult, type ExportedTensor, type LineRange } from './program';
export { safeIdent, tsString, pyString, commentText, Namer } from './ident';
export { exportZip, exportFiles, type ExportZipOptions, type ExportZipResult } from './zip';
export { weightsNpz, torchStateDict, kerasWeightArrays } from './weights';
export { encodeNpz, encodeNpy, type NpyArray } from './npz';
export type { WeightSpec } from './layers';
