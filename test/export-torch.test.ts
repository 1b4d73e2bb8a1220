/**
 * PyTorch export, end to end with Debian's python3-torch: for every template and the fixture
 * graphs (which use every exportable kind) the exported nn.Module has the tfjs model's parameter
 * count and, with the tfjs weights loaded from the .npz, the same outputs within 1e-4 on the same
 * inputs. All models are checked in one Python process.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parityCases, python, ROOT, TMP, TORCH_CHECK_MANY, writeParityCase, type ParityExpected } from './fixtures/export-harness';

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

describe("the exported training script's losses", () => {
  it('keep the gradient of a class below the 1e-7 clip (as the app, which trains from logits) and equal cross-entropy elsewhere', () => {
    const out = python([path.join(ROOT, 'test', 'fixtures', 'python', 'torch_loss_check.py'), path.join(ROOT, 'engine', 'export', 'templates', 'train_torch.py')], TMP);
    const r = JSON.parse(out.trim().split('\n').pop() as string) as {
      saturated: { loss: number; grad: number[] };
      plain: { loss: number; ref_loss: number; grad: number[][]; ref_grad: number[][] };
      multilabel_saturated: { loss: number; grad: number };
    };
    // The value is the app's clipped one (−log 1e-7); the gradient is softmax(z) − y.
    expect(r.saturated.loss).toBeCloseTo(-Math.log(1e-7), 4);
    expect(r.saturated.grad.map((v) => +v.toFixed(5))).toEqual([-1, 0.5, 0.5]);
    expect(r.plain.loss).toBeCloseTo(r.plain.ref_loss, 5);
    r.plain.grad.flat().forEach((v, i) => expect(v).toBeCloseTo(r.plain.ref_grad.flat()[i], 5));
    expect(r.multilabel_saturated.grad).toBeCloseTo(-1, 5);
  });
});
