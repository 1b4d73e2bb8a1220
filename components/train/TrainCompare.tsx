'use client';
/**
 * "Fusion vs each input alone": the Compare button trains the single-modality variants of the
 * trained model's graph (each input alone through its encoder to the same head, same settings)
 * in the training worker, then draws their accuracy (RMSE for regression) beside the fused model.
 */
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { progressFraction, progressText, takeaway } from './compareView';
import type { TrainView } from './protocol';
import { trainActions } from './trainStore';
import styles from './compare.module.css';

const FUSED = '#fbbf24';
const SINGLE = '#9aabff';

export default function TrainCompare({ view, labels }: { view: TrainView; labels: Record<string, string> }) {
  const c = view.compare;
  const trained = view.status === 'finished' || view.status === 'early-stopped';
  const running = c?.status === 'running' || c?.status === 'stopping';
  if (!trained && !c) return null;
  const r = c?.report ?? null;
  const acc = r ? r.metric === 'accuracy' : true;
  const show = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : acc ? `${(100 * x).toFixed(1)}%` : x.toPrecision(3));
  const bars = r
    ? [
        ...(r.fused ? [{ key: 'fused', name: 'Fused (all inputs)', value: r.fused.value, fused: true }] : []),
        ...r.rows.filter((x) => x.status === 'ok').map((x) => ({ key: x.inputId, name: `${labels[x.inputId] ?? x.inputId} alone`, value: x.value ?? 0, fused: false })),
      ]
    : [];
  const top = acc ? 1 : Math.max(...bars.map((b) => b.value), 1e-9);
  return (
    <section className={styles.section} aria-label="Fusion against each input alone" data-testid="compare-section">
      <div className={styles.head}>
        <h3>Fusion vs each input alone</h3>
        <button type="button" className="btn" data-testid="btn-compare" disabled={!trained || running} title={trained ? 'Train one model per input (that input alone, same encoder, head and settings) and compare' : 'Train the model first'} onClick={() => trainActions.compare()}>
          ⚖ Compare
        </button>
        {running && (
          <button type="button" className="btn" data-testid="btn-compare-stop" disabled={c?.status === 'stopping'} onClick={() => trainActions.stopCompare()}>
            ■ Stop
          </button>
        )}
      </div>
      {!c && <p className={styles.hint}>Compare trains one model per input — that input alone, through its own encoder to the same head, with the same settings — and shows each beside the fused model: what fusion adds.</p>}
      {c && running && (
        <div className={styles.progress} data-testid="compare-progress">
          <span>{progressText(c, labels)}</span>
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
            {takeaway(r, labels)}
          </p>
          <div className={styles.result}>
            <figure className={styles.chart} data-testid="compare-chart">
              <ResponsiveContainer width="100%" height={Math.max(90, 34 * bars.length + 30)}>
                <BarChart data={bars} layout="vertical" margin={{ top: 4, right: 48, bottom: 0, left: 4 }}>
                  <CartesianGrid stroke="#272f3d" strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" domain={[0, top]} tick={{ fill: '#8089a0', fontSize: 11 }} stroke="#343e50" tickFormatter={(v: number) => (acc ? `${Math.round(v * 100)}%` : v.toPrecision(2))} />
                  <YAxis type="category" dataKey="name" width={130} tick={{ fill: '#b6bdcc', fontSize: 11.5 }} stroke="#343e50" />
                  <Bar dataKey="value" isAnimationActive={false} radius={[0, 4, 4, 0]} barSize={18}>
                    {bars.map((b) => (
                      <Cell key={b.key} fill={b.fused ? FUSED : SINGLE} />
                    ))}
                    <LabelList dataKey="value" position="right" formatter={(v: unknown) => (typeof v === 'number' ? show(v) : '')} style={{ fill: '#e6e9f0', fontSize: 11 }} />
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            </figure>
            <table className={styles.table}>
              <tbody>
                {r.fused && (
                  <tr className={styles.fusedRow}>
                    <td>Fused model (all inputs)</td>
                    <td data-testid="compare-fused" data-value={r.fused.value}>
                      {show(r.fused.value)}
                    </td>
                  </tr>
                )}
                {r.rows.map((x) => (
                  <tr key={x.inputId}>
                    <td>
                      {labels[x.inputId] ?? x.inputId} alone
                      {x.status !== 'ok' && <div className={styles.why}>{x.status === 'failed' ? x.reason : x.status === 'stopped' ? 'stopped' : 'not trained (stopped)'}</div>}
                    </td>
                    <td data-testid={`compare-${x.inputId}`} data-value={x.value ?? ''} data-status={x.status}>
                      {x.status === 'ok' ? show(x.value) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className={styles.hint}>
            {acc ? 'Accuracy' : 'RMSE (lower is better)'} on the {r.split} split ({r.count} samples), each model trained from scratch with the fused model&apos;s settings. A single input that scores far below the fused model cannot answer alone: the task needs the modalities together.
          </p>
        </div>
      )}
    </section>
  );
}
