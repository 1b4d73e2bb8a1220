import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { registry } from '../nodes';
import { parseGraph, type GraphDoc } from '../engine/graph';
import { loadDataset, featuriseSample, type LoadedDataset } from '../engine/data/loader';
import { parseCsvManifest, writeCsv } from '../engine/data/manifest';
import { memorySource, zipSource } from '../engine/data/source';
import { directorySource, openPathSource } from '../engine/data/node-source';
import { createNodeAdapter } from '../engine/data/node-decoders';
import avmnistTemplate from '../templates/avmnist.json';

const AVMNIST = path.resolve(__dirname, '../../shared/datasets/avmnist');
const adapter = createNodeAdapter();

function graphOf(json: unknown): GraphDoc {
  const r = parseGraph(json);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.graph;
}

const avGraph = graphOf(avmnistTemplate);

describe('AV-MNIST through the Node path', () => {
  let ds: LoadedDataset;
  beforeAll(async () => {
    ds = await loadDataset(directorySource(AVMNIST), { graph: avGraph, registry, adapter });
  }, 120_000);

  it('loads 3,000 rows: 2,700 train + 300 test, 10 classes, every file decoded', () => {
    expect(ds.problems).toEqual([]);
    expect(ds.ok).toBe(true);
    expect(ds.summary.rows).toBe(3000);
    expect(ds.summary.loaded).toBe(3000);
    expect(ds.summary.bySplit).toEqual({ train: 2700, val: 0, test: 300 });
    const head = ds.heads[0];
    expect(head.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.summary.classCounts[head.nodeId].train.reduce((a, b) => a + b, 0)).toBe(2700);
    expect(ds.summary.classCounts[head.nodeId].test).toEqual(new Array(10).fill(30));
  });

  it('gives tensors of the shapes the graph promises, with sane values', () => {
    const img = ds.inputs.find((i) => i.kind === 'input.image')!;
    const aud = ds.inputs.find((i) => i.kind === 'input.audio')!;
    expect(img.shape).toEqual([28, 28, 1]);
    expect(aud.shape[2]).toBe(1);
    const train = ds.splits.train;
    expect(train.inputs[img.nodeId].length).toBe(2700 * 784);
    expect(train.inputs[aud.nodeId].length).toBe(2700 * aud.shape[0] * aud.shape[1]);
    const px = train.inputs[img.nodeId];
    let lo = Infinity;
    let hi = -Infinity;
    let mean = 0;
    for (const v of px) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      mean += v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    mean /= px.length;
    expect(mean).toBeGreaterThan(0.05); // MNIST: mostly black with white strokes
    expect(mean).toBeLessThan(0.3);
    // Standardised on the train split: mean ≈ 0, std ≈ 1 there.
    const a = train.inputs[aud.nodeId];
    let m = 0;
    for (const v of a) m += v;
    m /= a.length;
    let s = 0;
    for (const v of a) s += (v - m) ** 2;
    expect(Math.abs(m)).toBeLessThan(1e-3);
    expect(Math.sqrt(s / a.length)).toBeCloseTo(1, 3);
    // Labels: one-hot rows matching the class index.
    const y = train.labels[ds.heads[0].nodeId];
    const ci = train.classIndex[ds.heads[0].nodeId];
    for (let n = 0; n < 50; n++) expect(y[n * 10 + ci[n]]).toBe(1);
    const fitted = JSON.parse(JSON.stringify(ds.fitted));
    expect(fitted.heads[ds.heads[0].nodeId].classes).toHaveLength(10);
  });

  it('featurises one sample for prediction exactly as the loader did', async () => {
    const row = ds.splits.test.rows[0];
    const text = await readFile(path.join(AVMNIST, 'samples.csv'), 'utf8');
    const m = parseCsvManifest(text);
    const r = m.rows.find((x) => x.row === row)!;
    const cells = Object.fromEntries(m.columns.map((c, j) => [c, r.values[j]]));
    const one = await featuriseSample(ds.fitted, cells, directorySource(AVMNIST), adapter);
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    for (const inp of ds.inputs) {
      const size = inp.shape.reduce((a, b) => a * b, 1);
      expect(Array.from(one.inputs[inp.nodeId])).toEqual(Array.from(ds.splits.test.inputs[inp.nodeId].subarray(0, size)));
    }
  });
});

