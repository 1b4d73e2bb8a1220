/**
 * Fitting a graph to a dataset's columns, as a list of fixes a person can read: an input or head
 * that names a column the data does not have is pointed at the best candidate (by type, then by
 * name); a table input's columns that hold words become categories with one slot per value seen;
 * a head's `classes` follows the number of classes in the train split. The app shows each fix as
 * a button (text columns are applied at once); the CLI applies the safe ones and says so.
 */
import type { GraphDoc } from '../graph';
import type { NodeRegistry } from '../spec';
import { bindGraph } from './loader';
import { inspectDataset, type ColumnInfo, type ColumnType, type InspectOptions, type InspectReport } from './inspect';
import type { FileSource } from './source';
import { INPUT_DATA } from './inputs';
import type { InputKind } from './params';

export type GraphFixKind = 'map-column' | 'categorical' | 'set-classes';

/** One change to a node's params that makes the graph read the dataset. */
export interface GraphFix {
  kind: GraphFixKind;
  nodeId: string;
  /** The param to set, and its new value. */
  param: string;
  value: unknown;
  /** Plain words for the button or the CLI's note. */
  message: string;
  /**
   * Safe without asking: the data decides it (text columns, the classes count) or there is a
   * single column of the right type. Otherwise a suggestion (the best of several candidates).
   */
  automatic: boolean;
}

/** Most one-hot slots a text column gets automatically (rarer values encode as zeros, with a warning). */
export const MAX_AUTO_CATEGORIES = 64;

/** Column types an input kind can read; the first is the preferred one. */
function typesFor(kind: InputKind): readonly ColumnType[] {
  return INPUT_DATA[kind].columnTypes;
}

const LABEL_NAMES = ['label', 'labels', 'class', 'classes', 'target', 'y', 'category', 'categories', 'tag', 'tags', 'species', 'breed'];

/** Similarity of two column names (1 = equal ignoring case and separators). */
function nameScore(a: string, b: string): number {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const x = norm(a);
  const y = norm(b);
  if (x === y) return 1;
  if (x && y && (x.includes(y) || y.includes(x))) return 0.6;
  return 0;
}

/**
 * The classes a classify head learns from `info`'s train split, leaving out stray labels: a typo
 * in one row is a bad row, not a class. A label seen in train only and either (a) once, and not
 * numeric where the other labels are (or the reverse): "banana" among digits; or (b) with under
 * 5 % of the mean count when classes average 10+ rows.
 */
export function trainClasses(info: { classes: { name: string; bySplit: { train: number; val?: number; test?: number } }[] }): string[] {
  const train = info.classes.filter((c) => c.bySplit.train > 0);
  const mean = train.length ? train.reduce((a, c) => a + c.bySplit.train, 0) / train.length : 0;
  const numeric = (name: string) => /^[-+]?\d+(\.\d+)?$/.test(name.trim());
  const numericShare = train.length ? train.filter((c) => numeric(c.name)).length / train.length : 0;
  const stray = (c: (typeof train)[number]) => {
    if ((c.bySplit.val ?? 0) + (c.bySplit.test ?? 0) > 0) return false;
    const odd = numeric(c.name) ? numericShare < 0.2 : numericShare > 0.8;
    return (c.bySplit.train === 1 && odd) || (mean >= 10 && c.bySplit.train < 0.05 * mean);
  };
  return train.filter((c) => !stray(c)).map((c) => c.name);
}

/**
 * The fixes that make `graph` read the dataset `report` describes. Empty when it already does.
 * `report.labels` must describe the heads' label columns (and their candidates) for the classes
 * fix: {@link labelColumnsFor} says which to ask `inspectDataset` for.
 */
