import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { toyRegistry } from './fixtures/toy-nodes';
import { graph } from './fixtures/graphs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const twoBranch = () =>
  graph(
    [
      ['a', 'input.toy', { width: 3 }],
      ['b', 'input.toy', { width: 5 }],
      ['ea', 'encoder.toy', { units: 4 }],
      ['eb', 'encoder.toy', { units: 4 }],
      ['sum', 'fusion.toysum'],
      ['h', 'head.toy', { classes: 3 }],
    ],
    ['a.out->ea.in', 'b.out->eb.in', 'ea.out->sum.in', 'eb.out->sum.in', 'sum.out->h.in'],
  );

describe('compileGraph', () => {
  it('builds a multi-input functional model with layer names from node ids', () => {
    const res = compileGraph(twoBranch(), toyRegistry, { tf });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const { model, summary } = res;
    expect(model.inputs.map((i) => i.shape)).toEqual([[null, 3], [null, 5]]);
    expect(model.outputs.map((o) => o.shape)).toEqual([[null, 3]]);
    expect(model.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['a__input', 'ea__dense', 'eb__dense', 'sum__add', 'h__dense']));
    // dense 3→4 (16) + 5→4 (24) + 4→3 (15)
    expect(summary.totalParams).toBe(16 + 24 + 15);
    expect(summary.totalParams).toBe(model.countParams());
    expect(summary.nodes.ea.params).toBe(16);
    expect(summary.nodes.h.layers[0]).toMatchObject({ name: 'h__dense', className: 'Dense', params: 15 });
    expect(summary.inputs.map((i) => i.nodeId)).toEqual(['a', 'b']);
    expect(summary.outputs).toEqual([expect.objectContaining({ nodeId: 'h', role: 'head', shape: [3], labelColumn: 'label' })]);
    const y = model.predict([tf.ones([2, 3]), tf.ones([2, 5])]) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    model.dispose();
  });

  it('the same seed gives the same weights', () => {
    const w = (seed: number) => {
      const res = compileGraph(twoBranch(), toyRegistry, { tf, seed });
      if (!res.ok) throw new Error('compile');
      const v = Array.from(res.model.getWeights()[0].dataSync());
      res.model.dispose();
      return v;
    };
    expect(w(1)).toEqual(w(1));
    expect(w(1)).not.toEqual(w(2));
  });

  it('a late-fusion graph outputs every branch head and the fused prediction', () => {
    const g = graph(
      [
        ['a', 'input.toy'],
        ['b', 'input.toy'],
        ['h1', 'head.toy'],
        ['h2', 'head.toy'],
        ['l', 'late.toy'],
      ],
      ['a.out->h1.in', 'b.out->h2.in', 'h1.out->l.in', 'h2.out->l.in'],
    );
    const res = compileGraph(g, toyRegistry, { tf });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.summary.outputs.map((o) => [o.nodeId, o.role])).toEqual([
      ['h1', 'head'],
      ['h2', 'head'],
      ['l', 'late'],
    ]);
    expect(res.model.outputs.length).toBe(3);
    res.model.dispose();
  });

  it('frozen nodes have non-trainable layers', () => {
    const g = twoBranch();
    g.nodes.find((n) => n.id === 'ea')!.frozen = true;
    const res = compileGraph(g, toyRegistry, { tf });
    if (!res.ok) throw new Error('compile');
    expect(res.model.getLayer('ea__dense').trainable).toBe(false);
    expect(res.model.getLayer('eb__dense').trainable).toBe(true);
    expect(res.summary.nodes.ea.trainableParams).toBe(0);
    expect(res.summary.trainableParams).toBe(res.summary.totalParams - 16);
    res.model.dispose();
  });

  it('leaves out nodes that feed no head', () => {
    const g = graph([['a', 'input.toy'], ['b', 'input.toy'], ['h', 'head.toy']], ['a.out->h.in']);
    const res = compileGraph(g, toyRegistry, { tf });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.summary.inputs.map((i) => i.nodeId)).toEqual(['a']);
    expect(res.diagnostics.map((d) => d.code)).toContain('input-unused');
    res.model.dispose();
  });

  it('a graph with errors returns its diagnostics, not a model', () => {
    const g = graph([['a', 'input.toy'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['e.out->h.in']);
    const res = compileGraph(g, toyRegistry, { tf });
    expect(res.ok).toBe(false);
    expect(res.diagnostics.map((d) => d.code)).toContain('missing-input');
  });

  it('build-failed: a node whose build throws becomes a diagnostic on that node', () => {
    const g = graph([['a', 'input.toy'], ['e', 'encoder.toy', { breakBuild: true }], ['h', 'head.toy']], ['a.out->e.in', 'e.out->h.in']);
    const res = compileGraph(g, toyRegistry, { tf });
    expect(res.ok).toBe(false);
    expect(res.diagnostics).toContainEqual(expect.objectContaining({ code: 'build-failed', nodeId: 'e' }));
  });

  it('no-output: an empty graph has nothing to build', () => {
    const res = compileGraph(graph([]), toyRegistry, { tf });
    expect(res.ok).toBe(false);
    expect(res.diagnostics.map((d) => d.code)).toContain('no-output');
  });
});

describe('dropout in compiled models', () => {
  it('draws a new mask on every training call (no fixed seed)', async () => {
    const { registry } = await import('../nodes');
    const g = graph(
      [
        ['t', 'input.tabular', { columns: ['a', 'b', 'c', 'd'] }],
        ['d', 'encoder.dense', { units: 64, dropout: 0.5 }],
        ['h', 'head.classify', { classes: 2 }],
      ],
      ['t.out->d.in', 'd.out->h.in'],
    );
    const res = compileGraph(g, registry, { tf });
    if (!res.ok) throw new Error(JSON.stringify(res.diagnostics));
    const layer = res.model.getLayer('d__dropout1');
    const x = tf.ones([1, 64]);
    const a = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    const b = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    res.model.dispose();
  });
});
