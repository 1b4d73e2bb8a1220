/** The runtime sources (custom layers) of each export target. */
export { tfjsRuntime } from './runtime-tfjs';
export { torchRuntime, TORCH_RUNTIME_CLASSES } from './runtime-torch';
export { kerasRuntime } from './runtime-keras';
