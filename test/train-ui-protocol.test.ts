/** The train panel's pure logic: the worker-message reducer, chart downsampling, settings checks. */
import { describe, expect, it } from 'vitest';
import { checkConfig, formatSeconds, halve, initialView, lastMetric, reduceView, type FromWorker, type TrainView } from '../components/train/protocol';
import type { BatchMetrics, EpochMetrics } from '../engine/train/types';

const started = (fresh: boolean): FromWorker => ({
  type: 'started',
  fresh,
  outputs: [{ nodeId: 'head', role: 'head', task: 'classify' }],
  primary: 'head',
  train: 100,
  val: 20,
  epochs: 3,
  dataSource: 'test',
});

function batch(epoch: number, b: number, of: number, loss: number, accuracy = 0.5): FromWorker {
  const m: BatchMetrics = { epoch, batch: b, batchesPerEpoch: of, loss, outputs: { head: { loss, accuracy } }, samplesPerSecond: 100, secondsLeft: 5 };
  return { type: 'batch', m };
}

function epoch(e: number, loss: number, valAcc: number): FromWorker {
  const m: EpochMetrics = { epoch: e, loss, outputs: { head: { loss, accuracy: 0.6 } }, val: { loss: loss + 0.1, outputs: { head: { loss: loss + 0.1, accuracy: valAcc } } }, samplesPerSecond: 100, seconds: 1 };
  return { type: 'epoch', m };
}

const run = (msgs: FromWorker[], from: TrainView = initialView(), max?: number) => msgs.reduce((v, m) => reduceView(v, m, max), from);

describe('reduceView', () => {
  it('adds batch points at fractional epochs and epoch points with validation', () => {
    const v = run([started(true), batch(1, 1, 4, 1.2), batch(1, 2, 4, 1.0), epoch(1, 0.9, 0.7)]);
    expect(v.status).toBe('running');
    expect(v.batchSeries.head.map((p) => p.x)).toEqual([0.25, 0.5]);
    expect(v.batchSeries.head.map((p) => p.loss)).toEqual([1.2, 1.0]);
    expect(v.epochSeries.head).toEqual([{ x: 1, loss: 0.9, accuracy: 0.6, valLoss: 1.0, valAccuracy: 0.7 }]);
    expect(lastMetric(v, 'head', 'val-accuracy')).toBe(0.7);
    expect(v.progress).toMatchObject({ epoch: 1, epochs: 3, batch: 2, batches: 4 });
  });

  it('keeps the charts on resume and clears them on a fresh run', () => {
    const stopped = run([started(true), batch(1, 1, 4, 1.2), { type: 'done', status: 'stopped', epochsDone: 0 }]);
    expect(stopped.status).toBe('stopped');
    const resumed = run([started(false), batch(1, 2, 4, 1.1)], stopped);
    expect(resumed.batchSeries.head).toHaveLength(2);
    const fresh = run([started(true)], resumed);
    expect(fresh.batchSeries.head ?? []).toHaveLength(0);
  });

  it('bounds the batch series by halving it and merging later batches', () => {
    const msgs: FromWorker[] = [started(true)];
    for (let b = 1; b <= 50; b++) msgs.push(batch(1, b, 50, b));
    const v = run(msgs, initialView(), 10);
    expect(v.batchSeries.head.length).toBeLessThanOrEqual(10);
    expect(v.batchStride).toBeGreaterThan(1);
    // Merged points keep the mean: the series still rises from ~1 to ~50.
    const ys = v.batchSeries.head.map((p) => p.loss as number);
    expect(ys[0]).toBeLessThan(5);
    expect(ys[ys.length - 1]).toBeGreaterThan(40);
    for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThan(ys[i - 1]);
  });

  it('drops NaN values from charts and shows the engine\'s explanation when training fails', () => {
    const v = run([
      started(true),
      batch(1, 1, 4, Number.NaN),
      { type: 'done', status: 'failed', epochsDone: 0, error: { code: 'nan-loss', message: 'the loss became NaN', suggestion: 'Lower the learning rate' } },
    ]);
    expect(v.batchSeries.head[0].loss).toBeUndefined();
    expect(v.status).toBe('failed');
    expect(v.error).toEqual({ message: 'the loss became NaN', suggestion: 'Lower the learning rate' });
  });

  it('a worker error fails the run; reset clears everything but the backend', () => {
    const backend: FromWorker = { type: 'backend', report: { backend: 'wasm', reason: 'no GPU', threads: 2, mainThread: false, available: ['wasm', 'cpu'] } };
    const v = run([backend, started(true), batch(1, 1, 4, 1), { type: 'error', message: 'boom' }]);
    expect(v.status).toBe('failed');
    expect(v.error?.message).toBe('boom');
    const r = reduceView(v, { type: 'reset-done' });
    expect(r.status).toBe('idle');
    expect(r.batchSeries).toEqual({});
    expect(r.backend?.backend).toBe('wasm');
  });
});

