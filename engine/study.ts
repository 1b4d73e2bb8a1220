/**
 * "Is fusion really helping?": the fused graph, each input alone and, with `sweep`, every
 * compatible fusion operator and the model-level variants (engine/sweep.ts), each trained over
 * several seeds with the same settings and scored on the same split; every row reports the mean
 * and a 95 % Student-t interval (engine/stats.ts), its parameters and its training time. The
 * takeaway only claims a difference the intervals show.
 *
 * ```ts
 * const study = createStudy(tf, graph, registry, data, { seeds: 3, sweep: true, config });
 * const report = await study.result;   // study.stop() ends it after the current batch; finished seeds stay
 * ```
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { evaluationSplit, trainAndScore, type CompareMetric } from './compare';
import type { Diagnostic } from './diagnostics';
import type { GraphDoc } from './graph';
import type { SplitName } from './run';
import type { NodeRegistry } from './spec';
import { clearlyBetter, meanInterval } from './stats';
import { sweepVariants } from './sweep';
import type { Trainer } from './train';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig, type TrainingSet } from './train/types';
import { singleModalityVariants } from './variants';

type TF = typeof tfTypes;

export type StudyRowKind = 'fused' | 'single' | 'fusion-op' | 'late';

/** Most seeds a study trains per row (each seed is a whole training run). */
export const MAX_SEEDS = 20;

export interface StudyRow {
  name: string;
  kind: StudyRowKind;
  /** Single rows: the input node kept. */
  inputId?: string;
  /** Sweep rows: the operator's kind (`fusion.gated`, `late.vote`). */
  op?: string;
  status: 'ok' | 'failed' | 'stopped' | 'skipped';
  /** The primary output's score of each finished seed, in seed order. */
  values: number[];
  /** Seeds finished. */
  seeds: number;
  mean?: number;
  ci95?: [number, number];
  /** Parameters of the row's model. */
  params?: number;
  /** Mean wall-clock seconds per seed (compile, train, score). */
  seconds?: number;
  reason?: string;
  /** The one class answered for (almost) every sample, in `collapsedSeeds` of the seeds. */
  collapsed?: string;
  collapsedSeeds?: number;
  diagnostics: Diagnostic[];
}

export interface StudyProgress {
  row: number;
  rows: number;
  name: string;
  kind: StudyRowKind;
  inputId?: string;
  op?: string;
  seed: number;
  seeds: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
}

export interface StudyReport {
  split: SplitName;
  count: number;
  metric: CompareMetric;
  seeds: number;
  rows: StudyRow[];
  stopped: boolean;
  /** One sentence on fused against the best single input, claiming only what the intervals show. */
  takeaway: string;
}

export interface StudyOptions {
  /** Seeds per row (default 3; at most {@link MAX_SEEDS}); seed i trains with `config.seed + i`. */
  seeds?: number;
  /** Also train every compatible fusion operator and the late variants. */
  sweep?: boolean;
  config?: Partial<TrainConfig>;
  split?: SplitName;
  onProgress?(p: StudyProgress): void;
}

export interface Study {
  result: Promise<StudyReport>;
  stop(): void;
}

/** A row a study trains. */
interface PlannedRow {
  name: string;
  kind: StudyRowKind;
  inputId?: string;
  op?: string;
  graph: GraphDoc;
  ok: boolean;
  diagnostics: Diagnostic[];
  headAliases?: Record<string, string>;
}

/** The rows a study trains, before training: fused, each input alone, then the sweep. */
export function studyRows(graph: GraphDoc, registry: NodeRegistry, sweep: boolean): PlannedRow[] {
  const rows: PlannedRow[] = [{ name: 'fused', kind: 'fused', graph, ok: true, diagnostics: [] }];
  const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label || id;
  for (const v of singleModalityVariants(graph, registry)) rows.push({ name: `${label(v.inputId)} alone`, kind: 'single', inputId: v.inputId, graph: v.graph, ok: v.ok, diagnostics: v.diagnostics });
  if (sweep) for (const v of sweepVariants(graph, registry)) if (!v.current) rows.push({ name: v.name, kind: v.kind, op: v.op, graph: v.graph, ok: v.ok, diagnostics: v.diagnostics, headAliases: v.headAliases });
  return rows;
}

/** `data` with the labels of each aliased head also under its alias (the late variants' per-modality heads). */
export function withHeadAliases(data: TrainingSet, aliases: Record<string, string> | undefined): TrainingSet {
  if (!aliases || Object.keys(aliases).length === 0) return data;
  const heads = [...data.heads];
  const labels = (s: TrainingSet['splits']['train']) => {
    const out = { ...s.labels };
    for (const [alias, original] of Object.entries(aliases)) if (s.labels[original]) out[alias] = s.labels[original];
    return { ...s, labels: out };
  };
  for (const [alias, original] of Object.entries(aliases)) {
    const h = data.heads.find((x) => x.nodeId === original);
    if (h && !heads.some((x) => x.nodeId === alias)) heads.push({ ...h, nodeId: alias });
  }
  return { ...data, heads, splits: { train: labels(data.splits.train), val: labels(data.splits.val), test: labels(data.splits.test) } };
}

