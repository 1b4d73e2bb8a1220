'use client';
/**
 * "What each modality contributes" and how robust the model is to losing it: the primary
 * output's metric with each input node missing (filled with the train split's mean sample, as a
 * missing input is everywhere), drawn as horizontal bars next to the full model, and with noise
 * added to that input. The longer the gap to the full model's line, the more the model leans on
 * that input.
 */
import type { AblationSummary } from './protocol';
import styles from './train.module.css';

export default function TrainAblation({ ablation, labels }: { ablation: AblationSummary; labels: Record<string, string> }) {
  const acc = ablation.metric === 'accuracy';
  const noisy = ablation.rows.some((r) => r.noisy !== undefined);
  const show = (x: number) => (acc ? `${(100 * x).toFixed(1)}%` : x.toPrecision(3));
  // Accuracy bars share the 0–100 % scale; loss bars scale to the largest loss shown.
  const top = acc ? 1 : Math.max(ablation.baseline, ...ablation.rows.map((r) => r.value)) || 1;
  const width = (x: number) => `${Math.max(0, Math.min(100, (100 * x) / top)).toFixed(1)}%`;
  // Accuracy lost reads as "−12.3 pts" (a gain as "+…"); loss gained as "+0.123 loss".
  const sign = (d: number, worse: string, better: string) => (Math.abs(d) < (acc ? 0.0005 : 1e-6) ? '' : d > 0 ? worse : better);
  const dropText = (d: number) => (acc ? `${sign(d, '−', '+')}${Math.abs(100 * d).toFixed(1)} pts` : `${sign(d, '+', '−')}${Math.abs(d).toPrecision(3)} loss`);
  return (
    <section className={styles.ablation} aria-label="Modality ablation and robustness" data-testid="ablation-chart">
      <h3>
        What each modality contributes, and robustness{' '}
        <span className="muted">
          ({ablation.split} split, {ablation.count} samples: {acc ? 'accuracy' : 'loss'} of {labels[ablation.primary] ?? ablation.primary} with one input missing or noisy)
        </span>
      </h3>
      <div className={styles.ablationRows}>
        <div className={`${styles.ablationRow} ${styles.ablationHead}`}>
          <span />
          <span>input missing</span>
          <span />
          <span />
          <span className={styles.ablationNoisy}>{noisy ? `noisy (σ×${ablation.noise ?? ''})` : ''}</span>
        </div>
        <div className={styles.ablationRow}>
          <span className={styles.ablationLabel}>
            <strong>full model</strong>
          </span>
          <span className={styles.ablationTrack}>
            <span className={`${styles.ablationBar} ${styles.ablationFull}`} style={{ width: width(ablation.baseline) }} />
          </span>
          <span className={styles.ablationValue}>{show(ablation.baseline)}</span>
          <span />
          <span />
        </div>
        {ablation.rows.map((r) => (
          <div key={r.nodeId} className={styles.ablationRow} title={`${labels[r.nodeId] ?? r.nodeId} masked: ${show(r.value)} (full model ${show(ablation.baseline)})`}>
            <span className={styles.ablationLabel}>without {labels[r.nodeId] ?? r.nodeId}</span>
            <span className={styles.ablationTrack}>
              <span className={styles.ablationBar} style={{ width: width(r.value) }} />
              <span className={styles.ablationMark} style={{ left: width(ablation.baseline) }} />
            </span>
            <span className={styles.ablationValue}>{show(r.value)}</span>
            <span className={`${styles.ablationDrop} ${r.drop > 0.005 * (acc ? 1 : top) ? styles.ablationHurts : ''}`} data-testid={`ablation-${r.nodeId}`} data-drop={r.drop}>
              {dropText(r.drop)}
            </span>
            <span className={styles.ablationNoisy} data-testid={`robust-noisy-${r.nodeId}`} data-value={r.noisy ?? ''} title={r.noisy === undefined ? '' : `${labels[r.nodeId] ?? r.nodeId} with Gaussian noise of ${ablation.noise} × each feature's train standard deviation (text: that share of words unknown)`}>
              {r.noisy === undefined ? '' : show(r.noisy)}
            </span>
          </div>
        ))}
      </div>
      <p className="muted" style={{ fontSize: 11.5, margin: '6px 0 0' }}>
        A missing input gets the train split&apos;s mean sample (an empty text for words). A large drop means the model relies on that input; no drop means it ignores it (or another input carries the same information). The noisy column adds Gaussian noise to that input alone: a model that falls apart there will not survive real-world inputs. Modality dropout (a training setting) teaches a model to cope with a missing input.
      </p>
    </section>
  );
}
