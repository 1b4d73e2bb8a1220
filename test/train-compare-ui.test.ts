/**
 * The Compare button's worker protocol and panel state: the session (plain CPU backend) trains,
 * sends the worst samples with previews, compares the trained model with its single-input
 * variants over seeds (engine/study.ts: progress, Stop, a new Train cancels it), and the pure
 * reducer, leaderboard and takeaway text.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compareRequest, compareStarting, compareStopping, leaderboard, progressFraction, progressText, reduceCompare, rowLabel, takeaway } from '../components/train/compareView';
import { initialView, reduceView, type FromWorker, type PanelConfig } from '../components/train/protocol';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import type { StudyProgress, StudyReport, StudyRow } from '../engine/study';
import { sessionHarness, signsDataset, twoNumbersGraph } from './fixtures/signs';

const graph = twoNumbersGraph;
const dataset = () => signsDataset(twoNumbersGraph(), { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 });

const CONFIG: PanelConfig = { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 32, epochs: 3, patience: 0, seed: 5, modalityDropout: 0 };


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
    await h.handle({ type: 'compare', seeds: 2 });
    const msgs = h.got.slice(t0);
    const progress = msgs.filter((m) => m.type === 'compare-progress');
    expect(progress.length).toBeGreaterThan(1);
    const result = msgs.find((m): m is Extract<FromWorker, { type: 'compare-done' }> => m.type === 'compare-done');
    const report = result?.report;
    if (!report) throw new Error(`no report: ${result?.error}`);
    expect(report.split).toBe(done.evaluation?.split);
    expect(report.seeds).toBe(2);
    expect(report.rows.map((r) => [r.kind, r.inputId ?? '', r.status, r.seeds])).toEqual([
      ['fused', '', 'ok', 2],
      ['single', 'a', 'ok', 2],
      ['single', 'b', 'ok', 2],
    ]);
    // Seed 1 of the fused row is the trained model's own run (same settings, same seed).
    expect(report.rows[0].values[0]).toBeCloseTo(done.evaluation?.outputs.find((o) => o.nodeId === 'out')?.accuracy ?? -1, 6);
    for (const r of report.rows) {
      expect(r.ci95![0]).toBeLessThanOrEqual(r.mean!);
      expect(r.ci95![1]).toBeGreaterThanOrEqual(r.mean!);
      expect(r.params).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    // The reducer turns the messages into the panel's state.
    const view = msgs.reduce(reduceView, { ...initialView(), compare: compareStarting() });
    expect(view.compare?.status).toBe('done');
    expect(view.compare?.report).toEqual(report);

    // Stop during a comparison: the first row stops, the others are skipped.
    h.onMessage((m) => {
      if (m.type === 'compare-progress' && m.p.batch > 0) void h.handle({ type: 'stop' });
    });
    const t1 = h.got.length;
    await h.handle({ type: 'compare' });
    h.onMessage(null);
    const stopped = h.got.slice(t1).find((m): m is Extract<FromWorker, { type: 'compare-done' }> => m.type === 'compare-done');
    expect(stopped?.report?.stopped).toBe(true);
    expect(stopped?.report?.rows.map((r) => r.status)).toEqual(['stopped', 'skipped', 'skipped']);

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
  const row = (o: Partial<StudyRow> & Pick<StudyRow, 'name' | 'kind'>): StudyRow => ({ status: 'ok', values: [], seeds: 3, diagnostics: [], ...o });
  const report: StudyReport = {
    split: 'test',
    count: 200,
    metric: 'accuracy',
    seeds: 3,
    rows: [
      row({ name: 'fused', kind: 'fused', mean: 0.9, ci95: [0.85, 0.95], params: 9000, seconds: 2 }),
      row({ name: 'Picture alone', kind: 'single', inputId: 'picture', mean: 0.33, ci95: [0.3, 0.36] }),
      row({ name: 'Tone alone', kind: 'single', inputId: 'tone', mean: 0.477, ci95: [0.4, 0.55] }),
      row({ name: 'fusion.gated', kind: 'fusion-op', op: 'fusion.gated', mean: 0.95, ci95: [0.9, 1] }),
      row({ name: 'Numbers alone', kind: 'single', inputId: 'numbers', status: 'failed', seeds: 0, reason: 'does not compile' }),
    ],
    stopped: false,
    takeaway: 'Fusion helps: fused 0.900 [0.850, 0.950] against the best single input (Tone alone) 0.477 [0.400, 0.550], the 95 % intervals apart.',
  };
  const labels = { picture: 'Picture', tone: 'Tone' };
  const p: StudyProgress = { row: 3, rows: 4, name: 'Tone alone', kind: 'single', inputId: 'tone', seed: 2, seeds: 3, epoch: 3, epochs: 8, batch: 5, batches: 10 };

  it('reduces progress and the result', () => {
    let v = reduceCompare(compareStarting({ seeds: 3 }), { type: 'compare-progress', p });
    expect(v.status).toBe('running');
    expect(progressText(v, labels)).toBe('Training “Tone alone” (row 3 of 4), seed 2 of 3: epoch 3 of 8, batch 5 of 10');
    expect(progressFraction(v)).toBeCloseTo((2 + (1 + 2.5 / 8) / 3) / 4, 6);
    v = compareStopping(v) ?? v;
    expect(v.status).toBe('stopping');
    expect(reduceCompare(v, { type: 'compare-progress', p: { ...p, batch: 6 } }).status).toBe('stopping');
    expect(reduceCompare(v, { type: 'compare-done', report: { ...report, stopped: true } }).status).toBe('stopped');
    const done = reduceCompare(v, { type: 'compare-done', report });
    expect(done).toMatchObject({ status: 'done', report, error: null });
    expect(reduceCompare(null, { type: 'compare-done', error: 'boom' })).toMatchObject({ status: 'failed', error: 'boom' });
    // A fresh training clears it; the view keeps it otherwise.
    const view = reduceView({ ...initialView(), compare: done }, { type: 'started', fresh: true, outputs: [], primary: 'x', train: 1, val: 1, epochs: 1, dataSource: '' });
    expect(view.compare).toBeNull();
  });

  it('bounds the request, ranks the leaderboard best first, names rows as people read them', () => {
    expect(compareRequest({})).toEqual({ seeds: 3, sweep: false });
    expect(compareRequest({ seeds: 99, sweep: true })).toEqual({ seeds: 10, sweep: true });
    expect(compareRequest({ seeds: 0 })).toEqual({ seeds: 1, sweep: false });
    expect(compareRequest({ seeds: Number.NaN })).toEqual({ seeds: 3, sweep: false });
    expect(leaderboard(report).map((r) => r.name)).toEqual(['fusion.gated', 'fused', 'Tone alone', 'Picture alone', 'Numbers alone']);
    expect(leaderboard({ ...report, metric: 'rmse' }).map((r) => r.name)).toEqual(['Picture alone', 'Tone alone', 'fused', 'fusion.gated', 'Numbers alone']);
    expect(rowLabel(report.rows[0], labels)).toBe('Fused (all inputs)');
    expect(rowLabel(report.rows[2], labels)).toBe('Tone alone');
    expect(rowLabel(report.rows[3], labels, { 'fusion.gated': 'Gated fusion' })).toBe('Gated fusion');
  });

  it('takes the study\'s sentence, and blames the training when the fused model collapsed', () => {
    expect(takeaway(report)).toBe(report.takeaway);
    const collapsed = takeaway({ ...report, rows: [{ ...report.rows[0], collapsed: 'match-low', collapsedSeeds: 2 }, ...report.rows.slice(1)] });
    expect(collapsed).toMatch(/^The fused model answers "match-low" for almost every sample in 2 of 3 seed\(s\): its training went wrong there/);
    expect(takeaway({ ...report, stopped: true, rows: report.rows.map((r) => ({ ...r, mean: undefined })) })).toMatch(/Stopped before any row/);
  });
});
