import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import type { FittedState } from '../engine/data/loader';
import { createRng } from '../engine/data/rng';
import { createRegistry, defineNode } from '../engine/spec';
import { buildAugmenters, createTrainer } from '../engine/train';
import { graph } from './fixtures/graphs';
import { toyEncoder, toyHead, toyInput } from './fixtures/toy-nodes';
import { twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What the recorder layer saw: the training flag and the rows of each call. */
const seen: { training: boolean; rows: number[][] }[] = [];

const recorder = defineNode({
  kind: 'encoder.recorder',
  category: 'encoder',
  label: 'Recorder',
  summary: 'identity that records its inputs',
  doc: 'test',
  params: z.object({}),
  ports: () => ({ inputs: [{ id: 'in', label: 'In', accepts: ['features'] }], outputs: [{ id: 'out', label: 'Out', accepts: ['features'] }] }),
  infer: (i) => ({ ok: true, outputs: { out: i.in[0] } }),
  build: (ctx, i) => {
    const { tf: t } = ctx;
    class Recorder extends t.layers.Layer {
      static className = 'TestRecorder';
      override call(x: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
        const v = Array.isArray(x) ? x[0] : x;
        const [n, w] = v.shape as [number, number];
        const d = v.dataSync();
        seen.push({ training: kwargs.training === true, rows: Array.from({ length: n }, (_, r) => Array.from(d.subarray(r * w, (r + 1) * w))) });
        return t.clone(v);
      }
    }
    return { out: new Recorder({ name: ctx.name('rec') }).apply(i.in[0]) as (typeof i.in)[0] };
  },
});

const registry = createRegistry([toyInput, toyEncoder, toyHead, recorder]);

function imageFitted(over: Partial<{ flip: boolean; shift: number; brightness: number }>): FittedState {
  return {
    format: 'fusionlab/fitted',
    version: 1,
    heads: {},
    inputs: {
      a: { kind: 'input.image', columns: ['a'], shape: [2, 2, 1], params: { column: 'a', height: 2, width: 2, channels: 1, resize: 'stretch', normalise: 'unit', flip: false, shift: 0, brightness: 0, ...over } },
    },
  };
}

describe('augmentation', () => {
  it('builds augmenters only for inputs that ask for it, and they change samples', () => {
    expect(Object.keys(buildAugmenters(imageFitted({})))).toEqual([]);
    const aug = buildAugmenters(imageFitted({ brightness: 0.5 })).a;
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    aug(x, createRng(1));
    const d = x[0] - 0.1;
    expect(Math.abs(d)).toBeGreaterThan(0);
    expect(Array.from(x).map((v, i) => +(v - [0.1, 0.2, 0.3, 0.4][i]).toFixed(5))).toEqual([d, d, d, d].map((v) => +v.toFixed(5)));
    const text = buildAugmenters({
      format: 'fusionlab/fitted',
      version: 1,
      heads: {},
      inputs: { t: { kind: 'input.text', columns: ['t'], shape: [6], params: { column: 't', tokenizer: 'word', vocabSize: 50, seqLength: 6, lowercase: true, tokenDropout: 0.5 }, vocab: [] } },
    }).t;
    const ids = Float32Array.from([5, 6, 7, 8, 0, 0]);
    text(ids, createRng(3));
    expect(Array.from(ids.subarray(4))).toEqual([0, 0]); // padding is never dropped
    expect(Array.from(ids.subarray(0, 4)).some((v) => v === 1)).toBe(true); // some tokens became <unk>
  });

  it('changes training inputs only, never validation inputs', async () => {
    const g = graph([['a', 'input.toy', { width: 4, column: 'a' }], ['rec', 'encoder.recorder'], ['enc', 'encoder.toy', { units: 4 }], ['head', 'head.toy', { classes: 3 }]], ['a.out->rec.in', 'rec.out->enc.in', 'enc.out->head.in']);
    const c = compileGraph(g, registry, { tf, seed: 1 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const base = twoInputSet({ train: 32, val: 16, test: 0 });
    const data = { ...base, inputs: [base.inputs[0]], fitted: imageFitted({ brightness: 0.3, flip: true }) };
    const key = (r: number[]) => r.map((v) => v.toFixed(5)).join(',');
    const rowsOf = (s: { inputs: Record<string, Float32Array>; count: number }) => new Set(Array.from({ length: s.count }, (_, i) => key(Array.from(s.inputs.a.subarray(i * 4, (i + 1) * 4)))));
    const trainRows = rowsOf(base.splits.train);
    const valRows = rowsOf(base.splits.val);

    seen.length = 0;
    const t = createTrainer(tf, c, data, { epochs: 1, batchSize: 8 });
    await t.train();
    const train = seen.filter((s) => s.training);
    const val = seen.filter((s) => !s.training);
    expect(train).toHaveLength(4);
    expect(val.length).toBeGreaterThan(0);
    for (const s of train) expect(s.rows.filter((r) => trainRows.has(key(r))).length).toBeLessThan(s.rows.length / 2);
    for (const s of val) for (const r of s.rows) expect(valRows.has(key(r))).toBe(true);
    t.dispose();

    // With augmentation switched off, training sees the data as it is.
    seen.length = 0;
    const t2 = createTrainer(tf, c, data, { epochs: 1, batchSize: 8, augment: false });
    await t2.train();
    for (const s of seen.filter((x) => x.training)) for (const r of s.rows) expect(trainRows.has(key(r))).toBe(true);
    t2.dispose();
  });
});
