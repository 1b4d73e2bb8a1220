/**
 * The Compare button's worker protocol and panel state: the session (plain CPU backend) trains,
 * sends the worst samples with previews, compares the trained model with its single-input
 * variants (progress, Stop, a new Train cancels it), and the pure reducer / takeaway text.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compareStarting, compareStopping, progressFraction, progressText, reduceCompare, takeaway } from '../components/train/compareView';
import { initialView, reduceView, type FromWorker, type PanelConfig } from '../components/train/protocol';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import type { ComparisonReport } from '../engine/compare';
import { sessionHarness, signsDataset, twoNumbersGraph } from './fixtures/signs';

const graph = twoNumbersGraph;
const dataset = () => signsDataset(twoNumbersGraph(), { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 });

const CONFIG: PanelConfig = { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 32, epochs: 3, patience: 0, seed: 5 };


describe('compare in the train session', () => {
  it('sends worst samples with previews, compares the trained model with each input alone, stops, and is cancelled by Train', async () => {
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    const data = await dataset();

    // Compare before any training is refused with a reason.
    await h.handle({ type: 'compare' });
    expect(h.of('compare-done')[0].error).toMatch(/Train a model first/);

    await h.handle({ type: 'train', graph: graph(), config: CONFIG, dataset: data });
    const done = h.of('done')[0];
    expect(done.status).toBe('finished');
    const worst = done.evaluation?.worst;
    if (!worst) throw new Error('no worst samples in the evaluation');
    expect(worst.split).toBe('val');
    expect(worst.outputId).toBe('out');
    expect(worst.samples.length).toBe(Math.min(8, worst.wrong));
    for (const s of worst.samples) {
      expect(s.label).not.toBe(s.predicted);
      expect(s.inputs.map((p) => p.kind)).toEqual(['tabular', 'tabular']);
      // The preview holds the raw number of the val row (de-standardised).
      const p = s.inputs[0];
      if (p.kind !== 'tabular') throw new Error('tabular');
      const fa = data.fitted?.inputs.a;
      if (fa?.kind !== 'input.tabular') throw new Error('fitted');
      expect(p.fields[0].value).toBeCloseTo(data.splits.val.inputs.a[s.index] * fa.fitted.stds[0] + fa.fitted.means[0], 3);
    }
    // The message is cloneable (it crosses the worker boundary).
    expect(() => structuredClone(done)).not.toThrow();

    const before = tf.memory().numTensors;
    const t0 = h.got.length;
    await h.handle({ type: 'compare' });
    const msgs = h.got.slice(t0);
    const progress = msgs.filter((m) => m.type === 'compare-progress');
    expect(progress.length).toBeGreaterThan(1);
    const result = msgs.find((m): m is Extract<FromWorker, { type: 'compare-done' }> => m.type === 'compare-done');
    const report = result?.report;
    if (!report) throw new Error(`no report: ${result?.error}`);
    expect(report.split).toBe(done.evaluation?.split);
    expect(report.fused?.value).toBeCloseTo(done.evaluation?.outputs.find((o) => o.nodeId === 'out')?.accuracy ?? -1, 6);
    expect(report.rows.map((r) => [r.inputId, r.status, r.epochs])).toEqual([
      ['a', 'ok', 3],
      ['b', 'ok', 3],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    // The reducer turns the messages into the panel's state.
    const view = msgs.reduce(reduceView, { ...initialView(), compare: compareStarting() });
    expect(view.compare?.status).toBe('done');
    expect(view.compare?.report).toEqual(report);

    // Stop during a comparison: the first variant stops, the second is skipped.
    h.onMessage((m) => {
      if (m.type === 'compare-progress' && m.p.batch > 0) void h.handle({ type: 'stop' });
    });
    const t1 = h.got.length;
    await h.handle({ type: 'compare' });
    h.onMessage(null);
    const stopped = h.got.slice(t1).find((m): m is Extract<FromWorker, { type: 'compare-done' }> => m.type === 'compare-done');
    expect(stopped?.report?.stopped).toBe(true);
    expect(stopped?.report?.rows.map((r) => r.status)).toEqual(['stopped', 'skipped']);

    // Train while comparing: the comparison ends first, then training starts afresh.
    const t2 = h.got.length;
    const comparing = h.handle({ type: 'compare' });
    await new Promise((r) => setTimeout(r, 0));
    await h.handle({ type: 'train', graph: graph(), config: { ...CONFIG, epochs: 1 }, dataset: data });
    await comparing;
    const order = h.got.slice(t2).map((m) => m.type).filter((t) => t === 'compare-done' || t === 'started' || t === 'done');
    expect(order).toEqual(['compare-done', 'started', 'done']);
    const cancelled = h.got.slice(t2).find((m): m is Extract<FromWorker, { type: 'compare-done' }> => m.type === 'compare-done');
    expect(cancelled?.report?.stopped).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('compare view', () => {
  const report: ComparisonReport = {
    split: 'test',
    count: 200,
    metric: 'accuracy',
    fused: { value: 1, loss: 0.01 },
    rows: [
      { inputId: 'picture', status: 'ok', metric: 'accuracy', value: 0.33, loss: 1.3, epochs: 8, diagnostics: [] },
      { inputId: 'tone', status: 'ok', metric: 'accuracy', value: 0.477, loss: 1.1, epochs: 8, diagnostics: [] },
      { inputId: 'numbers', status: 'failed', epochs: 0, reason: 'does not compile', diagnostics: [] },
    ],
    stopped: false,
  };
  const labels = { picture: 'Picture', tone: 'Tone' };

  it('reduces progress and the result', () => {
    let v = reduceCompare(compareStarting(), { type: 'compare-progress', p: { variant: 2, variants: 4, inputId: 'tone', epoch: 3, epochs: 8, batch: 5, batches: 10 } });
    expect(v.status).toBe('running');
    expect(progressText(v, labels)).toBe('Training “Tone” alone (variant 2 of 4): epoch 3 of 8, batch 5 of 10');
    expect(progressFraction(v)).toBeCloseTo((1 + 2.5 / 8) / 4, 6);
    v = compareStopping(v) ?? v;
    expect(v.status).toBe('stopping');
    expect(reduceCompare(v, { type: 'compare-progress', p: { variant: 2, variants: 4, inputId: 'tone', epoch: 3, epochs: 8, batch: 6, batches: 10 } }).status).toBe('stopping');
    expect(reduceCompare(v, { type: 'compare-done', report: { ...report, stopped: true } }).status).toBe('stopped');
    const done = reduceCompare(v, { type: 'compare-done', report });
    expect(done).toMatchObject({ status: 'done', report, error: null });
    expect(reduceCompare(null, { type: 'compare-done', error: 'boom' })).toMatchObject({ status: 'failed', error: 'boom' });
    // A fresh training clears it; the view keeps it otherwise.
    const view = reduceView({ ...initialView(), compare: done }, { type: 'started', fresh: true, outputs: [], primary: 'x', train: 1, val: 1, epochs: 1, dataSource: '' });
    expect(view.compare).toBeNull();
  });

  it('says what fusion adds in one sentence', () => {
    expect(takeaway(report, labels)).toBe('Fused 100.0% vs best single input 47.7% (Tone): fusion pays off.');
    expect(takeaway({ ...report, fused: { value: 0.48, loss: 1 } }, labels)).toBe('Fused 48.0% vs best single input 47.7% (Tone): fusion adds little here.');
    expect(takeaway({ ...report, rows: [], stopped: true }, labels)).toMatch(/Stopped before/);
    // Worse than its best single input: said, with what to try.
    expect(takeaway({ ...report, fused: { value: 0.3, loss: 1 } }, labels)).toMatch(/^Fused 30\.0% vs best single input 47\.7% \(Tone\): one input alone does better: the fused model is worse than its best single input/);
    // A fused model that collapsed to one class: the training is blamed, not the fusion.
    const collapsed = takeaway({ ...report, fused: { value: 0.3, loss: 1, collapsed: 'match-low' } }, labels);
    expect(collapsed).toMatch(/answers "match-low" for almost every sample: its training went wrong, so this says nothing about the fusion yet/);
    expect(collapsed).not.toMatch(/check the fusion|one input alone does better/);
    const reg: ComparisonReport = { ...report, metric: 'rmse', fused: { value: 0.5, loss: 0.2 }, rows: [{ inputId: 'tone', status: 'ok', metric: 'rmse', value: 0.9, loss: 0.8, epochs: 8, diagnostics: [] }, { inputId: 'picture', status: 'ok', metric: 'rmse', value: 1.2, loss: 1, epochs: 8, diagnostics: [] }] };
    expect(takeaway(reg, labels)).toBe('Fused RMSE 0.500 vs best single input RMSE 0.900 (Tone): fusion pays off.');
  });
});
