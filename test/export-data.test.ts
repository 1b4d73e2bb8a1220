/**
 * The exported Python data reader (`data.py`) featurises a dataset as the app does: on the demo
 * dataset (PNG images, text, WAV audio, numbers) and a slice of AV-MNIST, the fitted state
 * (vocabulary, statistics, classes, split) and every input array agree with engine/data's loader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../engine/data/loader';
import { generateDemoDataset } from '../engine/data/demo';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { directorySource } from '../engine/data/node-source';
import { exportProgram } from '../engine/export';
import type { GraphDoc } from '../engine/graph';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';
import { keptMissingFiles, keptMissingGraph } from './fixtures/kept-missing';
import { loadTemplate, python, writeFiles } from './fixtures/export-harness';

const AVMNIST = path.resolve(__dirname, '../../shared/datasets/avmnist');

const DUMP = `
import json, sys
import numpy as np
import data
root = sys.argv[1]
state = data.fit_state(root)
out = {"state": state, "splits": {}}
for split in ("train", "val", "test"):
    x, y, skipped = data.load_split(root, split, state)
    out["splits"][split] = {"count": int(next(iter(x.values())).shape[0]), "skipped": skipped,
                            "inputs": {k: v.ravel().tolist() for k, v in x.items()},
                            "targets": {k: v.ravel().tolist() for k, v in y.items()}}
print(json.dumps(out))
`;

async function compare(graph: GraphDoc, root: string, name: string): Promise<void> {
  const ds = await loadDataset(directorySource(root), { graph, registry, adapter: createNodeAdapter() });
  expect(ds.ok).toBe(true);
  const exp = exportProgram(graph, registry, 'pytorch');
  const dir = writeFiles(`data-${name}`, { ...exp.files, 'dump.py': DUMP });
  const got = JSON.parse(python(['dump.py', root], dir, 180_000).trim().split('\n').pop() as string);
  // Fitted state: the same vocabularies, statistics and classes.
  for (const [id, f] of Object.entries(ds.fitted.inputs)) {
    const g = got.state.inputs[id];
    if (f.kind === 'input.text') expect(g.vocab).toEqual(f.vocab);
    if (f.kind === 'input.audio') {
      expect(g.mean).toBeCloseTo(f.mean, 4);
      expect(g.std).toBeCloseTo(f.std, 4);
    }
    if (f.kind === 'input.tabular') {
      g.fitted.means.forEach((m: number, j: number) => expect(m).toBeCloseTo(f.fitted.means[j], 4));
      g.fitted.stds.forEach((s: number, j: number) => expect(s).toBeCloseTo(f.fitted.stds[j], 4));
    }
  }
  for (const [id, h] of Object.entries(ds.fitted.heads)) {
    if (h.task !== 'regress') expect(got.state.heads[id].classes).toEqual(h.classes);
    else {
      // The app's regression statistics (one value, or one per output): data.py's must agree.
      const theirs = [got.state.heads[id].mean].flat() as number[];
      [h.mean].flat().forEach((m, j) => expect(theirs[j]).toBeCloseTo(m, 4));
    }
  }
  expect(got.splits.train.count).toBeGreaterThan(0);
  // Every split: the same rows and the same arrays.
  for (const split of ['train', 'val', 'test'] as const) {
    const mine = ds.splits[split];
    const theirs = got.splits[split];
    expect(theirs.count, split).toBe(mine.count);
    for (const inp of exp.inputs) {
      const a = mine.inputs[inp.nodeId];
      const b = theirs.inputs[inp.ident] as number[];
      expect(b.length).toBe(a.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, `${name} ${split} ${inp.nodeId}`).toBeLessThan(1e-4);
    }
    for (const out of exp.outputs) {
      const fh = ds.fitted.heads[out.headId ?? out.nodeId];
      // The app keeps raw regression targets and standardises them in training; data.py hands training standardised ones.
      const standardise = (v: number, i: number): number => {
        if (fh?.task !== 'regress') return v;
        const j = i % out.shape[0];
        return (v - ([fh.mean].flat()[j] ?? [fh.mean].flat()[0])) / ([fh.std].flat()[j] ?? [fh.std].flat()[0]);
      };
      const a = Array.from(mine.labels[out.headId ?? out.nodeId] ?? []).map(standardise);
      const b = theirs.targets[out.ident] as number[];
      expect(b.length, `${name} ${split} ${out.nodeId}`).toBe(a.length);
      b.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThan(1e-5));
    }
  }
}

describe('exported data.py matches engine/data', () => {
  it('demo dataset: image, text, audio and table features and the seeded split', async () => {
    const demo = generateDemoDataset({ rows: 60, seed: 7 });
    const root = writeFiles('demo-dataset', {});
    for (const [p, bytes] of demo.files) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), bytes);
    }
    await compare(loadTemplate('demo'), root, 'demo');
  }, 180_000);

  it('kept-missing rows: 30 % of the images empty, filled and marked by the presence channel as the app does', async () => {
    const root = writeFiles('kept-missing-dataset', {});
    for (const [p, bytes] of keptMissingFiles(60)) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), bytes);
    }
    await compare(keptMissingGraph(), root, 'kept-missing');
  }, 120_000);

  it('text, numbers, categories, multi-label and two-value regression targets (quoted CSV cells)', async () => {
    const words = ['red', 'green', 'blue', 'cat', 'dog', 'fish', "don't", 'Café', 'naïve', '!'];
    const lines = ['id,text,a,b,colour,tags,y,label'];
    for (let i = 0; i < 40; i++) {
      const text = Array.from({ length: 3 + (i % 5) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
      const tags = ['x', 'y', 'z'].filter((_, k) => (i >> k) & 1).join(',');
      const colour = ['red', 'green', 'blue', 'teal'][i % 4];
      lines.push(`r${i},"${text}, ""quoted""",${(i * 1.5).toFixed(1)},${i % 7},${colour},"${tags || 'x'}","${i * 0.5} ${-i}",${i % 3 === 0 ? 'yes' : 'no'}`);
    }
    const root = writeFiles('table-dataset', { 'samples.csv': lines.join('\n') + '\n' });
    const g = graph(
      [
        ['txt', 'input.text', { column: 'text', seqLength: 6, vocabSize: 12 }],
        ['tab', 'input.tabular', { columns: ['a', 'b'], categorical: [{ column: 'colour', cardinality: 3 }] }],
        ['emb', 'encoder.text-embedding', { vocabSize: 12, dim: 4 }],
        ['mlp', 'encoder.tabular-mlp', { units: 4, layers: 1 }],
        ['cat', 'fusion.concat'],
        ['cls', 'head.classify', { column: 'label', classes: 2 }],
        ['ml', 'head.multilabel', { column: 'tags', classes: 3, separator: ',' }],
        ['reg', 'head.regress', { column: 'y', outputs: 2 }],
      ],
      ['txt.out->emb.in', 'tab.out->mlp.in', 'emb.out->cat.in', 'mlp.out->cat.in', 'cat.out->cls.in', 'cat.out->ml.in', 'cat.out->reg.in'],
    );
    await compare(g, root, 'table');
  }, 120_000);

  it.skipIf(!fs.existsSync(path.join(AVMNIST, 'samples.csv')))('AV-MNIST slice: PNG digits and WAV log-mel spectrograms', async () => {
    const root = writeFiles('avmnist-slice', {});
    const lines = fs.readFileSync(path.join(AVMNIST, 'samples.csv'), 'utf8').split('\n');
    const test = lines.slice(1).filter((l) => l.endsWith(',test')).slice(0, 10);
    const rows = [...lines.slice(1, 41), ...test];
    fs.writeFileSync(path.join(root, 'samples.csv'), [lines[0], ...rows].join('\n') + '\n');
    // The slice's own files, copied: links out of a dataset folder are refused (issue 13).
    for (const cell of rows.flatMap((r) => r.split(','))) {
      if (!/^(images|audio)\//.test(cell)) continue;
      fs.mkdirSync(path.dirname(path.join(root, cell)), { recursive: true });
      fs.copyFileSync(path.join(AVMNIST, cell), path.join(root, cell));
    }
    await compare(loadTemplate('avmnist'), root, 'avmnist');
  }, 180_000);
});

describe('data.py reads as much of a long text as the app', () => {
  it('cuts a cell at the same UTF-16 length, a surrogate pair kept whole', async () => {
    const { tokenize } = await import('../engine/data/text');
    const { MAX_TEXT_CHARS } = await import('../engine/data/featurise-core');
    const exp = exportProgram(loadTemplate('text-tabular'), registry, 'pytorch');
    const dir = writeFiles('data-py-long-text', { 'data.py': exp.files['data.py'] });
    // Words of 'ab ', an emoji (a surrogate pair) straddling the cut, then words past it.
    const head = 'ab '.repeat(Math.floor((MAX_TEXT_CHARS - 1) / 3));
    const text = head + 'x'.repeat(MAX_TEXT_CHARS - 1 - head.length) + '\u{1F600}' + ' tail'.repeat(1000);
    fs.writeFileSync(path.join(dir, 'long.txt'), text, 'utf8');
    const py = `import json, data\nt = open("long.txt", encoding="utf-8").read()\nprint(json.dumps(data.tokenize(t, {"tokenizer": "word", "lowercase": True})[-3:] + [len(data.tokenize(t, {"tokenizer": "word"}))]))`;
    const got = JSON.parse(python(['-c', py], dir).trim().split('\n').pop() as string) as (string | number)[];
    const want = tokenize(text, { tokenizer: 'word', lowercase: true });
    expect(got).toEqual([...want.slice(-3), want.length]);
    expect(want).not.toContain('tail');
  }, 60_000);
});
