/**
 * The project file (`.fusionlab`): what is written reads back the same (project, typed results,
 * the model's bundle files, the dataset as a zip, as files or as the demo's settings), and a
 * hostile file is refused or trimmed with a message, never a throw.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import { demoDatasetZip } from '../engine/data/demo';
import type { FittedState } from '../engine/data/loader';
import { predictArrays } from '../engine/evaluate';
import type { GraphDoc } from '../engine/graph';
import { newProject, parseProject, PROJECT_FORMAT, PROJECT_LIMITS, PROJECT_VERSION, type ProjectDoc } from '../engine/project/project';
import {
  BUNDLE_FILES,
  isProjectFile,
  NO_MODEL_MESSAGE,
  projectDatasetSource,
  readModelFile,
  readProjectFile,
  writeProjectFile,
  type ReadProjectFileResult,
} from '../engine/project/project-file';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { graph } from './fixtures/graphs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function signs(name = 'Signs'): GraphDoc {
  return graph(
    [
      ['tab', 'input.tabular', { columns: ['a', 'b'] }],
      ['mlp', 'encoder.tabular-mlp', { units: 4, layers: 1 }],
      ['out', 'head.classify', { column: 'label', classes: 2 }],
    ],
    ['tab.out->mlp.in', 'mlp.out->out.in'],
    name,
  );
}

const fitted: FittedState = {
  format: 'fusionlab/fitted',
  version: 1,
  inputs: {},
  heads: { out: { task: 'classify', column: 'label', classes: ['neg', 'pos'] } },
};

/** A real bundle of the signs graph (untrained weights, seeded). */
async function signsBundle(g: GraphDoc): Promise<{ zip: Uint8Array; before: Float32Array; inputs: Record<string, Float32Array> }> {
  const c = compileGraph(g, registry, { tf, seed: 3 });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
  const inputs = { tab: Float32Array.from([0.5, -0.25, -1, 0.75]) };
  const before = predictArrays(tf, c.model, io, inputs, 2)[0];
  const zip = await writeBundle(tf, { model: c.model, graph: g, fitted, io, training: { epochs: 1 } });
  c.model.dispose();
  return { zip, before, inputs };
}

function ok(r: ReadProjectFileResult): Extract<ReadProjectFileResult, { ok: true }> {
  if (!r.ok) throw new Error(r.message);
  return r;
}

function failed(r: ReadProjectFileResult): string {
  if (r.ok) throw new Error('expected the project file to be refused');
  return r.message;
}

/** A zip holding `project.json` (any value) and the other entries given. */
function zipWith(projectJson: unknown, more: Zippable = {}): Uint8Array {
  return zipSync({ 'project.json': strToU8(typeof projectJson === 'string' ? projectJson : JSON.stringify(projectJson)), ...more });
}

const csv = strToU8('a,b,label,split\n0.1,0.2,pos,train\n-0.3,0.1,neg,train\n0.5,0.5,pos,val\n-0.5,-0.1,neg,test\n');