function takeawayOf(rows: StudyRow[], metric: CompareMetric): string {
  const higher = metric === 'accuracy';
  const fmt = (r: StudyRow) => `${r.mean!.toFixed(3)} [${r.ci95![0].toFixed(3)}, ${r.ci95![1].toFixed(3)}]`;
  const fused = rows.find((r) => r.kind === 'fused' && r.mean !== undefined);
  const singles = rows.filter((r) => r.kind === 'single' && r.mean !== undefined);
  if (!fused || singles.length === 0) return 'Not enough finished rows to compare fused with single inputs.';
  const best = singles.reduce((a, b) => ((higher ? b.mean! > a.mean! : b.mean! < a.mean!) ? b : a));
  const fi = { mean: fused.mean!, ci95: fused.ci95!, sd: 0, n: fused.seeds };
  const bi = { mean: best.mean!, ci95: best.ci95!, sd: 0, n: best.seeds };
  if (fused.seeds < 2 || best.seeds < 2) return `Fused ${fmt(fused)} against the best single input (${best.name}) ${fmt(best)}: one seed says nothing about a difference; train over more seeds.`;
  if (clearlyBetter(fi, bi, higher)) return `Fusion helps: fused ${fmt(fused)} against the best single input (${best.name}) ${fmt(best)}, the 95 % intervals apart.`;
  if (clearlyBetter(bi, fi, higher)) return `A single input does better: ${best.name} ${fmt(best)} against fused ${fmt(fused)}, the 95 % intervals apart.`;
  return `No clear difference: fused ${fmt(fused)} and the best single input (${best.name}) ${fmt(best)} have overlapping 95 % intervals over ${fused.seeds} seeds.`;
}

/** Train every row over the seeds; see the module comment. */
export function createStudy(tf: TF, graph: GraphDoc, registry: NodeRegistry, data: TrainingSet, opts: StudyOptions = {}): Study {
  let stopRequested = false;
  let current: Trainer | null = null;
  const stop = () => {
    stopRequested = true;
    current?.stop();
  };

  async function run(): Promise<StudyReport> {
    const split = opts.split ?? evaluationSplit(data);
    const seeds = Math.max(1, Math.min(MAX_SEEDS, Math.floor(opts.seeds ?? 3)));
    const base = opts.config?.seed ?? DEFAULT_TRAIN_CONFIG.seed;
    const planned = studyRows(graph, registry, opts.sweep ?? false);
    let metric: CompareMetric | undefined;
    const rows: StudyRow[] = [];
    for (let k = 0; k < planned.length; k++) {
      const p = planned[k];
      const row: StudyRow = { name: p.name, kind: p.kind, ...(p.inputId ? { inputId: p.inputId } : {}), ...(p.op ? { op: p.op } : {}), status: 'ok', values: [], seeds: 0, diagnostics: p.diagnostics.filter((d) => d.severity === 'error') };
      rows.push(row);
      if (stopRequested) {
        row.status = 'skipped';
        continue;
      }
      if (!p.ok) {
        row.status = 'failed';
        row.reason = `This variant does not validate: ${row.diagnostics.map((d) => d.message).slice(0, 2).join(' ')}`;
        continue;
      }
      const rowData = withHeadAliases(data, p.headAliases);
      const seconds: number[] = [];
      for (let i = 0; i < seeds && !stopRequested; i++) {
        const r = await trainAndScore(tf, p.graph, registry, rowData, { ...opts.config, seed: base + i }, split, {
          isStopped: () => stopRequested,
          onTrainer: (t) => (current = t),
          onProgress: (epoch, epochs, batch, batches) => opts.onProgress?.({ row: k + 1, rows: planned.length, name: p.name, kind: p.kind, ...(p.inputId ? { inputId: p.inputId } : {}), ...(p.op ? { op: p.op } : {}), seed: i + 1, seeds, epoch, epochs, batch, batches }),
        });
        if (r.params !== undefined) row.params = r.params;
        if (r.status === 'failed') {
          row.status = 'failed';
          row.reason = r.reason?.replace('{what}', 'This variant');
          if (r.diagnostics) row.diagnostics = r.diagnostics;
          break;
        }
        if (r.status === 'stopped') break;
        metric ??= r.metric;
        row.values.push(r.value ?? NaN);
        if (r.collapsed !== undefined) {
          row.collapsed = r.collapsed;
          row.collapsedSeeds = (row.collapsedSeeds ?? 0) + 1;
        }
        if (r.seconds !== undefined) seconds.push(r.seconds);
      }
      row.seeds = row.values.length;
      if (row.status !== 'failed' && row.seeds < seeds) row.status = 'stopped';
      const mi = meanInterval(row.values);
      if (mi) {
        row.mean = mi.mean;
        row.ci95 = mi.ci95;
      }
      if (seconds.length) row.seconds = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    }
    const m = metric ?? 'accuracy';
    // An accuracy lies in [0, 1]; so does what its interval can claim.
    if (m === 'accuracy') for (const r of rows) if (r.ci95) r.ci95 = [Math.max(0, r.ci95[0]), Math.min(1, r.ci95[1])];
    return { split, count: data.splits[split].count, metric: m, seeds, rows, stopped: stopRequested, takeaway: takeawayOf(rows, m) };
  }

  return { result: run(), stop };
}