export function graphFixes(graph: GraphDoc, registry: NodeRegistry, report: Pick<InspectReport, 'columns' | 'labels'>): GraphFix[] {
  const fixes: GraphFix[] = [];
  const cols = new Map(report.columns.map((c) => [c.name, c]));
  const bound = bindGraph(graph, registry);
  const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label ?? id;
  // Columns some node reads as it stands (a candidate is not taken from another node).
  const taken = new Set<string>();
  for (const b of bound.inputs) for (const c of b.columns) if (cols.has(c)) taken.add(c);
  for (const h of bound.heads) if (cols.has(h.column)) taken.add(h.column);
  const free = (c: ColumnInfo) => !taken.has(c.name) && c.type !== 'id' && c.type !== 'split' && c.type !== 'empty';

  const pick = (want: readonly ColumnType[], name: string, extraNames: string[] = []): { col: ColumnInfo; unique: boolean } | null => {
    const scored = report.columns
      .filter(free)
      .map((c) => {
        const t = want.indexOf(c.type);
        const n = Math.max(nameScore(c.name, name), ...extraNames.map((x) => 0.8 * nameScore(c.name, x)));
        return { c, t, n };
      })
      .filter((x) => x.t >= 0)
      .sort((a, b) => a.t - b.t || b.n - a.n);
    if (scored.length === 0) return null;
    const sameType = scored.filter((x) => x.t === scored[0].t);
    return { col: scored[0].c, unique: sameType.length === 1 || (scored[0].n > 0 && (sameType[1]?.n ?? 0) < scored[0].n) };
  };

  for (const b of bound.inputs) {
    if (b.kind === 'input.tabular') {
      const p = b.params as { columns: string[]; categorical: { column: string; cardinality: number }[] };
      const missing = p.columns.filter((c) => !cols.has(c));
      const words = p.columns.filter((c) => {
        const t = cols.get(c)?.type;
        return t === 'category' || t === 'text';
      });
      if (missing.length === p.columns.length && p.columns.length > 0 && p.categorical.every((c) => !cols.has(c.column))) {
        // None of its columns exists: every free number and category column (not a label guess).
        const numbers = report.columns.filter((c) => free(c) && c.type === 'number' && !LABEL_NAMES.includes(c.name.toLowerCase()));
        const cats = report.columns.filter((c) => free(c) && c.type === 'category' && !LABEL_NAMES.includes(c.name.toLowerCase()));
        if (numbers.length + cats.length > 0) {
          fixes.push({ kind: 'map-column', nodeId: b.nodeId, param: 'columns', value: numbers.map((c) => c.name), message: `Read the numeric columns ${numbers.map((c) => `“${c.name}”`).join(', ') || '(none)'}${cats.length ? ` and the categories ${cats.map((c) => `“${c.name}”`).join(', ')}` : ''} in “${label(b.nodeId)}”`, automatic: false });
          if (cats.length) fixes.push({ kind: 'categorical', nodeId: b.nodeId, param: 'categorical', value: cats.map((c) => ({ column: c.name, cardinality: slots(c) })), message: `Encode ${cats.map((c) => `“${c.name}”`).join(', ')} as categories`, automatic: false });
        }
        continue;
      }
      if (words.length) {
        const categorical = [...p.categorical, ...words.map((c) => ({ column: c, cardinality: slots(cols.get(c) as ColumnInfo) }))];
        fixes.push({ kind: 'map-column', nodeId: b.nodeId, param: 'columns', value: p.columns.filter((c) => !words.includes(c)), message: `“${label(b.nodeId)}”: ${words.map((c) => `“${c}”`).join(', ')} ${words.length === 1 ? 'holds' : 'hold'} words, not numbers`, automatic: true });
        fixes.push({ kind: 'categorical', nodeId: b.nodeId, param: 'categorical', value: categorical, message: `“${label(b.nodeId)}” encodes ${words.map((c) => `“${c}” (${slots(cols.get(c) as ColumnInfo)} categories)`).join(', ')} one-hot`, automatic: true });
      }
      continue;
    }
    const column = b.columns[0];
    if (cols.has(column)) continue;
    const best = pick(typesFor(b.kind), column);
    if (!best) continue;
    taken.add(best.col.name);
    fixes.push({ kind: 'map-column', nodeId: b.nodeId, param: 'column', value: best.col.name, message: `“${label(b.nodeId)}” reads “${best.col.name}” (${best.col.type}) instead of “${column}”, which the data does not have`, automatic: best.unique });
  }

  for (const h of bound.heads) {
    let column = h.column;
    if (!cols.has(column)) {
      const want: ColumnType[] = h.task === 'regress' ? ['number'] : ['category', 'number', 'text'];
      const best = pick(want, column, LABEL_NAMES);
      if (!best) continue;
      const named = LABEL_NAMES.includes(best.col.name.toLowerCase()) || nameScore(best.col.name, column) > 0;
      taken.add(best.col.name);
      column = best.col.name;
      fixes.push({ kind: 'map-column', nodeId: h.nodeId, param: 'column', value: column, message: `“${label(h.nodeId)}” learns “${column}” instead of “${h.column}”, which the data does not have`, automatic: best.unique && named });
    }
    if (h.task === 'regress' || h.expectedClasses === undefined) continue;
    const info = report.labels.find((l) => l.column === column);
    if (!info) continue;
    const classes = trainClasses(info);
    if (classes.length > 1 && classes.length !== h.expectedClasses) {
      fixes.push({ kind: 'set-classes', nodeId: h.nodeId, param: 'classes', value: classes.length, message: `“${label(h.nodeId)}” predicts ${classes.length} classes (${classes.slice(0, 6).join(', ')}${classes.length > 6 ? ', …' : ''}) instead of ${h.expectedClasses}`, automatic: true });
    }
  }
  return fixes;
}

