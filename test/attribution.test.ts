/**
 * engine/evaluate/attribution.ts on a set where only one modality carries the label (a decides,
 * b is noise): the gated and attention fusion weights and the mask-based contribution all favour
 * a on average; the late-average weights are the layer's own w; the fill comes from the fitted
 * state (engine/data/missing.ts) and survives fitted.json's schema.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerAdapter } from '../components/train/workerAdapter';
import { compileGraph } from '../engine/compile';
import { fillSample } from '../engine/data/missing';
import { loadDataset } from '../engine/data/loader';
import { memorySource } from '../engine/data/source';
import { fusionWeights, inputContributions, upstreamInputs } from '../engine/evaluate/attribution';
import { inputMeans } from '../engine/evaluate';
import { parseFitted } from '../engine/fitted-schema';
import type { GraphDoc } from '../engine/graph';
import { createTrainer } from '../engine/train';
import type { ModelIO, TrainingSet } from '../engine/train/types';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';

function csv(rows: number): string {
  let s = 17;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const out = ['a,b,label,split'];
  for (let i = 0; i < rows; i++) {
    const a = rnd();
    const b = rnd();
    out.push(`${a.toFixed(3)},${b.toFixed(3)},${a > 0 ? 'pos' : 'neg'},${i < 0.7 * rows ? 'train' : i < 0.8 * rows ? 'val' : 'test'}`);
  }
  return out.join('\n');
}

function fusionGraph(kind: string, params: Record<string, unknown>): GraphDoc {
  return graph(
    [
      ['a', 'input.tabular', { columns: ['a'] }],
      ['b', 'input.tabular', { columns: ['b'] }],
      ['a_mlp', 'encoder.tabular-mlp', { units: 8, layers: 1 }],
      ['b_mlp', 'encoder.tabular-mlp', { units: 8, layers: 1 }],
      ['fuse', kind, params],
      ['out', 'head.classify', { column: 'label', classes: 2 }],
    ],
    ['a.out->a_mlp.in', 'b.out->b_mlp.in', 'a_mlp.out->fuse.in', 'b_mlp.out->fuse.in', 'fuse.out->out.in'],
  );
}

async function trained(g: GraphDoc): Promise<{ model: tf.LayersModel; io: ModelIO; data: TrainingSet }> {
  const ds = await loadDataset(memorySource('one-carries', { 'samples.csv': strToU8(csv(500)) }), { graph: g, registry, adapter: createWorkerAdapter() });
  if (!ds.ok) throw new Error(ds.problems.map((p) => p.message).join(' '));
  const data: TrainingSet = { inputs: ds.inputs, heads: ds.heads, splits: ds.splits, fitted: ds.fitted };
  const compiled = compileGraph(g, registry, { tf, seed: 3 });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join(' '));
  const trainer = createTrainer(tf, compiled, data, { optimizer: 'adam', learningRate: 0.03, batchSize: 32, epochs: 15, seed: 3 });
  await trainer.train();
  trainer.dispose();
  return { model: compiled.model, io: { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs }, data };
}

const meanOf = (rows: number[][], k: number) => rows.reduce((a, r) => a + r[k], 0) / rows.length;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('attribution', () => {
  for (const [kind, params] of [
    ['fusion.gated', { units: 8 }],
    ['fusion.attention', { project: 8, units: 8 }],
  ] as const) {
    it(`${kind}: the modality that carries the label gets most of the weight and of the contribution`, async () => {
      const g = fusionGraph(kind, params);
      const { model, io, data } = await trained(g);
      const test = data.splits.test;
      const fw = fusionWeights(tf, model, io, g, test.inputs, test.count);
      expect(fw).toHaveLength(1);
      expect(fw[0].nodeId).toBe('fuse');
      expect(fw[0].modalities).toEqual([['a'], ['b']]);
      expect(fw[0].weights).toHaveLength(test.count);
      for (const r of fw[0].weights.slice(0, 20)) expect(r[0] + r[1]).toBeCloseTo(1, 5);
      const wa = meanOf(fw[0].weights, 0);
      console.log(`  ${kind}: mean weight of a ${wa.toFixed(3)}, of b ${meanOf(fw[0].weights, 1).toFixed(3)}`);
      expect(wa).toBeGreaterThan(0.5);

      // The fill is the one the fitted state keeps: the train mean sample.
      const fitted = data.fitted!;
      const fill = Object.fromEntries(io.inputs.map((i) => [i.nodeId, fillSample(fitted.inputs[i.nodeId])]));
      const means = inputMeans(data.splits.train);
      for (const id of ['a', 'b']) expect(fill[id][0]).toBeCloseTo(means[id][0], 5);
      let ca = 0;
      let cb = 0;
      const n = Math.min(40, test.count);
      for (let i = 0; i < n; i++) {
        const one = Object.fromEntries(Object.entries(test.inputs).map(([id, x]) => [id, x.subarray(i, i + 1)]));
        const c = inputContributions(tf, model, io, one, fill);
        expect(c.outputId).toBe('out');
        expect(c.inputs.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 5);
        ca += c.inputs[0].contribution;
        cb += Math.abs(c.inputs[1].contribution);
      }
      expect(ca / n).toBeGreaterThan(cb / n);
      model.dispose();
    });
  }

  it('late average: the weights are the layer\'s w for every sample, named by each branch\'s input', async () => {
    const g = graph(
      [
        ['a', 'input.tabular', { columns: ['a'] }],
        ['b', 'input.tabular', { columns: ['b'] }],
        ['ha', 'head.classify', { column: 'label', classes: 2 }],
        ['hb', 'head.classify', { column: 'label', classes: 2 }],
        ['late', 'late.average', { mode: 'fixed', weights: [3, 1] }],
      ],
      ['a.out->ha.in', 'b.out->hb.in', 'ha.out->late.in', 'hb.out->late.in'],
    );
    const compiled = compileGraph(g, registry, { tf, seed: 1 });
    if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join(' '));
    const io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
    const fw = fusionWeights(tf, compiled.model, io, g, { a: Float32Array.from([0.1, 0.2]), b: Float32Array.from([0.3, 0.4]) }, 2);
    expect(fw[0].nodeId).toBe('late');
    expect(fw[0].modalities).toEqual([['a'], ['b']]);
    for (const r of fw[0].weights) {
      expect(r[0]).toBeCloseTo(0.75, 6);
      expect(r[1]).toBeCloseTo(0.25, 6);
    }
    compiled.model.dispose();
  });

  it('finds the input nodes upstream of a node', () => {
    const g = fusionGraph('fusion.concat', {});
    expect(upstreamInputs(g, 'a_mlp')).toEqual(['a']);
    expect(upstreamInputs(g, 'fuse')).toEqual(['a', 'b']);
    expect(upstreamInputs(g, 'a')).toEqual(['a']);
  });

  it('fitted.json keeps the fill, and refuses one of the wrong length', async () => {
    const g = fusionGraph('fusion.concat', {});
    const ds = await loadDataset(memorySource('one-carries', { 'samples.csv': strToU8(csv(60)) }), { graph: g, registry, adapter: createWorkerAdapter() });
    const json = JSON.parse(JSON.stringify(ds.fitted));
    expect(json.inputs.a.missing.values).toHaveLength(1);
    const back = parseFitted(json, g);
    expect(back.ok && back.fitted.inputs.a.missing).toEqual(json.inputs.a.missing);
    json.inputs.a.missing = { values: [0, 0] };
    const bad = parseFitted(json, g);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/inputs\.a\.missing\.values must hold one value per value of the input \(1; it holds 2\)/);
    json.inputs.a.missing = { values: [Number.NaN] };
    expect(parseFitted(JSON.parse(JSON.stringify(json)), g).ok).toBe(false);
  });
});
