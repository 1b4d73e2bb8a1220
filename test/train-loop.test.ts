import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { createRegistry, defineNode } from '../engine/spec';
import { createTrainer, findFrozenFrontier, planExecution, runPlan } from '../engine/train';
import { graph } from './fixtures/graphs';
import { toyEncoder, toyHead, toyInput, toyLate, toyRegistry, toySum } from './fixtures/toy-nodes';
import { toyFusedGraph, twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fusedGraph = toyFusedGraph;

function compile(g = fusedGraph(), seed = 7, registry = toyRegistry) {
  const c = compileGraph(g, registry, { tf, seed });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  return c;
}

function weightValues(m: tf.LayersModel): Float32Array[] {
  return m.weights.map((w) => w.read().dataSync() as Float32Array).map((a) => Float32Array.from(a));
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i][j])))));
  return d;
}

describe('training loop', () => {
  it('loss falls and accuracy rises, with every optimizer', async () => {
    const data = twoInputSet({ train: 256, val: 64, test: 64 });
    for (const [optimizer, learningRate] of [['adam', 0.01], ['sgd', 0.05], ['rmsprop', 0.005]] as const) {
      const c = compile();
      const t = createTrainer(tf, c, data, { epochs: 8, batchSize: 32, learningRate, optimizer });
      const r = await t.train();
      expect(r.status).toBe('finished');
      expect(r.history).toHaveLength(8);
      expect(r.history[7].loss, optimizer).toBeLessThan(r.history[0].loss * 0.7);
      expect(r.history[7].val?.outputs.head.accuracy, optimizer).toBeGreaterThan(0.75);
      t.dispose();
      c.model.dispose();
    }
  });

  it('reports batch metrics with speed and time left, reading the backend every N batches', async () => {
    const c = compile();
    const data = twoInputSet({ train: 128, val: 32, test: 0 });
    const t = createTrainer(tf, c, data, { epochs: 2, batchSize: 16, metricsEvery: 3 });
    const seen: { epoch: number; batch: number; sps: number; left: number; acc?: number }[] = [];
    const epochs: number[] = [];
    await t.train({ onBatchEnd: (m) => seen.push({ epoch: m.epoch, batch: m.batch, sps: m.samplesPerSecond, left: m.secondsLeft, acc: m.outputs.head.accuracy }), onEpochEnd: (m) => void epochs.push(m.epoch) });
    expect(seen).toHaveLength(16);
    expect(seen.map((s) => s.batch).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.every((s) => s.sps > 0 && s.left >= 0 && s.acc !== undefined && s.acc >= 0 && s.acc <= 1)).toBe(true);
    expect(seen[15].left).toBe(0);
    expect(epochs).toEqual([1, 2]);
    t.dispose();
    c.model.dispose();
  });

  it('stops at any batch and resumes to the same weights as an uninterrupted run', async () => {
    const data = twoInputSet({ train: 96, val: 32, test: 0 });
    const cfg = { epochs: 3, batchSize: 16, learningRate: 0.01 };
    const c1 = compile();
    // The toy head has an unseeded initializer: copy the start weights rather than recompile.
    const initial = c1.model.weights.map((w) => tf.clone(w.read()));
    const initialValues = weightValues(c1.model);
    const t1 = createTrainer(tf, c1, data, cfg);
    await t1.train();
    const straight = weightValues(c1.model);

    const c2 = compile();
    c2.model.setWeights(initial);
    const t2 = createTrainer(tf, c2, data, cfg);
    let batches = 0;
    const r1 = await t2.train({
      onBatchEnd: () => {
        if (++batches === 8) t2.stop(); // mid-way through epoch 2
      },
    });
    expect(r1.status).toBe('stopped');
    expect(r1.epochsDone).toBe(1);
    const r2 = await t2.train({ onBatchEnd: () => batches++ });
    expect(r2.status).toBe('finished');
    expect(batches).toBe(18); // 3 epochs × 6 batches, none repeated or skipped
    expect(maxDiff(weightValues(c2.model), straight)).toBeLessThan(1e-6);

    // Reset weights puts back the initial weights.
    t2.resetWeights();
    expect(maxDiff(weightValues(c2.model), initialValues)).toBe(0);
    tf.dispose(initial);
    expect(t2.history).toHaveLength(0);
    // Stop pressed at the end of an epoch stops before the next one starts.
    let ends = 0;
    const r3 = await t2.train({ onEpochEnd: () => (++ends === 1 ? t2.stop() : undefined), onBatchEnd: () => batches++ });
    expect(r3).toMatchObject({ status: 'stopped', epochsDone: 1 });
    expect(batches).toBe(18 + 6);
    t1.dispose();
    t2.dispose();
  });

  it('early stopping restores the best weights', async () => {
    // Validation labels disagree with the rule the train split follows: val loss rises as training fits.
    const data = twoInputSet({ train: 256, val: 64, test: 0 }, 3, { valShuffle: true });
    const c = compile();
    const t = createTrainer(tf, c, data, { epochs: 30, batchSize: 32, learningRate: 0.02, patience: 2 });
    const r = await t.train();
    expect(r.status).toBe('early-stopped');
    expect(r.history.length).toBeLessThan(30);
    const best = r.bestEpoch as number;
    expect(best).toBeGreaterThan(0);
    const vals = r.history.map((h) => h.val?.loss as number);
    expect(vals[best - 1]).toBe(Math.min(...vals));
    expect(r.history.length).toBe(best + 2);
    // The model now holds the best epoch's weights: its val loss is that epoch's.
    const { evaluateModel } = await import('../engine/evaluate');
    const rep = evaluateModel(tf, c.model, { inputs: c.summary.inputs, outputs: c.summary.outputs }, data, data.splits.val);
    expect(rep.outputs.head.loss).toBeCloseTo(vals[best - 1], 4);
    // Resume after early stopping trains no further.
    const more = await t.train();
    expect(more.status).toBe('early-stopped');
    expect(more.history).toHaveLength(r.history.length);
    t.dispose();
  });

  it('stops on a NaN loss with an explanation and a suggestion', async () => {
    const data = twoInputSet({ train: 128, val: 32, test: 0 });
    const c = compile();
    const t = createTrainer(tf, c, data, { epochs: 5, batchSize: 32, learningRate: 1e30, optimizer: 'sgd', momentum: 0.9 });
    const r = await t.train();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('nan-loss');
    expect(r.error?.message).toMatch(/learning rate/);
    expect(r.error?.suggestion).toMatch(/Lower the learning rate/);
    t.dispose();
  });

  it('trains every branch head of a late-fusion graph', async () => {
    const g = graph(
      [
        ['a', 'input.toy', { width: 4, column: 'a' }],
        ['b', 'input.toy', { width: 4, column: 'b' }],
        ['encA', 'encoder.toy', { units: 8 }],
        ['encB', 'encoder.toy', { units: 8 }],
        ['headA', 'head.toy', { classes: 3 }],
        ['headB', 'head.toy', { classes: 3 }],
        ['late', 'late.toy'],
      ],
      ['a.out->encA.in', 'b.out->encB.in', 'encA.out->headA.in', 'encB.out->headB.in', 'headA.out->late.in', 'headB.out->late.in'],
    );
    const c = compile(g);
    const before = weightValues(c.model);
    const names = c.model.weights.map((w) => w.name);
    const data = twoInputSet({ train: 256, val: 64, test: 0 }, 1, { labelHeads: ['headA', 'headB'] });
    const t = createTrainer(tf, c, data, { epochs: 6, batchSize: 32, learningRate: 0.01 });
    expect(t.outputs.map((o) => [o.nodeId, o.weight])).toEqual([
      ['headA', 1],
      ['headB', 1],
      ['late', 0],
    ]);
    const r = await t.train();
    const first = r.history[0].outputs;
    const last = r.history[r.history.length - 1].outputs;
    for (const h of ['headA', 'headB']) expect(last[h].loss, h).toBeLessThan(first[h].loss);
    expect(last.late.accuracy).toBeGreaterThan(0.5);
    const after = weightValues(c.model);
    for (const prefix of ['encA', 'encB', 'headA', 'headB']) {
      const i = names.findIndex((n) => n.startsWith(prefix));
      expect(maxDiff([after[i]], [before[i]]), prefix).toBeGreaterThan(1e-4);
    }
    t.dispose();
  });

  it('keeps frozen weights fixed and trains from cached features exactly like the full model', async () => {
    const g = fusedGraph();
    g.nodes.find((n) => n.id === 'encA')!.frozen = true;
    const data = twoInputSet({ train: 128, val: 32, test: 0 });
    const cfg = { epochs: 3, batchSize: 16, learningRate: 0.01 };
    const c1 = compile(g);
    const names = c1.model.weights.map((w) => w.name);
    const before = weightValues(c1.model);
    const initial = c1.model.weights.map((w) => tf.clone(w.read()));
    const t1 = createTrainer(tf, c1, data, { ...cfg, cacheFrozen: true });
    await t1.train();
    expect(t1.cachedFeatures).toBe(1);
    const after = weightValues(c1.model);
    names.forEach((n, i) => {
      if (n.startsWith('encA')) expect(maxDiff([after[i]], [before[i]]), n).toBe(0);
      else expect(maxDiff([after[i]], [before[i]]), n).toBeGreaterThan(1e-5);
    });
    const c2 = compile(g);
    c2.model.setWeights(initial);
    tf.dispose(initial);
    const t2 = createTrainer(tf, c2, data, { ...cfg, cacheFrozen: false });
    await t2.train();
    expect(t2.cachedFeatures).toBe(0);
    expect(maxDiff(weightValues(c2.model), after)).toBeLessThan(1e-5);

    // The frontier split runs the same as the whole model.
    const fr = findFrozenFrontier(c1.model);
    expect(fr.cached.map((t) => t.name.split('/')[0])).toEqual(['encA__dense']);
    const xs = [tf.randomNormal([5, 4]), tf.randomNormal([5, 4])];
    const full = tf.tidy(() => runPlan(planExecution(c1.model.outputs, [...c1.model.inputs]), xs, { training: false })[0]);
    const feats = tf.tidy(() => runPlan(planExecution(fr.cached, [...c1.model.inputs]), xs, { training: false })[0]);
    const feeds = fr.feeds.map((t) => (t.id === fr.cached[0].id ? feats : xs[c1.model.inputs.findIndex((i) => i.id === t.id)]));
    const split = tf.tidy(() => runPlan(planExecution(c1.model.outputs, fr.feeds), feeds, { training: false })[0]);
    expect(maxDiff([full.dataSync() as Float32Array], [split.dataSync() as Float32Array])).toBeLessThan(1e-6);
    tf.dispose([...xs, full, feats, split]);
    t1.dispose();
    t2.dispose();
  });

  it('trains a regression head on standardised targets and reports MAE in label units', async () => {
    const regress = defineNode({
      kind: 'head.toyregress',
      category: 'head',
      label: 'Toy regress',
      summary: 'linear',
      doc: 'toy',
      params: z.object({ column: z.string().default('y').describe('label column') }),
      ports: () => ({ inputs: [{ id: 'in', label: 'In', accepts: ['features'] }], outputs: [{ id: 'out', label: 'Out', accepts: ['prediction'] }] }),
      infer: () => ({ ok: true, outputs: { out: { kind: 'prediction', shape: [1] } } }),
      build: (ctx, i) => ({ out: ctx.tf.layers.dense({ units: 1, name: ctx.name('dense') }).apply(i.in[0]) as (typeof i.in)[0] }),
      head: { labelColumn: (p) => p.column, loss: () => 'meanSquaredError' },
    });
    const reg = createRegistry([toyInput, toyEncoder, toySum, toyHead, toyLate, regress]);
    const g = graph([['a', 'input.toy', { width: 4, column: 'a' }], ['enc', 'encoder.toy', { units: 8 }], ['y', 'head.toyregress']], ['a.out->enc.in', 'enc.out->y.in']);
    const c = compile(g, 1, reg);
    const base = twoInputSet({ train: 256, val: 64, test: 0 });
    // y = 1000 + 100·(a₀ − 2a₁): raw scale far from 0/1, so standardisation matters.
    const withY = (s: typeof base.splits.train) => ({ ...s, labels: { y: Float32Array.from({ length: s.count }, (_, i) => 1000 + 100 * (s.inputs.a[i * 4] - 2 * s.inputs.a[i * 4 + 1])) } });
    const data = {
      inputs: [base.inputs[0]],
      heads: [{ nodeId: 'y', task: 'regress' as const, column: 'y', classes: [], shape: [1] }],
      splits: { train: withY(base.splits.train), val: withY(base.splits.val), test: withY(base.splits.test) },
      fitted: { format: 'fusionlab/fitted' as const, version: 1 as const, inputs: {}, heads: { y: { task: 'regress' as const, column: 'y', mean: 1000, std: 224 } } },
    };
    const t = createTrainer(tf, c, data, { epochs: 15, batchSize: 32, learningRate: 0.01 });
    const r = await t.train();
    const last = r.history[r.history.length - 1];
    expect(last.val?.outputs.y.mae).toBeLessThan(40);
    expect(last.val?.outputs.y.accuracy).toBeUndefined();
    t.dispose();
  });

  it('returns tfjs memory to its baseline after training and dispose', async () => {
    const c = compile();
    const data = twoInputSet({ train: 64, val: 16, test: 0 });
    const base = tf.memory().numTensors;
    const g = fusedGraph();
    g.nodes.find((n) => n.id === 'encA')!.frozen = true;
    const t = createTrainer(tf, c, data, { epochs: 2, batchSize: 16, patience: 1 });
    await t.train();
    t.resetWeights();
    await t.train();
    t.dispose();
    expect(tf.memory().numTensors).toBe(base);
    const c2 = compile(g);
    const base2 = tf.memory().numTensors;
    const t2 = createTrainer(tf, c2, data, { epochs: 2, batchSize: 16 });
    await t2.train();
    expect(t2.cachedFeatures).toBe(1);
    t2.dispose();
    expect(tf.memory().numTensors).toBe(base2);
  });
});