/** One-hot slots for a text column: a slot per distinct value, up to {@link MAX_AUTO_CATEGORIES}. */
function slots(c: ColumnInfo): number {
  return Math.max(1, Math.min(MAX_AUTO_CATEGORIES, c.distinct));
}

/** The graph with `fixes` applied (a new document; the input is not changed). */
export function applyGraphFixes(graph: GraphDoc, fixes: GraphFix[]): GraphDoc {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const mine = fixes.filter((f) => f.nodeId === n.id);
      if (mine.length === 0) return n;
      const params = { ...n.params };
      for (const f of mine) params[f.param] = f.value;
      return { ...n, params };
    }),
  };
}

/**
 * The columns to describe as labels when inspecting for {@link graphFixes}: the heads' columns and
 * every column a head could be pointed at (all label-like names when `columns` is not known yet).
 */
export function labelColumnsFor(graph: GraphDoc, registry: NodeRegistry, columns?: string[]): string[] {
  const heads = bindGraph(graph, registry).heads.map((h) => h.column);
  const guesses = columns ? columns.filter((c) => LABEL_NAMES.includes(c.toLowerCase())) : LABEL_NAMES;
  const all = [...new Set([...heads, ...guesses])];
  return columns ? all.filter((c) => columns.includes(c)) : all;
}

/**
 * Inspect `source` (its table only, no file decoded) and fit `graph` to it: the automatic fixes
 * applied, the others returned as suggestions. Two rounds, so that a head pointed at a new label
 * column also gets that column's classes count.
 */
export async function fitGraphToSource(
  source: FileSource,
  graph: GraphDoc,
  registry: NodeRegistry,
  options: Pick<InspectOptions, 'manifest' | 'limits' | 'split'> = {},
): Promise<{ graph: GraphDoc; applied: GraphFix[]; suggested: GraphFix[] }> {
  const applied: GraphFix[] = [];
  let suggested: GraphFix[] = [];
  let g = graph;
  const first = await inspectDataset(source, options);
  if (!first.manifest) return { graph, applied, suggested };
  const names = first.columns.map((c) => c.name);
  const same = (a: GraphFix, b: GraphFix) => a.nodeId === b.nodeId && a.param === b.param && JSON.stringify(a.value) === JSON.stringify(b.value);
  for (let round = 0; round < 3; round++) {
    const report = await inspectDataset(source, { ...options, labelColumns: labelColumnsFor(g, registry, names) });
    const fixes = graphFixes(g, registry, report);
    const auto = fixes.filter((f) => f.automatic && !applied.some((a) => same(a, f)));
    suggested = fixes.filter((f) => !f.automatic);
    if (auto.length === 0) break;
    applied.push(...auto);
    g = applyGraphFixes(g, auto);
  }
  return { graph: g, applied, suggested };
}
