/**
 * Plain-words warnings after a training run, from evaluations made in inference mode (the way the
 * saved model predicts): a model that answers one class for everything, one that scores far
 * better on its training rows than on held-out rows, one that trained much better (batch
 * statistics, dropout) than it predicts the same rows, and one no better than always answering
 * the most common class (or, for regression, the mean). Pure data: the Train panel and the CLI
 * show the same list, and Compare reads `collapsed` so that it does not blame the fusion.
 */
import type { EvaluationReport, OutputEvaluation } from '../evaluate';
import type { OutputMetrics } from './types';

export type RunWarningCode = 'collapsed' | 'overfitting' | 'inference-gap' | 'no-better-than-baseline';

export interface RunWarning {
  code: RunWarningCode;
  /** The model output it is about. */
  output: string;
  message: string;
  suggestion: string;
}

/** Share of predictions one class must take, with two or more classes present, to count as a collapse. */
export const COLLAPSE_SHARE = 0.95;
/** Train (inference mode) minus held-out accuracy above this is called overfitting… */
export const OVERFIT_GAP = 0.2;
/** …when the training rows are learnt (an untrained model is not overfitting). */
export const OVERFIT_TRAIN = 0.75;
/** Training-mode minus inference-mode accuracy on the same rows above this is an inference gap. */
export const INFERENCE_GAP = 0.15;

const pct = (x: number) => `${(100 * x).toFixed(x > 0.995 && x < 1 ? 1 : 0)}%`;

/** The one class an output predicts for (almost) every sample, when the labels hold several. */
export function collapsedClass(o: OutputEvaluation): { name: string; share: number; present: number } | null {
  if (o.task !== 'classify' || !o.confusion || o.count < 4) return null;
  const C = o.confusion.length;
  const predicted = Array.from({ length: C }, (_, j) => o.confusion?.reduce((a, row) => a + row[j], 0) ?? 0);
  const support = o.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  // Classes with a real share of the samples: a collapse onto the only class present is no collapse.
  const present = support.filter((s) => s >= Math.max(2, 0.05 * o.count)).length;
  if (present < 2) return null;
  const top = predicted.indexOf(Math.max(...predicted));
  const share = predicted[top] / o.count;
  if (share < COLLAPSE_SHARE) return null;
  // The labels themselves almost all of one class: predicting it is right, not a collapse.
  if (support[top] / o.count >= COLLAPSE_SHARE) return null;
  return { name: o.classes?.[top] ?? String(top), share, present };
}

/** The most common class and its share in an evaluation's labels. */
function majority(o: OutputEvaluation): { name: string; share: number } | null {
  if (!o.confusion || o.count === 0) return null;
  const support = o.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const top = support.indexOf(Math.max(...support));
  return { name: o.classes?.[top] ?? String(top), share: support[top] / o.count };
}

export interface WarningInputs {
  /** The held-out evaluation (test, else val). */
  evaluation?: { split: string; report: EvaluationReport };
  /** The training rows, in inference mode. */
  train?: EvaluationReport;
  /** The last epoch's running training metrics (training mode: batch statistics, dropout on). */
  trainingMode?: Record<string, OutputMetrics>;
  /** Regression: the label's standard deviation per output (RMSE at or above it = predicting the mean). */
  labelStd?: Record<string, number>;
  /** Output labels for the messages (node labels); node ids otherwise. */
  labels?: Record<string, string>;
}

/** The warnings of a finished run, most serious first; empty when all looks right. */
export function runWarnings(w: WarningInputs): RunWarning[] {
  const out: RunWarning[] = [];
  const name = (id: string) => w.labels?.[id] ?? id;
  const held = w.evaluation;
  const ids = Object.keys(held?.report.outputs ?? w.train?.outputs ?? {});
  for (const id of ids) {
    const e = held?.report.outputs[id];
    const t = w.train?.outputs[id];
    // 1. Collapse, on the held-out rows or on the training rows themselves.
    const where = e && collapsedClass(e) ? { o: e, split: `${held?.split} samples` } : t && collapsedClass(t) ? { o: t, split: 'training samples' } : null;
    const c = where ? collapsedClass(where.o) : null;
    if (where && c) {
      out.push({
        code: 'collapsed',
        output: id,
        message: `${name(id)}: the model answers "${c.name}" for ${pct(c.share)} of the ${where.o.count} ${where.split}, though ${c.present} classes occur there. It has collapsed to one class, so its accuracy says little.`,
        suggestion: 'Train for more epochs or with a learning rate between 0.001 and 0.003, check that every class has enough samples (tens per class at least), and try a smaller encoder or one without batch norm.',
      });
      continue;
    }
    // 2. Training rows far better than held-out ones.
    if (e && t && e.accuracy !== undefined && t.accuracy !== undefined && t.accuracy >= OVERFIT_TRAIN && t.accuracy - e.accuracy > OVERFIT_GAP) {
      out.push({
        code: 'overfitting',
        output: id,
        message: `${name(id)}: the model gets ${pct(t.accuracy)} of its training samples right but only ${pct(e.accuracy)} of the ${held?.split} samples. It has learned the training rows by heart more than the task (overfitting).`,
        suggestion: 'Add data or augmentation (image flip and shift, audio noise, token dropout), add dropout, use a smaller encoder, or set Patience so training keeps the epoch with the best validation loss.',
      });
    }
    // 3. It trained (batch statistics, dropout) much better than it predicts the same rows.
    const m = w.trainingMode?.[id];
    if (m?.accuracy !== undefined && t?.accuracy !== undefined && m.accuracy - t.accuracy > INFERENCE_GAP) {
      out.push({
        code: 'inference-gap',
        output: id,
        message: `${name(id)}: during training the model scored ${pct(m.accuracy)}, but run as it will be saved it predicts only ${pct(t.accuracy)} of the same training samples right.`,
        suggestion: 'This comes from batch norm or dropout: train for more epochs, raise the batch size, or turn batch norm off in the encoders.',
      });
    }
    // 4. No better than a constant answer.
    if (e && e.task === 'classify' && e.accuracy !== undefined) {
      const maj = majority(e);
      if (maj && maj.share < COLLAPSE_SHARE && e.accuracy <= maj.share + 0.02 && e.count >= 10) {
        out.push({
          code: 'no-better-than-baseline',
          output: id,
          message: `${name(id)}: ${pct(e.accuracy)} on the ${held?.split} samples is no better than always answering the most common class, "${maj.name}" (${pct(maj.share)}).`,
          suggestion: 'Check that the inputs carry what the label needs (the Compare button shows what each input reaches alone), train longer, or change the learning rate.',
        });
      }
    }
    const std = w.labelStd?.[id];
    if (e && e.task === 'regress' && e.rmse !== undefined && std !== undefined && std > 0 && e.count >= 10 && e.rmse >= 0.98 * std) {
      out.push({
        code: 'no-better-than-baseline',
        output: id,
        message: `${name(id)}: the RMSE on the ${held?.split} samples (${e.rmse.toPrecision(3)}) is no better than always predicting the mean of the training labels (${std.toPrecision(3)}).`,
        suggestion: 'Check that the inputs carry what the label needs, train longer, or change the learning rate.',
      });
    }
  }
  return out;
}
