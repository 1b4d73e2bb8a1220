'use client';
/**
 * The worst-classified validation samples of the model's answer (lowest probability of the true
 * class), each with what the model saw: pictures and spectrograms drawn on canvases, the text,
 * the numbers (engine/evaluate/preview.ts undoes the preprocessing).
 */
import { useEffect, useRef } from 'react';
import type { InputPreview, WorstReport } from '@/engine/evaluate/preview';
import styles from './compare.module.css';

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** RGBA pixels on a canvas, scaled up with crisp pixels to about `size` px on the long side. */
function PixelCanvas({ rgba, width, height, size, testId, title }: { rgba: Uint8ClampedArray; width: number; height: number; size: number; testId?: string; title: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const cv = ref.current;
    const ctx = cv?.getContext('2d');
    if (!cv || !ctx || width < 1 || height < 1 || rgba.length !== width * height * 4) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
    cv.dataset.drawn = 'true';
  }, [rgba, width, height]);
  const scale = size / Math.max(width, height);
  return <canvas ref={ref} width={width} height={height} className={styles.canvas} style={{ width: Math.round(width * scale), height: Math.round(height * scale) }} data-testid={testId} title={title} />;
}

function Waveform({ min, max }: { min: Float32Array; max: Float32Array }) {
  const w = 120;
  const h = 40;
  const peak = Math.max(1e-6, ...Array.from(max, Math.abs), ...Array.from(min, Math.abs));
  const y = (v: number) => (h / 2 - (v / peak) * (h / 2 - 1)).toFixed(1);
  const n = max.length;
  const d = Array.from({ length: n }, (_, i) => `M${((i / Math.max(1, n - 1)) * w).toFixed(1)},${y(max[i])}V${y(min[i])}`).join('');
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} className={styles.canvas} role="img" aria-label="waveform">
      <path d={d} stroke="#9aabff" strokeWidth={1} fill="none" />
    </svg>
  );
}

function Preview({ p, label, testId }: { p: InputPreview; label: string; testId: string }) {
  let body: React.ReactNode;
  switch (p.kind) {
    case 'image':
      body = <PixelCanvas rgba={p.rgba} width={p.width} height={p.height} size={64} testId={testId} title={p.approximate ? `${label} (contrast stretched: per-image normalisation)` : label} />;
      break;
    case 'video':
      body = <PixelCanvas rgba={p.rgba} width={p.width} height={p.height} size={160} testId={testId} title={`${label}: ${p.frames} frames`} />;
      break;
    case 'spectrogram':
      body = <PixelCanvas rgba={p.rgba} width={p.width} height={p.height} size={64} testId={testId} title={`${label}: log-mel spectrogram (time →, pitch ↑)`} />;
      break;
    case 'waveform':
      body = <Waveform min={p.min} max={p.max} />;
      break;
    case 'text':
      body = (
        <span className={styles.text} data-testid={testId}>
          “{p.text}”
        </span>
      );
      break;
    case 'tabular':
      body = (
        <ul className={styles.fields} data-testid={testId}>
          {p.fields.map((f) => (
            <li key={f.name}>
              {f.name} = {String(f.value)}
            </li>
          ))}
        </ul>
      );
      break;
    case 'raw':
      body = (
        <span className={styles.fields} data-testid={testId}>
          [{p.values.map((v) => v.toPrecision(3)).join(', ')}
          {p.size > p.values.length ? ', …' : ''}]
        </span>
      );
      break;
    default: {
      const _x: never = p;
      return _x;
    }
  }
  const wide = p.kind === 'text' || p.kind === 'tabular' || p.kind === 'raw';
  return (
    <div className={styles.preview} style={wide ? { flexBasis: '100%' } : undefined}>
      <span className={styles.previewLabel}>{label}</span>
      {body}
    </div>
  );
}

/** Pictures, spectrograms and plots first (side by side), then text and numbers (full width). */
function visualFirst(inputs: InputPreview[]): InputPreview[] {
  const wide = (p: InputPreview) => p.kind === 'text' || p.kind === 'tabular' || p.kind === 'raw';
  return [...inputs.filter((p) => !wide(p)), ...inputs.filter(wide)];
}

export default function TrainWorst({ worst, labels }: { worst: WorstReport; labels: Record<string, string> }) {
  return (
    <section className={styles.section} aria-label="Worst-classified samples" data-testid="worst-samples">
      <h3>
        Worst-classified samples{' '}
        <span className="muted">
          ({worst.split} split: {worst.wrong} of {worst.count} wrong{worst.samples.length ? `; the ${worst.samples.length} the model was most sure about wrongly` : ''})
        </span>
      </h3>
      {worst.samples.length === 0 ? (
        <p className={styles.hint}>Every {worst.split} sample is classified correctly.</p>
      ) : (
        <div className={styles.grid}>
          {worst.samples.map((s, i) => (
            <div key={`${s.index}`} className={styles.card} data-testid={`worst-${i}`} title={s.id ? `sample ${s.id}` : `sample ${s.index + 1}`}>
              <div className={styles.cardHead}>
                <span>
                  true <b className={styles.truth}>{s.label}</b>
                </span>
                <span>
                  predicted <b className={styles.pred}>{s.predicted}</b> <span className={styles.prob}>({pct(s.predictedProbability)}; true class {pct(s.trueProbability)})</span>
                </span>
                {s.id && <span className={styles.prob}>{s.id}</span>}
              </div>
              <div className={styles.inputs}>
                {visualFirst(s.inputs).map((p) => (
                  <Preview key={p.nodeId} p={p} label={labels[p.nodeId] ?? p.nodeId} testId={`worst-${i}-${p.nodeId}`} />
                ))}
              </div>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
