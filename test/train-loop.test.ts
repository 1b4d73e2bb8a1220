import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { createTrainer } from '../engine/train';
import { graph } from './fixtures/graphs';
import { toyRegistry } from './fixtures/toy-nodes';
import { twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function fusedGraph() {
  return graph(
    [
      ['a', 'input.toy', { width: 4, column: 'a' }],
      ['b', 'input.toy', { width: 4, column: 'b' }],
      ['encA', 'encoder.toy', { units: 8 }],
      ['encB', 'encoder.toy', { units: 8 }],
      ['sum', 'fusion.toysum'],
      ['head', 'head.toy', { classes: 3 }],
    ],
    ['a.out->encA.in', 'b.out->encB.in', 'encA.out->sum.in', 'encB.out->sum.in', 'sum.out->head.in'],
  );
}

function compile(g = fusedGraph(), seed = 7) {
  const c = compileGraph(g, toyRegistry, { tf, seed });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  return c;
}

describe('training loop', () => {
  it('loss falls and accuracy rises', async () => {
    const c = compile();
    const data = twoInputSet({ train: 256, val: 64, test: 64 });
    const t = createTrainer(tf, c, data, { epochs: 8, batchSize: 32, learningRate: 0.01 });
    const r = await t.train();
    expect(r.status).toBe('finished');
    expect(r.history).toHaveLength(8);
    const first = r.history[0];
    const last = r.history[7];
    expect(last.loss).toBeLessThan(first.loss * 0.7);
    expect(last.val?.outputs.head.accuracy).toBeGreaterThan(0.8);
    t.dispose();
    c.model.dispose();
  });
});
