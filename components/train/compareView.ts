/**
 * The Compare button's messages and panel state (pure, no DOM, no React; unit tested in
 * test/train-compare-view.test.ts): the worker trains the single-modality variants of the trained
 * model's graph (engine/compare.ts, driven by compareSession.ts) and streams progress; the panel
 * shows the fused model beside each variant.
 */
import type { CompareProgress, ComparisonReport } from '@/engine/compare';

/** Page → worker: compare the trained model with its single-modality variants (same settings as its training). */
export type CompareToWorker = { type: 'compare' };

/** Worker → page. */
export type CompareFromWorker =
  | { type: 'compare-progress'; p: CompareProgress }
  | { type: 'compare-done'; report?: ComparisonReport; error?: string };

export interface CompareView {
  status: 'running' | 'stopping' | 'done' | 'stopped' | 'failed';
  progress: CompareProgress | null;
  report: ComparisonReport | null;
  error: string | null;
}

/** The state right after Compare is pressed. */
export function compareStarting(): CompareView {
  return { status: 'running', progress: null, report: null, error: null };
}

/** The state right after Stop is pressed while comparing. */
export function compareStopping(v: CompareView | null): CompareView | null {
  return v && v.status === 'running' ? { ...v, status: 'stopping' } : v;
}

/** The compare state after one worker message. */
export function reduceCompare(v: CompareView | null, msg: CompareFromWorker): CompareView {
  const cur = v ?? compareStarting();
  switch (msg.type) {
    case 'compare-progress':
      return { ...cur, status: cur.status === 'stopping' ? 'stopping' : 'running', progress: msg.p };
    case 'compare-done':
      if (msg.error || !msg.report) return { ...cur, status: 'failed', error: msg.error ?? 'The comparison did not finish.' };
      return { ...cur, status: msg.report.stopped ? 'stopped' : 'done', report: msg.report, error: null };
    default: {
      const _x: never = msg;
      return _x;
    }
  }
}

/** "Training “Tone” alone (variant 3 of 4): epoch 2 of 8, batch 10 of 44". */
export function progressText(v: CompareView, labels: Record<string, string>): string {
  const p = v.progress;
  if (v.status === 'stopping') return 'Stopping after this batch…';
  if (!p) return 'Evaluating the fused model…';
  const name = labels[p.inputId] ?? p.inputId;
  return `Training “${name}” alone (variant ${p.variant} of ${p.variants}): epoch ${p.epoch} of ${p.epochs}${p.batches ? `, batch ${p.batch} of ${p.batches}` : ''}`;
}

/** Share of the whole comparison done, 0–1. */
export function progressFraction(v: CompareView): number {
  const p = v.progress;
  if (!p || p.variants === 0 || p.epochs === 0) return 0;
  const inVariant = (p.epoch - 1 + (p.batches ? p.batch / p.batches : 0)) / p.epochs;
  return Math.max(0, Math.min(1, (p.variant - 1 + inVariant) / p.variants));
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The one-sentence takeaway: "Fused 100.0% vs best single input 47.7% (Tone)". For regression
 * (RMSE, lower is better) the best single input is the lowest.
 */
export function takeaway(r: ComparisonReport, labels: Record<string, string>): string {
  const ok = r.rows.filter((x) => x.status === 'ok' && x.value !== undefined && Number.isFinite(x.value));
  const acc = r.metric === 'accuracy';
  const show = (x: number) => (acc ? pct(x) : `RMSE ${x.toPrecision(3)}`);
  if (ok.length === 0) return r.stopped ? 'Stopped before any single-input variant finished.' : 'No single-input variant could be trained (see the reasons below).';
  const best = ok.reduce((a, b) => ((acc ? (b.value ?? 0) > (a.value ?? 0) : (b.value ?? 0) < (a.value ?? 0)) ? b : a));
  const bestText = `best single input ${show(best.value ?? NaN)} (${labels[best.inputId] ?? best.inputId})`;
  if (!r.fused) return `The ${bestText}.`;
  const f = r.fused.value;
  const gain = acc ? f - (best.value ?? 0) : (best.value ?? 0) - f;
  // A fused model that answers one class for everything failed to train: that says nothing about the fusion.
  if (r.fused.collapsed !== undefined) return `Fused ${show(f)} vs ${bestText}, but the fused model answers "${r.fused.collapsed}" for almost every sample: its training went wrong, so this says nothing about the fusion yet. See the warning above and train again.`;
  const verdict =
    gain > (acc ? 0.02 : 0)
      ? 'fusion pays off'
      : gain < (acc ? -0.02 : 0)
        ? 'one input alone does better: the fused model is worse than its best single input (try early stopping with Patience, a lower learning rate, or a simpler fusion)'
        : 'fusion adds little here';
  return `Fused ${show(f)} vs ${bestText}: ${verdict}.`;
}