describe('a damaged copy of AV-MNIST', () => {
  let dir: string;
  let rows: string[][];
  let columns: string[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-damaged-'));
    const m = parseCsvManifest(await readFile(path.join(AVMNIST, 'samples.csv'), 'utf8'));
    columns = m.columns;
    const col = (name: string) => m.columns.indexOf(name);
    // 3 train rows and 1 test row of every digit: 40 rows, every class in train.
    const picked: string[][] = [];
    for (let d = 0; d < 10; d++) {
      const ofDigit = m.rows.filter((r) => r.values[col('label')] === String(d));
      picked.push(...ofDigit.filter((r) => r.values[col('split')] === 'train').slice(0, 3).map((r) => r.values));
      picked.push(ofDigit.find((r) => r.values[col('split')] === 'test')!.values);
    }
    rows = picked;
    await mkdir(path.join(dir, 'images'));
    await mkdir(path.join(dir, 'audio'));
    for (const r of rows) {
      await copyFile(path.join(AVMNIST, r[col('image')]), path.join(dir, r[col('image')]));
      await copyFile(path.join(AVMNIST, r[col('audio')]), path.join(dir, r[col('audio')]));
    }
    // Row 3: a truncated WAV.
    const wavPath = path.join(dir, rows[2][col('audio')]);
    const wav = await readFile(wavPath);
    await writeFile(wavPath, wav.subarray(0, Math.floor(wav.length / 2)));
    // Row 5: a missing PNG.
    await rm(path.join(dir, rows[4][col('image')]));
    // Row 7: a bad label.
    rows[6] = [...rows[6]];
    rows[6][col('label')] = 'banana';
    // Row 11: the id of row 2.
    rows[10] = [...rows[10]];
    rows[10][col('id')] = rows[1][col('id')];
    // Row 9: a broken CSV line (too few cells).
    const lines = writeCsv(columns, rows).split('\n');
    lines[9] = `${rows[8][col('id')]},${rows[8][col('image')]}`;
    await writeFile(path.join(dir, 'samples.csv'), lines.join('\n'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each problem with its row and column, and loads every other row', async () => {
    const ds = await loadDataset(directorySource(dir), { graph: avGraph, registry, adapter });
    const brief = ds.problems.map((p) => ({ code: p.code, row: p.row, column: p.column }));
    expect(brief).toEqual(
      expect.arrayContaining([
        { code: 'broken-line', row: 9, column: undefined },
        { code: 'duplicate-id', row: 11, column: 'id' },
        { code: 'undecodable', row: 3, column: 'audio' },
        { code: 'missing-file', row: 5, column: 'image' },
        { code: 'unknown-label', row: 7, column: 'label' },
      ]),
    );
    expect(ds.problems).toHaveLength(5);
    expect(ds.problems.find((p) => p.code === 'undecodable')!.message).toMatch(/truncated/);
    expect(ds.problems.find((p) => p.code === 'broken-line')!.line).toBe(10);
    expect(ds.summary.rows).toBe(40);
    expect(ds.summary.loaded).toBe(35);
    expect(ds.summary.skipped).toBe(5);
    const loadedRows = [...ds.splits.train.rows, ...ds.splits.test.rows].sort((a, b) => a - b);
    expect(loadedRows).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((r) => ![3, 5, 7, 9, 11].includes(r)));
    expect(ds.heads[0].classes).toHaveLength(10);
    expect(ds.ok).toBe(true);
  });

  it('reads the same rows from a zip of the folder, and names the limit for oversized files', async () => {
    const files: Record<string, Uint8Array> = {};
    files['copy/samples.csv'] = new Uint8Array(await readFile(path.join(dir, 'samples.csv')));
    for (const r of rows) {
      for (const c of ['image', 'audio']) {
        const p = r[columns.indexOf(c)];
        try {
          files[`copy/${p}`] = new Uint8Array(await readFile(path.join(dir, p)));
        } catch {
          // the deleted PNG
        }
      }
    }
    const zipPath = path.join(dir, 'copy.zip');
    await writeFile(zipPath, zipSync(files));
    const opened = await openPathSource(zipPath);
    expect(opened.problems).toEqual([]);
    const ds = await loadDataset(opened.source!, { graph: avGraph, registry, adapter });
    expect(ds.summary.loaded).toBe(35);
    const small = await loadDataset(zipSource('copy.zip', zipSync(files), { maxFileBytes: 2000 }).source!, { graph: avGraph, registry, adapter, limits: { maxFileBytes: 2000 } });
    const tooLarge = small.problems.filter((p) => p.code === 'file-too-large' && p.row !== undefined);
    expect(tooLarge.length).toBeGreaterThan(0);
    expect(tooLarge[0].message).toContain('maxFileBytes');
    expect(tooLarge[0].column).toBe('audio');
  });

  it('reports a column the graph needs but the manifest lacks, without throwing', async () => {
    const g = graphOf({ ...avmnistTemplate, nodes: avmnistTemplate.nodes.map((n) => (n.kind === 'input.audio' ? { ...n, params: { ...n.params, column: 'sound' } } : n)) });
    const ds = await loadDataset(directorySource(dir), { graph: g, registry, adapter });
    expect(ds.ok).toBe(false);
    expect(ds.problems.find((p) => p.code === 'missing-column')).toMatchObject({ column: 'sound', nodeId: 'audio' });
    const none = await loadDataset(memorySource('empty', {}), { graph: g, registry, adapter });
    expect(none.problems[0].code).toBe('no-manifest');
  });
});

