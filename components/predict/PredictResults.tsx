'use client';
/**
 * A prediction drawn: the model's answer, bars of class probabilities per output (the fused
 * answer first and highlighted, then each branch of model-level fusion), regression values, and
 * the saliency maps over the image and spectrogram inputs.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { saliencyPixels, type InputSaliency, type OutputPrediction, type PredictModelInfo, type SampleAttribution } from '@/engine/predict';
import type { PredictResult } from './protocol';
import styles from './predict.module.css';

function pct(p: number): string {
  return `${(100 * p).toFixed(1)}%`;
}

function OutputCard(props: { o: OutputPrediction; label: string; primary: boolean; branchOf?: string }) {
  const { o } = props;
  const ranked = o.ranked ?? [];
  return (
    <div className={`${styles.output} ${props.primary ? styles.primary : ''}`} data-testid={`predict-output-${o.nodeId}`}>
      <h4>
        {props.label}
        <span className={`${styles.tag} ${props.primary ? styles.tagPrimary : ''}`}>{props.primary ? (o.role === 'late' ? 'fused answer' : 'answer') : props.branchOf ? `branch of ${props.branchOf}` : o.role}</span>
        <span className={styles.kind}>{o.task}</span>
      </h4>
      {o.values ? (
        <div className={styles.rows}>
          {o.values.map((v, j) => (
            <div key={j} className={styles.row} data-testid={`predict-value-${o.nodeId}-${j}`} data-value={v}>
              <span className={styles.rowLabel}>{o.labelColumn ?? 'value'}{o.values && o.values.length > 1 ? ` [${j}]` : ''}</span>
              <span className={styles.value} style={{ gridColumn: 'span 2', textAlign: 'left' }}>{v.toPrecision(5)}</span>
            </div>
          ))}
        </div>
      ) : (
        <div className={styles.rows}>
          {ranked.map((c, j) => {
            const top = o.task === 'multilabel' ? c.probability > 0.5 : j === 0;
            return (
              <div key={c.name} className={`${styles.row} ${top ? styles.rowTop : ''}`} title={`${c.name}: ${c.probability}`}>
                <span className={styles.rowLabel}>{c.name}</span>
                <span className={styles.track}>
                  <span className={styles.barFill} style={{ width: `${Math.max(0, Math.min(1, c.probability)) * 100}%` }} />
                </span>
                <span className={styles.value} data-testid={`predict-prob-${o.nodeId}-${c.name}`} data-value={c.probability}>
                  {pct(c.probability)}
                </span>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

function SaliencyCanvas(props: { s: InputSaliency; label: string; opacity: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { s, opacity } = props;
  const px = useMemo(() => saliencyPixels(s, opacity), [s, opacity]);
  // Scale small inputs up to about 160 px on the long side (whole pixels, drawn crisp).
  const scale = Math.max(1, Math.floor(160 / Math.max(px.width, px.height)));
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const img = new ImageData(px.width, px.height);
    img.data.set(px.data);
    const off = document.createElement('canvas');
    off.width = px.width;
    off.height = px.height;
    off.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(off, 0, 0, c.width, c.height);
  }, [px, scale]);
  return (
    <figure className={styles.salItem} style={{ margin: 0 }}>
      <canvas ref={ref} width={px.width * scale} height={px.height * scale} data-testid={`predict-saliency-${s.inputId}`} aria-label={`Saliency over ${props.label}`} />
      <figcaption>
        {props.label}
        {s.layout === 'spectrogram' ? ' (time →, frequency ↑)' : ''}
      </figcaption>
    </figure>
  );
}

/** The result of one prediction. */
/** "What each input counted for": the mask-based contribution per input, and each fusion layer's own weights. */
function Attribution({ a, label, answer }: { a: SampleAttribution; label: (id: string) => string; answer: string }) {
  const c = a.contributions;
  const regress = c.classIndex < 0;
  const show = (x: number) => (regress ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toPrecision(3)}` : `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pts`);
  return (
    <div className={styles.section} data-testid="predict-attribution">
      <h3>What each input counted for in {answer}</h3>
      <div className={styles.rows}>
        {c.inputs.map((x) => (
          <div key={x.nodeId} className={`${styles.row} ${styles.attrRow}`} title={`${label(x.nodeId)} missing (${a.trainMean ? 'its train mean sample' : 'zeros: this bundle keeps no train mean'}) changes the score by ${show(-x.contribution)}`}>
            <span className={styles.rowLabel}>{label(x.nodeId)}</span>
            <span className={styles.track}>
              <span className={`${styles.barFill} ${x.contribution < 0 ? styles.barAgainst : ''}`} style={{ width: `${(100 * x.share).toFixed(1)}%` }} />
            </span>
            <span className={styles.value} data-testid={`predict-contribution-${x.nodeId}`} data-value={x.contribution} data-share={x.share}>
              {show(x.contribution)}
            </span>
          </div>
        ))}
      </div>
      <p className={styles.note}>
        {regress ? 'The predicted value (standardised)' : 'The probability of the answer'} with every input, minus the same with that input missing ({a.trainMean ? 'filled with its train mean sample, as in the ablation' : 'filled with zeros: this bundle keeps no train mean'}). Bars: share of the total change; an orange bar worked against the answer.
      </p>
      {a.fusion.map((f) => (
        <div key={f.nodeId} data-testid={`predict-fusion-weights-${f.nodeId}`}>
          <h3>
            Weights {label(f.nodeId)} gave each input for this sample <span className={styles.kind}>{f.className.replace('FusionLab>', '')}</span>
          </h3>
          <div className={styles.rows}>
            {f.modalities.map((m, k) => (
              <div key={m.join('+') || k} className={styles.row}>
                <span className={styles.rowLabel}>{m.map(label).join(' + ') || `input ${k + 1}`}</span>
                <span className={styles.track}>
                  <span className={styles.barFill} style={{ width: `${(100 * (f.weights[k] ?? 0)).toFixed(1)}%` }} />
                </span>
                <span className={styles.value} data-testid={`predict-weight-${f.nodeId}-${k}`} data-value={f.weights[k] ?? ''} data-modality={m.join('+')}>
                  {((f.weights[k] ?? 0) * 100).toFixed(1)}%
                </span>
              </div>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}

export default function PredictResults(props: { result: PredictResult; info: PredictModelInfo; stamp: number; expected?: { label: string; column?: string } }) {
  const { result, info } = props;
  const [opacity, setOpacity] = useState(0.6);
  const label = (id: string) => info.outputs.find((o) => o.nodeId === id)?.label ?? info.fields.find((f) => f.nodeId === id)?.label ?? id;
  const outs = result.report.outputs;
  const primary = outs.find((o) => o.nodeId === result.report.primary);
  const branchOf = new Map<string, string>();
  for (const o of outs) for (const b of o.branches ?? []) branchOf.set(b, label(o.nodeId));
  const ordered = [...(primary ? [primary] : []), ...outs.filter((o) => o !== primary)];
  const answer = primary?.values ? primary.values.map((v) => v.toPrecision(5)).join(', ') : primary?.task === 'multilabel' ? (primary.predictedLabels ?? []).join(', ') || 'none' : primary?.predicted;
  const exp = props.expected;
  const right = exp && primary?.predicted !== undefined ? primary.predicted === exp.label : undefined;
  const sal = result.saliency;
  return (
    <div className={styles.main} data-testid="predict-result" data-primary={result.report.primary} data-predicted={primary?.predicted ?? ''} data-label={exp?.label ?? ''} data-stamp={props.stamp}>
      <div className={styles.answer}>
        Answer: <b data-testid="predict-answer">{answer}</b>
        {exp && (
          <span>
            {' '}
            — the sample&apos;s label is <b>{exp.label}</b>{' '}
            {right !== undefined && <span className={right ? styles.right : styles.wrong}>{right ? '✓ right' : '✗ wrong'}</span>}
          </span>
        )}
        <span className={styles.note}> · {result.ms.toFixed(0)} ms, {result.source === 'bundle' ? 'opened bundle' : 'trained model'}</span>
      </div>
      {result.warnings.length > 0 && (
        <ul className={styles.note} data-testid="predict-warnings">
          {result.warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      )}
      <div className={styles.outputs}>
        {ordered.map((o) => (
          <OutputCard key={o.nodeId} o={o} label={label(o.nodeId)} primary={o === primary} branchOf={branchOf.get(o.nodeId)} />
        ))}
      </div>
      {result.attribution && <Attribution a={result.attribution} label={label} answer={primary?.task === 'regress' ? 'the predicted value' : `“${primary?.ranked?.[0]?.name ?? answer}”`} />}
      {sal.length > 0 && (
        <div className={styles.section}>
          <h3>Saliency: where a change moves &ldquo;{sal[0].className}&rdquo; most (|∂p/∂input|)</h3>
          <label className={styles.opacity}>
            Heat opacity
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} data-testid="predict-opacity" />
          </label>
          <div className={styles.saliency}>
            {sal.map((s) => (
              <SaliencyCanvas key={s.inputId} s={s} label={label(s.inputId)} opacity={opacity} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
