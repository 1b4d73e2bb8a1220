'use client';
/**
 * What the Data panel shows for a processed dataset: the summary, class-count fixes, class balance,
 * per-column types and statistics, sample previews per modality, and every problem.
 */
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { applyGraphFixes, bindGraph, graphFixes, type ColumnInfo, type DataProblem, type GraphFix, type LoadedDataset } from '@/engine/data';
import { registry } from '@/nodes';
import { templates, type Template } from '@/templates';
import type { EditorAction } from '@/engine/editor/state';
import type { PanelProps } from '../panels/types';
import { chooseTable } from './datasetStore';
import { formatInt, formatStat } from './progress';
import type { ProcessResult, SamplePreview } from './protocol';

interface Props extends PanelProps {
  result: ProcessResult;
  /** The graph's inputs or heads changed since these tensors were made. */
  stale: boolean;
}

const MAX_PROBLEMS_SHOWN = 300;

export default function DatasetView({ graph, dispatch, notify, result, stale }: Props) {
  const { report, dataset } = result;
  const problems: DataProblem[] = dataset ? dataset.problems : report.problems;
  const fixes = useMemo(() => (report.manifest ? graphFixes(graph, registry, report) : []), [graph, report]);
  // Columns of words in a table input become categories at once (nothing to choose); undo reverts.
  const autoKey = fixes.filter(isTextColumnFix).map((f) => `${f.nodeId}.${f.param}=${JSON.stringify(f.value)}`).join('|');
  const applied = useRef('');
  useEffect(() => {
    if (!autoKey || applied.current === autoKey) return;
    applied.current = autoKey;
    const auto = fixes.filter(isTextColumnFix);
    dispatch(fixAction(auto));
    notify(`${auto.filter((f) => f.kind === 'categorical').map((f) => f.message).join('; ')}.`);
  }, [autoKey, fixes, graph, dispatch, notify]);
  const shown = fixes.filter((f) => !isTextColumnFix(f));
  const s = dataset?.summary;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const label = report.labels[0];
  return (
    <div className="data-view">
      <section className="data-summary" data-testid="dataset-summary" aria-label="Dataset summary">
        <div className="data-summary-title">
          <strong>{result.sourceName}</strong>
          {report.manifest && <code className="muted">{report.manifest}</code>}
          {stale && <span className="pill">the graph changed: processing again…</span>}
        </div>
        <dl className="data-stats">
          <Stat name="rows" value={formatInt(report.rows)} testId="dataset-rows" />
          {s && <Stat name="loaded" value={formatInt(s.loaded)} testId="dataset-loaded" />}
          {s && <Stat name="skipped" value={formatInt(s.skipped)} testId="dataset-skipped" tone={s.skipped ? 'warn' : undefined} />}
          <Stat name="train / val / test" value={s ? `${formatInt(s.bySplit.train)} / ${formatInt(s.bySplit.val)} / ${formatInt(s.bySplit.test)}` : `${formatInt(report.splits.train)} / ${formatInt(report.splits.val)} / ${formatInt(report.splits.test)}`} />
          {dataset?.ok && dataset.heads[0]?.task !== 'regress' ? (
            <Stat name="classes" value={String(dataset.heads[0].classes.length)} testId="dataset-classes" />
          ) : (
            label && <Stat name="classes" value={String(label.classes.length)} testId="dataset-classes" />
          )}
          <Stat name="columns" value={String(report.columns.length)} />
          <Stat name="problems" value={formatInt(problems.length)} testId="dataset-problem-count" tone={errors ? 'err' : problems.length ? 'warn' : 'ok'} />
          {dataset?.ok && <Stat name="processed in" value={`${((result.timings.openMs + result.timings.inspectMs + result.timings.loadMs) / 1000).toFixed(1)} s`} />}
        </dl>
        {dataset?.ok && (
          <p className="muted small data-ready" data-testid="dataset-ready">
            Ready to train: {dataset.inputs.map((i) => `${i.nodeId} [${i.shape.join('×')}]`).join(', ')} → {dataset.heads.map((h) => `${h.nodeId} (${h.classes.length || 1} ${h.task === 'regress' ? 'value' : 'classes'})`).join(', ')}.
            {s && s.seededRows > 0 && ` ${formatInt(s.seededRows)} rows were split by seed (no split cell).`}
          </p>
        )}
        {!dataset && report.manifest && <p className="muted small">The graph has no input node and head to feed; add them to turn this dataset into tensors.</p>}
      </section>

      {report.manifest && <FittingTemplates graph={graph} report={report} onPick={(t, g) => {
        dispatch({ type: 'load', graph: g });
        notify(`Opened the template “${t.name}”, fitted to this dataset.`);
      }} />}

      {report.manifest && <Binding graph={graph} columns={report.columns} />}

      {report.tables.length > 1 && <TablePicker tables={report.tables} onChoose={(t) => void chooseTable(t, graph)} />}

      {shown.length > 0 && (
        <section className="data-fixes" aria-label="Fit the graph to this dataset" data-testid="data-fixes">
          {shown.map((f) => (
            <FixRow key={`${f.nodeId}.${f.param}`} fix={f} onApply={() => {
              dispatch(fixAction([f]));
              notify(`${f.message}.`);
            }} />
          ))}
          {shown.length > 1 && (
            <button
              type="button"
              className="btn primary"
              data-testid="fix-all"
              onClick={() => {
                dispatch(fixAction(shown));
                notify(`Fitted the graph to this dataset: ${shown.map((f) => f.message).join('; ')}.`);
              }}
            >
              Use this dataset&apos;s columns ({shown.length} changes)
            </button>
          )}
        </section>
      )}

      <div className="data-grid">
        {report.labels.map((l) => (
          <section key={l.column} className="data-card" aria-label={`Class balance of ${l.column}`} data-testid="class-balance">
            <h4>
              Class balance · {l.column} {l.imbalance > 1.5 && <span className="pill">imbalance ×{l.imbalance.toFixed(1)}</span>}
            </h4>
            <ClassBars classes={l.classes} />
          </section>
        ))}
        <section className="data-card data-columns" aria-label="Columns">
          <h4>Columns</h4>
          <table className="data-table" data-testid="dataset-columns">
            <thead>
              <tr>
                <th>column</th>
                <th>type</th>
                <th>filled</th>
                <th>statistics</th>
              </tr>
            </thead>
            <tbody>
              {report.columns.map((c) => (
                <tr key={c.name} data-testid={`column-${c.name}`}>
                  <td>
                    <code>{c.name}</code>
                  </td>
                  <td>
                    <span className={`ctype ctype-${c.type}`} title={c.nonNumeric ? `${c.nonNumeric.count} cells are not numbers (${c.nonNumeric.examples.join(', ')}); a table input skips those rows` : undefined}>
                      {c.nonNumeric ? 'number (mixed)' : c.type}
                    </span>
                  </td>
                  <td>
                    {formatInt(c.filled)}
                    {c.missing > 0 && <span className="warn-text"> ({formatInt(c.missing)} empty)</span>}
                  </td>
                  <td className="muted">{columnStats(c)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      {result.previews.length > 0 && (
        <section className="data-card" aria-label="Sample previews">
          <h4>Samples</h4>
          <div className="previews" data-testid="dataset-previews">
            {result.previews.map((p) => (
              <Preview key={p.row} p={p} columns={report.columns} dataset={dataset} />
            ))}
          </div>
        </section>
      )}

      <section className="data-card" aria-label="Problems">
        <h4>
          Problems {problems.length > 0 && <span className="muted">· {Object.entries(countBy(problems)).map(([c, n]) => `${c} ${n}`).join(' · ')}</span>}
        </h4>
        {problems.length === 0 ? (
          <p className="ok-text small">No problems: every row loaded.</p>
        ) : (
          <table className="data-table problems" data-testid="dataset-problems">
            <thead>
              <tr>
                <th>row</th>
                <th>column</th>
                <th>problem</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              {problems.slice(0, MAX_PROBLEMS_SHOWN).map((p, i) => (
                <tr key={i} className={p.severity === 'error' ? 'sev-err' : 'sev-warn'} data-testid="dataset-problem" data-row={p.row ?? ''} data-code={p.code}>
                  <td>{p.row ?? '—'}</td>
                  <td>{p.column ? <code>{p.column}</code> : '—'}</td>
                  <td>
                    <code>{p.code}</code>
                  </td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {problems.length > MAX_PROBLEMS_SHOWN && (
          <p className="muted small">
            … and {formatInt(problems.length - MAX_PROBLEMS_SHOWN)} more (the counts above include every one; <code>npx fusionlab data inspect</code> lists them all).
          </p>
        )}
      </section>
    </div>
  );
}

function Stat({ name, value, testId, tone }: { name: string; value: string; testId?: string; tone?: 'ok' | 'warn' | 'err' }) {
  return (
    <div className={`data-stat${tone ? ` tone-${tone}` : ''}`}>
      <dt>{name}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function countBy(problems: DataProblem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of problems) out[p.code] = (out[p.code] ?? 0) + 1;
  return out;
}

function columnStats(c: ColumnInfo): string {
  const parts: string[] = [];
  if (c.numeric) parts.push(`min ${formatStat(c.numeric.min)} · max ${formatStat(c.numeric.max)} · mean ${formatStat(c.numeric.mean)} · sd ${formatStat(c.numeric.std)}`);
  if (c.meanLength !== undefined) parts.push(`mean length ${c.meanLength.toFixed(0)} chars`);
  if (c.seconds) parts.push(`${c.seconds.min.toFixed(2)}–${c.seconds.max.toFixed(2)} s`);
  if (c.top && c.type !== 'number') parts.push(c.top.slice(0, 6).map((t) => `${t.value} (${t.count})`).join(', ') + (c.top.length > 6 ? ', …' : ''));
  parts.push(`${formatInt(c.distinct)} distinct`);
  if (c.examples.length && (c.type === 'image' || c.type === 'audio' || c.type === 'video' || c.type === 'text')) parts.push(`e.g. ${c.examples[0]}`);
  return parts.join(' · ');
}

/** Which column each input node and head reads, and whether the dataset has it. */
function Binding({ graph, columns }: { graph: Props['graph']; columns: ColumnInfo[] }) {
  const bound = useMemo(() => bindGraph(graph, registry), [graph]);
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label ?? id;
  const rows = [...bound.inputs.map((b) => ({ id: b.nodeId, what: b.kind.replace('input.', ''), cols: b.columns })), ...bound.heads.map((h) => ({ id: h.nodeId, what: `${h.task} head`, cols: [h.column] }))];
  if (rows.length === 0) return null;
  return (
    <section className="data-card" aria-label="Columns the graph reads" data-testid="data-binding">
      <h4>Columns the graph reads</h4>
      <div className="data-binding">
        {rows.map((r) => (
          <Fragment key={r.id}>
            <strong>{label(r.id)}</strong>
            <span className="muted">{r.what}</span>
            <span data-testid={`binding-${r.id}`}>
              {r.cols.map((c, i) => (
                <span key={c}>
                  {i > 0 && ', '}
                  {types.has(c) ? (
                    <code title={`a ${types.get(c)} column`}>← {c}</code>
                  ) : (
                    <code className="missing" title="the dataset has no such column">
                      ← {c} (missing)
                    </code>
                  )}
                </span>
              ))}
            </span>
          </Fragment>
        ))}
      </div>
    </section>
  );
}

/** True when every column the graph's inputs and heads read is in the dataset. */
function readsAll(graph: Props['graph'], names: Set<string>): boolean {
  const b = bindGraph(graph, registry);
  return b.inputs.length > 0 && b.heads.length > 0 && b.inputs.every((i) => i.columns.every((c) => names.has(c))) && b.heads.every((h) => names.has(h.column));
}

/**
 * When the graph cannot read this dataset even after its fixes (a demo graph and a folder of
 * class folders), the templates that can, fitted to it: one click to a graph that trains.
 */
function FittingTemplates({ graph, report, onPick }: { graph: Props['graph']; report: ProcessResult['report']; onPick: (t: Template, g: Props['graph']) => void }) {
  const options = useMemo(() => {
    const names = new Set(report.columns.map((c) => c.name));
    if (readsAll(applyGraphFixes(graph, graphFixes(graph, registry, report)), names)) return [];
    return templates
      .map((t) => ({ t, g: applyGraphFixes(t.graph, graphFixes(t.graph, registry, report)) }))
      .filter(({ g }) => readsAll(g, names))
      .slice(0, 3);
  }, [graph, report]);
  if (options.length === 0) return null;
  return (
    <div className="data-fix" data-testid="fitting-templates">
      <span>This graph reads columns the dataset does not have. Templates that fit it:</span>
      <span className="data-fix-buttons">
        {options.map(({ t, g }) => (
          <button key={t.id} type="button" className="btn primary" data-testid={`fit-template-${t.id}`} onClick={() => onPick(t, g)}>
            {t.name}
          </button>
        ))}
      </span>
    </div>
  );
}

/** The top level holds several tables: the person says which one lists the samples. */
function TablePicker({ tables, onChoose }: { tables: string[]; onChoose: (t: string) => void }) {
  const [pick, setPick] = useState(tables[0]);
  return (
    <div className="data-fix" data-testid="table-picker">
      <span>This folder holds {tables.length} tables. Which one lists the samples?</span>
      <select value={pick} onChange={(e) => setPick(e.target.value)} data-testid="table-choice" aria-label="Table to read">
        {tables.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <button type="button" className="btn primary" data-testid="table-read" onClick={() => onChoose(pick)}>
        Read {pick}
      </button>
    </div>
  );
}

/** Fixes as one editor step that keeps the selection (the inspector stays on its node). */
function fixAction(fixes: GraphFix[]): EditorAction {
  return { type: 'setParams', changes: fixes.map((f) => ({ id: f.nodeId, name: f.param, value: f.value })) };
}

/** A text column's two fixes (leave the numbers, add the category), applied without asking. */
function isTextColumnFix(f: GraphFix): boolean {
  return f.automatic && (f.kind === 'categorical' || (f.kind === 'map-column' && f.param === 'columns'));
}

/** One fix with its button; class counts keep the test ids of the first version's fix. */
function FixRow({ fix, onApply }: { fix: GraphFix; onApply: () => void }) {
  const classes = fix.kind === 'set-classes';
  return (
    <div className="data-fix" data-testid={classes ? `classes-mismatch-${fix.nodeId}` : `fix-${fix.kind}-${fix.nodeId}`}>
      <span>{fix.message}.</span>
      <button type="button" className="btn primary" data-testid={classes ? `fix-classes-${fix.nodeId}` : `apply-fix-${fix.kind}-${fix.nodeId}`} onClick={onApply}>
        {classes ? `Set classes to ${String(fix.value)}` : fix.kind === 'map-column' ? `Read “${String(fix.value)}”` : 'Apply'}
      </button>
    </div>
  );
}

function ClassBars({ classes }: { classes: { name: string; count: number; bySplit: { train: number; val: number; test: number } }[] }) {
  const max = Math.max(1, ...classes.map((c) => c.count));
  return (
    <div className="class-bars">
      {classes.slice(0, 40).map((c) => (
        <div key={c.name} className="class-bar" title={`${c.name}: ${c.count} (train ${c.bySplit.train}, val ${c.bySplit.val}, test ${c.bySplit.test})`}>
          <span className="class-name">{c.name}</span>
          <span className="class-track">
            <span className="seg train" style={{ width: `${(100 * c.bySplit.train) / max}%` }} />
            <span className="seg val" style={{ width: `${(100 * c.bySplit.val) / max}%` }} />
            <span className="seg test" style={{ width: `${(100 * c.bySplit.test) / max}%` }} />
          </span>
          <span className="class-count">{formatInt(c.count)}</span>
        </div>
      ))}
      {classes.length > 40 && <p className="muted small">… and {classes.length - 40} more classes</p>}
      <p className="legend muted small">
        <span className="seg train" /> train <span className="seg val" /> val <span className="seg test" /> test
      </p>
    </div>
  );
}

function useBlobUrl(bytes: Uint8Array | undefined, type: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!bytes) return;
    const u = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [bytes, type]);
  return url;
}

function mimeOf(path: string, kind: 'image' | 'audio' | 'video'): string {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  const map: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp', wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg', flac: 'audio/flac', m4a: 'audio/mp4', aac: 'audio/aac', mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', ogv: 'video/ogg' };
  // A WebM or MP4 in an audio column is a sound-only recording (what browsers record).
  if (kind === 'audio' && (ext === 'webm' || ext === 'mp4')) return `audio/${ext}`;
  return map[ext] ?? `${kind}/*`;
}

function Preview({ p, columns, dataset }: { p: SamplePreview; columns: ColumnInfo[]; dataset: LoadedDataset | null }) {
  const cellCols = columns.filter((c) => c.type !== 'image' && c.type !== 'audio' && c.type !== 'video' && c.type !== 'empty');
  return (
    <figure className="preview" data-testid="sample-preview">
      <figcaption>
        <code>{p.id}</code> <span className="muted">row {p.row}{p.split ? ` · ${p.split}` : ''}</span>
      </figcaption>
      {Object.entries(p.files).map(([col, f]) => (
        <div key={col} className="preview-media">
          {f.type === 'image' && <PreviewImage bytes={f.bytes} path={f.path} />}
          {f.type === 'audio' && <PreviewAudio bytes={f.bytes} path={f.path} spec={p.spectrograms[col]} />}
          {f.type === 'video' && <PreviewVideo bytes={f.bytes} path={f.path} row={p.row} dataset={dataset} />}
          <span className="muted small">{col}</span>
        </div>
      ))}
      <table className="preview-cells">
        <tbody>
          {cellCols.map((c) => (
            <tr key={c.name}>
              <th>{c.name}</th>
              <td>{p.cells[c.name]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function PreviewImage({ bytes, path }: { bytes: Uint8Array; path: string }) {
  const url = useBlobUrl(bytes, mimeOf(path, 'image'));
  return url ? <img className="thumb" src={url} alt={path} data-testid="preview-image" /> : null;
}

function PreviewAudio({ bytes, path, spec }: { bytes: Uint8Array; path: string; spec?: { frames: number; bins: number; data: Float32Array } }) {
  const url = useBlobUrl(bytes, mimeOf(path, 'audio'));
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || !spec) return;
    drawSpectrogram(c, spec);
  }, [spec]);
  return (
    <div className="preview-audio">
      {spec && <canvas ref={ref} className="spectrogram" data-testid="preview-spectrogram" title="log-mel spectrogram (time →, frequency ↑)" />}
      {url && <audio controls src={url} preload="none" data-testid="preview-audio" />}
    </div>
  );
}

/** Draw a log-mel spectrogram: time left to right, low frequencies at the bottom (viridis-like). */
function drawSpectrogram(c: HTMLCanvasElement, spec: { frames: number; bins: number; data: Float32Array }): void {
  c.width = spec.frames;
  c.height = spec.bins;
  const ctx = c.getContext('2d');
  if (!ctx) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of spec.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Show the top 60 dB-ish (ln units: 13.8) so that silence does not flatten the picture.
  lo = Math.max(lo, hi - 13.8);
  const img = ctx.createImageData(spec.frames, spec.bins);
  for (let t = 0; t < spec.frames; t++)
    for (let b = 0; b < spec.bins; b++) {
      const v = Math.max(0, Math.min(1, (spec.data[t * spec.bins + b] - lo) / (hi - lo || 1)));
      const o = ((spec.bins - 1 - b) * spec.frames + t) * 4;
      img.data[o] = Math.round(255 * Math.min(1, Math.max(0, 1.6 * v - 0.5)));
      img.data[o + 1] = Math.round(255 * Math.min(1, 0.15 + 0.85 * v));
      img.data[o + 2] = Math.round(255 * Math.min(1, 0.35 + 0.6 * (1 - v) * v * 4));
      img.data[o + 3] = 255;
    }
  ctx.putImageData(img, 0, 0);
}

function PreviewVideo({ bytes, path, row, dataset }: { bytes: Uint8Array; path: string; row: number; dataset: LoadedDataset | null }) {
  const url = useBlobUrl(bytes, mimeOf(path, 'video'));
  const ref = useRef<HTMLDivElement>(null);
  // The frames the model sees: from the processed tensor of the first video input.
  useEffect(() => {
    const host = ref.current;
    if (!host || !dataset) return;
    host.replaceChildren();
    const inp = dataset.inputs.find((i) => i.kind === 'input.video');
    if (!inp) return;
    for (const s of Object.values(dataset.splits)) {
      const n = s.rows.indexOf(row);
      if (n < 0) continue;
      const [frames, h, w, ch] = inp.shape;
      const per = h * w * ch;
      const data = s.inputs[inp.nodeId];
      for (let f = 0; f < Math.min(frames, 8); f++) {
        const cv = document.createElement('canvas');
        cv.width = w;
        cv.height = h;
        cv.className = 'frame';
        const ctx = cv.getContext('2d');
        if (!ctx) continue;
        const im = ctx.createImageData(w, h);
        const base = (n * frames + f) * per;
        for (let i = 0; i < h * w; i++) {
          const r = data[base + i * ch];
          const g = ch === 3 ? data[base + i * ch + 1] : r;
          const b = ch === 3 ? data[base + i * ch + 2] : r;
          im.data[i * 4] = r * 255;
          im.data[i * 4 + 1] = g * 255;
          im.data[i * 4 + 2] = b * 255;
          im.data[i * 4 + 3] = 255;
        }
        ctx.putImageData(im, 0, 0);
        host.appendChild(cv);
      }
      return;
    }
  }, [dataset, row]);
  return (
    <div className="preview-video">
      {url && <video src={url} controls muted preload="metadata" className="thumb-video" />}
      <div ref={ref} className="frames" data-testid="preview-frames" />
    </div>
  );
}
