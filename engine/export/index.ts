/**
 * Export: a graph → readable code for TensorFlow.js (TypeScript), Keras and PyTorch, and
 * trained weights in each target's format.
 *
 * For the app's code panel (pure and synchronous, ~4 ms for a template, safe on every edit):
 *
 * ```ts
 * const r = exportProgram(graph, registry, 'pytorch');        // 'tfjs' | 'keras' | 'pytorch'
 * if (r.ok) {
 *   editor.setValue(r.files[r.main]);                          // main: 'model.ts' or 'model.py'
 *   const ranges = r.nodeRanges.get(selectedNodeId) ?? [];         // 1-based inclusive lines in main
 *   // Other tabs/files: Object.keys(r.files) (model.py, fusionlab_layers.py, data.py, train.py, README.md)
 * } else {
 *   show(r.diagnostics);                                       // graph errors, or a kind that cannot be exported
 * }
 * ```
 *
 * Downloads: `exportZip(tf, graph, registry, target)` for code only, or with `{ model, fitted }`
 * (a trained model and its FittedState) for code + weights (`weights.npz` for PyTorch/Keras,
 * `model.json` + `weights.bin` for tfjs) + `preprocess.json` + README. `exportFiles` gives the same
 * files as path → bytes.
 */
export { exportProgram, type ExportOptions, type ExportResult, type ExportedTensor, type LineRange } from './program';
export { safeIdent, tsString, pyString, commentText, Namer } from './ident';
export { exportZip, exportFiles, type ExportZipOptions, type ExportZipResult } from './zip';
export { weightsNpz, torchStateDict, kerasWeightArrays } from './weights';
export { encodeNpz, encodeNpy, type NpyArray } from './npz';
export type { WeightSpec } from './layers';
