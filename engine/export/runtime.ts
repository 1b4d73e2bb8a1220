/** The runtime sources (custom layers) of each export target. */
export { tfjsRuntime, TFJS_RUNTIME_CLASSES } from './runtime-tfjs';
export { torchRuntime, TORCH_RUNTIME_CLASSES } from './runtime-torch';
export { kerasRuntime, KERAS_RUNTIME_CLASSES } from './runtime-keras';
