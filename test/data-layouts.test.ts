/**
 * Issue 11, the layouts people already have: class folders (with split folders, in a zip of a
 * folder), a table under any name (CSV, TSV, JSONL), Hugging Face imagefolder metadata, and a flat
 * selection of a table plus loose files; each with its edge cases, through openDataset, inspect
 * and a full load for a template fitted to the data. Then the CLI, as a newcomer runs it: a folder
 * of class folders (and its zip) trains with no hand edits and the bundle predicts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { applyGraphFixes, fitGraphToSource, graphFixes } from '../engine/data/fit-graph';
import { inspectDataset } from '../engine/data/inspect';
import { openDataset } from '../engine/data/layout';
import { featuriseSample, loadDataset } from '../engine/data/loader';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { memorySource, zipSource, type FileSource } from '../engine/data/source';
import { parseGraph } from '../engine/graph';
import { registry } from '../nodes';
import { templates } from '../templates';
import { classFolders, flatSelection, huggingFace, namedTable } from './fixtures/layouts';
import { writeFiles } from './fixtures/photo-sets';

const enc = (s: string) => new TextEncoder().encode(s);
const classifier = () => structuredClone(templates.find((t) => t.id === 'image-classifier')!.graph);

/** The same files as a folder (memory) and as a zip, so every layout is checked both ways. */
function bothWays(files: Map<string, Uint8Array>): [string, FileSource][] {
  const zipped = zipSource('data.zip', zipSync(Object.fromEntries(files)));
  expect(zipped.problems).toEqual([]);
  return [
    ['folder', memorySource('data', files)],
    ['zip', zipped.source as FileSource],
  ];
}

async function loadFitted(source: FileSource) {
  const fitted = await fitGraphToSource(source, classifier(), registry);
  const ds = await loadDataset(source, { graph: fitted.graph, registry, adapter: createNodeAdapter() });
  return { fitted, ds };
}

describe('class folders', () => {
  it.each(bothWays(classFolders({ rows: 24 })))('one sub-folder per class reads as image + label (%s)', async (_how, source) => {
    const opened = await openDataset(source);
    expect(opened.layout).toBe('class-folders');
    expect(opened.manifest?.columns).toEqual(['id', 'image', 'label']);
    expect(opened.manifest?.rows).toHaveLength(24);
    expect(opened.description).toMatch(/2 classes of image files/);
    const { fitted, ds } = await loadFitted(source);
    expect(fitted.applied).toEqual([]); // the template reads image and label already
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
    expect(ds.heads[0].classes).toEqual(['circle', 'square']);
    expect(ds.summary.loaded).toBe(24);
  });

  it.each(bothWays(classFolders({ rows: 24, splits: true, wrapper: 'shapes' })))('train/validation/test folders become the split, inside a wrapper folder (%s)', async (_how, source) => {
    const r = await inspectDataset(source);
    expect(r.layout).toBe('class-folders');
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'id'],
      ['image', 'image'],
      ['label', 'category'],
      ['split', 'split'],
    ]);
    expect(r.splits.seeded).toBe(0);
    const { ds } = await loadFitted(source);
    expect(ds.ok).toBe(true);
    expect(ds.summary.bySplit.train + ds.summary.bySplit.val + ds.summary.bySplit.test).toBe(24);
    expect(ds.summary.bySplit.val).toBeGreaterThan(0);
    expect(ds.summary.bySplit.test).toBeGreaterThan(0);
  });

  it('skips hidden files silently, counts nested folders into their class, reports other files and empty classes', async () => {
    const files = classFolders({ rows: 12 });
    const png = [...files.values()][0];
    files.set('.DS_Store', enc('junk'));
    files.set('circle/.DS_Store', enc('junk'));
    files.set('__MACOSX/circle/._p001.png', enc('junk'));
    files.set('circle/more/deeper.png', png);
    files.set('square/notes.txt', enc('taken on a Tuesday'));
    files.set('README.md', enc('# shapes'));
    files.set('triangle/.keep', enc(''));
    const opened = await openDataset(memorySource('d', files));
    expect(opened.layout).toBe('class-folders');
    const rows = opened.manifest!.rows;
    expect(rows).toHaveLength(13);
    expect(rows.some((r) => r.values[1] === 'circle/more/deeper.png' && r.values[2] === 'circle')).toBe(true);
    const codes = opened.problems.map((p) => `${p.severity}:${p.code}`);
    expect(codes.sort()).toEqual(['warning:empty-class', 'warning:ignored-files']);
    expect(opened.problems.find((p) => p.code === 'ignored-files')?.message).toMatch(/2 file\(s\).*square\/notes\.txt/);
    expect(opened.problems.find((p) => p.code === 'empty-class')?.message).toMatch(/"triangle"/);
    expect(new Set(rows.map((r) => r.values[2]))).toEqual(new Set(['circle', 'square']));
  });

  it('audio class folders read as audio + label; a folder of nothing readable says what it found', async () => {
    const wav = enc('RIFF');
    const opened = await openDataset(memorySource('d', { 'yes/a.wav': wav, 'yes/b.wav': wav, 'no/c.wav': wav }));
    expect(opened.manifest?.columns).toEqual(['id', 'audio', 'label']);
    const none = await openDataset(memorySource('d', { 'docs/a.txt': wav, 'scans/b.pdf': wav }));
    expect(none.manifest).toBeNull();
    expect(none.problems[0].code).toBe('no-manifest');
    expect(none.problems[0].message).toMatch(/hold no image, audio or video files/);
    const empty = await openDataset(memorySource('d', { 'a.png': wav }));
    expect(empty.problems[0].message).toMatch(/one sub-folder per class/);
  });
});

