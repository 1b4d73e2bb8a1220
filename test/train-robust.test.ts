/**
 * Failure handling of the train panel's session on the plain CPU backend: an out-of-memory error
 * in the middle of training is reported with a suggestion and the next Train works; the CPU
 * weight copies behind WebGL context-loss recovery round-trip exactly; a run rebuilt elsewhere
 * from a copy continues at the next epoch (contextLoss.ts continueOnCpu); the page-side failure
 * helpers (failures.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { continueOnCpu, guardGpu, recoveredReport } from '../components/train/contextLoss';
import { describeFailure, isOutOfMemory, needsFreshRuntime } from '../components/train/failures';
import type { PanelConfig } from '../components/train/protocol';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import { compileGraph } from '../engine/compile';
import { createTrainer } from '../engine/train';
import { restoreWeights, snapshotWeights } from '../engine/train/snapshot';
import { registry } from '../nodes';
import { sessionHarness, signsDataset, signsGraph } from './fixtures/signs';

const graph = signsGraph;
const dataset = () => signsDataset(signsGraph(), { seed: 5, rows: 200, trainEnd: 140, valEnd: 170, rule: 'difference' });

const CONFIG: PanelConfig = { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 16, epochs: 3, patience: 0, seed: 3, modalityDropout: 0 };

function compiled(seed: number) {
  const c = compileGraph(graph(), registry, { tf, seed });
  if (!c.ok) throw new Error('does not compile');
  return c;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('out of memory', () => {
  it('an allocation failure mid-training is reported with a suggestion, and Train works again', async () => {
    await tf.setBackend('cpu');
    const { handle, of } = sessionHarness();
    await handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    const data = await dataset();

    // The 4th batch fails the way tfjs-wasm does when its heap cannot grow.
    const real = tf.Optimizer.prototype.minimize;
    let calls = 0;
    vi.spyOn(tf.Optimizer.prototype, 'minimize').mockImplementation(function (this: tf.Optimizer, ...args: Parameters<typeof real>) {
      if (++calls === 4) throw new Error('Aborted(OOM): failed to allocate 1073741824 bytes');
      return real.apply(this, args);
    });
    await handle({ type: 'train', graph: graph(), config: CONFIG, dataset: data });
    const failed = of('done')[0];
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('out-of-memory');
    expect(failed.error?.message).toMatch(/ran out of memory.*failed to allocate/);
    expect(failed.error?.suggestion).toMatch(/batch size/);
    expect(of('batch')).toHaveLength(3);
    // The page replaces the worker after this (tfjs-wasm stays aborted after an OOM).
    expect(needsFreshRuntime(failed)).toBe(true);

    vi.restoreAllMocks();
    await handle({ type: 'train', graph: graph(), config: CONFIG, dataset: data });
    const again = of('done')[1];
    expect(again.status).toBe('finished');
    expect(again.epochsDone).toBe(3);
    expect(of('error')).toEqual([]);
    expect(of('done')[1].evaluation?.outputs[0].accuracy).toBeGreaterThan(0.7);
  }, 60_000);

  it('classifies memory errors and leaves the others alone', () => {
    for (const m of ['Aborted(OOM)', 'RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded', 'Failed to allocate texture', 'Array buffer allocation failed', 'RangeError: Invalid typed array length: 4000000000', 'CONTEXT_LOST: out of memory']) {
      expect(isOutOfMemory(m), m).toBe(true);
    }
    for (const m of ['The graph does not compile', 'Cannot read properties of undefined', 'shapes [2] and [3] do not match']) expect(isOutOfMemory(m), m).toBe(false);
    const d = describeFailure(new RangeError('Array buffer allocation failed'));
    expect(d.message).toBe('The backend ran out of memory: Array buffer allocation failed');
    expect(d.suggestion).toMatch(/batch size/);
    expect(describeFailure(new Error('bad graph'))).toEqual({ message: 'bad graph' });
    expect(needsFreshRuntime({ type: 'error', message: d.message })).toBe(true);
    expect(needsFreshRuntime({ type: 'error', message: 'bad graph' })).toBe(false);
    expect(needsFreshRuntime({ type: 'done', status: 'failed', epochsDone: 0, error: { code: 'nan-loss', message: 'NaN', suggestion: '' } })).toBe(false);
    expect(needsFreshRuntime({ type: 'stage', text: 'out of memory' })).toBe(false);
  });
});

describe('GPU loss recovery', () => {
  it('a CPU weight copy restores a model built from the same graph exactly', async () => {
    await tf.setBackend('cpu');
    const a = compiled(1);
    const b = compiled(2);
    const x = tf.tensor2d([[0.3, -0.7], [1, 0.5]]);
    const pa = a.model.predict(x) as tf.Tensor;
    const pb = b.model.predict(x) as tf.Tensor;
    expect(Array.from(pb.dataSync())).not.toEqual(Array.from(pa.dataSync()));
    const before = tf.memory().numTensors;
    const snap = snapshotWeights(tf, a.model, 7);
    expect(tf.memory().numTensors).toBe(before);
    expect(snap.epoch).toBe(7);
    expect(snap.weights.map((w) => w.shape)).toEqual(a.model.weights.map((w) => w.read().shape));
    expect(restoreWeights(tf, b.model, snap)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    const pb2 = b.model.predict(x) as tf.Tensor;
    expect(Array.from(pb2.dataSync())).toEqual(Array.from(pa.dataSync()));
    // A model of another shape is refused with a message, not corrupted.
    const other = compileGraph({ ...graph(), nodes: graph().nodes.map((n) => (n.id === 'mlp' ? { ...n, params: { units: 4, layers: 1 } } : n)) }, registry, { tf, seed: 1 });
    if (!other.ok) throw new Error('does not compile');
    expect(restoreWeights(tf, other.model, snap)).toMatch(/snapshot/);
    tf.dispose([x, pa, pb, pb2]);
    [a, b, other].forEach((c) => c.model.dispose());
  });

  it('the guard does nothing on a CPU backend (no GPU to lose, no copies taken)', async () => {
    await tf.setBackend('cpu');
    const a = compiled(1);
    let lost = 0;
    const g = guardGpu(tf, a.model, 0, () => lost++);
    g.epochEnd(a.model, 1);
    expect(g.backend).toBeNull();
    expect(g.snapshot).toBeNull();
    expect(g.lost()).toBe(false);
    g.detach();
    expect(lost).toBe(0);
    a.model.dispose();
  });

  it('a run rebuilt from the copy of epoch 2 continues at epoch 3 with the same weights', async () => {
    await tf.setBackend('cpu');
    const data = await dataset();
    const config = { ...CONFIG, epochs: 4 };
    const first = compiled(config.seed);
    const t1 = createTrainer(tf, first, data, config);
    await t1.train({ onEpochEnd: (m) => (m.epoch === 2 ? t1.stop() : undefined) });
    expect(t1.epochsDone).toBe(2);
    const snap = snapshotWeights(tf, first.model, t1.epochsDone);
    const x = tf.tensor2d([[0.3, -0.7], [-1, 0.5]]);
    const want = Array.from((first.model.predict(x) as tf.Tensor).dataSync());
    let disposed = false;
    // A stand-in for the lost GPU backend (WebGL does not register in Node).
    const factory = () => {
      throw new Error('never started');
    };
    tf.registerBackend('lostgpu', factory);
    const r = await continueOnCpu(tf, { graph: graph(), data, config: t1.config, history: t1.history, snapshot: snap, disposeOld: () => { t1.dispose(); first.model.dispose(); disposed = true; } }, 'lostgpu');
    expect(disposed).toBe(true);
    expect(['wasm', 'cpu']).toContain(r.backend);
    expect(tf.getBackend()).toBe(r.backend);
    expect(tf.findBackendFactory('lostgpu')).toBe(factory); // registered again for a later retry
    tf.removeBackend('lostgpu');
    const got = Array.from((r.compiled.model.predict(x) as tf.Tensor).dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(r.trainer.epochsDone).toBe(2);
    expect(r.trainer.config.metricsEvery).toBe(1);
    const epochs: number[] = [];
    const res = await r.trainer.train({ onEpochEnd: (m) => void epochs.push(m.epoch) });
    expect(res.status).toBe('finished');
    expect(epochs).toEqual([3, 4]);
    expect(res.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // Reset weights still goes back to the graph's seeded start, not to the copy.
    r.trainer.resetWeights();
    const fresh = compiled(config.seed);
    const start = Array.from((fresh.model.predict(x) as tf.Tensor).dataSync());
    Array.from((r.compiled.model.predict(x) as tf.Tensor).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(start[i], 5));
    const rep = recoveredReport({ backend: 'webgl', reason: 'chosen', threads: 1, mainThread: false, available: ['webgl', 'wasm', 'cpu'] }, r.backend, 'the WebGL context was lost', 2, false);
    expect(rep.backend).toBe(r.backend);
    expect(rep.notice).toMatch(/interrupted: the WebGL context was lost\. It continues on .* from the weights saved at the end of epoch 2/);
    r.trainer.dispose();
    r.compiled.model.dispose();
    fresh.model.dispose();
    await tf.setBackend('cpu');
  }, 60_000);
});
