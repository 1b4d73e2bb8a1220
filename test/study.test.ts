/**
 * engine/study.ts: fused, single-input and sweep rows over seeds (plain CPU backend, the tiny
 * two-number set whose label needs both numbers). Each row carries a mean inside its interval;
 * the fused row beats each single row clearly; Stop keeps the finished seeds.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStudy, studyRows } from '../engine/study';
import type { TrainConfig, TrainingSet } from '../engine/train/types';
import { registry } from '../nodes';
import { signsDataset, twoNumbersGraph } from './fixtures/signs';

const SUM = { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 };
const CONFIG: Partial<TrainConfig> = { optimizer: 'adam', learningRate: 0.05, batchSize: 32, epochs: 12, seed: 5 };

describe('createStudy', () => {
  let data: TrainingSet;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = await signsDataset(twoNumbersGraph(), SUM);
  });

  it('plans fused, each input alone, then every sweep variant but the current operator', () => {
    const plain = studyRows(twoNumbersGraph(), registry, false);
    expect(plain.map((r) => [r.name, r.kind])).toEqual([['fused', 'fused'], ['a alone', 'single'], ['b alone', 'single']]);
    const swept = studyRows(twoNumbersGraph(), registry, true);
    const ops = swept.filter((r) => r.kind === 'fusion-op');
    expect(ops.map((r) => r.name)).not.toContain('fusion.concat');
    expect(ops.filter((r) => r.ok).length).toBeGreaterThanOrEqual(6);
    expect(swept.filter((r) => r.kind === 'late').map((r) => r.name)).toEqual(['late.average', 'late.vote', 'late.stack']);
  });

  it('trains every row over three seeds: mean inside a 95 % interval, fused clearly above each input alone, nothing leaked', async () => {
    const before = tf.memory().numTensors;
    const study = createStudy(tf, twoNumbersGraph(), registry, data, { seeds: 3, config: CONFIG });
    const rep = await study.result;
    expect(rep.metric).toBe('accuracy');
    expect(rep.seeds).toBe(3);
    expect(rep.rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    for (const r of rep.rows) {
      expect(r.seeds).toBe(3);
      expect(r.values).toHaveLength(3);
      expect(r.ci95![0]).toBeLessThanOrEqual(r.mean!);
      expect(r.ci95![1]).toBeGreaterThanOrEqual(r.mean!);
      expect(r.params).toBeGreaterThan(0);
      expect(r.seconds).toBeGreaterThan(0);
    }
    const [fused, a, b] = rep.rows;
    expect(fused.mean!).toBeGreaterThan(a.mean!);
    expect(fused.mean!).toBeGreaterThan(b.mean!);
    expect(rep.takeaway).toMatch(/^Fusion helps/);
    // Seeds differ: the three runs of one row are not one run three times.
    expect(new Set(fused.values.map((v) => v.toFixed(6))).size + new Set(a.values.map((v) => v.toFixed(6))).size).toBeGreaterThan(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Stop ends the study after the current batch; finished seeds stay, later rows are skipped', async () => {
    let stopped = false;
    const study = createStudy(tf, twoNumbersGraph(), registry, data, {
      seeds: 2,
      config: CONFIG,
      onProgress: (p) => {
        if (!stopped && p.row === 1 && p.seed === 2 && p.batch >= 1) {
          stopped = true;
          study.stop();
        }
      },
    });
    const rep = await study.result;
    expect(rep.stopped).toBe(true);
    expect(rep.rows[0].status).toBe('stopped');
    expect(rep.rows[0].seeds).toBe(1);
    expect(rep.rows[0].mean).toBe(rep.rows[0].values[0]);
    expect(rep.rows.slice(1).map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(rep.takeaway).toMatch(/Not enough finished rows/);
  });
});
