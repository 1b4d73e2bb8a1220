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
import { compileGraph } from '../engine/compile';
import type { GraphDoc } from '../engine/graph';
import { exportProgram } from '../engine/export';
import { weightsNpz } from '../engine/export/weights';
import { registry } from '../nodes';
import { customLayers } from '../nodes/shared';
import { kindsGraph, sequenceGraph } from './fixtures/export-graphs';
import { kindGraphs } from './fixtures/kind-graphs';
import { loadTemplate, npzOf, python, randomInputs, randomiseWeights, templateNames, TMP, writeFiles } from './fixtures/export-harness';

const CHECK = path.join(__dirname, 'fixtures', 'python', 'keras_check_many.py');

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
  arrays: number;
  classes: string[];
}
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

const expected = new Map<string, Expected>();
const got = new Map<string, Got>();
const dirOf = (name: string): string => path.join(TMP, `keras3-${name}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
  const dirs: string[] = [];
  for (const [name, graph] of cases) {
    const compiled = compileGraph(graph, registry, { tf });
    if (!compiled.ok) throw new Error(`${name} does not compile: ${JSON.stringify(compiled.diagnostics)}`);
    const exp = exportProgram(graph, registry, 'keras');
    if (!exp.ok) throw new Error(`${name} does not export: ${JSON.stringify(exp.diagnostics)}`);
    const { model, summary } = compiled;
    randomiseWeights(model);
    const xs = randomInputs(model, exp.inputs.map((i) => i.kind), 3);
    const ys = model.predict(xs) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(ys) ? ys : [ys];
    const dir = writeFiles(`keras3-${name}`, {
      ...exp.files,
      'weights.npz': weightsNpz(tf, model, 'keras', exp.weights),
      'inputs.npz': npzOf(Object.fromEntries(exp.inputs.map((i, k) => [i.ident, xs[k]]))),
      'expected.npz': npzOf(Object.fromEntries(outs.map((o, k) => [`out${k}`, o]))),
    });
    dirs.push(dir);
    const classes = model.layers.map((l) => l.getClassName()).filter((c) => c.startsWith('FusionLab>'));
    expected.set(dir, { trainable: summary.trainableParams, total: summary.totalParams, shapes: summary.outputs.map((o) => o.shape), arrays: model.layers.reduce((a, l) => a + l.weights.length, 0), classes });
    tf.dispose([...xs, ...outs]);
    model.dispose();
  }
  const out = python([CHECK, ...dirs], TMP, 240_000);
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
      const e = expected.get(dir) as Expected;
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
      expect(r?.configs.map((c) => c.class).sort()).toEqual(e.classes.map((c) => c.replace('FusionLab>', 'FusionLab>')).sort());
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