describe('helpers', () => {
  it('after a run the readouts show the inference-mode numbers and the warnings; a new run clears them', () => {
    const during = run([started(true), epoch(1, 1, 0.5)]);
    expect(lastMetric(during, 'head', 'train-accuracy')).toBe(0.6); // the running training-mode mean
    const warnings = [{ code: 'collapsed' as const, output: 'head', message: 'Head: the model answers "a" for 100% …', suggestion: 'Train for more epochs' }];
    const final = { train: { count: 90, outputs: { head: { loss: 0.7, accuracy: 0.5 } } }, val: { count: 10, outputs: { head: { loss: 0.8, accuracy: 0.4 } } } };
    const done = reduceView(during, { type: 'done', status: 'finished', epochsDone: 1, final, warnings });
    expect(lastMetric(done, 'head', 'train-accuracy')).toBe(0.5);
    expect(lastMetric(done, 'head', 'val-accuracy')).toBe(0.4);
    expect(lastMetric(done, 'head', 'val-loss')).toBe(0.8);
    expect(done.warnings).toEqual(warnings);
    const again = reduceView(done, started(false));
    expect(again.final).toBeNull();
    expect(again.warnings).toEqual([]);
  });

  it('halve merges pairs and keeps an odd last point', () => {
    expect(halve([{ x: 1, loss: 1 }, { x: 2, loss: 3 }, { x: 3, loss: 5 }])).toEqual([{ x: 1.5, loss: 2, accuracy: undefined }, { x: 3, loss: 5 }]);
  });

  it('keeps the modality ablation from done until a fresh run, and clears it on resume', () => {
    const ablation = { split: 'val' as const, count: 20, primary: 'head', metric: 'accuracy' as const, baseline: 0.9, rows: [{ nodeId: 'img', value: 0.4, drop: 0.5 }, { nodeId: 'tab', value: 0.85, drop: 0.05 }] };
    const done = run([started(true), epoch(1, 1, 0.9), { type: 'done', status: 'finished', epochsDone: 1, ablation }]);
    expect(done.ablation).toEqual(ablation);
    // A later 'done' without ablation (e.g. a failure) keeps the last one.
    expect(reduceView(done, { type: 'done', status: 'failed', epochsDone: 1 }).ablation).toEqual(ablation);
    // Resuming or starting over hides the stale numbers.
    expect(reduceView(done, started(false)).ablation).toBeNull();
    expect(reduceView(done, started(true)).ablation).toBeNull();
    expect(reduceView(done, { type: 'reset-done' }).ablation).toBeNull();
  });

  it('formatSeconds', () => {
    expect(formatSeconds(12.4)).toBe('12 s');
    expect(formatSeconds(65)).toBe('1 min 05 s');
    expect(formatSeconds(3 * 3600 + 120)).toBe('3 h 02 min');
    expect(formatSeconds(Number.NaN)).toBe('—');
  });

  it('checkConfig names each bad field', () => {
    const good = { optimizer: 'adam' as const, learningRate: 0.001, momentum: 0.9, batchSize: 32, epochs: 10, patience: 0, seed: 1, modalityDropout: 0.3 };
    expect(checkConfig(good)).toEqual({});
    expect(Object.keys(checkConfig({ ...good, learningRate: 0, batchSize: 1.5, epochs: 0, patience: -1, seed: 0.5, momentum: 1, modalityDropout: 0.95 })).sort()).toEqual(['batchSize', 'epochs', 'learningRate', 'modalityDropout', 'momentum', 'patience', 'seed']);
  });
});
