/**
 * PyTorch export, end to end with Debian's python3-torch: for every template and the fixture
 * graphs (which use every exportable kind) the exported nn.Module has the tfjs model's parameter
 * count and, with the tfjs weights loaded from the .npz, the same outputs within 1e-4 on the same
 * inputs. All models are checked in one Python process.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import type { GraphDoc } from '../engine/graph';
import { exportProgram } from '../engine/export';
import { weightsNpz } from '../engine/export/weights';
import { registry } from '../nodes';
import { kindsGraph, sequenceGraph } from './fixtures/export-graphs';
import { kindGraphs } from './fixtures/kind-graphs';
import { loadTemplate, npzOf, python, randomInputs, randomiseWeights, templateNames, TMP, TORCH_CHECK_MANY, writeFiles } from './fixtures/export-harness';

// The templates, the hand-made graphs (variants that change the exported code), and one graph per
// registry kind (test/fixtures/kind-graphs.ts; export-code.test.ts checks none is missing).
const cases: [string, GraphDoc][] = [
  ...templateNames().map((n): [string, GraphDoc] => [n, loadTemplate(n)]),
  ['every-kind', kindsGraph],
  ['sequences-video', sequenceGraph],
  ...kindGraphs(registry).filter((c): c is [string, GraphDoc] => c[1] !== null),
];

interface Expected {
  trainable: number;
  total: number;
  shapes: number[][];
}
interface Got {
  dir: string;
  params: number;
  stats: number;
  diffs: number[];
  shapes: number[][];
  error?: string;
}

const expected = new Map<string, Expected>();
const got = new Map<string, Got>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  const dirs: string[] = [];
  for (const [name, graph] of cases) {
    const compiled = compileGraph(graph, registry, { tf });
    if (!compiled.ok) throw new Error(`${name} does not compile: ${JSON.stringify(compiled.diagnostics)}`);
    const exp = exportProgram(graph, registry, 'pytorch');
    if (!exp.ok) throw new Error(`${name} does not export: ${JSON.stringify(exp.diagnostics)}`);
    const { model, summary } = compiled;
    randomiseWeights(model);
    const xs = randomInputs(model, exp.inputs.map((i) => i.kind), 3);
    const ys = model.predict(xs) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(ys) ? ys : [ys];
    const dir = writeFiles(`torch-${name}`, {
      ...exp.files,
      'weights.npz': weightsNpz(tf, model, 'pytorch', exp.weights),
      'inputs.npz': npzOf(Object.fromEntries(exp.inputs.map((i, k) => [i.ident, xs[k]]))),
      'expected.npz': npzOf(Object.fromEntries(outs.map((o, k) => [`out${k}`, o]))),
    });
    dirs.push(dir);
    expected.set(dir, { trainable: summary.trainableParams, total: summary.totalParams, shapes: summary.outputs.map((o) => o.shape) });
    tf.dispose([...xs, ...outs]);
    model.dispose();
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
      const e = expected.get(dir) as Expected;
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