describe('project file round trip', () => {
  it('project, typed results, the model and a dataset zip come back as written', async () => {
    const g = signs();
    const project: ProjectDoc = {
      ...newProject(g, { name: 'Round trip' }),
      undo: [signs('older')],
      versions: [{ name: 'v1', savedAt: '2024-01-01T00:00:00.000Z', graph: signs('v1') }],
      train: { epochs: 3, batchSize: 8, optimizer: 'sgd', learningRate: 0.01, momentum: 0.5, seed: 9, patience: 2 },
      model: { epoch: 1, complete: true, savedAt: '2024-01-02T00:00:00.000Z' },
      dataset: { name: 'signs.zip', kind: 'zip', bytes: 0, files: 1 },
    };
    const results = { preview: new Uint8ClampedArray([0, 128, 255, 7]), wave: new Float32Array([0.5, -1.25, 3e-8]), history: [{ epoch: 1, loss: 0.5 }] };
    const { zip: bundle, before, inputs } = await signsBundle(g);
    const datasetZip = zipSync({ 'signs/samples.csv': csv });
    const bytes = writeProjectFile({ project, bundle, results, dataset: { kind: 'zip', name: 'signs.zip', bytes: datasetZip } });
    expect(isProjectFile(bytes)).toBe(true);
    expect(isProjectFile(bundle)).toBe(false);

    const r = ok(readProjectFile(bytes));
    expect(r.warnings).toEqual([]);
    expect(r.project).toEqual(project);
    const res = r.results as typeof results;
    expect(res.preview).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(res.preview)).toEqual([0, 128, 255, 7]);
    expect(res.wave).toBeInstanceOf(Float32Array);
    expect(Array.from(res.wave)).toEqual(Array.from(results.wave));
    expect(res.history).toEqual(results.history);
    // The bundle's files, byte for byte, at the top level of the project file.
    const top = unzipSync(bytes);
    const inBundle = unzipSync(bundle);
    for (const n of BUNDLE_FILES) expect(top[n], n).toEqual(inBundle[n]);
    const again = unzipSync(r.bundle as Uint8Array);
    for (const n of BUNDLE_FILES) expect(again[n], n).toEqual(inBundle[n]);
    expect(r.dataset).toEqual({ kind: 'zip', name: 'signs.zip', bytes: datasetZip });

    // The model inside predicts exactly as the one written.
    const m = await readModelFile(tf, bytes, (t) => registerCustomLayers(t));
    if (!m.ok) throw new Error(m.message);
    expect(m.project?.project.name).toBe('Round trip');
    expect(Array.from(predictArrays(tf, m.bundle.model, m.bundle.meta.io, inputs, 2)[0])).toEqual(Array.from(before));
    m.bundle.model.dispose();
    // A bundle reads through the same helper.
    const b = await readModelFile(tf, bundle, (t) => registerCustomLayers(t));
    expect(b.ok && b.project === undefined).toBe(true);
    if (b.ok) b.bundle.model.dispose();

    const src = projectDatasetSource(r.dataset ?? { kind: 'demo', seed: 1, rows: 1 });
    expect(await src.source?.list()).toEqual(['signs/samples.csv']);
  });

  it('a dataset as files, and the demo by its settings', async () => {
    const g = signs();
    const files = [
      { path: 'samples.csv', bytes: csv },
      { path: 'images/a b.png', bytes: new Uint8Array([137, 80, 78, 71]) },
    ];
    const withFiles = { ...newProject(g), dataset: { name: 'my folder', kind: 'files' as const, bytes: 100, files: 2 } };
    const r = ok(readProjectFile(writeProjectFile({ project: withFiles, dataset: { kind: 'files', name: 'my folder', files } })));
    expect(r.bundle).toBeUndefined();
    expect(r.results).toBeUndefined();
    expect(r.dataset?.kind).toBe('files');
    if (r.dataset?.kind !== 'files') throw new Error('files expected');
    expect(r.dataset.name).toBe('my folder');
    expect(r.dataset.files.sort((x, y) => x.path.localeCompare(y.path))).toEqual([...files].sort((x, y) => x.path.localeCompare(y.path)));
    const src = projectDatasetSource(r.dataset).source;
    expect(await src?.read('samples.csv')).toEqual(csv);

    const demo = { ...newProject(g), dataset: { name: 'FusionLab demo', kind: 'demo' as const, bytes: 0, files: 0, demo: { seed: 4, rows: 12 } } };
    const d = ok(readProjectFile(writeProjectFile({ project: demo })));
    expect(d.dataset).toEqual({ kind: 'demo', seed: 4, rows: 12 });
    const demoSource = projectDatasetSource(d.dataset ?? { kind: 'demo', seed: 0, rows: 0 }).source;
    const list = (await demoSource?.list()) ?? [];
    expect(list).toContain('samples.csv');
    expect(list.filter((p) => p.endsWith('.png'))).toHaveLength(12);
  });

  it('a project without a trained model: readModelFile says so plainly', async () => {
    const bytes = writeProjectFile({ project: newProject(signs()) });
    const r = await readModelFile(tf, bytes);
    expect(r).toEqual({ ok: false, message: NO_MODEL_MESSAGE });
    expect(NO_MODEL_MESSAGE).toMatch(/holds no trained model yet: train it first \(`fusionlab train project\.fusionlab --data …` or Train in the app\), then save it again\./);
  });
});

