/**
 * The Train panel's results as a project keeps them, and back. What is kept: status, charts,
 * readouts, evaluation (with the worst samples), ablation and Compare. What is not: the backend
 * (the page starts its own), progress timing and half-merged batch points. A run that was still
 * going when it was saved comes back as stopped at its last completed epoch.
 *
 * Reading checks the shape (a project file may come from anyone): the chart series must be
 * arrays of points with finite numbers, sizes are bounded, and the parts the panels format as
 * numbers must be numbers; anything else is dropped rather than drawn.
 */
import type { StudyReport } from '@/engine/study';
import type { CompareView } from './compareView';
import { initialView, MAX_BATCH_POINTS, type ChartPoint, type PanelStatus, type TrainView } from './protocol';

/** The view as stored (plain data; typed arrays in the worst-sample previews are kept). */
export function persistedView(v: TrainView): Partial<TrainView> {
  const live = v.status === 'running' || v.status === 'starting' || v.status === 'stopping';
  return {
    status: live ? 'stopped' : v.status,
    outputs: v.outputs,
    primary: v.primary,
    sizes: v.sizes,
    dataSource: v.dataSource,
    progress: v.progress ? { ...v.progress, secondsLeft: 0 } : null,
    batchSeries: v.batchSeries,
    epochSeries: v.epochSeries,
    batchStride: v.batchStride,
    lastEpoch: v.lastEpoch,
    epochsDone: v.epochsDone,
    bestEpoch: v.bestEpoch,
    evaluation: v.evaluation,
    final: v.final,
    warnings: v.warnings,
    ablation: v.ablation,
    compare: v.compare && (v.compare.status === 'running' || v.compare.status === 'stopping') ? null : v.compare,
    error: v.error,
  };
}

