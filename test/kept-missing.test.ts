/**
 * Kept-missing rows (an input node's `missing: 'keep'`, engine/data/missing.ts) on a generated
 * set where 30 % of the images are missing: the rows are kept with the image filled by the train
 * mean of the rows that have one and a presence channel the model sees; the model trains (with
 * modality dropout too) and predicts, an empty cell at prediction time gets the same fill, and a
 * bundle keeps it all. With `skip` the same rows are refused as before.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerAdapter } from '../components/train/workerAdapter';
import { readBundle } from '../engine/bundle';
import { featuriseSample, loadDataset, type LoadedDataset } from '../engine/data/loader';
import { memorySource } from '../engine/data/source';
import { evaluateModel } from '../engine/evaluate';
import { predictSample } from '../engine/predict';
import { prepareRun } from '../engine/run';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';
import { keptMissingFiles, keptMissingGraph } from './fixtures/kept-missing';

const files = keptMissingFiles(200);
const source = () => memorySource('kept-missing', Object.fromEntries(files));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('kept-missing rows', () => {
  let ds: LoadedDataset;
  beforeAll(async () => {
    ds = await loadDataset(source(), { graph: keptMissingGraph(), registry, adapter: createWorkerAdapter() });
  });

  it('keeps the rows without an image, filled with the train mean and marked by the presence channel', () => {
    expect(ds.ok).toBe(true);
    expect(ds.summary.loaded).toBe(200);
    expect(ds.inputs.find((i) => i.nodeId === 'img')?.shape).toEqual([8, 8, 2]);
    const note = ds.problems.find((p) => p.code === 'kept-missing');
    expect(note?.severity).toBe('warning');
    expect(note?.message).toMatch(/Input "img": 60 row\(s\) have no value in "image"; they are kept with this input missing/);
    const train = ds.splits.train;
    const x = train.inputs.img;
    let present = 0;
    const mean = new Float64Array(64);
    for (let n = 0; n < train.count; n++) {
      const s = x.subarray(n * 128, (n + 1) * 128);
      const flags = new Set(Array.from({ length: 64 }, (_, j) => s[2 * j + 1]));
      expect(flags.size).toBe(1); // one indicator for the whole sample
      if (s[1] === 1) {
        present++;
        for (let j = 0; j < 64; j++) mean[j] += s[2 * j];
      }
    }
    expect(present).toBe(train.ids.filter((id) => Number(id.slice(1)) % 10 >= 3).length);
    const fill = ds.fitted.inputs.img.missing;
    if (!fill || !('values' in fill)) throw new Error('no fill kept');
    for (let j = 0; j < 64; j++) {
      expect(fill.values[2 * j]).toBeCloseTo(mean[j] / present, 5);
      expect(fill.values[2 * j + 1]).toBe(0);
    }
    // A missing row of any split holds exactly the fill.
    const missingRow = ds.splits.test.ids.findIndex((id) => Number(id.slice(1)) % 10 < 3);
    expect(Array.from(ds.splits.test.inputs.img.subarray(missingRow * 128, (missingRow + 1) * 128))).toEqual(fill.values.map(Math.fround));
  });

  it('a table input: a row with every cell empty is kept (presence 0), one with a cell empty is still refused', async () => {
    const csv = ['x,y,label', '1,2,a', '3,4,b', ',,a', '5,,b', '7,8,a', '2,1,b'].join('\n');
    const g = graph(
      [
        ['num', 'input.tabular', { columns: ['x', 'y'], missing: 'keep' }],
        ['out', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['num.out->out.in'],
    );
    const t = await loadDataset(memorySource('table', { 'samples.csv': new TextEncoder().encode(csv) }), { graph: g, registry, adapter: createWorkerAdapter(), split: { valFraction: 0, testFraction: 0 } });
    expect(t.summary.loaded).toBe(5);
    expect(t.problems.filter((p) => p.severity === 'error').map((p) => p.row)).toEqual([4]);
    expect(t.inputs[0].shape).toEqual([3]);
    const x = t.splits.train.inputs.num;
    const row = t.splits.train.rows.indexOf(3);
    expect(row).toBeGreaterThanOrEqual(0);
    // The standardised mean of the rows that have it (0), presence 0.
    const kept = Array.from(x.subarray(row * 3, row * 3 + 3));
    expect(kept[0]).toBeCloseTo(0, 6);
    expect(kept[1]).toBeCloseTo(0, 6);
    expect(kept[2]).toBe(0);
    for (let n = 0; n < t.splits.train.count; n++) if (n !== row) expect(x[n * 3 + 2]).toBe(1);
  });

  it('with skip, the same rows are refused as before', async () => {
    const skipped = await loadDataset(source(), { graph: keptMissingGraph('skip'), registry, adapter: createWorkerAdapter() });
    expect(skipped.summary.loaded).toBe(140);
    expect(skipped.problems.filter((p) => p.code === 'empty-value')).toHaveLength(60);
    expect(skipped.inputs.find((i) => i.nodeId === 'img')?.shape).toEqual([8, 8, 1]);
  });

  it('trains (also with modality dropout) and predicts, an empty cell as in training, through a bundle too', async () => {
    for (const modalityDropout of [0, 0.3]) {
      const prepared = prepareRun(tf, keptMissingGraph(), registry, ds, { optimizer: 'adam', learningRate: 0.02, batchSize: 16, epochs: 12, seed: 3, modalityDropout });
      if (!prepared.ok) throw new Error(prepared.diagnostics.map((d) => d.message).join(' '));
      const run = prepared.run;
      const report = await run.train();
      expect(report.status).toBe('finished');
      const test = ds.splits.test;
      const acc = evaluateModel(tf, run.model, run.io, ds, test, { worst: 0 }).outputs.out.accuracy ?? 0;
      // The image decides the label; the number only hints (about 80 % alone).
      expect(acc, `test accuracy with modality dropout ${modalityDropout}`).toBeGreaterThan(0.85);

      // Predict a sample with no image: the same values as the loader's missing row.
      const one = await featuriseSample(ds.fitted, { image: '', x: '0.4' }, source(), createWorkerAdapter());
      if (!one.ok) throw new Error(one.problems.map((p) => p.message).join(' '));
      const fill = ds.fitted.inputs.img.missing;
      expect(fill && 'values' in fill && Array.from(one.inputs.img)).toEqual(fill && 'values' in fill && fill.values.map(Math.fround));
      const pred = predictSample(tf, run.model, run.io, ds.fitted, one.inputs, { graph: keptMissingGraph() });
      expect(pred.report.outputs[0].probabilities?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      // With an image: the presence channel is 1.
      const withImage = await featuriseSample(ds.fitted, { image: 'images/5.png', x: '0.4' }, source(), createWorkerAdapter());
      if (!withImage.ok) throw new Error('no sample');
      expect(withImage.inputs.img[1]).toBe(1);
      expect(pred.attribution?.contributions.inputs.map((i) => i.nodeId)).toEqual(['img', 'num']);

      // The bundle keeps the fill and the presence channel.
      const bytes = await run.bundle();
      const back = await readBundle(tf, bytes as Uint8Array);
      if (!back.ok) throw new Error(back.message);
      expect(back.bundle.fitted.inputs.img.missing).toEqual(ds.fitted.inputs.img.missing);
      expect(back.bundle.meta.io.inputs.find((i) => i.nodeId === 'img')?.shape).toEqual([8, 8, 2]);
      const again = predictSample(tf, back.bundle.model, back.bundle.meta.io, back.bundle.fitted, one.inputs);
      expect(again.report.outputs[0].probabilities?.[0]).toBeCloseTo(pred.report.outputs[0].probabilities?.[0] ?? -1, 5);
      back.bundle.model.dispose();
      run.dispose();
    }
  }, 120_000);
});
