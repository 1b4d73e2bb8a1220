/**
 * Training: the public API for the app's train panel (in a Web Worker) and the CLI.
 *
 * ```ts
 * const compiled = compileGraph(graph, registry, { tf, seed });
 * const trainer = createTrainer(tf, compiled, dataset, { epochs: 10, learningRate: 1e-3 });
 * const result = await trainer.train({ onBatchEnd, onEpochEnd });   // trainer.stop() from a message
 * await trainer.train();                                               // resume
 * trainer.resetWeights();
 * trainer.dispose();
 * ```
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { ModelSummary } from '../compile';
import type { GraphAnalysis } from '../validate';
import { lateLossWeights } from './outputs';
import { Trainer } from './trainer';
import type { TrainConfig, TrainingSet } from './types';

export * from './types';
export { Trainer, type TrainerOptions } from './trainer';
export { lateLossWeights, planOutputs, type OutputPlan } from './outputs';
export { planExecution, runPlan, runInference, type ExecutionPlan } from './executor';
export { findFrozenFrontier, type FrozenFrontier } from './frozen';
export { buildAugmenters, permutation, gatherRows, splitRows } from './batches';
export { runWarnings, collapsedClass, type RunWarning, type RunWarningCode } from './warnings';
export { lossTensor, scoreSumTensor } from './losses';

/** A trainer for a successful `compileGraph` result and a loaded dataset. */
export function createTrainer(
  tf: typeof tfTypes,
  compiled: { model: tfTypes.LayersModel; summary: ModelSummary; analysis: GraphAnalysis },
  data: TrainingSet,
  config: Partial<TrainConfig> = {},
): Trainer {
  return new Trainer({
    tf,
    model: compiled.model,
    io: { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs },
    data,
    config,
    lateWeights: lateLossWeights(compiled.analysis),
  });
}
