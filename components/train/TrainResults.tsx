'use client';
/**
 * After training: per output, the final metrics on the held-out split, the confusion matrix as a
 * picture (cells shaded by the share of the true class) and per-class precision, recall and F1.
 */
import type { EvaluationSummary, OutputReport } from './protocol';
import styles from './train.module.css';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | undefined) => (x === undefined ? '—' : x.toPrecision(3));

function Confusion({ o }: { o: OutputReport }) {
  const m = o.confusion;
  const classes = o.classes ?? [];
  if (!m || m.length === 0) return null;
  return (
    <div className={styles.confusion} data-testid={`confusion-${o.nodeId}`}>
      <div className={styles.confusionTitle}>Confusion matrix <span className="muted">(rows: true class, columns: predicted)</span></div>
      <table>
        <thead>
          <tr>
            <th />
            {classes.map((c) => (
              <th key={c} title={c} className={styles.colHead}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={classes[i] ?? i}>
                <th title={classes[i]}>{classes[i] ?? i}</th>
                {row.map((n, j) => {
                  const share = n / total;
                  const hue = i === j ? '124,147,255' : '248,113,113';
                  return (
                    <td key={j} style={{ background: `rgba(${hue},${(0.08 + 0.8 * share).toFixed(3)})` }} title={`${classes[i]} → ${classes[j]}: ${n} (${pct(share)})`}>
                      {n}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PerClass({ o }: { o: OutputReport }) {
  if (!o.perClass?.length) return null;
  return (
    <table className={styles.perClass} data-testid={`per-class-${o.nodeId}`}>
      <thead>
        <tr>
          <th>class</th>
          <th>precision</th>
          <th>recall</th>
          <th>F1</th>
          <th>support</th>
        </tr>
      </thead>
      <tbody>
        {o.perClass.map((c) => (
          <tr key={c.name}>
            <td>{c.name}</td>
            <td>{pct(c.precision)}</td>
            <td>{pct(c.recall)}</td>
            <td>{pct(c.f1)}</td>
            <td>{c.support}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function TrainResults({ evaluation, labels }: { evaluation: EvaluationSummary; labels: Record<string, string> }) {
  return (
    <section className={styles.results} aria-label="Evaluation" data-testid="train-results">
      <h3>
        Evaluation on the {evaluation.split} split <span className="muted">({evaluation.count} samples)</span>
      </h3>
      {evaluation.outputs.map((o) => (
        <div key={o.nodeId} className={styles.resultBlock}>
          <div className={styles.resultHead}>
            <strong>{labels[o.nodeId] ?? o.nodeId}</strong>
            {o.nodeId === evaluation.primary && evaluation.outputs.length > 1 && <span className="pill">the model&apos;s answer</span>}
            {o.accuracy !== undefined && (
              <span className="pill ok" data-testid={`metric-${evaluation.split}-accuracy-${o.nodeId}`}>
                accuracy {pct(o.accuracy)}
              </span>
            )}
            {o.macroF1 !== undefined && <span className="pill">macro F1 {pct(o.macroF1)}</span>}
            {o.mae !== undefined && <span className="pill">MAE {num(o.mae)}</span>}
            {o.rmse !== undefined && <span className="pill">RMSE {num(o.rmse)}</span>}
            <span className="pill">loss {num(o.loss)}</span>
          </div>
          <div className={styles.resultBody}>
            <Confusion o={o} />
            <PerClass o={o} />
          </div>
        </div>
      ))}
    </section>
  );
}
