/**
 * Which model outputs train with which loss, weight and targets.
 * Every head trains with its own loss (weight 1). A model-level (late) node trains with its
 * `late.lossWeight(params)` (0 = not trained: e.g. a vote), on the labels of the heads it joins.
 */
import type { GraphAnalysis } from '../validate';
import type { HeadTask, ModelIO, TrainingSet } from './types';

export interface OutputPlan {
  nodeId: string;
  /** Index among the model's outputs. */
  index: number;
  role: 'head' | 'late';
  task: HeadTask;
  /** Weight of this output's loss in the total (0 = metrics only). */
  weight: number;
  /** The data head whose labels this output learns. */
  labelHead: string;
  width: number;
  classes: string[];
  /** Regress: targets are standardised with these (the model predicts standardised values). */
  mean: number;
  std: number;
}

/** Loss weights of model-level nodes, from their specs (`late.lossWeight(params)`). */
export function lateLossWeights(analysis: GraphAnalysis): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, a] of analysis.nodes) {
    if (a.spec?.category === 'late' && a.params) out[id] = a.spec.late ? a.spec.late.lossWeight(a.params) : 0;
  }
  return out;
}

/**
 * Match model outputs to the dataset's heads. Returns the plans, or a message naming the output
 * that has no labels.
 */
export function planOutputs(
  io: ModelIO,
  data: Pick<TrainingSet, 'heads' | 'fitted'>,
  lateWeights: Record<string, number> = {},
): { ok: true; plans: OutputPlan[] } | { ok: false; message: string } {
  const plans: OutputPlan[] = [];
  for (let index = 0; index < io.outputs.length; index++) {
    const o = io.outputs[index];
    const head = o.role === 'head' ? data.heads.find((h) => h.nodeId === o.nodeId) : data.heads.find((h) => h.column === o.labelColumn);
    if (!head) return { ok: false, message: `Output "${o.nodeId}" has no labels in the data (label column "${o.labelColumn ?? '?'}").` };
    const width = o.shape[o.shape.length - 1] ?? 1;
    const headWidth = head.shape[head.shape.length - 1] ?? 1;
    if (width !== headWidth) {
      return {
        ok: false,
        message: `Output "${o.nodeId}" predicts ${width} value(s) but the column "${head.column}" has ${headWidth} (${head.task === 'regress' ? 'a number' : `${head.classes.length} classes`}). Set the head's classes/outputs to ${headWidth}.`,
      };
    }
    const fh = data.fitted?.heads[head.nodeId];
    const stats = fh && fh.task === 'regress' ? { mean: fh.mean, std: fh.std || 1 } : { mean: 0, std: 1 };
    plans.push({
      nodeId: o.nodeId,
      index,
      role: o.role,
      task: head.task,
      weight: o.role === 'head' ? 1 : Math.max(0, lateWeights[o.nodeId] ?? 0),
      labelHead: head.nodeId,
      width,
      classes: head.classes,
      ...stats,
    });
  }
  return { ok: true, plans };
}

/** Targets of one output for given rows, standardised for regression. */
export function targetRows(plan: OutputPlan, labels: Float32Array, rows: ArrayLike<number>): Float32Array {
  const w = plan.width;
  const out = new Float32Array(rows.length * w);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out.set(labels.subarray(r * w, (r + 1) * w), i * w);
  }
  if (plan.task === 'regress' && (plan.mean !== 0 || plan.std !== 1)) for (let i = 0; i < out.length; i++) out[i] = (out[i] - plan.mean) / plan.std;
  return out;
}
