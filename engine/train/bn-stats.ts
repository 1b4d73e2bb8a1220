/**
 * Batch-norm statistics recomputed over the training rows in inference mode ("precise BN",
 * Wu & Johnson 2021, https://arxiv.org/abs/2105.07576).
 *
 * Why: a batch-norm layer trains on each batch's own statistics but predicts with moving
 * averages updated with momentum 0.99 (tfjs and Keras). With few steps (60 photos at batch 32 is
 * 2 steps an epoch) the averages are still mostly their initial values (0.99^30 ≈ 0.74 after 15
 * epochs), and the saved model predicts one class while the training-mode accuracy says 100 %.
 * So at the end of every epoch the trainer sets every trainable batch-norm layer's moving mean
 * and variance to the exact per-channel statistics of the inputs it sees *in inference mode*
 * (upstream batch norms already on their new statistics): one pass per depth of batch norms,
 * over at most `maxRows` seeded training rows, without augmentation. The sums stay on the
 * backend (Chan's parallel mean/variance update, stable for near-constant channels) and are
 * written straight into the layers' variables: no read to the CPU.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { batchMoments } from '../backend/batch-norm-train';
import { planExecution, runPlan, type ExecutionPlan, type Step } from './executor';

type TF = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** The parts of a tfjs BatchNormalization layer we update. */
interface BatchNormLayer {
  axis: number;
  movingMean: { write(t: Tensor): void; read(): Tensor };
  movingVariance: { write(t: Tensor): void; read(): Tensor };
}

/** A batch-norm call in the training plan: its input and the layer holding the statistics. */
export interface BatchNormSite {
  input: SymbolicTensor;
  layer: BatchNormLayer;
  /** 1 + the largest depth of batch norms upstream of it (1 = no batch norm before it). */
  depth: number;
  name: string;
}

function batchNormOf(step: Step): BatchNormLayer | null {
  const cls = step.layer.getClassName();
  if (cls === 'BatchNormalization') return step.layer as unknown as BatchNormLayer;
  // Video encoders wrap every per-frame layer in TimeDistributed; the inner layer holds the state.
  if (cls === 'TimeDistributed') {
    const inner = (step.layer as unknown as { layer?: tfTypes.layers.Layer }).layer;
    if (inner && inner.getClassName() === 'BatchNormalization') return inner as unknown as BatchNormLayer;
  }
  return null;
}

/**
 * The trainable batch-norm calls of a plan with their depth. Frozen ones (`trainable === false`)
 * keep their statistics, as they always run in inference mode. Only channels-last batch norms
 * (axis -1, what every FusionLab node builds) are handled; others are left as tfjs trains them.
 */
export function findBatchNormSites(plan: ExecutionPlan): BatchNormSite[] {
  const depthOf = new Map<number, number>();
  const sites: BatchNormSite[] = [];
  for (const step of plan.steps) {
    const inDepth = Math.max(0, ...step.inputIds.map((id) => depthOf.get(id) ?? 0));
    const bn = batchNormOf(step);
    let outDepth = inDepth;
    if (bn && step.layer.trainable && step.inputs.length === 1) {
      const rank = step.inputs[0].shape.length;
      const axis = bn.axis < 0 ? bn.axis : bn.axis + (step.layer.getClassName() === 'TimeDistributed' ? 1 : 0);
      if (axis === -1 || axis === rank - 1) {
        outDepth = inDepth + 1;
        sites.push({ input: step.inputs[0], layer: bn, depth: outDepth, name: step.layer.name });
      }
    }
    for (const id of step.outputIds) depthOf.set(id, outDepth);
  }
  return sites;
}

/** Running per-channel mean and sum of squared deviations, on the backend. */
interface Moments {
  n: number;
  mean: Tensor;
  m2: Tensor;
}

/**
 * Recompute the statistics of `sites` (from {@link findBatchNormSites}) in inference mode.
 * `batches` yields the feed tensors of one batch at a time (the caller disposes nothing: each
 * yielded list is disposed here). Runs one pass over the batches per depth.
 */
export function recomputeBatchNormStats(tf: TF, feeds: SymbolicTensor[], sites: BatchNormSite[], batches: () => Iterable<Tensor[]>): void {
  const maxDepth = Math.max(0, ...sites.map((s) => s.depth));
  for (let depth = 1; depth <= maxDepth; depth++) {
    const level = sites.filter((s) => s.depth === depth);
    const plan = planExecution(level.map((s) => s.input), feeds);
    const acc: (Moments | null)[] = level.map(() => null);
    for (const xs of batches()) {
      const outs = tf.tidy(() => runPlan(plan, xs, { training: false }).map((y) => tf.reshape(y, [-1, y.shape[y.shape.length - 1]])));
      tf.dispose(xs);
      outs.forEach((y, k) => {
        const nb = y.shape[0];
        const prev = acc[k];
        const next = tf.tidy(() => {
          const { mean, variance } = batchMoments(tf, y as tfTypes.Tensor2D);
          if (!prev) return { mean, m2: tf.mul(variance, nb) };
          // Chan et al.: combine (n, mean, M2) with the batch's (nb, mean_b, nb·var_b).
          const total = prev.n + nb;
          const delta = tf.sub(mean, prev.mean);
          return {
            mean: tf.add(prev.mean, tf.mul(delta, nb / total)),
            m2: tf.add(tf.add(prev.m2, tf.mul(variance, nb)), tf.mul(tf.square(delta), (prev.n * nb) / total)),
          };
        });
        if (prev) tf.dispose([prev.mean, prev.m2]);
        acc[k] = { n: (prev?.n ?? 0) + nb, mean: next.mean, m2: next.m2 };
      });
      tf.dispose(outs);
    }
    level.forEach((s, k) => {
      const a = acc[k];
      if (!a || a.n === 0) return;
      s.layer.movingMean.write(a.mean);
      const variance = tf.div(a.m2, a.n);
      s.layer.movingVariance.write(variance);
      tf.dispose([a.m2, variance]);
      // `write` keeps its own copy of the values; ours go.
      a.mean.dispose();
    });
  }
}
