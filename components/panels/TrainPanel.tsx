'use client';
/**
 * The Train panel: settings (optimizer, learning rate, batch size, epochs, early stopping, seed),
 * Train / Stop / Resume / Reset weights, the backend and why, a progress bar, live charts per
 * output, and the evaluation when training ends. Training runs in a Web Worker
 * (components/train/train.worker.ts) driven by components/train/trainStore.ts.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ensureDataset, getDatasetState, useDatasetState } from '@/components/data/datasetStore';
import { hasErrors } from '@/engine/diagnostics';
import type { BackendName } from '@/engine/backend/select';
import { OPTIMIZERS, type OptimizerName, type TrainingSet } from '@/engine/train/types';
import TrainCharts from '@/components/train/TrainCharts';
import TrainAblation from '@/components/train/TrainAblation';
import TrainResults from '@/components/train/TrainResults';
import TrainCompare from '@/components/train/TrainCompare';
import TrainWorst from '@/components/train/TrainWorst';
import { checkConfig, formatSeconds, lastMetric, type BackendPreference, type PanelConfig, type TrainView } from '@/components/train/protocol';
import { trainActions, useTrainState } from '@/components/train/trainStore';
import styles from '@/components/train/train.module.css';
import type { PanelProps } from './types';

const OPTIMIZER_LABEL: Record<OptimizerName, string> = { adam: 'Adam', sgd: 'SGD with momentum', rmsprop: 'RMSprop' };
const BACKEND_LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

function statusText(v: TrainView): string {
  const p = v.progress;
  if (v.restored && v.stage && (v.status === 'stopped' || v.status === 'finished' || v.status === 'early-stopped')) return v.stage;
  switch (v.status) {
    case 'idle':
      return v.openedBundle ? `Model opened from ${v.openedBundle}: it predicts in the Predict panel; Train starts a new one` : 'Ready to train';
    case 'starting':
      return v.stage || 'Starting…';
    case 'running':
      return v.stage || (p ? `Training: epoch ${p.epoch} of ${p.epochs}` : 'Training…');
    case 'stopping':
      return 'Stopping after this batch…';
    case 'stopped':
      return p ? `Stopped at epoch ${p.epoch}, batch ${p.batch} of ${p.batches}: Resume continues from there` : 'Stopped';
    case 'finished':
      return `Finished ${v.epochsDone} epoch${v.epochsDone === 1 ? '' : 's'}${v.bestEpoch && v.bestEpoch !== v.epochsDone ? `; kept the weights of epoch ${v.bestEpoch}, the lowest validation loss` : ''}`;
    case 'early-stopped':
      return `Early stopping after ${v.epochsDone} epochs: validation loss stopped improving; the best weights (epoch ${v.bestEpoch ?? '?'}) are kept`;
    case 'failed':
      return 'Training failed';
    default: {
      const _x: never = v.status;
      return _x;
    }
  }
}

function fixed(x: number | undefined, digits = 4): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function NumberField(props: { id: keyof PanelConfig; label: string; value: number; step?: number; min?: number; help: string; error?: string; disabled?: boolean; onChange(v: number): void }) {
  const [text, setText] = useState(String(props.value));
  const last = useRef(props.value);
  if (props.value !== last.current) {
    last.current = props.value;
    if (Number(text) !== props.value) setText(String(props.value));
  }
  return (
    <label className={styles.field} title={props.help}>
      <span>{props.label}</span>
      <input
        type="number"
        data-testid={`train-${props.id}`}
        value={text}
        step={props.step}
        min={props.min}
        disabled={props.disabled}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(n)) props.onChange(n);
        }}
      />
      {props.error && <em className={styles.fieldError}>{props.error}</em>}
    </label>
  );
}

export default function TrainPanel({ graph, analysis, notify }: PanelProps) {
  const { view, config, preference } = useTrainState();
  const dataState = useDatasetState();
  const root = useRef<HTMLDivElement>(null);
  const errors = useMemo(() => checkConfig(config), [config]);
  const graphBroken = hasErrors(analysis.diagnostics);
  const labels = useMemo(() => Object.fromEntries(graph.nodes.map((n) => [n.id, n.label || n.id])), [graph.nodes]);
  const busy = view.status === 'starting' || view.status === 'running' || view.status === 'stopping';

  // Start the backend once the panel is first shown, so that the badge says what will run.
  useEffect(() => {
    const el = root.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        trainActions.warmUp();
        io.disconnect();
      }
    });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  async function onTrain() {
    let dataset: TrainingSet | null = null;
    if (getDatasetState().datasetId) {
      const ds = await ensureDataset(graph);
      if (!ds || !ds.ok) {
        notify('The dataset in the Data panel could not be processed for this graph; see the Data panel.', 'error');
        return;
      }
      dataset = { inputs: ds.inputs, heads: ds.heads, splits: ds.splits, fitted: ds.fitted };
    }
    trainActions.train(graph, dataset);
  }

  const p = view.progress;
  const fraction = p && p.epochs > 0 ? Math.min(1, (Math.max(0, p.epoch - 1) + (p.batches ? p.batch / p.batches : 0)) / p.epochs) : 0;
  const done = view.status === 'finished' || view.status === 'early-stopped';
  const primary = view.primary;
  const valAcc = lastMetric(view, primary, 'val-accuracy');
  const canResume = !busy && !view.restored && view.epochsDone + (view.status === 'stopped' ? 1 : 0) > 0 && (view.status === 'stopped' || (view.status === 'finished' && view.epochsDone < config.epochs));
  const hasModel = view.epochsDone > 0 || view.status === 'stopped';
  const backendOptions: BackendName[] = view.backend?.available ?? ['webgl', 'wasm', 'cpu'];
  const dataLine = dataState.datasetId
    ? `Data: ${dataState.sourceName} (from the Data panel)`
    : 'Data: none loaded in the Data panel, so the built-in demo dataset is used (it fits the demo template).';

  return (
    <div className={styles.panel} ref={root} data-testid="train-panel">
      <div className={styles.controls}>
        <div className={styles.buttons}>
          <button type="button" className="btn primary" data-testid="btn-train" disabled={busy || graphBroken || Object.keys(errors).length > 0} title={graphBroken ? 'Fix the errors in the Diagnostics panel first' : 'Train a new model from fresh weights'} onClick={() => void onTrain()}>
            ▶ Train
          </button>
          <button type="button" className="btn" data-testid="btn-stop" disabled={!(view.status === 'running' || view.status === 'starting')} onClick={() => trainActions.stop()}>
            ■ Stop
          </button>
          <button type="button" className="btn" data-testid="btn-resume" disabled={!canResume || Object.keys(errors).length > 0} onClick={() => trainActions.resume()}>
            ▷ Resume
          </button>
          <button type="button" className="btn danger" data-testid="btn-reset" disabled={busy || !hasModel} onClick={() => trainActions.reset()}>
            ↺ Reset weights
          </button>
          <button type="button" className="btn" data-testid="btn-bundle" disabled={busy || (view.epochsDone === 0 && !view.openedBundle)} title="model.json + weights + preprocessing state + graph, as a zip" onClick={() => trainActions.downloadBundle()}>
            ⤓ Bundle
          </button>
        </div>
        <div className={styles.grid}>
          <label className={styles.field} title="How the weights are updated from the gradients.">
            <span>Optimizer</span>
            <select data-testid="train-optimizer" value={config.optimizer} disabled={busy} onChange={(e) => trainActions.setConfig({ optimizer: e.target.value as OptimizerName })}>
              {OPTIMIZERS.map((o) => (
                <option key={o} value={o}>
                  {OPTIMIZER_LABEL[o]}
                </option>
              ))}
            </select>
          </label>
          <NumberField id="learningRate" label="Learning rate" value={config.learningRate} step={0.0001} min={0} help="Step size of each update; too high makes the loss blow up (NaN)." error={errors.learningRate} disabled={busy} onChange={(v) => trainActions.setConfig({ learningRate: v })} />
          {config.optimizer === 'sgd' && (
            <NumberField id="momentum" label="Momentum" value={config.momentum} step={0.05} min={0} help="Share of the previous update kept (SGD only)." error={errors.momentum} disabled={busy} onChange={(v) => trainActions.setConfig({ momentum: v })} />
          )}
          <NumberField id="batchSize" label="Batch size" value={config.batchSize} step={1} min={1} help="Samples per update. Applies when Train starts a new run." error={errors.batchSize} disabled={busy} onChange={(v) => trainActions.setConfig({ batchSize: v })} />
          <NumberField id="epochs" label="Epochs" value={config.epochs} step={1} min={1} help="Passes over the training data. Raise it and press Resume to train further." error={errors.epochs} disabled={busy} onChange={(v) => trainActions.setConfig({ epochs: v })} />
          <NumberField id="patience" label="Patience" value={config.patience} step={1} min={0} help="Stop when the validation loss has not improved for this many epochs; 0 = train every epoch. Either way the model ends on the weights of its best validation epoch." error={errors.patience} disabled={busy} onChange={(v) => trainActions.setConfig({ patience: v })} />
          <NumberField id="seed" label="Seed" value={config.seed} step={1} help="Seeds the initial weights, shuffling and augmentation: the same seed gives the same run." error={errors.seed} disabled={busy} onChange={(v) => trainActions.setConfig({ seed: v })} />
          <NumberField id="modalityDropout" label="Modality dropout" value={config.modalityDropout} step={0.05} min={0} help="Share of inputs masked per training sample (each modality replaced by its train mean, never all of a sample's inputs at once), so the model learns to answer when one is missing. 0 = off; 0.2–0.3 is typical." error={errors.modalityDropout} disabled={busy} onChange={(v) => trainActions.setConfig({ modalityDropout: v })} />
        </div>
        <div className={styles.backend}>
          <label className={styles.fieldInline}>
            <span>Backend</span>
            <select data-testid="train-backend" value={preference} disabled={busy} onChange={(e) => trainActions.setPreference(e.target.value as BackendPreference)}>
              <option value="auto">Automatic</option>
              {backendOptions.map((b) => (
                <option key={b} value={b}>
                  {BACKEND_LABEL[b]}
                </option>
              ))}
            </select>
          </label>
          <div className={styles.backendWhy} data-testid="train-backend-info">
            {view.backend ? (
              <>
                <strong>{BACKEND_LABEL[view.backend.backend]}</strong>
                {view.backend.threads > 1 ? ` · ${view.backend.threads} threads` : ''} · {view.backend.mainThread ? 'on the page' : 'in a Web Worker'}
                <div className="muted">{view.backend.reason}</div>
                {view.backend.mainThread && view.backend.mainThreadReason && <div className={styles.warn}>{view.backend.mainThreadReason}.</div>}
                {view.backend.notice && <div className={styles.warn} role="status" data-testid="train-backend-notice">{view.backend.notice}</div>}
              </>
            ) : (
              <span className="muted">Starting the backend…</span>
            )}
          </div>
        </div>
        <div className="muted small" data-testid="train-data-source">
          {dataLine}
        </div>
      </div>

      <div className={styles.main}>
        <div className={styles.statusRow}>
          <span className={styles.status} data-testid="train-status" data-status={view.status}>
            {statusText(view)}
          </span>
          <span className={styles.metrics} title={view.final ? 'Measured after training in inference mode, exactly as the saved model predicts.' : 'While training: the running mean over the epoch\'s batches (training mode).'}>
            {view.final && <span className="muted" data-testid="metric-mode">as saved:</span>}
            <span>
              train loss <b data-testid="metric-train-loss">{fixed(lastMetric(view, primary, 'train-loss'))}</b>
            </span>
            <span>
              train acc <b data-testid="metric-train-accuracy">{fixed(lastMetric(view, primary, 'train-accuracy'))}</b>
            </span>
            <span>
              val loss <b data-testid="metric-val-loss">{fixed(lastMetric(view, primary, 'val-loss'))}</b>
            </span>
            <span>
              val acc <b data-testid="metric-val-accuracy">{fixed(valAcc)}</b>
            </span>
            {/* A val or train evaluation is the readout beside it already. */}
            {view.evaluation?.split === 'test' && (
              <span>
                {view.evaluation.split} acc <b data-testid={`metric-${view.evaluation.split}-accuracy`}>{fixed(view.evaluation.outputs.find((o) => o.nodeId === view.evaluation?.primary)?.accuracy)}</b>
              </span>
            )}
          </span>
        </div>
        <div className={styles.progress} data-testid="train-progress" aria-label="Training progress">
          <div className={styles.bar} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
            <div className={styles.fill} style={{ width: `${(done ? 1 : fraction) * 100}%` }} />
          </div>
          <div className={styles.progressText}>
            {p ? (
              <>
                <span data-testid="train-epoch">
                  epoch {p.epoch}/{p.epochs}
                </span>
                <span data-testid="train-batch">
                  batch {p.batch}/{p.batches}
                </span>
                <span data-testid="train-speed">{p.samplesPerSecond > 0 ? `${p.samplesPerSecond.toFixed(0)} samples/s` : '— samples/s'}</span>
                <span data-testid="train-eta">{busy ? `${formatSeconds(p.secondsLeft)} left` : ''}</span>
                {view.sizes && (
                  <span className="muted">
                    {view.sizes.train} train · {view.sizes.val} val · {view.dataSource}
                  </span>
                )}
              </>
            ) : (
              <span className="muted">No training yet.</span>
            )}
          </div>
        </div>
        {view.error && (
          <div className={styles.error} role="alert" data-testid="train-error">
            <strong>{view.error.message}</strong>
            {view.error.suggestion && <div>{view.error.suggestion}</div>}
          </div>
        )}
        {view.warnings.length > 0 && (
          <div className={styles.warning} role="status" data-testid="train-warnings">
            {view.warnings.map((w) => (
              <div key={`${w.code}-${w.output}`} data-testid={`train-warning-${w.code}`}>
                <strong>{w.message}</strong>
                <div>{w.suggestion}</div>
              </div>
            ))}
          </div>
        )}
        {view.outputs.length > 0 && <TrainCharts view={view} labels={labels} />}
        {view.ablation && <TrainAblation ablation={view.ablation} labels={labels} />}
        <TrainCompare view={view} labels={labels} />
        {view.evaluation && <TrainResults evaluation={view.evaluation} labels={labels} />}
        {view.evaluation?.worst && <TrainWorst worst={view.evaluation.worst} labels={labels} />}
      </div>
    </div>
  );
}