const STATUSES: readonly PanelStatus[] = ['idle', 'stopped', 'finished', 'early-stopped', 'failed'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const fin = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

function series(v: unknown, limit: number): Record<string, ChartPoint[]> {
  if (!isRecord(v)) return {};
  const out: Record<string, ChartPoint[]> = {};
  for (const [id, pts] of Object.entries(v).slice(0, 64)) {
    if (!Array.isArray(pts)) continue;
    out[id] = pts
      .slice(0, limit)
      .filter(isRecord)
      .map((p) => ({ x: fin(p.x) ?? 0, loss: fin(p.loss), accuracy: fin(p.accuracy), valLoss: fin(p.valLoss), valAccuracy: fin(p.valAccuracy) }));
  }
  return out;
}

function progress(v: unknown): TrainView['progress'] {
  if (!isRecord(v)) return null;
  const n = (k: string) => {
    const x = fin(v[k]);
    return x !== undefined && x >= 0 ? x : 0;
  };
  return { epoch: n('epoch'), epochs: n('epochs'), batch: n('batch'), batches: n('batches'), samplesPerSecond: n('samplesPerSecond'), secondsLeft: 0 };
}

/** Objects whose every number-named field holds a number (or is absent), recursively bounded. */
function plain(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (ArrayBuffer.isView(v)) return true;
  if (Array.isArray(v)) return v.length <= 100_000 && v.every((x) => plain(x, depth + 1));
  if (isRecord(v)) return Object.entries(v).every(([k, x]) => (/^(count|loss|accuracy|mae|rmse|macroF1|baseline|value|drop|noisy|noise|mean|epoch|epochs|seconds|params|seeds|index|trueProbability|predictedProbability|width|height)$/.test(k) ? x === undefined || x === null || typeof x === 'number' : plain(x, depth + 1)));
  return false;
}

const ROW_KINDS: readonly string[] = ['fused', 'single', 'fusion-op', 'late'];
const ROW_STATUSES: readonly string[] = ['ok', 'failed', 'stopped', 'skipped'];
const COMPARE_STATUSES: readonly string[] = ['done', 'stopped', 'failed'];

/**
 * A stored Compare study (compareView.ts), or null when it is not one the panel can draw (e.g. the
 * single-seed comparison of an older version: Compare runs again).
 */
function compareOf(v: unknown): CompareView | null {
  if (!isRecord(v) || !plain(v) || !COMPARE_STATUSES.includes(v.status as string)) return null;
  const r = v.report;
  const req = isRecord(v.request) ? v.request : {};
  const request = { seeds: fin(req.seeds) ?? 1, sweep: req.sweep === true };
  const error = typeof v.error === 'string' ? v.error.slice(0, 2000) : null;
  if (r === null || r === undefined) return v.status === 'failed' ? { status: 'failed', request, progress: null, report: null, error } : null;
  if (!isRecord(r) || !Array.isArray(r.rows) || r.rows.length > 200 || typeof r.takeaway !== 'string' || (r.metric !== 'accuracy' && r.metric !== 'rmse') || fin(r.count) === undefined || fin(r.seeds) === undefined) return null;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  const rowOk = (x: unknown) =>
    isRecord(x) &&
    typeof x.name === 'string' &&
    ROW_KINDS.includes(x.kind as string) &&
    ROW_STATUSES.includes(x.status as string) &&
    Array.isArray(x.values) &&
    x.values.every((y) => typeof y === 'number') &&
    num(x.seeds) &&
    (x.mean === undefined || num(x.mean)) &&
    (x.ci95 === undefined || (Array.isArray(x.ci95) && x.ci95.length === 2 && x.ci95.every(num))) &&
    Array.isArray(x.diagnostics);
  if (!r.rows.every(rowOk)) return null;
  return { status: v.status as CompareView['status'], request, progress: null, report: r as unknown as StudyReport, error: null };
}

/**
 * A stored view back as the panel's state, or null when it cannot be drawn. `modelEpoch` is the
 * epoch of the model kept with it (the panel says the run was reopened, and Resume is off).
 */
export function restoredView(stored: unknown, modelEpoch?: number): TrainView | null {
  if (!isRecord(stored)) return null;
  const base = initialView();
  const status = STATUSES.includes(stored.status as PanelStatus) ? (stored.status as PanelStatus) : 'stopped';
  const epochsDone = Number.isInteger(stored.epochsDone) && (stored.epochsDone as number) >= 0 ? (stored.epochsDone as number) : 0;
  const pick = <K extends keyof TrainView>(k: K): TrainView[K] | null => (stored[k] !== undefined && stored[k] !== null && plain(stored[k]) ? (stored[k] as TrainView[K]) : null);
  const outputs = Array.isArray(stored.outputs) ? (stored.outputs.filter((o) => isRecord(o) && typeof o.nodeId === 'string' && typeof o.task === 'string') as TrainView['outputs']) : [];
  const view: TrainView = {
    ...base,
    status,
    outputs,
    primary: typeof stored.primary === 'string' ? stored.primary : (outputs[0]?.nodeId ?? ''),
    sizes: isRecord(stored.sizes) && fin(stored.sizes.train) !== undefined ? { train: fin(stored.sizes.train) ?? 0, val: fin(stored.sizes.val) ?? 0 } : null,
    dataSource: typeof stored.dataSource === 'string' ? stored.dataSource.slice(0, 200) : '',
    progress: progress(stored.progress),
    batchSeries: series(stored.batchSeries, MAX_BATCH_POINTS * 2),
    epochSeries: series(stored.epochSeries, 10_000),
    batchStride: Number.isInteger(stored.batchStride) && (stored.batchStride as number) > 0 ? (stored.batchStride as number) : 1,
    lastEpoch: pick('lastEpoch'),
    epochsDone,
    bestEpoch: fin(stored.bestEpoch),
    evaluation: pick('evaluation'),
    final: pick('final'),
    warnings: Array.isArray(stored.warnings) && plain(stored.warnings) ? (stored.warnings as TrainView['warnings']) : [],
    ablation: pick('ablation'),
    compare: compareOf(stored.compare),
    error: isRecord(stored.error) && typeof stored.error.message === 'string' ? { message: stored.error.message, suggestion: typeof stored.error.suggestion === 'string' ? stored.error.suggestion : undefined } : null,
    restored: true,
  };
  if (modelEpoch !== undefined) {
    view.stage = `Reopened from the project: the model saved after epoch ${modelEpoch} predicts in the Predict panel${status === 'stopped' ? ' (the run had not finished)' : ''}; Train starts a new run`;
  }
  return view;
}
