/**
 * Attribution per sample: how much each modality counted in one answer.
 *
 * - **Contribution** (every graph): the answer's score with all inputs, minus the score with that
 *   input missing (filled as everywhere, engine/data/missing.ts). Classify and multilabel: the
 *   probability of the answer's top class; regress: the first predicted value (standardised).
 *   Positive: the input pushed towards the answer; near 0: the answer did not need it.
 * - **Fusion weights** (gated, attention and late-average fusion): the weights the fusion layer
 *   itself gives each of its inputs for this sample (mean gate, α, w), read from the layer's
 *   `modalityWeights` on the layer's own inputs. Each weight is named by the input nodes upstream
 *   of that fusion input.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { GraphDoc } from '../graph';
import type { ModelIO } from '../train/types';
import { predictArrays } from './index';

type TF = typeof tfTypes;

export interface InputContribution {
  nodeId: string;
  /** Score with every input minus score with this one missing. */
  contribution: number;
  /** |contribution| over the sum of all |contributions| (0 when all are 0). */
  share: number;
}

export interface ContributionReport {
  outputId: string;
  /** The class whose probability is scored (classify/multilabel), or -1 (regress: the first value). */
  classIndex: number;
  score: number;
  inputs: InputContribution[];
}

/** A fusion layer's weight per input for each sample. */
export interface FusionWeights {
  /** The fusion node. */
  nodeId: string;
  className: string;
  /** Per fusion input: the input nodes upstream of it (a modality, or several). */
  modalities: string[][];
  /** `samples × modalities.length` weights, row-major; each row sums to 1. */
  weights: number[][];
}

/**
 * Contribution of each input to the answer of `outputId` for sample `i` of `inputs` (count ≥ 1),
 * with `fill` as the missing value of each input. One batch of K + 1 rows.
 */
export function inputContributions(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  inputs: Record<string, Float32Array>,
  fill: Record<string, Float32Array>,
  opts: { outputId?: string; task?: 'classify' | 'multilabel' | 'regress' } = {},
): ContributionReport {
  const K = io.inputs.length;
  const rows = K + 1;
  const batch: Record<string, Float32Array> = {};
  for (const [k, inp] of io.inputs.entries()) {
    const x = inputs[inp.nodeId];
    const size = fill[inp.nodeId]?.length ?? x.length;
    const out = new Float32Array(rows * size);
    for (let r = 0; r < rows; r++) out.set(r === k + 1 ? (fill[inp.nodeId] ?? new Float32Array(size)) : x.subarray(0, size), r * size);
    batch[inp.nodeId] = out;
  }
  const o = Math.max(0, io.outputs.findIndex((x) => x.nodeId === (opts.outputId ?? (io.outputs.find((y) => y.role === 'late') ?? io.outputs[0]).nodeId)));
  const pred = predictArrays(tf, model, io, batch, rows)[o];
  const w = pred.length / rows;
  let classIndex = -1;
  if (opts.task !== 'regress') {
    classIndex = 0;
    for (let j = 1; j < w; j++) if (pred[j] > pred[classIndex]) classIndex = j;
  }
  const at = (r: number) => pred[r * w + Math.max(0, classIndex)];
  const score = at(0);
  const raw = io.inputs.map((inp, k) => ({ nodeId: inp.nodeId, contribution: score - at(k + 1) }));
  const total = raw.reduce((a, r) => a + Math.abs(r.contribution), 0);
  return { outputId: io.outputs[o].nodeId, classIndex, score, inputs: raw.map((r) => ({ ...r, share: total > 0 ? Math.abs(r.contribution) / total : 0 })) };
}

interface WeightsLayer {
  modalityWeights(inputs: tfTypes.Tensor[]): tfTypes.Tensor;
}

function hasWeights(layer: unknown): layer is WeightsLayer {
  return typeof (layer as Partial<WeightsLayer>).modalityWeights === 'function';
}

/** The node a layer belongs to (layers are named `<nodeId>` or `<nodeId>__<suffix>`, engine/compile.ts). */
function ownerOf(layerName: string): string {
  const i = layerName.indexOf('__');
  return i < 0 ? layerName : layerName.slice(0, i);
}

/** The input nodes upstream of `nodeId` (itself when it is one), in graph order. */
export function upstreamInputs(graph: Pick<GraphDoc, 'nodes' | 'edges'>, nodeId: string): string[] {
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of graph.edges) if (e.target === id) stack.push(e.source);
  }
  return graph.nodes.filter((n) => seen.has(n.id) && n.kind.startsWith('input.')).map((n) => n.id);
}

/**
 * The weights every fusion layer with `modalityWeights` gives its inputs for each of `count`
 * samples of `inputs` (the model's own layers, on their own inputs, in inference mode).
 */
export function fusionWeights(tf: TF, model: tfTypes.LayersModel, io: ModelIO, graph: Pick<GraphDoc, 'nodes' | 'edges'>, inputs: Record<string, Float32Array>, count: number): FusionWeights[] {
  const out: FusionWeights[] = [];
  for (const layer of model.layers) {
    if (!hasWeights(layer)) continue;
    const ins = ([] as tfTypes.SymbolicTensor[]).concat(layer.input as tfTypes.SymbolicTensor | tfTypes.SymbolicTensor[]);
    // A model from the model's inputs to this layer's inputs (it shares the layers; never disposed).
    const sub = tf.model({ inputs: model.inputs, outputs: ins });
    const subIo: ModelIO = { inputs: io.inputs, outputs: ins.map((t, k) => ({ nodeId: `in${k}`, name: t.name, role: 'head' as const, shape: t.shape.slice(1) as number[] })) };
    const feats = predictArrays(tf, sub, subIo, inputs, count);
    const w = tf.tidy(() => {
      const xs = feats.map((f, k) => tf.tensor(f, [count, ...(ins[k].shape.slice(1) as number[])]));
      return layer.modalityWeights(xs).arraySync() as number[][];
    });
    out.push({
      nodeId: ownerOf(layer.name),
      className: layer.getClassName(),
      modalities: ins.map((t) => upstreamInputs(graph, ownerOf(t.sourceLayer.name))),
      weights: w,
    });
  }
  return out;
}