describe('fitted state', () => {
  it('is fitted on train rows only: vocabulary, statistics and classes', async () => {
    const graph = graphOf({
      format: 'fusionlab/graph',
      version: 1,
      nodes: [
        { id: 'txt', kind: 'input.text', params: { column: 'text', vocabSize: 100, seqLength: 4 } },
        { id: 'tab', kind: 'input.tabular', params: { columns: ['x'], categorical: [{ column: 'colour', cardinality: 3 }] } },
        { id: 'enc', kind: 'encoder.text-embedding', params: {} },
        { id: 'mlp', kind: 'encoder.tabular-mlp', params: {} },
        { id: 'cat', kind: 'fusion.concat', params: {} },
        { id: 'out', kind: 'head.classify', params: { column: 'label', classes: 2 } },
      ],
      edges: [
        { id: 'a', source: 'txt', sourcePort: 'out', target: 'enc', targetPort: 'in' },
        { id: 'b', source: 'tab', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
        { id: 'c', source: 'enc', sourcePort: 'out', target: 'cat', targetPort: 'in' },
        { id: 'd', source: 'mlp', sourcePort: 'out', target: 'cat', targetPort: 'in' },
        { id: 'e', source: 'cat', sourcePort: 'out', target: 'out', targetPort: 'in' },
      ],
    });
    const csv = writeCsv(
      ['id', 'text', 'x', 'colour', 'label', 'split'],
      [
        ['1', 'red apple', '1', 'red', 'yes', 'train'],
        ['2', 'green apple', '3', 'green', 'no', 'train'],
        ['3', 'zebra crossing', '1000', 'purple', 'yes', 'val'],
        ['4', 'apple', '2', 'red', 'maybe', 'test'],
        ['5', '   ', '2', 'red', 'no', 'train'],
        ['6', 'apple', 'lots', 'red', 'no', 'train'],
        ['7', 'apple', '2', 'red', '', 'train'],
      ],
    );
    const ds = await loadDataset(memorySource('m', { 'samples.csv': new TextEncoder().encode(csv) }), { graph, registry, adapter });
    const txt = ds.fitted.inputs.txt;
    const tab = ds.fitted.inputs.tab;
    if (txt.kind !== 'input.text' || tab.kind !== 'input.tabular') throw new Error('kinds');
    expect(txt.vocab).toEqual(['<pad>', '<unk>', 'apple', 'green', 'red']);
    expect(tab.fitted.means).toEqual([2]);
    expect(tab.fitted.categories).toEqual([['green', 'red']]);
    expect(ds.fitted.heads.out).toEqual({ task: 'classify', column: 'label', classes: ['no', 'yes'] });
    // Val row: unknown words → <unk>, the outlier is standardised with train statistics.
    expect(Array.from(ds.splits.val.inputs.txt)).toEqual([1, 1, 0, 0]);
    expect(ds.splits.val.inputs.tab[0]).toBeCloseTo((1000 - 2) / 1, 4);
    // The test row's label was never seen in train.
    const codes = ds.problems.map((p) => [p.code, p.row, p.column]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ['unknown-label', 4, 'label'],
        ['empty-value', 5, 'text'],
        ['wrong-type', 6, 'x'],
        ['missing-label', 7, 'label'],
      ]),
    );
    expect(ds.summary.bySplit).toEqual({ train: 2, val: 1, test: 0 });
    expect(JSON.parse(JSON.stringify(ds.fitted))).toEqual(ds.fitted);
  });

  it('splits by seed when there is no split column', async () => {
    const csv = writeCsv(['text', 'label'], Array.from({ length: 50 }, (_, i) => [`w${i % 7}`, i % 2 ? 'a' : 'b']));
    const graph = graphOf({
      format: 'fusionlab/graph',
      version: 1,
      nodes: [
        { id: 'txt', kind: 'input.text', params: { column: 'text' } },
        { id: 'enc', kind: 'encoder.text-embedding', params: {} },
        { id: 'out', kind: 'head.classify', params: { column: 'label', classes: 2 } },
      ],
      edges: [
        { id: 'a', source: 'txt', sourcePort: 'out', target: 'enc', targetPort: 'in' },
        { id: 'b', source: 'enc', sourcePort: 'out', target: 'out', targetPort: 'in' },
      ],
    });
    const src = memorySource('m', { 'samples.csv': new TextEncoder().encode(csv) });
    const a = await loadDataset(src, { graph, registry, adapter, split: { seed: 3, valFraction: 0.2 } });
    expect(a.summary.bySplit).toEqual({ train: 40, val: 10, test: 0 });
    expect(a.summary.seededRows).toBe(50);
    const b = await loadDataset(src, { graph, registry, adapter, split: { seed: 3, valFraction: 0.2 } });
    expect(b.splits.val.rows).toEqual(a.splits.val.rows);
  });
});

