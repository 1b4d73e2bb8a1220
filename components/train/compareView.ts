/**
 * The Compare button's messages and panel state (pure, no DOM, no React; unit tested in
 * test/train-compare-ui.test.ts): the worker trains the fused graph and each input alone over
 * several seeds and, with the sweep, every compatible fusion operator and the model-level
 * variants (engine/study.ts, driven by compareSession.ts), streaming progress; the panel shows a
 * leaderboard of mean and 95 % interval per row.
 */
import type { StudyProgress, StudyReport, StudyRow } from '@/engine/study';

/** Seeds the panel offers by default, and at most (each seed is a whole training run per row). */
export const DEFAULT_COMPARE_SEEDS = 3;
export const MAX_COMPARE_SEEDS = 10;

/** What Compare is asked to do. */
export interface CompareRequest {
  seeds: number;
  /** Also every compatible fusion operator and the late variants. */
  sweep: boolean;
}

/** Page → worker: train the study with the trained model's settings. */
export type CompareToWorker = { type: 'compare' } & Partial<CompareRequest>;

/** Worker → page. */
export type CompareFromWorker =
  | { type: 'compare-progress'; p: StudyProgress }
  | { type: 'compare-done'; report?: StudyReport; error?: string };

export interface CompareView {
  status: 'running' | 'stopping' | 'done' | 'stopped' | 'failed';
  request: CompareRequest;
  progress: StudyProgress | null;
  report: StudyReport | null;
  error: string | null;
}

/** The request as the worker runs it: seeds a whole number in [1, {@link MAX_COMPARE_SEEDS}]. */
export function compareRequest(r: Partial<CompareRequest>): CompareRequest {
  const s = Math.floor(Number(r.seeds ?? DEFAULT_COMPARE_SEEDS));
  return { seeds: Number.isFinite(s) ? Math.max(1, Math.min(MAX_COMPARE_SEEDS, s)) : DEFAULT_COMPARE_SEEDS, sweep: r.sweep === true };
}

/** The state right after Compare is pressed. */
export function compareStarting(request: Partial<CompareRequest> = {}): CompareView {
  return { status: 'running', request: compareRequest(request), progress: null, report: null, error: null };
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

/** A row's name as the panel shows it: "Fused (all inputs)", "Tone alone", "Gated fusion". */
export function rowLabel(r: Pick<StudyRow, 'kind' | 'name' | 'inputId' | 'op'>, labels: Record<string, string>, kindLabels: Record<string, string> = {}): string {
  switch (r.kind) {
    case 'fused':
      return 'Fused (all inputs)';
    case 'single':
      return `${(r.inputId && labels[r.inputId]) || r.name.replace(/ alone$/, '')} alone`;
    case 'fusion-op':
    case 'late':
      return (r.op && kindLabels[r.op]) || r.name;
    default: {
      const _x: never = r.kind;
      return _x;
    }
  }
}

/** "Training “Tone alone” (row 3 of 6), seed 2 of 3: epoch 2 of 8, batch 10 of 44". */
export function progressText(v: CompareView, labels: Record<string, string>, kindLabels: Record<string, string> = {}): string {
  const p = v.progress;
  if (v.status === 'stopping') return 'Stopping after this batch…';
  if (!p) return 'Preparing the rows…';
  const name = rowLabel(p, labels, kindLabels);
  return `Training “${name}” (row ${p.row} of ${p.rows}), seed ${p.seed} of ${p.seeds}: epoch ${p.epoch} of ${p.epochs}${p.batches ? `, batch ${p.batch} of ${p.batches}` : ''}`;
}

/** Share of the whole study done, 0–1. */
export function progressFraction(v: CompareView): number {
  const p = v.progress;
  if (!p || p.rows === 0 || p.seeds === 0 || p.epochs === 0) return 0;
  const inSeed = (p.epoch - 1 + (p.batches ? p.batch / p.batches : 0)) / p.epochs;
  const inRow = (p.seed - 1 + inSeed) / p.seeds;
  return Math.max(0, Math.min(1, (p.row - 1 + inRow) / p.rows));
}

/**
 * The takeaway: the study's own sentence (it claims a difference only when the 95 % intervals are
 * apart), preceded by a warning when the fused model answered one class for everything in some
 * seed: then the training went wrong, and the comparison says nothing about the fusion.
 */
export function takeaway(r: StudyReport): string {
  const fused = r.rows.find((x) => x.kind === 'fused');
  if (fused?.collapsed !== undefined) {
    return `The fused model answers "${fused.collapsed}" for almost every sample in ${fused.collapsedSeeds ?? 1} of ${fused.seeds} seed(s): its training went wrong there, so this says little about the fusion yet (try a lower learning rate or more epochs). ${r.takeaway}`;
  }
  if (r.stopped && !r.rows.some((x) => x.mean !== undefined)) return 'Stopped before any row finished a seed.';
  return r.takeaway;
}

/** The rows with a score, best first (accuracy: highest; RMSE: lowest); the leaderboard's order. */
export function leaderboard(r: StudyReport): StudyRow[] {
  const higher = r.metric === 'accuracy';
  const scored = r.rows.filter((x) => x.mean !== undefined && Number.isFinite(x.mean));
  const rest = r.rows.filter((x) => !scored.includes(x));
  return [...scored.sort((a, b) => (higher ? (b.mean ?? 0) - (a.mean ?? 0) : (a.mean ?? 0) - (b.mean ?? 0))), ...rest];
}
