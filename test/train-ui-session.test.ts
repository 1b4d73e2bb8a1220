/**
 * The train panel's session (what runs in the training worker) driven through its message
 * protocol on the plain CPU backend: train, Stop mid-way, Resume, evaluate, bundle, reset, and a
 * graph that does not compile.
 */
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { PanelConfig, ToWorker } from '../components/train/protocol';
import { loadDataset } from '../engine/data/loader';
import { memorySource } from '../engine/data/source';
import type { GraphDoc } from '../engine/graph';
import { registry } from '../nodes';
import { createWorkerAdapter } from '../components/train/workerAdapter';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import { sessionHarness, signsDataset, signsGraph } from './fixtures/signs';

const graph = signsGraph;
const dataset = () => signsDataset(signsGraph(), { seed: 7, rows: 240, trainEnd: 180, valEnd: 210 });

const CONFIG: PanelConfig = { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 16, epochs: 4, patience: 0, seed: 3, modalityDropout: 0 };


describe('train session (protocol)', () => {
  it('trains, stops mid-way, resumes, evaluates, bundles and resets', async () => {
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    expect(h.of('backend')[0].report.backend).toBe('cpu');
    const data = await dataset();

    // Stop after the 3rd batch of the first epoch.
    let batches = 0;
    h.onMessage((m) => {
      if (m.type === 'batch' && ++batches === 3) void h.handle({ type: 'stop' });
    });
    await h.handle({ type: 'train', graph: graph(), config: CONFIG, dataset: data } satisfies ToWorker);
    h.onMessage(null);
    const stopped = h.of('done')[0];
    expect(stopped.status).toBe('stopped');
    expect(stopped.epochsDone).toBe(0);
    expect(h.of('batch')).toHaveLength(3);
    expect(h.of('started')[0].fresh).toBe(true);

    await h.handle({ type: 'resume', config: CONFIG });
    const done = h.of('done')[1];
    expect(done.status).toBe('finished');
    expect(done.epochsDone).toBe(4);
    expect(h.of('started')[1].fresh).toBe(false);
    // The resumed run continued at batch 4 of epoch 1: no batch was repeated or skipped.
    const perEpoch = Math.ceil(180 / 16);
    expect(h.of('batch')).toHaveLength(4 * perEpoch);
    expect(h.of('batch')[3].m).toMatchObject({ epoch: 1, batch: 4 });
    expect(h.of('epoch').map((e) => e.m.epoch)).toEqual([1, 2, 3, 4]);
    const held = tf.memory().numTensors; // a trained model, its trainer and the optimizer state
    const ev = done.evaluation;
    expect(ev?.split).toBe('test');
    const out = ev?.outputs.find((o) => o.nodeId === 'out');
    expect(out?.accuracy).toBeGreaterThan(0.8);
    expect(out?.confusion?.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(out?.perClass?.map((c) => c.name).sort()).toEqual(['neg', 'pos']);

    await h.handle({ type: 'bundle' });
    const b = h.of('bundle')[0];
    expect(b.name).toBe('signs.fusionlab.zip');
    expect(Object.keys(unzipSync(b.bytes)).sort()).toEqual(['bundle.json', 'fitted.json', 'graph.json', 'model.json', 'weights.bin']);

    await h.handle({ type: 'reset' });
    expect(h.of('reset-done')).toHaveLength(1);
    // Train again from scratch: a fresh run, and the old model, trainer and optimizer are released.
    await h.handle({ type: 'train', graph: graph(), config: { ...CONFIG, epochs: 1 }, dataset: data });
    expect(h.of('started')[2].fresh).toBe(true);
    expect(h.of('done')[2].status).toBe('finished');
    expect(tf.memory().numTensors).toBe(held);
  }, 60_000);

  it('measures what each input contributes after training (modality ablation on the val split)', async () => {
    // Two inputs: "signal" decides the label, "noise" is random.
    const node = (id: string, kind: string, params: Record<string, unknown>) => ({ id, kind, label: id.toUpperCase(), params, position: { x: 0, y: 0 }, frozen: false });
    const g = {
      format: 'fusionlab/graph',
      version: 1,
      name: 'Two inputs',
      description: '',
      nodes: [
        node('signal', 'input.tabular', { columns: ['a', 'b'] }),
        node('noise', 'input.tabular', { columns: ['c', 'd'] }),
        node('encS', 'encoder.tabular-mlp', { units: 8, layers: 1 }),
        node('encN', 'encoder.tabular-mlp', { units: 8, layers: 1 }),
        node('mix', 'fusion.concat', {}),
        node('out', 'head.classify', { column: 'label', classes: 2 }),
      ],
      edges: [
        { id: 'e1', source: 'signal', sourcePort: 'out', target: 'encS', targetPort: 'in' },
        { id: 'e2', source: 'noise', sourcePort: 'out', target: 'encN', targetPort: 'in' },
        { id: 'e4', source: 'encS', sourcePort: 'out', target: 'mix', targetPort: 'in' },
        { id: 'e5', source: 'encN', sourcePort: 'out', target: 'mix', targetPort: 'in' },
        { id: 'e3', source: 'mix', sourcePort: 'out', target: 'out', targetPort: 'in' },
      ],
    } as GraphDoc;
    let s = 11;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const rows = ['a,b,c,d,label,split'];
    for (let i = 0; i < 240; i++) {
      const [a, b, c, d] = [rnd(), rnd(), rnd(), rnd()];
      rows.push(`${a.toFixed(3)},${b.toFixed(3)},${c.toFixed(3)},${d.toFixed(3)},${a + b > 0 ? 'pos' : 'neg'},${i < 180 ? 'train' : i < 220 ? 'val' : 'test'}`);
    }
    const ds = await loadDataset(memorySource('two', { 'samples.csv': new TextEncoder().encode(rows.join('\n')) }), { graph: g, registry, adapter: createWorkerAdapter() });
    expect(ds.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    await h.handle({ type: 'train', graph: g, config: { ...CONFIG, epochs: 6 }, dataset: { inputs: ds.inputs, heads: ds.heads, splits: ds.splits, fitted: ds.fitted } });
    expect(h.of('error')).toEqual([]);
    const done = h.of('done')[0];
    expect(done.status).toBe('finished');
    const ab = done.ablation;
    expect(ab).toBeDefined();
    expect(ab?.split).toBe('val');
    expect(ab?.count).toBe(40);
    expect(ab?.metric).toBe('accuracy');
    expect(ab?.primary).toBe('out');
    expect(ab?.rows.map((r) => r.nodeId)).toEqual(['signal', 'noise']);
    const signal = ab?.rows.find((r) => r.nodeId === 'signal');
    const noise = ab?.rows.find((r) => r.nodeId === 'noise');
    expect(ab?.baseline).toBeGreaterThan(0.8);
    // Masking the informative input costs far more accuracy than masking the noise.
    expect(signal?.drop).toBeGreaterThan(0.2);
    expect(signal!.drop).toBeGreaterThan(noise!.drop + 0.15);
    expect(signal!.value).toBeCloseTo(ab!.baseline - signal!.drop, 6);
  }, 60_000);

  it('a graph that does not compile and data that do not fit give messages, not exceptions', async () => {
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    const g = graph();
    g.edges = g.edges.slice(0, 1); // the head has no input
    await h.handle({ type: 'train', graph: g, config: CONFIG, dataset: null });
    const err = h.of('error')[0];
    expect(err.message).toMatch(/does not compile|demo dataset does not fit/);
    await h.handle({ type: 'bundle' });
    expect(h.of('error')[1].message).toMatch(/no trained model/);
  }, 60_000);
});