describe('multilabel and regression heads', () => {
  it('encode multi-hot targets with the head separator and several regression outputs', async () => {
    const graph = graphOf({
      format: 'fusionlab/graph',
      version: 1,
      nodes: [
        { id: 'tab', kind: 'input.tabular', params: { columns: ['x'] } },
        { id: 'mlp', kind: 'encoder.tabular-mlp', params: {} },
        { id: 'tags', kind: 'head.multilabel', params: { column: 'tags', classes: 3, separator: '|' } },
        { id: 'pos', kind: 'head.regress', params: { column: 'pos', outputs: 2 } },
      ],
      edges: [
        { id: 'a', source: 'tab', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
        { id: 'b', source: 'mlp', sourcePort: 'out', target: 'tags', targetPort: 'in' },
        { id: 'c', source: 'mlp', sourcePort: 'out', target: 'pos', targetPort: 'in' },
      ],
    });
    const csv = writeCsv(
      ['x', 'tags', 'pos', 'split'],
      [
        ['1', 'cat|outdoor', '1 2', 'train'],
        ['2', 'dog', '3, 4', 'train'],
        ['3', 'outdoor|dog', '5;6', 'train'],
        ['4', 'cat', '7', 'train'],
        ['5', 'bird', '1 1', 'val'],
        ['6', 'dog', 'x y', 'val'],
      ],
    );
    const ds = await loadDataset(memorySource('m', { 'samples.csv': new TextEncoder().encode(csv) }), { graph, registry, adapter });
    expect(ds.fitted.heads.tags).toEqual({ task: 'multilabel', column: 'tags', classes: ['cat', 'dog', 'outdoor'] });
    expect(ds.fitted.heads.pos).toEqual({ task: 'regress', column: 'pos', outputs: 2, mean: 3.5, std: Math.sqrt(35 / 12) });
    expect(Array.from(ds.splits.train.labels.tags)).toEqual([1, 0, 1, 0, 1, 0, 0, 1, 1]);
    expect(Array.from(ds.splits.train.labels.pos)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ds.heads.find((h) => h.nodeId === 'pos')!.shape).toEqual([2]);
    expect(ds.problems.map((p) => [p.code, p.row, p.column])).toEqual(
      expect.arrayContaining([
        ['wrong-type', 4, 'pos'],
        ['unknown-label', 5, 'tags'],
        ['wrong-type', 6, 'pos'],
      ]),
    );
    expect(ds.summary.bySplit).toEqual({ train: 3, val: 0, test: 0 });
  });
});