describe('a table under any name', () => {
  it.each(bothWays(namedTable({ rows: 20, wrapper: 'kaggle' })))('labels.csv (filename,class) is the manifest, and the template is pointed at its columns (%s)', async (_how, source) => {
    const opened = await openDataset(source);
    expect(opened.layout).toBe('table');
    expect(opened.path).toBe('kaggle/labels.csv');
    const { fitted, ds } = await loadFitted(source);
    expect(fitted.applied.map((f) => [f.nodeId, f.param, f.value])).toEqual([
      ['image', 'column', 'filename'],
      ['label', 'column', 'class'],
    ]);
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
    expect(ds.summary.loaded).toBe(20);
  });

  it('reads TSV and JSONL tables', async () => {
    const tsv = await inspectDataset(memorySource('d', namedTable({ rows: 10, name: 'index.tsv', separator: '\t' })));
    expect(tsv.format).toBe('tsv');
    expect(tsv.columns.map((c) => c.type)).toEqual(['image', 'category']);
    const jsonl = await inspectDataset(memorySource('d', { 'rows.jsonl': enc('{"text":"hi","y":"a"}\n{"text":"ho","y":"b"}\n') }));
    expect(jsonl.format).toBe('jsonl');
    expect(jsonl.rows).toBe(2);
  });

  it('two tables at the top: a problem that lists them and says how to choose; the choice is honoured', async () => {
    const files = namedTable({ rows: 10 });
    files.set('extra.csv', enc('a,b\n1,2\n'));
    const source = memorySource('d', files);
    const opened = await openDataset(source);
    expect(opened.manifest).toBeNull();
    expect(opened.tables.sort()).toEqual(['extra.csv', 'labels.csv']);
    expect(opened.problems[0].code).toBe('several-tables');
    expect(opened.problems[0].message).toMatch(/"extra\.csv", "labels\.csv"|"labels\.csv", "extra\.csv"/);
    expect(opened.problems[0].message).toMatch(/--manifest/);
    const chosen = await openDataset(source, { manifest: 'labels.csv' });
    expect(chosen.path).toBe('labels.csv');
    expect(chosen.manifest?.rows).toHaveLength(10);
    // samples.csv always wins, as before.
    files.set('samples.csv', enc('image,label\nphotos/p001.png,circle\n'));
    expect((await openDataset(memorySource('d', files))).path).toBe('samples.csv');
  });
});

describe('Hugging Face imagefolder', () => {
  it.each(bothWays(huggingFace({ rows: 24 })))('one metadata.csv per split folder; file_name becomes image (%s)', async (_how, source) => {
    const opened = await openDataset(source);
    expect(opened.layout).toBe('huggingface');
    expect(opened.manifest?.columns).toEqual(['image', 'label', 'split']);
    const { ds } = await loadFitted(source);
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
    expect(ds.summary.seededRows).toBe(0);
    expect(ds.summary.bySplit.test).toBeGreaterThan(0);
  });

  it('a top-level metadata.jsonl whose paths start with the split folder', async () => {
    const source = memorySource('d', huggingFace({ rows: 24, jsonl: true, topLevel: true, wrapper: 'ds' }));
    const r = await inspectDataset(source);
    expect(r.manifest).toMatch(/Hugging Face folder: ds\/metadata\.jsonl/);
    expect(r.splits).toMatchObject({ seeded: 0 });
    const { ds } = await loadFitted(source);
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
  });
});

