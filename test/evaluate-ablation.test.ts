import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { ablateInputs, evaluateModel, inputMeans, predictArrays, saliencyMap } from '../engine/evaluate';
import { parseGraphText } from '../engine/graph';
import { createTrainer } from '../engine/train';
import { singleModalityVariants } from '../engine/variants';
import { registry } from '../nodes';
import { readFileSync } from 'node:fs';
import { graph } from './fixtures/graphs';
import { toyRegistry } from './fixtures/toy-nodes';
import { toyFusedGraph, twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fused = toyFusedGraph;

describe('evaluation on a trained model', () => {
  it('ablation shows which modality carries the label', async () => {
    const c = compileGraph(fused(), toyRegistry, { tf, seed: 3 });
    if (!c.ok) throw new Error('compile');
    // The label depends on input a only.
    const data = twoInputSet({ train: 384, val: 64, test: 128 }, 5, { onlyA: true });
    const t = createTrainer(tf, c, data, { epochs: 12, batchSize: 32, learningRate: 0.02 });
    await t.train();
    t.dispose();
    const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
    const base = tf.memory().numTensors;
    const rep = evaluateModel(tf, c.model, io, data, data.splits.test);
    expect(rep.primary).toBe('head');
    expect(rep.outputs.head.accuracy).toBeGreaterThan(0.85);
    const ab = ablateInputs(tf, c.model, io, data, data.splits.test, inputMeans(data.splits.train));
    expect(ab.fill).toBe('train-mean');
    const byId = Object.fromEntries(ab.rows.map((r) => [r.nodeId, r]));
    expect(byId.a.drop).toBeGreaterThan(0.3);
    expect(Math.abs(byId.b.drop)).toBeLessThan(0.1);
    expect(byId.a.accuracy).toBeCloseTo((rep.outputs.head.accuracy as number) - byId.a.drop, 10);
    predictArrays(tf, c.model, io, data.splits.test.inputs, 7, 3);
    expect(tf.memory().numTensors).toBe(base);
  });

  it('input means are per-feature means', () => {
    const m = inputMeans({ count: 2, inputs: { x: Float32Array.from([1, 2, 3, 6]) }, labels: {} });
    expect(Array.from(m.x)).toEqual([2, 4]);
  });

  it('saliency: a normalised map over an image input, without leaks', () => {
    const g = graph(
      [
        ['img', 'input.image', { column: 'image', height: 8, width: 6, channels: 1 }],
        ['mlp', 'encoder.image-mlp', {}],
        ['head', 'head.classify', { classes: 3 }],
      ],
      ['img.out->mlp.in', 'mlp.out->head.in'],
    );
    const c = compileGraph(g, registry, { tf, seed: 1 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
    const x = Float32Array.from({ length: 48 }, (_, i) => (i % 7) / 7);
    const base = tf.memory().numTensors;
    const s = saliencyMap(tf, c.model, io, { img: x }, 'img');
    expect(tf.memory().numTensors).toBe(base);
    expect([s.height, s.width, s.values.length]).toEqual([8, 6, 48]);
    expect(Math.max(...s.values)).toBeCloseTo(1, 5);
    expect(Math.min(...s.values)).toBeGreaterThanOrEqual(0);
    const p = predictArrays(tf, c.model, io, { img: x }, 1)[0];
    expect(s.classIndex).toBe(Array.from(p).indexOf(Math.max(...p)));
    c.model.dispose();
  });
});

describe('single-modality variants', () => {
  it('keeps one input and its encoder path to the same head, and compiles', () => {
    const vs = singleModalityVariants(fused(), toyRegistry);
    expect(vs.map((v) => v.inputId)).toEqual(['a', 'b']);
    for (const v of vs) {
      expect(v.ok, JSON.stringify(v.diagnostics)).toBe(true);
      const other = v.inputId === 'a' ? 'b' : 'a';
      const ids = v.graph.nodes.map((n) => n.id).sort();
      expect(ids).toEqual([v.inputId, `enc${v.inputId.toUpperCase()}`, 'head'].sort());
      expect(ids).not.toContain(other);
      expect(v.graph.edges.some((e) => e.source === `enc${v.inputId.toUpperCase()}` && e.target === 'head')).toBe(true);
      const c = compileGraph(v.graph, toyRegistry, { tf });
      expect(c.ok).toBe(true);
      if (c.ok) c.model.dispose();
    }
  });

  it('keeps a fusion node that still has enough inputs', () => {
    const g = graph(
      [
        ['a', 'input.toy', { width: 4 }],
        ['b', 'input.toy', { width: 4 }],
        ['e1', 'encoder.toy', { units: 4 }],
        ['e2', 'encoder.toy', { units: 4 }],
        ['e3', 'encoder.toy', { units: 4 }],
        ['sum', 'fusion.toysum'],
        ['head', 'head.toy'],
      ],
      ['a.out->e1.in', 'a.out->e2.in', 'b.out->e3.in', 'e1.out->sum.in', 'e2.out->sum.in', 'e3.out->sum.in', 'sum.out->head.in'],
    );
    const [va, vb] = singleModalityVariants(g, toyRegistry);
    expect(va.ok).toBe(true);
    expect(va.graph.nodes.map((n) => n.id)).toContain('sum');
    expect(vb.ok).toBe(true);
    expect(vb.graph.nodes.map((n) => n.id)).not.toContain('sum');
  });

  it('every template with several inputs gives variants that validate and compile', () => {
    for (const name of ['avmnist', 'avmnist-late', 'demo', 'image-text-gated', 'text-tabular']) {
      const parsed = parseGraphText(readFileSync(`templates/${name}.json`, 'utf8'));
      if (!parsed.ok) throw new Error(name);
      const vs = singleModalityVariants(parsed.graph, registry);
      expect(vs.length, name).toBeGreaterThanOrEqual(2);
      for (const v of vs) {
        expect(v.ok, `${name}/${v.inputId}: ${v.diagnostics.map((d) => d.message).join(' ')}`).toBe(true);
        const c = compileGraph(v.graph, registry, { tf });
        expect(c.ok, `${name}/${v.inputId}`).toBe(true);
        if (c.ok) {
          expect(c.summary.inputs.map((i) => i.nodeId)).toEqual([v.inputId]);
          c.model.dispose();
        }
      }
    }
  });
});
