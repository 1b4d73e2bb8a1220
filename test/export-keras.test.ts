/**
 * Keras 3 export, run: TensorFlow and Keras cannot be installed here, so every template and fixture
 * graph (which use every exportable kind) is run against a stand-in Keras 3 that follows its module
 * layout and API and computes with numpy (test/fixtures/python/keras3). Checked for each: the
 * exported model builds, has the tfjs model's parameter counts, loads the tfjs weights from the
 * .npz (every array used), gives the same outputs within 1e-4, every custom layer's config round
 * trips through get_config/from_config, and the model saves to `.keras`.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { customLayers } from '../nodes/shared';
import { KERAS_CHECK_MANY, parityCases, python, TMP, writeParityCase, type ParityExpected } from './fixtures/export-harness';


const cases = parityCases();

interface Got {
  dir: string;
  params: number;
  total: number;
  diffs: number[];
  shapes: number[][];
  unused_weights: string[];
  used_weights: number;
  configs: { class: string; round_trip: boolean }[];
  warnings: string[];
  error?: string;
  trace?: string;
}

const expected = new Map<string, ParityExpected>();
const got = new Map<string, Got>();
const dirOf = (name: string): string => path.join(TMP, `keras3-${name}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
  const dirs: string[] = [];
  for (const [name, graph] of cases) {
    const e = writeParityCase(name, graph, 'keras', `keras3-${name}`);
    dirs.push(e.dir);
    expected.set(e.dir, e);
  }
  const out = python([KERAS_CHECK_MANY, ...dirs], TMP, 240_000);
  for (const line of out.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as Got;
    got.set(r.dir, r);
  }
}, 300_000);

describe('Keras 3 export matches the compiled tfjs model (stand-in Keras 3 on numpy)', () => {
  for (const [name] of cases) {
    it(`${name}: builds, parameter counts, weights from the .npz, outputs, configs and .keras saving agree`, () => {
      const dir = dirOf(name);
      const e = expected.get(dir) as ParityExpected;
      const r = got.get(dir);
      expect(r, `no result for ${name}`).toBeDefined();
      expect(r?.error, r?.trace).toBeUndefined();
      expect(r?.params).toBe(e.trainable);
      expect(r?.total).toBe(e.total);
      expect(r?.unused_weights).toEqual([]);
      expect(r?.used_weights).toBe(e.arrays);
      expect(r?.shapes).toEqual(e.shapes);
      expect(r?.diffs.length).toBe(e.shapes.length);
      for (const d of r?.diffs ?? []) expect(d).toBeLessThan(1e-4);
      // Each custom layer of the tfjs model is a registered Keras class whose config round-trips.
      expect(r?.configs.map((c) => c.class).sort()).toEqual([...e.classes].sort());
      for (const c of r?.configs ?? []) expect(c.round_trip, c.class).toBe(true);
      expect(r?.warnings).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'model.keras'))).toBe(true);
    });
  }

  it('covers every custom layer', () => {
    const seen = new Set([...got.values()].flatMap((r) => r.configs.map((c) => c.class)));
    for (const layer of customLayers()) expect(seen.has(layer.className), layer.className).toBe(true);
  });
});
