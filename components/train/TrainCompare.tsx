'use client';
/**
 * "Is fusion really helping?": the Compare button trains the fused graph and each input alone
 * (through its own encoder to the same head, same settings) over several seeds in the training
 * worker; "Sweep fusion" adds every compatible fusion operator and the late variants. The panel
 * draws a leaderboard: mean with its 95 % interval, parameters and seconds per seed, and a
 * takeaway that only claims what the intervals show.
 */
import { useMemo, useState } from 'react';
import { registry } from '@/nodes';
import { DEFAULT_COMPARE_SEEDS, leaderboard, MAX_COMPARE_SEEDS, progressFraction, progressText, rowLabel, takeaway } from './compareView';
import type { TrainView } from './protocol';
import { trainActions } from './trainStore';
import styles from './compare.module.css';

const COLOUR = { fused: '#fbbf24', single: '#9aabff', 'fusion-op': '#5eead4', late: '#f0abfc' } as const;
const KIND_TEXT = { fused: 'fused', single: 'one input', 'fusion-op': 'fusion operator', late: 'late fusion' } as const;

function formatParams(n: number | undefined): string {
  if (n === undefined) return '—';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

export default function TrainCompare({ view, labels }: { view: TrainView; labels: Record<string, string> }) {
  const c = view.compare;
  const [seeds, setSeeds] = useState(String(c?.request.seeds ?? DEFAULT_COMPARE_SEEDS));
  const [sweep, setSweep] = useState(c?.request.sweep ?? false);
  const kindLabels = useMemo(() => Object.fromEntries(registry.all().map((s) => [s.kind, s.label])), []);
  const trained = view.status === 'finished' || view.status === 'early-stopped';
  const running = c?.status === 'running' || c?.status === 'stopping';
  if (!trained && !c) return null;
  const r = c?.report ?? null;
  const acc = r ? r.metric === 'accuracy' : true;
  const show = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : acc ? `${(100 * x).toFixed(1)}%` : x.toPrecision(3));
  const rows = r ? leaderboard(r) : [];
  const bars = rows
    .filter((x) => x.mean !== undefined)
    .map((x) => ({ key: `${x.kind}:${x.name}`, name: rowLabel(x, labels, kindLabels), value: x.mean ?? 0, ci: x.ci95 && x.seeds > 1 ? x.ci95 : undefined, kind: x.kind }));
  const top = acc ? 1 : Math.max(...rows.map((x) => x.ci95?.[1] ?? x.mean ?? 0), 1e-9);
  // Position on the track, 0 – top (accuracy: 0 – 100 %).
  const pos = (v: number) => `${Math.max(0, Math.min(100, (100 * v) / top)).toFixed(2)}%`;
  const nSeeds = Math.max(1, Math.min(MAX_COMPARE_SEEDS, Math.floor(Number(seeds)) || DEFAULT_COMPARE_SEEDS));
  const testId = (x: (typeof rows)[number]) => (x.kind === 'fused' ? 'compare-fused' : x.kind === 'single' ? `compare-${x.inputId}` : `compare-${x.op ?? x.name}`);
  return (
    <section className={styles.section} aria-label="Fusion against each input alone" data-testid="compare-section">
      <div className={styles.head}>
        <h3>Is fusion really helping?</h3>
        <label className={styles.inline} title={`Each row trains this many times (seed, seed + 1, …); the table shows the mean and its 95 % interval. 1 to ${MAX_COMPARE_SEEDS}.`}>
          Seeds
          <input type="number" min={1} max={MAX_COMPARE_SEEDS} step={1} value={seeds} disabled={running} data-testid="compare-seeds" onChange={(e) => setSeeds(e.target.value)} />
        </label>
        <label className={styles.inline} title="Also train the graph with every compatible fusion operator in place of its fusion node, and late fusion (average, vote, stack) over one head per input: all with the same budget.">
          <input type="checkbox" checked={sweep} disabled={running} data-testid="compare-sweep" onChange={(e) => setSweep(e.target.checked)} />
          Sweep fusion operators
        </label>
        <button type="button" className="btn" data-testid="btn-compare" disabled={!trained || running} title={trained ? 'Train the fused model and one model per input (same encoder, head and settings) over the seeds, and compare' : 'Train the model first'} onClick={() => trainActions.compare({ seeds: nSeeds, sweep })}>
          ⚖ Compare
        </button>
        {running && (
          <button type="button" className="btn" data-testid="btn-compare-stop" disabled={c?.status === 'stopping'} onClick={() => trainActions.stopCompare()}>
            ■ Stop
          </button>
        )}
      </div>
      {!c && (
        <p className={styles.hint}>
          Compare trains the fused model and one model per input — that input alone, through its own encoder to the same head, with the same settings — over {nSeeds} seed{nSeeds === 1 ? '' : 's'}, and shows each row&apos;s mean with its 95 % interval: what fusion adds, and whether the difference is real. With the sweep it also tries every fusion operator that fits and late fusion.
        </p>
      )}
      {c && running && (
        <div className={styles.progress} data-testid="compare-progress">
          <span>{progressText(c, labels, kindLabels)}</span>
          <div className={styles.bar}>
            <div className={styles.fill} style={{ width: `${(100 * progressFraction(c)).toFixed(1)}%` }} />
          </div>
        </div>
      )}
      {c?.status === 'failed' && (
        <div className={styles.error} role="alert" data-testid="compare-error">
          {c.error}
        </div>
      )}
      {r && (
        <div data-testid="compare-result" data-status={c?.status}>
          <p className={styles.takeaway} data-testid="compare-takeaway">
            {takeaway(r)}
          </p>
          <div className={styles.result}>
            <figure className={styles.chart} data-testid="compare-chart" aria-label="Mean score per row with its 95 % interval">
              {bars.map((b) => (
                <div key={b.key} className={styles.chartRow} data-testid="compare-bar" title={`${b.name}: ${show(b.value)}${b.ci ? `, 95 % interval ${show(b.ci[0])} – ${show(b.ci[1])}` : ''}`}>
                  <span className={styles.chartLabel}>{b.name}</span>
                  <span className={styles.chartTrack}>
                    <span className={styles.chartBar} style={{ width: pos(b.value), background: COLOUR[b.kind] }} />
                    {b.ci && <span className={styles.whisker} data-testid="compare-whisker" style={{ left: pos(b.ci[0]), width: `calc(${pos(b.ci[1])} - ${pos(b.ci[0])})` }} />}
                  </span>
                  <span className={styles.chartValue}>{show(b.value)}</span>
                </div>
              ))}
            </figure>
            <table className={styles.table} data-testid="compare-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Model</th>
                  <th>{acc ? 'Accuracy' : 'RMSE'}</th>
                  <th>95 % interval</th>
                  <th>Params</th>
                  <th>s / seed</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((x, i) => (
                  <tr key={`${x.kind}:${x.name}`} className={x.kind === 'fused' ? styles.fusedRow : undefined} data-kind={x.kind}>
                    <td>{x.mean !== undefined ? i + 1 : ''}</td>
                    <td>
                      {rowLabel(x, labels, kindLabels)} <span className={styles.why}>{KIND_TEXT[x.kind]}</span>
                      {x.status !== 'ok' && <div className={styles.why}>{x.status === 'failed' ? x.reason : x.status === 'stopped' ? `stopped after ${x.seeds} seed(s)` : 'not trained (stopped)'}</div>}
                      {x.collapsed !== undefined && <div className={styles.why}>answers &quot;{x.collapsed}&quot; for almost everything in {x.collapsedSeeds} seed(s)</div>}
                    </td>
                    <td data-testid={testId(x)} data-value={x.mean ?? ''} data-status={x.status} data-seeds={x.seeds}>
                      {show(x.mean)}
                    </td>
                    <td data-testid={`${testId(x)}-ci`} data-lo={x.ci95?.[0] ?? ''} data-hi={x.ci95?.[1] ?? ''}>
                      {x.ci95 && x.seeds > 1 ? `${show(x.ci95[0])} – ${show(x.ci95[1])}` : '—'}
                    </td>
                    <td>{formatParams(x.params)}</td>
                    <td>{x.seconds === undefined ? '—' : x.seconds.toFixed(1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className={styles.hint}>
            {acc ? 'Accuracy' : 'RMSE (lower is better)'} on the {r.split} split ({r.count} samples); every row trained from scratch with the fused model&apos;s settings over {r.seeds} seed{r.seeds === 1 ? '' : 's'}. The interval is the 95 % Student-t interval of the mean over the seeds: two rows differ clearly only when their intervals do not overlap. A single input that scores far below the fused model cannot answer alone: the task needs the modalities together.
          </p>
        </div>
      )}
    </section>
  );
}