describe('a flat selection of files', () => {
  it('paths that do not resolve are found by file name, with one warning', async () => {
    const source = memorySource('24 files', flatSelection({ rows: 24 }));
    const { ds } = await loadFitted(source);
    expect(ds.ok).toBe(true);
    expect(ds.summary.loaded).toBe(24);
    expect(ds.problems.map((p) => p.code)).toEqual(['matched-by-name']);
    expect(ds.problems[0].message).toMatch(/24 file path\(s\).*"images\/p001\.png" → p001\.png|24 file path\(s\)/);
  });

  it('a name shared by two files is ambiguous, not a guess', async () => {
    const files = new Map<string, Uint8Array>([
      ['samples.csv', enc('image,label\nimg/a.png,x\nimg/b.png,y\n')],
      ['one/a.png', enc('x')],
      ['two/a.png', enc('x')],
      ['b.png', enc('x')],
    ]);
    const r = await inspectDataset(memorySource('d', files), { adapter: createNodeAdapter() });
    const amb = r.problems.find((p) => p.code === 'ambiguous-file');
    expect(amb?.row).toBe(1);
    expect(amb?.message).toMatch(/2 files are called a\.png/);
  });
});

describe('column types and the table input', () => {
  const table = [
    'price,department,size,note,label',
    ...Array.from({ length: 40 }, (_, i) => `${(10 + i * 1.5).toFixed(2)},${['General', 'Tops', 'Dresses'][i % 3]},${i === 7 ? 'N/A' : String(i % 5)},${`free text number ${i} with words`},${i % 2 ? 'yes' : 'no'}`),
  ].join('\n');
  const source = () => memorySource('reviews', { 'reviews.csv': enc(table + '\n') });

  it('infers numeric, category, mixed and text columns', async () => {
    const r = await inspectDataset(source());
    const types = Object.fromEntries(r.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({ price: 'number', department: 'category', size: 'number', note: 'text', label: 'category' });
    const size = r.columns.find((c) => c.name === 'size');
    expect(size?.nonNumeric).toEqual({ count: 1, examples: ['N/A'] });
    expect(r.columns.find((c) => c.name === 'price')?.nonNumeric).toBeUndefined();
  });

  it('a table input that lists a column of words encodes it as categories, with no hand edit', async () => {
    const parsed = parseGraph({
      format: 'fusionlab/graph',
      version: 1,
      name: 'table',
      description: '',
      nodes: [
        { id: 't', kind: 'input.tabular', label: 'Table', position: { x: 0, y: 0 }, params: { columns: ['price', 'department'] } },
        { id: 'mlp', kind: 'encoder.tabular-mlp', label: 'MLP', position: { x: 1, y: 0 }, params: {} },
        { id: 'label', kind: 'head.classify', label: 'Label', position: { x: 2, y: 0 }, params: { column: 'label', classes: 2 } },
      ],
      edges: [
        { id: 'e1', source: 't', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
        { id: 'e2', source: 'mlp', sourcePort: 'out', target: 'label', targetPort: 'in' },
      ],
    });
    if (!parsed.ok) throw new Error('bad test graph');
    const graph = parsed.graph;
    // As written, "General" is not a number.
    const raw = await loadDataset(source(), { graph, registry, adapter: createNodeAdapter() });
    expect(raw.problems.some((p) => p.code === 'wrong-type' && /"General", not a number/.test(p.message))).toBe(true);
    const fitted = await fitGraphToSource(source(), graph, registry);
    expect(fitted.applied.map((f) => f.kind)).toEqual(['map-column', 'categorical']);
    const t = fitted.graph.nodes.find((n) => n.id === 't')!.params;
    expect(t).toMatchObject({ columns: ['price'], categorical: [{ column: 'department', cardinality: 3 }] });
    const ds = await loadDataset(source(), { graph: fitted.graph, registry, adapter: createNodeAdapter() });
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
    expect(ds.inputs[0].shape).toEqual([4]);
    // Predicting with a department the model never saw: zeros, and a warning that says so.
    const ok = await featuriseSample(ds.fitted, { price: '12', department: 'Swimwear' }, memorySource('p', {}), createNodeAdapter());
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect([...ok.inputs.t].slice(1)).toEqual([0, 0, 0]);
    expect(ok.warnings.map((w) => w.code)).toEqual(['rare-category']);
    expect(ok.warnings[0].message).toMatch(/"Swimwear", a category the model did not learn/);
    const known = await featuriseSample(ds.fitted, { price: '12', department: 'Tops' }, memorySource('p', {}), createNodeAdapter());
    expect(known.ok && known.warnings).toEqual([]);
  });

  it('a head and an input that name missing columns are pointed at the best candidates; ambiguity is only a suggestion', async () => {
    const g = classifier();
    const cols = (names: [string, string][]) => names.map(([name, type]) => ({ name, type: type as 'image', filled: 1, missing: 0, distinct: 2, examples: [] }));
    const one = graphFixes(g, registry, { columns: cols([['photo', 'image'], ['species', 'category']]), labels: [] });
    expect(one.map((f) => [f.nodeId, f.value, f.automatic])).toEqual([
      ['image', 'photo', true],
      ['label', 'species', true],
    ]);
    // A lone category column that is not called like a label is only a suggestion.
    const unnamed = graphFixes(g, registry, { columns: cols([['photo', 'image'], ['kind', 'category']]), labels: [] });
    expect(unnamed.find((f) => f.nodeId === 'label')).toMatchObject({ value: 'kind', automatic: false });
    const two = graphFixes(g, registry, { columns: cols([['front', 'image'], ['back', 'image'], ['class', 'category']]), labels: [] });
    expect(two.find((f) => f.nodeId === 'image')?.automatic).toBe(false);
    expect(two.find((f) => f.nodeId === 'label')).toMatchObject({ value: 'class', automatic: true });
    expect(applyGraphFixes(g, two).nodes.find((n) => n.id === 'image')?.params.column).toBe('front');
  });
});

describe('the CLI, as a newcomer runs it', () => {
  const ROOT = path.resolve(import.meta.dirname, '..');
  const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-layouts-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it.each([
    ['class folders', () => classFolders({ rows: 12 }), 'class-folders'],
    ['split and class folders', () => classFolders({ rows: 12, splits: true, wrapper: 'w' }), 'class-folders'],
    ['labels.csv', () => namedTable({ rows: 12 }), 'table'],
    ['a TSV', () => namedTable({ rows: 12, name: 'index.tsv', separator: '\t' }), 'table'],
    ['Hugging Face', () => huggingFace({ rows: 12 }), 'huggingface'],
    ['a flat selection', () => flatSelection({ rows: 12 }), 'manifest'],
  ] as const)('data inspect reads %s as a folder and as a zip, and train trains on it', (name, make, layout) => {
    const files = make();
    const dir = path.join(tmp, name.replace(/\W+/g, '-'));
    writeFiles(dir, files);
    const zip = `${dir}.zip`;
    writeFileSync(zip, zipSync(Object.fromEntries(files)));
    for (const target of [dir, zip]) {
      const r = run(['data', 'inspect', target, '--graph', 'templates/image-classifier.json', '--json']);
      expect(r.code, r.stderr + r.stdout.slice(0, 2000)).toBe(0);
      const out = JSON.parse(r.stdout) as { layout: string; rows: number; load: { ok: boolean; summary: { loaded: number } } };
      expect(out.layout).toBe(layout);
      expect(out.rows).toBe(12);
      expect(out.load.ok).toBe(true);
      expect(out.load.summary.loaded).toBe(12);
    }
    // And it trains, the template fitted to the data as it is.
    const t = run(['train', 'templates/image-classifier.json', '--data', dir, '--epochs', '1', '--json']);
    expect(t.code, t.stderr.slice(-2000)).toBe(0);
    expect((JSON.parse(t.stdout) as { history: unknown[] }).history).toHaveLength(1);
  }, 180_000);

  it('a folder of class folders, and its zip, train with no hand edits; the bundle predicts a photo', () => {
    const files = classFolders({ rows: 30, splits: true, wrapper: 'shapes' });
    const dir = path.join(tmp, 'folders');
    writeFiles(dir, files);
    const zip = path.join(tmp, 'shapes.zip');
    writeFileSync(zip, zipSync(Object.fromEntries(files)));
    // A template whose head expects 3 classes: the data says 2, and train follows the data.
    const graphFile = path.join(tmp, 'g.json');
    const g = classifier();
    g.nodes.find((n) => n.id === 'label')!.params.classes = 3;
    writeFileSync(graphFile, JSON.stringify(g));
    const inspect = run(['data', 'inspect', zip, '--json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ layout: 'class-folders', rows: 30 });
    const bundle = path.join(tmp, 'm.zip');
    const r = run(['train', graphFile, '--data', dir, '--epochs', '2', '--out', bundle]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/fitted to the data: .*predicts 2 classes/);
    const rz = run(['train', graphFile, '--data', zip, '--epochs', '1', '--json']);
    expect(rz.code, rz.stderr.slice(-2000)).toBe(0);
    const photo = path.join(dir, [...files.keys()].find((p) => p.includes('/train/circle/'))!);
    const p = run(['predict', bundle, '--input', `image=${photo}`, '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(Object.keys(JSON.parse(p.stdout).outputs[0].probabilities).sort()).toEqual(['circle', 'square']);
  }, 600_000);
});
