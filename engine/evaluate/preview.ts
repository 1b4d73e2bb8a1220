/**
 * Previews: a featurised sample turned back into something a person can look at, using the
 * fitted preprocessing state (engine/data/loader.ts FittedInput) to undo the featurisation:
 * images → RGBA pixels, log-mel spectrograms → a heat image, waveforms → a min/max envelope,
 * token ids → the text, tabular vectors → column = value. Plain data with typed arrays, so it can
 * be posted from the training worker. Also the worst-classified samples of a split with their
 * previews (for the Train panel).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { FittedInput, FittedState } from '../data/loader';
import { withoutChannel } from '../data/augment';
import { inputData } from '../data/inputs';
import { hasPresence, stripPresence } from '../data/missing';
import type { InputPreview } from '../data/preview-values';
import { sizeOf } from '../spec';
import type { ModelIO, SplitData, TrainingSet } from '../train/types';
import { evaluateModel } from './index';

type TF = typeof tfTypes;

export type { InputPreview } from '../data/preview-values';
export { detokenize, envelope, heatColor, valueRange } from '../data/preview-values';

/** The preview of one featurised input value (`size(shape)` numbers) using its fitted state (each kind's module in engine/data/inputs). */
export function previewInput(nodeId: string, f: FittedInput, values: Float32Array): InputPreview {
  if (!hasPresence(f.kind, f.params)) return inputData(f.kind).preview(nodeId, f, values);
  // A kept-missing input: the preview of its values without the presence channel.
  const c = f.shape[f.shape.length - 1] - 1;
  return inputData(f.kind).preview(nodeId, withoutChannel(f), stripPresence(values, c));
}

/** Previews of every input of sample `index` of a split (in the order of `inputs`). */
export function previewSample(fitted: FittedState | undefined, inputs: TrainingSet['inputs'], split: SplitData, index: number): InputPreview[] {
  return inputs.map((inp) => {
    const size = sizeOf(inp.shape);
    const data = split.inputs[inp.nodeId];
    const values = data ? data.subarray(index * size, (index + 1) * size) : new Float32Array(0);
    const f = fitted?.inputs[inp.nodeId];
    return f ? previewInput(inp.nodeId, f, values) : { kind: 'raw', nodeId: inp.nodeId, values: Array.from(values.subarray(0, 8)), size };
  });
}

/** One worst-classified sample with what the model saw. */
export interface WorstPreview {
  /** Position in the split. */
  index: number;
  id?: string;
  label: string;
  predicted: string;
  /** Probability given to the true class and to the predicted one. */
  trueProbability: number;
  predictedProbability: number;
  inputs: InputPreview[];
}

export interface WorstReport {
  split: 'train' | 'val' | 'test';
  /** Samples in the split. */
  count: number;
  /** The output scored (the model's answer). */
  outputId: string;
  /** Misclassified samples in the split (the report lists the `samples.length` worst). */
  wrong: number;
  samples: WorstPreview[];
}

/**
 * The `n` worst-classified samples of the primary output on one split (lowest probability of the
 * true class, misclassified only) with previews of their inputs. Undefined when the primary output
 * is not a single-label classifier (no "worst" to show).
 */
export function worstWithPreviews(tf: TF, model: tfTypes.LayersModel, io: ModelIO, data: TrainingSet, splitName: 'train' | 'val' | 'test', n = 8): WorstReport | undefined {
  const split = data.splits[splitName];
  if (split.count === 0) return undefined;
  const rep = evaluateModel(tf, model, io, data, split, { worst: n });
  const o = rep.outputs[rep.primary];
  if (o.task !== 'classify' || !o.worst || !o.confusion) return undefined;
  const wrong = o.confusion.reduce((a, row, i) => a + row.reduce((b, x, j) => b + (i === j ? 0 : x), 0), 0);
  const modelInputs = data.inputs.filter((i) => io.inputs.some((m) => m.nodeId === i.nodeId));
  return {
    split: splitName,
    count: split.count,
    outputId: rep.primary,
    wrong,
    samples: o.worst.map((w) => ({
      index: w.index,
      id: w.id,
      label: w.label,
      predicted: w.predicted,
      trueProbability: w.trueProbability,
      predictedProbability: Math.max(...w.probabilities),
      inputs: previewSample(data.fitted, modelInputs, split, w.index),
    })),
  };
}
