'use client';
/**
 * Live training charts (recharts): for each model output, loss and accuracy (MAE for regression)
 * against epochs — per batch (thin line), per epoch on the train split and on validation.
 */
import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartPoint, TrainView } from './protocol';
import styles from './train.module.css';

const C = { batch: '#7c93ff55', train: '#9aabff', val: '#fbbf24' };

function fmt(v: unknown): string {
  return typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : String(v);
}

interface ChartProps {
  id: string;
  title: string;
  batch: ChartPoint[];
  epoch: ChartPoint[];
  trainKey: 'loss' | 'accuracy';
  valKey: 'valLoss' | 'valAccuracy';
  epochs: number;
  percent: boolean;
}

const MetricChart = memo(function MetricChart({ id, title, batch, epoch, trainKey, valKey, epochs, percent }: ChartProps) {
  const points = batch.filter((p) => p[trainKey] !== undefined).length + epoch.length;
  const tick = (v: number) => (percent ? `${Math.round(v * 100)}%` : fmt(v));
  return (
    <figure className={styles.chart} data-testid={`chart-${id}`} data-points={points}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart margin={{ top: 4, right: 12, bottom: 0, left: -8 }}>
          <CartesianGrid stroke="#272f3d" strokeDasharray="3 3" />
          <XAxis type="number" dataKey="x" domain={[0, Math.max(1, epochs)]} allowDecimals={false} tick={{ fill: '#8089a0', fontSize: 11 }} stroke="#343e50" />
          <YAxis tick={{ fill: '#8089a0', fontSize: 11 }} stroke="#343e50" width={46} tickFormatter={tick} domain={percent ? [0, 1] : ['auto', 'auto']} />
          <Tooltip
            contentStyle={{ background: '#1b212c', border: '1px solid #343e50', fontSize: 12 }}
            labelFormatter={(x) => `epoch ${typeof x === 'number' ? x.toFixed(2) : String(x)}`}
            formatter={(v) => (percent && typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : fmt(v))}
          />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Line data={batch} dataKey={trainKey} name="batch" stroke={C.batch} dot={false} strokeWidth={1} isAnimationActive={false} connectNulls />
          <Line data={epoch} dataKey={trainKey} name="train (epoch)" stroke={C.train} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} connectNulls />
          <Line data={epoch} dataKey={valKey} name="validation" stroke={C.val} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** Two charts (loss, accuracy or MAE) per output. */
export default function TrainCharts({ view, labels }: { view: TrainView; labels: Record<string, string> }) {
  const epochs = view.progress?.epochs ?? 1;
  return (
    <div className={styles.charts}>
      {view.outputs.map((o) => {
        const name = labels[o.nodeId] ?? o.nodeId;
        const batch = view.batchSeries[o.nodeId] ?? [];
        const epoch = view.epochSeries[o.nodeId] ?? [];
        const second = o.task === 'regress' ? 'MAE' : 'accuracy';
        return (
          <div key={o.nodeId} className={styles.chartPair}>
            <MetricChart id={`${o.nodeId}-loss`} title={`${name} · loss`} batch={batch} epoch={epoch} trainKey="loss" valKey="valLoss" epochs={epochs} percent={false} />
            <MetricChart id={`${o.nodeId}-accuracy`} title={`${name} · ${second}`} batch={batch} epoch={epoch} trainKey="accuracy" valKey="valAccuracy" epochs={epochs} percent={o.task !== 'regress'} />
          </div>
        );
      })}
    </div>
  );
}