describe('hostile project files', () => {
  const good = newProject(signs());

  it('not a zip, no project.json, a wrong format, a newer version, an invalid graph: refused with the reason', () => {
    expect(failed(readProjectFile(strToU8('{"format":"fusionlab/project"}')))).toMatch(/not a FusionLab project file \(not a readable zip/);
    expect(failed(readProjectFile(zipSync({ 'model.json': strToU8('{}') })))).toMatch(/project\.json is missing/);
    expect(failed(readProjectFile(zipWith('{ not json')))).toMatch(/project\.json is not valid JSON/);
    expect(failed(readProjectFile(zipWith([1, 2])))).toMatch(/not a JSON object/);
    expect(failed(readProjectFile(zipWith({ ...good, format: 'fusionlab/graph' })))).toMatch(/format "fusionlab\/graph", not fusionlab\/project/);
    expect(failed(readProjectFile(zipWith({ ...good, version: PROJECT_VERSION + 1 })))).toMatch(/newer than this FusionLab reads \(1\)\. Update FusionLab\./);
    expect(failed(readProjectFile(zipWith({ ...good, graph: { format: 'fusionlab/graph', version: 1, nodes: 'many' } })))).toMatch(/The project's graph is not valid/);
  });

  it('a dataset path that climbs out is dropped; it never leaves the dataset', async () => {
    const bytes = zipWith(good, {
      'dataset/samples.csv': csv,
      'dataset/../../x': strToU8('escape'),
      'dataset/a/../../../y': strToU8('escape'),
      'dataset/..\\..\\z': strToU8('escape'),
      'dataset//etc/passwd': strToU8('escape'),
    });
    const r = ok(readProjectFile(bytes));
    if (r.dataset?.kind !== 'files') throw new Error('files expected');
    for (const f of r.dataset.files) {
      expect(f.path.split('/')).not.toContain('..');
      expect(f.path.startsWith('/')).toBe(false);
      expect(new TextDecoder().decode(f.bytes)).not.toBe('escape');
    }
    expect(r.dataset.files.map((f) => f.path)).toContain('samples.csv');
    // Only the climbing entries: no dataset at all.
    const only = ok(readProjectFile(zipWith(good, { 'dataset/../../x': strToU8('escape') })));
    expect(only.dataset).toBeUndefined();
  });

  it('results.json with an unknown $typed tag: a warning, and the results left out', () => {
    const r = ok(readProjectFile(zipWith(good, { 'results.json': strToU8('{"x":{"$typed":"SharedArrayBuffer","base64":"AAAA"}}') })));
    expect(r.results).toBeUndefined();
    expect(r.warnings.join(' ')).toMatch(/results\.json could not be read \(an unknown tagged value\); the results were left out\./);
  });

  it('an incomplete model: a warning, no bundle, and readModelFile names it', async () => {
    const bytes = zipWith(good, { 'model.json': strToU8('{}'), 'weights.bin': new Uint8Array(8) });
    const r = ok(readProjectFile(bytes));
    expect(r.bundle).toBeUndefined();
    expect(r.warnings.join(' ')).toMatch(/The trained model is incomplete \(graph\.json, fitted\.json, bundle\.json missing\); it was left out\./);
    const m = await readModelFile(tf, bytes);
    expect(m.ok).toBe(false);
    if (!m.ok) {
      expect(m.message).toMatch(/incomplete/);
      expect(m.message).toContain(NO_MODEL_MESSAGE);
    }
  });

  it('more entries or more expanded bytes than the limits: refused with the limit named', () => {
    const many = zipWith(good, { 'dataset/a.csv': csv, 'dataset/b.csv': csv, 'dataset/c.csv': csv });
    expect(failed(readProjectFile(many, { maxArchiveEntries: 3 }))).toMatch(/holds 4 files, over the limit maxArchiveEntries = 3/);
    // A small file that expands to a megabyte.
    const bomb = zipWith(good, { 'dataset.zip': new Uint8Array(1024 * 1024) });
    expect(bomb.length).toBeLessThan(20_000);
    expect(failed(readProjectFile(bomb, { maxArchiveExpandedBytes: 64 * 1024 }))).toMatch(/over the limit maxArchiveExpandedBytes = 64/);
    expect(failed(readProjectFile(zipWith(good), { maxManifestBytes: 10 }))).toMatch(/maxManifestBytes/);
    // The included dataset zip is held to the dataset limits again when it is opened.
    const inner = projectDatasetSource({ kind: 'zip', name: 'd.zip', bytes: demoDatasetZip({ seed: 1, rows: 5 }) }, { maxArchiveEntries: 3 });
    expect(inner.source).toBeNull();
    expect(inner.problems.map((p) => p.message).join(' ')).toMatch(/maxArchiveEntries = 3/);
  });
});

describe('parseProject bounds', () => {
  it('more than 50 undo steps keep the last 50; bad train settings are dropped; control characters leave names', () => {
    const base = newProject(signs());
    const undo = Array.from({ length: 60 }, (_, i) => signs(`step ${i}`));
    const r = parseProject({
      ...base,
      name: 'My\u0000 project\n\u0007name\u009f',
      undo,
      redo: [signs('next'), { format: 'nope' }],
      versions: [{ name: 'bad\u0001version', savedAt: 'not a date', graph: signs('v') }, { name: 'broken', graph: null }],
      train: { optimizer: 'nesterov', learningRate: -1, momentum: 1, batchSize: 2.5, epochs: 4, patience: -2, seed: 'x' },
      model: { epoch: -1, complete: true },
    });
    if (!r.ok) throw new Error(r.message);
    const p = r.project;
    expect(p.undo).toHaveLength(PROJECT_LIMITS.historySteps);
    expect(p.undo[0].name).toBe('step 10');
    expect(p.undo[49].name).toBe('step 59');
    expect(p.redo.map((g) => g.name)).toEqual(['next']);
    expect(p.train).toEqual({ epochs: 4 });
    expect(p.name).toBe('My project name');
    expect(p.versions).toHaveLength(1);
    expect(p.versions[0].name).toBe('bad version');
    expect(Number.isNaN(Date.parse(p.versions[0].savedAt))).toBe(false);
    expect(p.model).toBeUndefined();
    expect(p.format).toBe(PROJECT_FORMAT);
    expect(r.warnings.join(' ')).toMatch(/1 redo steps could not be read/);
    expect(r.warnings.join(' ')).toMatch(/1 saved version could not be read/);
  });
});
