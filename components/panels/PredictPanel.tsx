'use client';
/**
 * The Predict panel: one sample in (a field per input node of the model: image, text, audio
 * upload or recording, numbers, video), class probabilities out, per output, with each branch of
 * model-level fusion beside the fused answer and saliency maps over image and spectrogram inputs.
 * The model is the one trained in the Train panel, or a bundle opened here ("Open bundle…"), whose
 * graph is then shown on the canvas. The work runs in the training worker (predictSession.ts).
 */
import { useEffect, useRef } from 'react';
import PredictFields from '@/components/predict/PredictFields';
import PredictResults from '@/components/predict/PredictResults';
import { predictActions, usePredictState } from '@/components/predict/predictStore';
import styles from '@/components/predict/predict.module.css';
import type { PanelProps } from './types';

export default function PredictPanel({ dispatch, notify }: PanelProps) {
  const state = usePredictState();
  const fileInput = useRef<HTMLInputElement>(null);
  const root = useRef<HTMLDivElement>(null);

  // Ask the session for its model when the panel is first shown (starting the worker if needed).
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        predictActions.refresh();
        io.disconnect();
      }
    });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  async function onOpen(file: File) {
    const m = await predictActions.openBundle(file);
    if (!m) return;
    // Show the opened model's graph on the canvas (one undoable step).
    dispatch({ type: 'load', graph: m.graph });
    notify(`Opened ${file.name}: ${m.info.name || 'the model'} predicts now.`);
  }

  const model = state.model;
  const busy = state.status !== 'idle';
  const t = model?.training;
  return (
    <div className={styles.panel} ref={root} data-testid="predict-panel">
      <div className={styles.inputs}>
        <div className={styles.buttons}>
          <button type="button" className="btn" data-testid="btn-predict-sample" disabled={!model || busy} title="Fill every field from the next sample of the open dataset (or the built-in demo dataset)" onClick={() => {
            const why = predictActions.useSample();
            if (why) notify(why, 'error');
          }}>
            Use a sample from the dataset
          </button>
          <button type="button" className="btn" data-testid="btn-open-bundle" disabled={busy} title="Open a model bundle (.zip) downloaded from the Train panel or written by `fusionlab train --out`" onClick={() => fileInput.current?.click()}>
            {state.status === 'opening' ? 'Opening…' : 'Open bundle…'}
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".zip,application/zip"
            hidden
            data-testid="input-open-bundle"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void onOpen(f);
            }}
          />
        </div>
        <div className={styles.modelLine} data-testid="predict-model" data-source={model?.source ?? ''}>
          {model ? (
            <>
              Model: <b>{model.info.name || 'untitled'}</b>, {model.source === 'bundle' ? <>opened from <b>{model.fileName}</b></> : 'trained in the Train panel'}
              {t && (t.epochs !== undefined || t.backend) ? ` (${[t.epochs !== undefined ? `${t.epochs} epochs` : '', t.backend ? `on ${t.backend}` : '', t.createdAt ? t.createdAt.slice(0, 10) : ''].filter(Boolean).join(', ')})` : ''}
            </>
          ) : state.asking ? (
            'Looking for a model…'
          ) : null}
        </div>
        {model && <PredictFields fields={model.info.fields} state={state} disabled={busy} />}
        {model && (
          <div className={styles.buttons}>
            <button type="button" className="btn primary" data-testid="btn-predict" disabled={busy} onClick={() => void predictActions.predict()}>
              {state.status === 'predicting' ? 'Predicting…' : 'Predict'}
            </button>
            {state.sample && <span className={styles.note} data-testid="predict-sample-note">Sample {state.sample.note}</span>}
          </div>
        )}
      </div>
      <div className={styles.main}>
        {state.error && (
          <div className={styles.error} role="alert" data-testid="predict-error">
            <strong>{state.error.message}</strong>
            {state.error.problems && state.error.problems.length > 0 && (
              <ul>
                {state.error.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {!model && !state.asking && (
          <p className={styles.empty}>
            No model to predict with yet. Train one in the <b>Train</b> panel (the demo template trains in under a minute on the built-in demo dataset), or <b>Open bundle…</b> to load a model downloaded before: it predicts at once, and its graph appears on the canvas.
          </p>
        )}
        {model && state.result && <PredictResults result={state.result} info={model.info} stamp={state.stamp} expected={state.sample?.label !== undefined ? { label: state.sample.label, column: state.sample.labelColumn } : undefined} />}
        {model && !state.result && !state.error && <p className={styles.empty}>Fill in the fields (or use a sample from the dataset) and press <b>Predict</b>.</p>}
      </div>
    </div>
  );
}
