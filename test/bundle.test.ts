import * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync, strToU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBundle, writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import type { FittedState } from '../engine/data/loader';
import { predictArrays } from '../engine/evaluate';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { graph } from './fixtures/graphs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fitted: FittedState = {
  format: 'fusionlab/fitted',
  version: 1,
  inputs: {},
  heads: { head: { task: 'classify', column: 'label', classes: ['cat', 'dog', 'eel'] } },
};

function gatedGraph() {
  return graph(
    [
      ['img', 'input.image', { column: 'image', height: 8, width: 8, channels: 1 }],
      ['tab', 'input.tabular', { columns: ['x', 'y', 'z'] }],
      ['imgEnc', 'encoder.image-cnn', { filters: 4, blocks: 1, units: 8 }],
      ['tabEnc', 'encoder.tabular-mlp', { units: 8 }],
      ['fuse', 'fusion.gated', {}],
      ['head', 'head.classify', { classes: 3 }],
    ],
    ['img.out->imgEnc.in', 'tab.out->tabEnc.in', 'imgEnc.out->fuse.in', 'tabEnc.out->fuse.in', 'fuse.out->head.in'],
    'Gated bundle test',
  );
}

describe('model bundle', () => {
  it('round trip: the read model predicts exactly like the written one', async () => {
    const g = gatedGraph();
    const c = compileGraph(g, registry, { tf, seed: 5 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    // Move batch-norm statistics away from their defaults so that they must be saved too.
    for (const w of c.model.weights) if (w.name.includes('moving')) w.write(tf.fill(w.shape as number[], 0.37));
    const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
    const n = 6;
    const inputs = { img: Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i)), tab: Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i)) };
    const before = predictArrays(tf, c.model, io, inputs, n);
    const zip = await writeBundle(tf, { model: c.model, graph: g, fitted, io, training: { epochs: 3, metrics: { 'test.head.accuracy': 0.9 } } });
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(['bundle.json', 'fitted.json', 'graph.json', 'model.json', 'weights.bin']);
    const base = tf.memory().numTensors;
    const r = await readBundle(tf, zip, (t) => registerCustomLayers(t));
    if (!r.ok) throw new Error(r.message);
    const after = predictArrays(tf, r.bundle.model, r.bundle.meta.io, inputs, n);
    expect(Array.from(after[0])).toEqual(Array.from(before[0]));
    expect(r.bundle.graph).toEqual(g);
    expect(r.bundle.fitted).toEqual(fitted);
    expect(r.bundle.meta.io).toEqual(io);
    expect(r.bundle.meta.training.metrics).toEqual({ 'test.head.accuracy': 0.9 });
    r.bundle.model.dispose();
    expect(tf.memory().numTensors).toBe(base);
    c.model.dispose();
  });

  it('refuses bad files with a message', async () => {
    const notZip = await readBundle(tf, strToU8('hello'));
    expect(notZip.ok).toBe(false);
    const partial = await readBundle(tf, zipSync({ 'model.json': strToU8('{}') }));
    expect(partial.ok).toBe(false);
    if (!partial.ok) expect(partial.message).toMatch(/weights\.bin/);
    const newer = await readBundle(
      tf,
      zipSync({
        'model.json': strToU8('{}'),
        'weights.bin': new Uint8Array(0),
        'graph.json': strToU8('{}'),
        'fitted.json': strToU8('{}'),
        'bundle.json': strToU8(JSON.stringify({ format: 'fusionlab/bundle', version: 99 })),
      }),
    );
    expect(newer.ok).toBe(false);
    if (!newer.ok) expect(newer.message).toMatch(/newer/);
  });
});
