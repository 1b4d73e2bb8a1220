/**
 * Frozen encoders: where everything up to a point of the model is frozen (its layers have
 * `trainable === false`, set by the compiler from the nodes' `frozen` flag) and fed by inputs
 * that are not augmented, the tensors at that point (the frozen frontier) never change during
 * training. They are computed once, kept as flat arrays, and fed to the trainable rest of the
 * model in every later batch, so each epoch runs only the trainable part.
 *
 * Frozen layers always run in inference mode (batch norm on its moving statistics, dropout off),
 * as in Keras, so the cached features equal what the full model computes.
 */
import type * as tfTypes from '@tensorflow/tfjs';

type SymbolicTensor = tfTypes.SymbolicTensor;

interface InboundNode {
  inputTensors: SymbolicTensor[];
}

function producerInputs(t: SymbolicTensor): SymbolicTensor[] {
  const nodes = (t.sourceLayer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  return nodes[t.nodeIndex]?.inputTensors ?? [];
}

function isInput(t: SymbolicTensor): boolean {
  return t.sourceLayer.getClassName() === 'InputLayer';
}

/** The split of a model at its frozen frontier. */
export interface FrozenFrontier {
  /** Tensors to feed in training: model inputs and cached frozen features. */
  feeds: SymbolicTensor[];
  /** The feeds that are frozen features (not model inputs): these get cached. */
  cached: SymbolicTensor[];
}

/**
 * Find the frozen frontier of a model. `noCache` holds model-input tensor ids that must not be
 * cached through (augmented inputs). Returns `cached` empty when nothing is worth caching.
 */
export function findFrozenFrontier(model: tfTypes.LayersModel, noCache: ReadonlySet<number> = new Set()): FrozenFrontier {
  const memo = new Map<number, boolean>();
  const cacheable = (t: SymbolicTensor): boolean => {
    const known = memo.get(t.id);
    if (known !== undefined) return known;
    let ok: boolean;
    if (isInput(t)) ok = !noCache.has(t.id);
    else {
      const ins = producerInputs(t);
      ok = !t.sourceLayer.trainable && ins.length > 0 && ins.every(cacheable);
    }
    memo.set(t.id, ok);
    return ok;
  };
  const feeds: SymbolicTensor[] = [];
  const seen = new Set<number>();
  const visit = (t: SymbolicTensor): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (isInput(t) || cacheable(t)) {
      feeds.push(t);
      return;
    }
    for (const x of producerInputs(t)) visit(x);
  };
  for (const o of model.outputs) visit(o);
  // Inputs the outputs never need (cannot happen for compiled graphs) are left out.
  const cached = feeds.filter((t) => !isInput(t));
  return { feeds, cached };
}
