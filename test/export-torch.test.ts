/**
 * PyTorch export, end to end with Debian's python3-torch: for every template and the fixture
 * graphs (which use every exportable kind) the exported nn.Module has the tfjs model's parameter
 * count and, with the tfjs weights loaded from the .npz, the same outputs within 1e-4 on the same
 * inputs. All models are checked in one Python process.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parityCases, python, TMP, TORCH_CHECK_MANY, writeParityCase, type ParityExpected } from './fixtures/export-harness';

const cases = parityCases();

interface Got {
  dir: string;
  params: number;
  stats: number;
  diffs: number[];
  shapes: number[][];
  error?: string;
}

const expected = new Map<string, ParityExpected>();
const got = new Map<string, Got>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  const dirs: string[] = [];
  for (const [name, graph] of cases) {
    const e = writeParityCase(name, graph, 'pytorch', `torch-${name}`);
    dirs.push(e.dir);
    expected.set(e.dir, e);
  }
  const out = python(['-c', TORCH_CHECK_MANY, ...dirs], TMP, 180_000);
  for (const line of out.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as Got;
    got.set(r.dir, r);
  }
}, 240_000);

describe('PyTorch export matches the compiled tfjs model', () => {
  for (const [name] of cases) {
    it(`${name}: parameter count, output shapes and outputs agree`, () => {
      const dir = [...expected.keys()].find((d) => d.endsWith(`torch-${name}`)) as string;
      const e = expected.get(dir) as ParityExpected;
      const r = got.get(dir);
      expect(r, `no result for ${name}`).toBeDefined();
      expect(r?.error).toBeUndefined();
      // Trainable parameters equal; with BatchNorm's moving statistics (tfjs counts them as weights) the totals equal.
      expect(r?.params).toBe(e.trainable);
      expect((r?.params ?? 0) + (r?.stats ?? 0)).toBe(e.total);
      expect(r?.shapes).toEqual(e.shapes);
      expect(r?.diffs.length).toBe(e.shapes.length);
      for (const d of r?.diffs ?? []) expect(d).toBeLessThan(1e-4);
    });
  }
});
