/**
 * engine/compare.ts: training the single-modality variants of a graph on the same data and split
 * as the fused model (plain CPU backend, a tiny two-input tabular graph whose label needs both).
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComparison, evaluationSplit, subsetTrainingSet, type CompareProgress } from '../engine/compare';
import { compileGraph } from '../engine/compile';
import { error } from '../engine/diagnostics';
import { createTrainer } from '../engine/train';
import type { TrainConfig, TrainingSet } from '../engine/train/types';
import { singleModalityVariants } from '../engine/variants';
import { registry } from '../nodes';
import { signsCsv, signsDataset, twoNumbersGraph } from './fixtures/signs';

const graph = twoNumbersGraph;
/** label = sign(a + b): each number alone is right about 75 % of the time, both together always. */
const SUM = { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 };
const csv = () => signsCsv(SUM);
const dataset = () => signsDataset(twoNumbersGraph(), SUM);

const CONFIG: Partial<TrainConfig> = { optimizer: 'adam', learningRate: 0.05, batchSize: 32, epochs: 12, seed: 5 };

describe('createComparison', () => {
  let data: TrainingSet;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = await dataset();
  });

  it('subsets a TrainingSet to some inputs', () => {
    const sub = subsetTrainingSet(data, ['b']);
    expect(sub.inputs.map((i) => i.nodeId)).toEqual(['b']);
    expect(Object.keys(sub.splits.train.inputs)).toEqual(['b']);
    expect(Object.keys(sub.fitted?.inputs ?? {})).toEqual(['b']);
    expect(sub.splits.test.labels).toBe(data.splits.test.labels);
    expect(evaluationSplit(data)).toBe('test');
  });

  it('trains each single-input variant, evaluates it on the fused model\'s split, reports a broken one, leaks nothing', async () => {
    const compiled = compileGraph(graph(), registry, { tf, seed: CONFIG.seed });
    if (!compiled.ok) throw new Error('the test graph does not compile');
    const trainer = createTrainer(tf, compiled, data, CONFIG);
    const fusedRun = await trainer.train();
    expect(fusedRun.status).toBe('finished');
    const io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };

    // The real variants, plus one marked ok whose graph lost its head edge (it cannot compile) and one that does not validate.
    const real = singleModalityVariants(graph(), registry);
    expect(real.map((v) => v.inputId)).toEqual(['a', 'b']);
    const headless = { ...real[0], inputId: 'a-headless', graph: { ...real[0].graph, edges: real[0].graph.edges.filter((e) => e.target !== 'out') } };
    const invalid = { ...real[1], inputId: 'b-invalid', ok: false, diagnostics: [error('missing-input', 'Port "in" of out is not connected.')] };

    const before = tf.memory().numTensors;
    const progress: CompareProgress[] = [];
    const run = createComparison(tf, graph(), registry, data, { config: CONFIG, fused: { model: compiled.model, io }, variants: [...real, headless, invalid], onProgress: (p) => progress.push(p) });
    const report = await run.result;
    expect(tf.memory().numTensors).toBe(before);

    expect(report.split).toBe('test');
    expect(report.count).toBe(data.splits.test.count);
    expect(report.metric).toBe('accuracy');
    expect(report.stopped).toBe(false);
    const byId = Object.fromEntries(report.rows.map((r) => [r.inputId, r]));
    expect(byId.a.status).toBe('ok');
    expect(byId.b.status).toBe('ok');
    expect(byId.a.epochs).toBe(12);
    expect(byId['a-headless'].status).toBe('failed');
    expect(byId['a-headless'].reason).toMatch(/does not compile/);
    expect(byId['a-headless'].diagnostics.length).toBeGreaterThan(0);
    expect(byId['b-invalid'].status).toBe('failed');
    expect(byId['b-invalid'].reason).toMatch(/does not validate.*not connected/);

    // The point of fusion: each number alone is far from the fused model.
    const fused = report.fused?.value ?? 0;
    console.log(`fused ${fused.toFixed(3)}, a alone ${byId.a.value?.toFixed(3)}, b alone ${byId.b.value?.toFixed(3)}`);
    expect(fused).toBeGreaterThan(0.9);
    for (const id of ['a', 'b']) {
      expect(byId[id].value).toBeGreaterThan(0.55);
      expect(byId[id].value).toBeLessThan(0.88);
      expect(byId[id].value ?? 1).toBeLessThan(fused - 0.08);
    }

    // Progress names each variant in turn, with epochs and batches.
    const variantsSeen = [...new Set(progress.map((p) => `${p.variant}/${p.variants}:${p.inputId}`))];
    expect(variantsSeen).toEqual(['1/4:a', '2/4:b']);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ inputId: 'b', epoch: 12, epochs: 12, batch: 9, batches: 9 });

    trainer.dispose();
    compiled.model.dispose();
  });

  it('stops after the current batch and skips the rest, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    let batches = 0;
    const run = createComparison(tf, graph(), registry, data, {
      config: CONFIG,
      onProgress: (p) => {
        if (p.batch > 0 && ++batches === 3) run.stop();
      },
    });
    const report = await run.result;
    expect(report.stopped).toBe(true);
    expect(report.rows.map((r) => r.status)).toEqual(['stopped', 'skipped']);
    expect(report.rows[0].epochs).toBe(0);
    expect(report.fused).toBeUndefined();
    expect(batches).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fusionlab train --compare', () => {
  it('reports each input alone beside the fused model in --json and on stderr', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-compare-'));
    try {
      writeFileSync(path.join(dir, 'samples.csv'), csv());
      writeFileSync(path.join(dir, 'graph.json'), JSON.stringify(graph()));
      const bin = path.resolve(import.meta.dirname, '../bin/fusionlab.mjs');
      const r = spawnSync(process.execPath, [bin, 'train', path.join(dir, 'graph.json'), '--data', dir, '--epochs', '12', '--lr', '0.05', '--seed', '5', '--compare', '--json'], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const out = JSON.parse(r.stdout) as { testAccuracy: number; compare: { split: string; fused: { value: number }; rows: { inputId: string; status: string; value: number; epochs: number }[] } };
      expect(out.compare.split).toBe('test');
      expect(out.compare.fused.value).toBeCloseTo(out.testAccuracy, 6);
      expect(out.compare.rows.map((x) => [x.inputId, x.status, x.epochs])).toEqual([
        ['a', 'ok', 12],
        ['b', 'ok', 12],
      ]);
      for (const x of out.compare.rows) expect(x.value).toBeLessThan(out.compare.fused.value - 0.08);
      expect(r.stderr).toMatch(/a alone: \d+\.\d\d%/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
